"""The HTML page's markup, without a browser: escaping, folding, patch links, code links.

What it looks like and does in a browser is tests/report/test_html_browser.py.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from driftpatch.report import REPORTERS
from driftpatch.report.html import INLINE_MAX, json_value
from tests.report.sample import IMDS, PATCH, REPORT
from tests.report.sample_html import CKV, CODE_URL, INJECT, POLICY, RICH, S3_RULE

HTML = REPORTERS["html"].render(RICH, False)


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


def _tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def test_injected_markup_is_text_never_tags() -> None:
    parsed = _tags(HTML)
    names = [t for t, _ in parsed.tags]
    assert names.count("script") == 1 and "img" not in names
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    assert "window.__pwned" not in "".join(parsed.script_text)
    assert INJECT not in HTML
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in HTML
    # A reference that is not https is shown, never linked.
    hrefs = [a.get("href") or "" for t, a in parsed.tags if t == "a"]
    assert not any(h.startswith("javascript") for h in hrefs)
    assert "javascript:window.__pwned=3" in HTML


def test_page_is_self_contained_under_a_hash_pinned_policy() -> None:
    parsed = _tags(HTML)
    assert not any(t in ("link", "img", "iframe", "object", "embed") for t, _ in parsed.tags)
    assert not any("src" in attrs for _, attrs in parsed.tags)
    csp = next(
        a["content"] or ""
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    style = re.search(r"<style>(.*?)</style>", HTML, re.DOTALL)
    script = re.search(r"<script>(.*?)</script>", HTML, re.DOTALL)
    assert style and script

    def pin(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert csp == (
        f"default-src 'none'; style-src {pin(style.group(1))}; script-src {pin(script.group(1))}; "
        "img-src data:; form-action 'none'; base-uri 'none'"
    )


def test_rule_ids_are_unbreakable_and_addresses_break_only_between_steps() -> None:
    assert '<code class="nw rule">DP-S3-004</code>' in HTML
    assert '<code class="nw rule">CKV_AWS_20</code>' in HTML
    assert (
        '<code class="addr"><span>module</span><wbr><span>.storage</span><wbr>'
        "<span>[&quot;eu-west-1-analytics&quot;]</span><wbr><span>.aws_s3_bucket_policy</span>"
        "<wbr><span>.data_lake_read_only</span><wbr><span>[&quot;x&quot;]</span></code>"
    ) in HTML
    assert (
        '<code class="addr"><span>metadata_options</span><wbr><span>[0]</span><wbr>'
        "<span>.http_tokens</span></code>"
    ) in HTML


def test_locations_link_to_the_reviewed_commit_and_wrap_only_after_a_slash() -> None:
    assert (
        f'<a href="{CODE_URL}modules/storage/policies/data-lake/main.tf#L120-L140" '
        'rel="noopener noreferrer"><code class="loc"><span>modules/</span><wbr>'
        "<span>storage/</span><wbr><span>policies/</span><wbr><span>data-lake/</span><wbr>"
        "<span>main.tf:120</span></code></a>"
    ) in HTML
    assert f'<a href="{CODE_URL}modules/app/main.tf#L12" ' in HTML  # one line: no range
    plain = REPORTERS["html"].render(dataclasses.replace(RICH, code_url=""), False)
    assert CODE_URL not in plain and "<span>main.tf:120</span>" in plain
    hostile = dataclasses.replace(RICH, code_url="javascript:alert(1)//")
    assert "javascript:alert" not in REPORTERS["html"].render(hostile, False)


def test_short_values_inline_long_ones_pretty_and_folded() -> None:
    assert json_value("optional") == '<code class="inline"><span class="tok">optional</span></code>'
    assert json_value("") == '<code class="inline">""</code>'
    assert json_value({"b": 1, "a": [True, None]}) == (
        '<code class="inline"><span class="tok">{&quot;a&quot;:</span> '
        '<span class="tok">[true,</span> <span class="tok">null],</span> '
        '<span class="tok">&quot;b&quot;:</span> <span class="tok">1}</span></code>'
    )
    pretty = escape(json.dumps(POLICY, indent=2, sort_keys=True))
    assert len(pretty) > INLINE_MAX
    assert json_value(POLICY) == (
        '<details class="json"><summary>{…} 2 keys: Statement, Version</summary>'
        f"<pre>{pretty}</pre></details>"
    )
    # A policy stored as a JSON string is shown parsed and pretty, and says it was a string.
    assert json_value(json.dumps(POLICY)) == (
        '<details class="json"><summary>JSON string: {…} 2 keys: Statement, Version</summary>'
        f"<pre>{pretty}</pre></details>"
    )
    assert json_value(list(range(40))).startswith(
        '<details class="json"><summary>[…] 40 items</summary><pre>[\n  0,\n  1,'
    )
    long_text = "x" * 70
    assert json_value(long_text) == (
        f'<details class="json"><summary>{"x" * INLINE_MAX}… (70 characters)</summary>'
        f"<pre>{long_text}</pre></details>"
    )


def test_each_finding_links_to_its_patch_and_the_patch_back() -> None:
    imds_row = re.search(rf'<tr class="finding"[^>]*id="f-{IMDS.id}">.*?</tr>', HTML, re.DOTALL)
    assert imds_row and '<a class="plink nw" href="#patch-1">patch 1</a>' in imds_row.group(0)
    ckv_row = re.search(rf'<tr class="finding"[^>]*id="f-{CKV.id}">.*?</tr>', HTML, re.DOTALL)
    assert ckv_row and 'href="#patch-3"' in ckv_row.group(0)
    s3_row = re.search(rf'<tr class="finding"[^>]*id="f-{S3_RULE.id}">.*?</tr>', HTML, re.DOTALL)
    assert s3_row and "plink" not in s3_row.group(0)
    section = re.search(r'<section class="patch" id="patch-1".*?</section>', HTML, re.DOTALL)
    assert section
    text = section.group(0)
    assert f'<a href="#f-{IMDS.id}"><code class="nw rule">DP-EC2-001</code></a>' in text
    assert "<dt>action</dt><dd><b>fix</b></dd>" in text
    assert "<dt>verified</dt><dd>yes — rule, schema, terraform-validate, terraform-plan</dd>" in (
        text
    )
    assert "<span>[0]</span></code>: <b>update</b>" in text
    assert '<span class="badge badge-in">in the default patch file</span>' in text
    second = re.search(r'<section class="patch" id="patch-2".*?</section>', HTML, re.DOTALL)
    assert second
    assert '<span class="badge badge-out">not in the default patch file</span>' in second.group(0)
    assert (
        "<dt>reason</dt><dd>terraform plan does not import aws_s3_bucket.scratch_b</dd>"
        in second.group(0)
    )
    assert "<dt>note</dt><dd>not verified: needs terraform</dd>" in second.group(0)
    assert "3 patches, 2 in the default patch file" in HTML


def test_patch_for_a_finding_not_in_the_report_says_so() -> None:
    report = dataclasses.replace(REPORT, findings=(), patches=(PATCH,))
    html = REPORTERS["html"].render(report, False)
    assert f'<li><code class="nw fid">{IMDS.id}</code> <span class="muted">(not in this' in html


def test_unread_notices_warnings_and_history_are_shown() -> None:
    assert '<div class="card"><b>1</b>unread</div>' in HTML
    assert (
        '<h2 id="unread">Unread: not compared</h2>' in HTML
        and '<li><code class="addr"><span>aws_vpc</span><wbr><span>.main</span></code> '
        '<code class="nw rid">vpc-0abc</code></li>'
        in HTML
    )
    assert "<li>checkov not found: its checks were skipped</li>" in HTML
    assert (
        '<li><span class="badge">warning</span> <code class="nw">plan</code>: '
        "Terraform 0.12 plan: short addresses read past</li>"
    ) in HTML
    assert (
        '<li><code class="nw">ec2/us-east-1</code>: DescribeVpcs: throttled past retries</li>'
    ) in HTML
    assert (
        '<span class="badge badge-new" title="first seen 2026-11-22T12:00:00+00:00">new</span>'
        in HTML
    )
    assert '<span class="badge" title="first seen 2026-11-01T02:00:00+00:00">recurring' in HTML
    plain = REPORTERS["html"].render(REPORT, False)
    assert 'id="unread"' not in plain and 'id="notices"' not in plain


def test_drifted_lists_show_what_was_removed_and_added() -> None:
    sg = dataclasses.replace(
        S3_RULE,
        attribute="ingress",
        expected=[{"port": 443}, {"port": 22}],
        actual=[{"port": 443}, {"port": 3389}],
    )
    html = REPORTERS["html"].render(dataclasses.replace(REPORT, findings=(sg,)), False)
    assert (
        '<div class="val delta"><span class="lbl del">- removed</span><span class="v">'
        '<code class="inline"><span class="tok">{&quot;port&quot;:</span> '
        '<span class="tok">22}</span></code></span></div>'
        '<div class="val delta"><span class="lbl add">+ added</span><span class="v">'
        '<code class="inline"><span class="tok">{&quot;port&quot;:</span> '
        '<span class="tok">3389}</span></code></span></div>'
    ) in html


def test_in_github_actions_the_cli_links_file_and_line_to_the_commit(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(REPORTERS["json"].render(REPORT, False), encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PYTHONPATH"] = str(repo / "src")
    sha = "89abcdef" * 5

    def render(extra: dict[str, str]) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "driftpatch", "report", "render", "r.json", "-o", "html:r.html"],
            cwd=tmp_path,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return (tmp_path / "r.html").read_text(encoding="utf-8")

    linked = render({"GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": sha})
    assert (
        f'<a href="https://github.com/acme/infra/blob/{sha}/modules/app/main.tf#L12" '
        'rel="noopener noreferrer"><code class="loc"><span>modules/app/main.tf:12</span></code></a>'
    ) in linked
    assert "https://github.com/acme" not in render({})
