"""The HTML report in a real headless Chromium: it renders, and its filters work.

Needs Chromium (Debian's `chromium`, or $DRIFTPATCH_CHROMIUM) and the playwright Python driver;
skips with a reason otherwise. Never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from driftpatch.report import REPORTERS
from tests.report.sample import REPORT

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    named = os.environ.get("DRIFTPATCH_CHROMIUM")
    if named and Path(named).is_file():
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    exe = _chromium()
    if exe is None:
        pytest.skip("needs Chromium (apt install chromium, or set DRIFTPATCH_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright driver")
    out = tmp_path_factory.mktemp("html") / "report.html"
    out.write_text(REPORTERS["html"].render(REPORT, False), encoding="utf-8")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        pg = browser.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(out.as_uri())
        pg.errors = errors
        yield pg
        browser.close()


def _visible_rules(page: Any) -> list[str]:
    rows = page.locator("tr.finding:not(.hidden) td:nth-child(2)")
    return [t.strip() for t in rows.all_inner_texts()]


def test_renders_every_finding_without_script_errors(page: Any) -> None:
    assert page.title() == "driftpatch report — 3 findings"
    assert _visible_rules(page) == ["DP-EC2-001", "DRIFT-UNMANAGED", "DRIFT"]
    assert page.locator("#shown").inner_text() == "3"
    assert page.errors == []


def test_severity_filter_toggles(page: Any) -> None:
    button = page.locator('button[data-filter="severity"][data-value="high"]')
    button.click()
    assert _visible_rules(page) == ["DP-EC2-001"]
    assert button.get_attribute("aria-pressed") == "true"
    assert page.locator("#shown").inner_text() == "1"
    button.click()
    assert len(_visible_rules(page)) == 3


def test_text_search_filters_rows(page: Any) -> None:
    page.fill("#search", "acme-logs")
    assert _visible_rules(page) == ["DRIFT"]
    page.fill("#search", "")
    assert len(_visible_rules(page)) == 3
