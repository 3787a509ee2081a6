"""Input files as untrusted files: the mistakes users make most, and files built to break a loader,
each answered with one located line (never a traceback, a hang or a silent acceptance)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel, field_validator

from gameday.errors import InputError
from gameday.inputfile import read_input_text
from gameday.localcloud.ports import free_port
from gameday.localcloud.stack import load_stack
from gameday.localcloud.variants import load_stack_as
from gameday.matrix.model import load_matrix
from gameday.matrix.runner import check_target
from gameday.scenario import load_scenario
from gameday.targets import LocalTarget
from gameday.yamlfile import SeveralProblems, load_model, read_yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = (ROOT / "scenarios" / "ci-catalog-breaker.yaml").read_text()


def _problems(path: Path, text: str | bytes, load: object = read_yaml) -> list[str]:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(InputError) as caught:
        load(path)  # type: ignore[operator]
    return [str(problem) for problem in caught.value.problems]


def _scenario_problems(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in SCENARIO
    return _problems(tmp_path / "s.yaml", SCENARIO.replace(old, new, 1), load_scenario)


# --- what users meet most ---------------------------------------------------------------------


def test_an_empty_key_says_it_is_empty(tmp_path: Path) -> None:
    assert _scenario_problems(tmp_path, "name: ci-catalog-breaker", "name:") == [
        f"{tmp_path}/s.yaml:7: name: is empty: give it a value"
    ]


def test_a_tab_says_yaml_indents_with_spaces(tmp_path: Path) -> None:
    assert _problems(tmp_path / "f.yaml", "a:\n\tb: 1\n") == [
        f"{tmp_path}/f.yaml:2: a tab: YAML indents with spaces only"
    ]


def test_a_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    problems = _scenario_problems(tmp_path, "faults:", "faults: []\nfaults:")
    assert problems == [f"{tmp_path}/s.yaml:23: the key 'faults' is given twice (first on line 22)"]


def test_a_wrong_indent_is_located(tmp_path: Path) -> None:
    assert _problems(tmp_path / "f.yaml", "a: b\n  c: d\n") == [
        f"{tmp_path}/f.yaml:2: not valid YAML: mapping values are not allowed in this context"
    ]


def test_a_byte_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    assert _problems(tmp_path / "f.yaml", b"a: 1\nb: caf\xe9\n") == [
        f"{tmp_path}/f.yaml:2: byte 0xe9 is not UTF-8: save the file as UTF-8"
    ]


# --- YAML that means something else than it seems -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("x: !!float abc\n", 1, "'abc' is not a valid float"),
        ("x: !foo 1\n", 1, "the tag !foo is not allowed: write plain YAML"),
        ("x: !!bool maybe\n", 1, "'maybe' is not a valid bool"),
        ("x: !!timestamp nope\n", 1, "the tag !!timestamp is not allowed: write plain YAML"),
        (
            "x: !!python/object:os.system {}\n",
            1,
            "the tag !!python/object:os.system is not allowed: write plain YAML",
        ),
        ("base: &b {a: 1}\nx:\n  <<: *b\n", 3, "merge keys (<<) are not allowed: write the fields out"),
        ("? [a, b]\n: 1\n", 1, "a key must be a plain value, not a list or a mapping"),
        ("a: *nowhere\n", 1, "the alias *nowhere names no anchor before it"),
        ("a: 1\n---\nb: 2\n", 2, "a second YAML document ('---'): a file holds one"),
        ("at: .nan\n", 1, "'.nan' is not a finite number"),
        ("at: -.inf\n", 1, "'-.inf' is not a finite number"),
        ("at: 1.0e+309\n", 1, "'1.0e+309' is not a finite number"),
        ("at: " + "9" * 400 + "\n", 1, "the number 99999999999999999999… has more than 40 digits"),
        ("a: \x07\n", 1, "the character #x0007 is not allowed in YAML"),
    ],
)
def test_yaml_no_input_needs_is_refused_at_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    assert _problems(tmp_path / "f.yaml", text) == [f"{tmp_path}/f.yaml:{line}: {message}"]


def test_an_empty_file_is_said_to_be_empty(tmp_path: Path) -> None:
    assert _problems(tmp_path / "f.yaml", "# nothing yet\n") == [f"{tmp_path}/f.yaml: the file is empty"]


def test_dates_and_names_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("name: 2024-01-01\nother: '7'\nn: 7\nt: 1:30\n")
    data, lines = read_yaml(path)
    assert data == {"name": "2024-01-01", "other": "7", "n": 7, "t": 90}
    assert lines[("t",)] == 4


# --- files built to exhaust a loader -------------------------------------------------------------


def test_a_billion_laughs_file_is_refused_quickly(tmp_path: Path) -> None:
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    (problem,) = _problems(tmp_path / "f.yaml", "\n".join(rows) + "\n")
    assert "values (aliases expanded)" in problem or "aliases (*name)" in problem


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path / "f.yaml", "x: " + "[" * 3000 + "]" * 3000 + "\n")
    assert problem.startswith(f"{tmp_path}/f.yaml:1: ") and "nest" in problem


def test_nesting_past_the_budget_is_refused_even_when_yaml_allows_it(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path / "f.yaml", "x: " + "[" * 100 + "]" * 100 + "\n")
    assert problem == f"{tmp_path}/f.yaml:1: nested deeper than 64 levels"


def test_a_long_list_loads_in_time_linear_in_its_size(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("items:\n" + "".join(f"  - {i}\n" for i in range(100_000)))
    data, lines = read_yaml(path)
    assert len(data["items"]) == 100_000 and lines[("items", 99_999)] == 100_001


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/dev/zero", "a device"), ("/dev/null", "a device"), ("{tmp}", "a directory")],
)
def test_a_file_that_is_not_a_regular_file_is_refused(tmp_path: Path, path: str, kind: str) -> None:
    target = Path(path.format(tmp=tmp_path))
    with pytest.raises(InputError) as caught:
        read_input_text(target)
    assert str(caught.value) == f"{target}: the file is {kind}, not a regular file"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="the file is a pipe, not a regular file"):
        read_yaml(fifo)


def test_a_file_past_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\n" + "#" * 2000 + "\n")
    with pytest.raises(InputError, match="the file is larger than 0 MiB"):
        read_input_text(path, limit=1000)


# --- values that parse but make no sense ---------------------------------------------------------


BOUNDS = [
    ("at: 6s", "at: 0s", "24: faults[0].at: 'at' must leave a baseline phase before the fault"),
    (
        "duration: 32s",
        "duration: 16s",
        "25: faults[0].for: the fault ends at 18s: no recovery left in a run of 16s",
    ),
    ("for: 12s", "for: 99999999h", "25: faults[0].for: 99999999h is longer than a week"),
    ("at: 6s", "at:", "24: faults[0].at: is empty: give a duration such as 30s, 2m or 1m30s"),
]
HARMFUL_STACKS = [
    ("replicas: 2", "replicas: 10000", "8: services.bff.replicas: must be at most 50"),
    (
        "    depends_on: [catalog, orders]",
        "    depends_on: [catalog, orders]\n    env: {'A=B': x}",
        "12: services.bff.env.A=B: a variable name is",
    ),
    (
        "    depends_on: [catalog, orders]",
        '    depends_on: [catalog, orders]\n    env: {A: "x\\0y"}',
        "12: services.bff.env.A: must not hold a NUL",
    ),
    (
        "shop.catalog]\n",
        "shop.catalog]\n    depends_on: [bff]\n",
        "23: services.catalog.depends_on[0]: a dependency loop: bff -> catalog -> bff",
    ),
]


@pytest.mark.parametrize(
    ("source", "old", "new", "expected"),
    [("scenarios/ci-catalog-breaker.yaml", *case) for case in BOUNDS]
    + [("gameday/shop/stack.yaml", *case) for case in HARMFUL_STACKS],
)
def test_values_that_parse_but_make_no_sense_point_at_their_field(
    tmp_path: Path, source: str, old: str, new: str, expected: str
) -> None:
    text = (ROOT / source).read_text()
    assert old in text
    load = load_scenario if source.startswith("scenarios") else load_stack
    problems = _problems(tmp_path / "f.yaml", text.replace(old, new, 1), load)
    assert any(p.startswith(f"{tmp_path}/f.yaml:{expected}") for p in problems), problems


# --- problems found across files point into the file that has them -------------------------------


def _shop_copy(tmp_path: Path, variants: str) -> Path:
    for name in ("stack.yaml", "matrix.yaml"):
        (tmp_path / name).write_text(
            (ROOT / "gameday" / "shop" / name).read_text().replace("../../scenarios/", f"{ROOT}/scenarios/")
        )
    (tmp_path / "variants.yaml").write_text(variants)
    return tmp_path / "stack.yaml"


def test_a_variant_overlay_problem_is_at_its_line_in_the_variants_file(tmp_path: Path) -> None:
    variants = (
        "variants:\n  good:\n    description: as written\n"
        "  odd:\n    description: x\n    services:\n      cart: {env: {A: b}}\n"
    )
    stack = _shop_copy(tmp_path, variants)
    with pytest.raises(InputError) as caught:
        load_stack_as(stack, "good+odd")
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}/variants.yaml:7: variants.odd.services.cart: no service named 'cart' "
        "(known: bff, catalog, orders, worker)"
    ]


def test_a_matrix_row_naming_an_unknown_variant_is_reported_at_that_row(tmp_path: Path) -> None:
    stack = _shop_copy(tmp_path, "variants:\n  good:\n    description: as written\n")
    matrix = load_matrix(tmp_path / "matrix.yaml")
    target = LocalTarget(kind="localcloud", stack=stack, control_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(InputError) as caught:
        check_target(target, "local", matrix, matrix.rows)
    (problem,) = caught.value.problems
    first = next(i for i, row in enumerate(matrix.rows) if row.variant != "good")
    assert (problem.file, problem.field) == (str(tmp_path / "matrix.yaml"), f"rows[{first}].variant")
    assert problem.line is not None and "no variant named 'no-breaker'" in problem.message


# --- one validator, several problems ---------------------------------------------------------------


class _Listing(BaseModel):
    """A field whose validator finds several problems, as a template file's check does."""

    items: list[str]

    @field_validator("items")
    @classmethod
    def _each_short(cls, items: list[str]) -> list[str]:
        long = [
            f"items.txt:{index + 1}: '{item}' is too long"
            for index, item in enumerate(items)
            if len(item) > 3
        ]
        if long:
            raise SeveralProblems(long)
        return items


def test_several_problems_of_one_validator_are_one_line_each_at_the_field(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path / "l.yaml", "# a list\nitems: [abcd, ab, efgh]\n", lambda p: load_model(p, _Listing)
    )
    assert problems == [
        f"{tmp_path}/l.yaml:2: items: items.txt:1: 'abcd' is too long",
        f"{tmp_path}/l.yaml:2: items: items.txt:3: 'efgh' is too long",
    ]
