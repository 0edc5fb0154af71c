"""The HTML report in a real headless Chromium: it renders, its filters work, ids and file:line
never break mid-word in a narrow window, finding -> patch links scroll, long JSON is folded, and
a value holding `</script>` or markup runs nothing.

Needs Chromium (Debian's `chromium`, or $DRIFTPATCH_CHROMIUM) and the playwright Python driver;
skips with a reason otherwise. Never downloads a browser.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from driftpatch.model import Report
from driftpatch.report import REPORTERS
from tests.report.sample import REPORT
from tests.report.sample_html import CKV, CODE_URL, POLICY, RICH, S3_RULE

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


Opener = Callable[[Report, int], Any]


@pytest.fixture(scope="module")
def open_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Opener]:
    """Opens a report's page at a viewport width; the page records script errors and requests."""
    exe = _chromium()
    if exe is None:
        pytest.skip("needs Chromium (apt install chromium, or set DRIFTPATCH_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright driver")
    folder = tmp_path_factory.mktemp("html")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)

        def opener(report: Report, width: int) -> Any:
            out = folder / f"report-{width}-{len(report.findings)}.html"
            out.write_text(REPORTERS["html"].render(report, False), encoding="utf-8")
            pg = browser.new_page(viewport={"width": width, "height": 700})
            errors: list[str] = []
            requests: list[str] = []
            pg.on("pageerror", lambda exc: errors.append(str(exc)))
            pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            pg.on("request", lambda req: requests.append(req.url))
            pg.goto(out.as_uri())
            pg.errors = errors
            pg.requests = requests
            pg.uri = out.as_uri()
            return pg

        yield opener
        browser.close()


@pytest.fixture(scope="module")
def page(open_page: Opener) -> Any:
    return open_page(REPORT, 1280)


@pytest.fixture()
def narrow(open_page: Opener) -> Iterator[Any]:
    pg = open_page(RICH, 360)
    yield pg
    pg.close()


@pytest.fixture()
def wide(open_page: Opener) -> Iterator[Any]:
    pg = open_page(RICH, 1280)
    yield pg
    pg.close()


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


def _lines(page: Any, selector: str) -> list[int]:
    """How many lines each matching element is laid out on: the distinct tops of its boxes
    (Chromium gives an element one box per child fragment, so a count of boxes is not lines)."""
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => new Set([...e.getClientRects()]"
        ".filter(r => r.width > 0).map(r => Math.round(r.top))).size)",
    )


def _boxes(page: Any, selector: str) -> list[int]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getClientRects().length)")


@pytest.mark.parametrize("width", [360, 901])  # stacked cards; the table at its tightest
def test_rule_ids_and_short_locations_stay_on_one_line(open_page: Opener, width: int) -> None:
    narrow = open_page(RICH, width)
    assert narrow.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out
    rules = narrow.eval_on_selector_all(
        "tr.finding td[data-label=rule] code.rule", "els => els.map(e => e.textContent)"
    )
    assert rules == ["DP-S3-004", "CKV_AWS_20", "DP-EC2-001", "DRIFT-UNMANAGED", "DRIFT"]
    # A rule id or resource id is a single box: one line, never broken at its hyphens.
    assert _boxes(narrow, "tr.finding td[data-label=rule] code.rule") == [1] * 5
    assert _boxes(narrow, "tr.finding code.rid") == [1] * 5
    ckv = f"#f-{CKV.id}"
    assert narrow.inner_text(f"{ckv} code.loc") == "terraform/s3.tf:3"
    assert _lines(narrow, f"{ckv} code.loc") == [1]
    narrow.close()


def test_long_addresses_and_paths_wrap_only_between_steps(narrow: Any) -> None:
    row = f"#f-{S3_RULE.id}"
    address = f"{row} td[data-label=resource] code.addr"
    assert narrow.inner_text(address) == S3_RULE.address
    assert _lines(narrow, address)[0] > 1  # it does wrap in 360 pixels...
    assert set(_lines(narrow, f"{address} > span")) == {1}  # ...but never inside a step
    location = f"{row} code.loc"
    assert narrow.inner_text(location) == "modules/storage/policies/data-lake/main.tf:120"
    assert _lines(narrow, location)[0] > 1
    assert set(_lines(narrow, f"{location} > span")) == {1}
    assert narrow.inner_text(f"{location} > span:last-child") == "main.tf:120"


def test_finding_links_to_its_patch_and_back(wide: Any) -> None:
    wide.click(f"#f-{CKV.id} a.plink")
    assert wide.url.endswith("#patch-3")
    box = wide.evaluate(
        "(() => { const r = document.getElementById('patch-3').getBoundingClientRect();"
        " return [r.top, window.innerHeight]; })()"
    )
    assert 0 <= box[0] < box[1]
    assert wide.inner_text("#patch-3 h3") == "patch 3 · terraform/s3.tf"
    # Back to the finding even when a filter hides it: the filters are cleared.
    wide.click('button[data-filter="severity"][data-value="low"]')
    assert wide.is_hidden(f"#f-{CKV.id}")
    wide.click(f'#patch-3 a[href="#f-{CKV.id}"]')
    # The page's script clears the filters on the click; wait for it (a loaded machine is slow).
    wide.locator(f"#f-{CKV.id}").wait_for(state="visible")
    assert wide.is_visible(f"#f-{CKV.id}")
    assert wide.locator("#shown").inner_text() == "5"
    assert wide.errors == []


def test_long_json_is_folded_and_pretty(wide: Any) -> None:
    live = wide.locator(f"#f-{S3_RULE.id} details.json")
    assert live.locator("summary").inner_text() == "{…} 2 keys: Statement, Version"
    assert live.locator("pre").is_hidden()
    live.locator("summary").click()
    assert live.locator("pre").is_visible()
    assert live.locator("pre").inner_text() == json.dumps(POLICY, indent=2, sort_keys=True)
    short = wide.locator(f"#f-{S3_RULE.id} code.inline")
    assert short.inner_text() == '{"Statement": [], "Version": "2012-10-17"}'


def test_injected_script_and_markup_do_not_run(wide: Any) -> None:
    assert wide.evaluate("typeof window.__pwned") == "undefined"
    assert wide.locator("img").count() == 0
    assert wide.locator("script").count() == 1
    title = wide.locator(f"#f-{CKV.id} details.desc summary").inner_text()
    assert title.startswith("S3 bucket has a public-read ACL </script><script>window.__pwned")
    wide.locator(f"#f-{CKV.id} details.desc summary").click()
    wide.locator(f"#f-{CKV.id} details.json summary").click()
    assert wide.evaluate("typeof window.__pwned") == "undefined"
    # The page's own script ran (its hash is in the policy), and it fetched nothing.
    assert wide.locator("#shown").inner_text() == "5"
    assert wide.errors == []
    assert wide.requests == [wide.uri]


def test_locations_link_to_the_commit_under_review(wide: Any) -> None:
    link = wide.locator(f"#f-{CKV.id} td[data-label=where] a")
    assert link.get_attribute("href") == f"{CODE_URL}terraform/s3.tf#L3-L9"
