"""The rendered pages as a browser shows them: `make screenshots` runs this in Debian's headless
Chromium and keeps a full-page screenshot and a PDF of each page in reports/screenshots/.

A real game day (ci-catalog-breaker, twice, so its report has a previous run beside it) gives the
run report and a history page; five synthetic nights give a history page with a regression.
Each page must load every image, fit its width (nothing cut off at the right) on a laptop screen
and a narrow window, and print to PDF.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from nightly_runs import nightly
from shop_target import write_local_targets, write_shop_stack

from gameday.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "reports" / "screenshots"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTHS = (1280, 760)
PAGE_CHECKS = """
const images = [...document.images]
  .map(i => ({src: i.src.slice(0, 60), ok: i.complete && i.naturalWidth > 0}));
const root = document.documentElement;
const wide = [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
  .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.textContent || '').slice(0, 40));
return {images: images, overflow: root.scrollWidth - root.clientWidth, wide: wide.slice(0, 5),
        height: root.scrollHeight};
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (Path(CHROMEDRIVER).exists() and Path(CHROMIUM).exists()):
        if os.environ.get("GAMEDAY_BROWSER_REQUIRED"):
            pytest.fail("chromium and chromium-driver are not installed (make screenshots installs them)")
        pytest.skip("chromium and chromium-driver are not installed; `make screenshots` installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    targets, _ = write_local_targets(folder, write_shop_stack(folder))
    reports = folder / "reports"
    for _ in range(2):
        run = [
            "run",
            "ci-catalog-breaker",
            "--target",
            "local",
            "--targets",
            str(targets),
            "--reports",
            str(reports),
        ]
        assert main(run) == 0
    assert main(["history", "--reports", str(reports)]) == 0
    nights = folder / "nights"
    nightly(nights, [7.0, 7.0, 7.0, 7.0, None])
    assert main(["history", "--reports", str(nights)]) == 0
    return {
        "run-report": (reports / "latest").resolve() / "report.html",
        "history": reports / "history.html",
        "history-regression": nights / "history.html",
    }


@pytest.mark.parametrize("page", ["run-report", "history", "history-regression"])
def test_page_shows_every_image_fits_its_width_and_prints(
    browser: object, pages: dict[str, Path], page: str
) -> None:
    from selenium.webdriver.chrome.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        browser.set_window_size(width, 900)
        browser.get(pages[page].as_uri())
        seen = browser.execute_script(PAGE_CHECKS)
        broken = [i["src"] for i in seen["images"] if not i["ok"]]
        assert seen["images"] and not broken, f"{page} at {width}px: images not shown: {broken}"
        assert seen["overflow"] <= 0, (
            f"{page} at {width}px: {seen['overflow']}px cut off at the right: {seen['wide']}"
        )
        browser.set_window_size(width, min(int(seen["height"]) + 100, 16_000))
        assert browser.save_screenshot(str(SCREENSHOTS / f"{page}-{width}.png"))
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    (SCREENSHOTS / f"{page}.pdf").write_bytes(pdf)
