"""Every registered format renders the sample report exactly as its golden file.

Regenerate the golden files with `make golden` after an intended change, and review the diff.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from driftpatch.report import REPORTERS
from driftpatch.report.markdown import suggestion
from tests.report.sample import IMDS, IMPORT, PATCH, REPORT

GOLDEN = Path(__file__).parent / "golden"
SCHEMAS = Path(__file__).parent.parent / "data" / "schemas"
CONTRACT_FORMATS = ("console", "json", "sarif", "markdown", "html", "junit", "patch")
UPDATE = bool(os.environ.get("DRIFTPATCH_UPDATE_GOLDEN"))


def test_registry_covers_the_cli_contract_and_nothing_unknown() -> None:
    assert set(REPORTERS) == set(CONTRACT_FORMATS)
    assert all(name == r.name for name, r in REPORTERS.items())


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_golden(name: str) -> None:
    reporter = REPORTERS[name]
    out = reporter.render(REPORT, False)
    path = GOLDEN / f"sample{reporter.extension}"
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"no golden file for {name}: run `make golden`"
    assert out == path.read_text(encoding="utf-8")


def test_every_format_has_a_golden_file() -> None:
    for r in REPORTERS.values():
        assert (GOLDEN / f"sample{r.extension}").exists(), r.name


def test_json_is_the_contract_shape() -> None:
    doc = json.loads(REPORTERS["json"].render(REPORT, False))
    assert doc["schema_version"] == 1
    assert doc["tool"] == {"name": "driftpatch", "version": "0.1.0"}
    assert set(doc["summary"]) == {"managed", "unmanaged", "missing", "drifted", "by_severity"}
    assert doc["summary"]["by_severity"] == {
        "critical": 0,
        "high": 1,
        "medium": 1,
        "low": 1,
        "info": 0,
    }
    assert doc["summary"]["managed"] == 3 and doc["summary"]["unmanaged"] == 1
    first = doc["findings"][0]
    assert [f["rule_id"] for f in doc["findings"]] == ["DP-EC2-001", "DRIFT-UNMANAGED", "DRIFT"]
    assert set(first) >= {
        "id",
        "kind",
        "rule_id",
        "title",
        "severity",
        "category",
        "address",
        "resource_type",
        "resource_id",
        "attribute",
        "expected",
        "actual",
        "location",
        "description",
        "risk",
        "remediation",
        "references",
    }
    assert first["location"] == {"file": "modules/app/main.tf", "start_line": 12, "end_line": 12}
    assert doc["patches"][0]["action"] == "fix" and doc["patches"][0]["verified"] is True
    assert doc["errors"] == [
        {"scope": "iam/global", "message": "ListRoles: AccessDenied: not authorized"}
    ]


def test_sarif_validates_against_the_oasis_schema() -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    doc = json.loads(REPORTERS["sarif"].render(REPORT, False))
    jsonschema.Draft7Validator(schema).validate(doc)
    results = doc["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["DP-EC2-001", "DRIFT-UNMANAGED", "DRIFT"]
    imds = results[0]
    assert imds["partialFingerprints"] == {"driftpatch/v1": IMDS.id}
    assert imds["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "endLine": 12}
    # unmanaged: no code declares it, so it sits at the provider block (GitHub needs a place)
    unmanaged = results[1]["locations"][0]
    assert unmanaged["physicalLocation"]["artifactLocation"]["uri"] == "terraform/providers.tf"
    assert unmanaged["physicalLocation"]["region"] == {"startLine": 1, "endLine": 4}
    assert unmanaged["logicalLocations"] == [
        {"fullyQualifiedName": "aws_s3_bucket.scratch-<b>", "kind": "resource"}
    ]
    assert doc["runs"][0]["automationDetails"] == {"id": "driftpatch/scan/terraform/"}
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert rules[imds["ruleIndex"]]["properties"]["security-severity"] == "8.0"


def test_junit_counts_failures_and_passes() -> None:
    root = ET.fromstring(REPORTERS["junit"].render(REPORT, False))
    assert root.get("tests") == "5" and root.get("failures") == "3" and root.get("errors") == "1"
    names = [s.get("name") for s in root.iter("testsuite")]
    assert names == ["DP-EC2-001", "DRIFT", "DRIFT-UNMANAGED", "in-sync", "not-scanned"]


def test_html_escapes_everything() -> None:
    out = REPORTERS["html"].render(REPORT, False)
    assert "scratch-<b>" not in out and "scratch-&lt;b&gt;" in out
    assert "prod | test" in out


def test_markdown_suggestion_for_one_contiguous_change() -> None:
    sug = suggestion(PATCH)
    assert sug is not None
    assert (sug.file, sug.start, sug.end, sug.lines) == (
        "modules/app/main.tf",
        12,
        12,
        ('    http_tokens = "required"',),
    )
    assert suggestion(IMPORT) is None  # a new file is not a suggestion
    md = REPORTERS["markdown"].render(REPORT, False)
    assert '```suggestion\n    http_tokens = "required"\n```' in md
    assert "prod \\| test" in md  # pipes escaped inside table cells
