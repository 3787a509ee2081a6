# gameday: `make demo` shows a whole game day on localcloud; `make test` proves it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit venv clean bench matrix fuzz deploy-policies screenshots

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/gameday run scenarios/orders-task-loss.yaml --target local

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint deploy/*.yaml
	$(BIN)/hadolint deploy/Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy gameday faults loadprofiles bench tests

unit: $(STAMP)
	$(BIN)/pytest -q -m 'not browser' tests

test: lint typecheck
	$(BIN)/pytest -q -m 'not browser' tests scenarios/ci-orders-kill-one.yaml

# The rendered pages in Debian's headless Chromium (installed here when missing): two real game days
# and a synthetic history; every image shown, nothing cut off at 1280 and 760 px, printable to PDF.
# Full-page screenshots and PDFs land in reports/screenshots/.
screenshots: $(STAMP)
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update && apt-get install -y chromium chromium-driver)
	GAMEDAY_BROWSER_REQUIRED=1 $(BIN)/pytest -q -m browser tests/test_rendered_pages.py

# The input fuzzer at full size: 4,000 mutated input files (about a minute); `make test` runs 300.
fuzz: $(STAMP)
	GAMEDAY_FUZZ_CASES=4000 $(BIN)/pytest -q tests/test_input_fuzz.py

# The full verdict matrix (51 game days, about 52 minutes): every row of gameday/shop/matrix.yaml on
# localcloud, each in its shop variant. `make test` runs its reduced rows (tests/test_verdict_matrix.py).
matrix: $(STAMP)
	$(BIN)/gameday matrix gameday/shop/matrix.yaml --reports reports

# deploy/runner.yaml's two role policies, generated from what gameday calls for the catalogue on the
# shop stack (a test fails while they are stale).
deploy-policies: $(STAMP)
	$(BIN)/python -m gameday.iam.runner_template deploy/runner.yaml

bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) reports/runs reports/latest
