"""The catalogue behind `driftpatch rules` and docs/rules.md."""

from __future__ import annotations

import json
from pathlib import Path

from driftpatch.rules import all_checks
from driftpatch.rules.catalogue import catalogue, render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
KEYS = {"id", "title", "severity", "category", "resource_types", "references", "checkov"}


def test_catalogue_lists_every_rule_as_json_data() -> None:
    entries = catalogue()
    assert [e["id"] for e in entries] == [r.meta.id for r in all_checks()]
    json.dumps(entries)
    for entry in entries:
        assert KEYS | {"fixable", "live"} <= set(entry)
    by_id = {e["id"]: e for e in entries}
    assert by_id["DP-S3-003"]["fixable"] is True
    assert by_id["DP-S3-003"]["references"][0] == "CIS AWS 2.1.4"
    assert by_id["DP-VPC-001"]["fixable"] is False
    assert (by_id["DP-TF-001"]["live"], by_id["DP-TF-001"]["kind"]) == (False, "source")
    assert by_id["DP-EC2-001"]["live"] is True


def test_markdown_names_every_rule_and_the_cis_version() -> None:
    text = render_markdown()
    assert "CIS Amazon Web Services\nFoundations Benchmark v3.0.0" in text
    for rule in all_checks():
        assert f"\n## {rule.meta.id}\n" in text
    assert '"\\*:\\*"' in text  # emphasis characters in titles are escaped


def test_docs_rules_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/rules.md is stale: run `python scripts/gen_rules_doc.py`"
    )
