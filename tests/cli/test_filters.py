"""Finding selection (--only, --min-severity, --rule, --skip-rule), --compact and suppressed
findings, through the real CLI on fixtures/inputs/stack (issue 12).

The stack, checked without checkov, has sixteen misconfigurations (BASELINE), per instance
(`count = var.bucket_count` is two buckets). Selection happens
before patches are made, so the exit code and `-o patch` only concern what is reported."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from tests.cli.test_contract import REPO, STACK, one_line_error, run
from tests.report.test_sarif_github import github_problems

SCHEMA = REPO / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json"
DEMO_DRIFT_PLAN = REPO / "fixtures" / "worlds" / "demo" / "plan-drift.json"

# (rule_id, severity, address) of every finding of `check --no-checkov` on the stack.
BASELINE = Counter(
    {
        ("DP-TF-001", "critical", None): 2,
        ("DP-S3-003", "high", "aws_s3_bucket.logs[0]"): 1,
        ("DP-S3-003", "high", "aws_s3_bucket.logs[1]"): 1,
        ("DP-S3-003", "high", "module.bucket[0].aws_s3_bucket.this"): 1,
        ("DP-S3-004", "medium", "aws_s3_bucket.logs[0]"): 1,
        ("DP-S3-004", "medium", "aws_s3_bucket.logs[1]"): 1,
        ("DP-S3-004", "medium", "module.bucket[0].aws_s3_bucket.this"): 1,
        ("DP-S3-005", "medium", "aws_s3_bucket.logs[0]"): 1,
        ("DP-S3-005", "medium", "aws_s3_bucket.logs[1]"): 1,
        ("DP-S3-005", "medium", "module.bucket[0].aws_s3_bucket.this"): 1,
        ("DP-VPC-101", "medium", "module.net.aws_vpc.this"): 1,
        ("DP-TF-002", "medium", None): 1,
        ("DP-S3-006", "low", "aws_s3_bucket.logs[0]"): 1,
        ("DP-S3-006", "low", "aws_s3_bucket.logs[1]"): 1,
        ("DP-S3-006", "low", "module.bucket[0].aws_s3_bucket.this"): 1,
    }
)


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    shutil.copytree(STACK, dest)
    (dest / ".git").mkdir()
    return dest


def check(stack: Path, *args: str) -> tuple[int, dict[str, object], str]:
    proc = run("check", "--source", str(stack), "--no-checkov", "-o", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def found(doc: dict[str, object]) -> Counter[tuple[str, str, str | None]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return Counter((f["rule_id"], f["severity"], f["address"]) for f in findings)


def only(rules: set[str]) -> Counter[tuple[str, str, str | None]]:
    return Counter({k: n for k, n in BASELINE.items() if k[0] in rules})


def test_without_options_the_stack_has_the_baseline(stack: Path) -> None:
    code, doc, _ = check(stack)
    assert (code, found(doc)) == (1, BASELINE)
    assert "suppressed" not in doc  # additive: absent when nothing was suppressed
    assert "filtered_findings" not in doc["stats"]  # type: ignore[operator]


def test_min_severity_reports_and_fails_only_on_what_is_at_least_that_severe(stack: Path) -> None:
    code, doc, _ = check(stack, "--min-severity", "high")
    assert code == 1
    assert found(doc) == only({"DP-TF-001", "DP-S3-003"})
    assert doc["summary"]["by_severity"] == {  # type: ignore[index]
        "critical": 2,
        "high": 3,
        "medium": 0,
        "low": 0,
        "info": 0,
    }
    assert doc["stats"]["filtered_findings"] == 11  # type: ignore[index]


def test_rule_globs_match_case_insensitively_and_checkov_ids(stack: Path) -> None:
    code, doc, _ = check(stack, "--rule", "dp-s3-00[45]", "--rule", "CKV2_AWS_11")
    assert code == 1
    assert found(doc) == only({"DP-S3-004", "DP-S3-005", "DP-VPC-101"})
    # Patches are made for reported findings only.
    reported = {f["id"] for f in doc["findings"]}  # type: ignore[attr-defined]
    served = {fid for p in doc["patches"] for fid in p["finding_ids"]}  # type: ignore[attr-defined]
    assert served and served <= reported


def test_skip_rule_and_the_exit_code_follows_fail_on_on_what_is_reported(stack: Path) -> None:
    code, doc, _ = check(
        stack, "--skip-rule", "DP-S3-*,DP-TF-001", "--skip-rule", "DP-VPC-*", "--fail-on", "medium"
    )
    assert (code, found(doc)) == (1, only({"DP-TF-002"}))
    code, doc, _ = check(stack, "--skip-rule", "DP-S3-*,DP-TF-*", "--fail-on", "high")
    assert (code, found(doc)) == (0, only({"DP-VPC-101"}))


def test_only_drift_on_a_stack_without_drift_is_clean_and_misconfig_is_everything(
    stack: Path,
) -> None:
    code, doc, _ = check(stack, "--only", "drift")
    assert (code, found(doc), doc["patches"]) == (0, Counter(), [])
    code, doc, _ = check(stack, "--only", "misconfig")
    assert (code, found(doc)) == (1, BASELINE)


def test_only_drift_keeps_drift_missing_and_unmanaged_and_rules_match_also_ids() -> None:
    proc = run("check", "--plan", str(DEMO_DRIFT_PLAN), "--no-checkov", "-o", "json")
    everything = json.loads(proc.stdout)["findings"]
    proc = run(
        "check", "--plan", str(DEMO_DRIFT_PLAN), "--no-checkov", "--only", "drift", "-o", "json"
    )
    assert proc.returncode == 1, proc.stderr
    drift = json.loads(proc.stdout)["findings"]
    assert drift == [f for f in everything if f["kind"] != "misconfig"]
    assert Counter(f["kind"] for f in drift) == {"drift": 19, "missing": 6}


def test_a_security_regression_found_as_drift_carries_the_rule_id() -> None:
    """A security regression found as drift carries the rule's id in `also`; a rule the code
    already breaks stays a misconfiguration of its own, even where its group drifted in another
    way (a rule added by hand to the web group, whose SSH rule is a separate resource)."""
    proc = run(
        "check",
        "--plan",
        str(DEMO_DRIFT_PLAN),
        "--no-checkov",
        "--rule",
        "DP-VPC-001",
        "-o",
        "json",
    )
    assert [(f["kind"], f["address"]) for f in json.loads(proc.stdout)["findings"]] == [
        ("drift", "module.network.aws_security_group.db"),
        ("misconfig", "module.network.aws_security_group.web"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--only", "both"), "'both' is not one of 'drift', 'misconfig'"),
        (("--min-severity", "severe"), "'severe' is not one of"),
        (("--rule", "DP-S3-001,"), "--rule: empty rule id in 'DP-S3-001,'"),
        (("--skip-rule", ""), "--skip-rule: empty rule id in ''"),
    ],
)
def test_bad_selection_is_one_line_and_exit_2(
    stack: Path, args: tuple[str, ...], message: str
) -> None:
    proc = run("check", "--source", str(stack), "--no-checkov", *args)
    assert message in one_line_error(proc)


def test_selection_from_the_config_file(stack: Path, tmp_path: Path) -> None:
    (tmp_path / "driftpatch.toml").write_text(
        '[check]\nmin-severity = "critical"\nskip-rule = ["DP-S3-*"]\n'
    )
    proc = run("check", "--source", str(stack), "--no-checkov", "-o", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert found(json.loads(proc.stdout)) == only({"DP-TF-001"})


# -- suppressed findings ------------------------------------------------------------------------


def _suppress(stack: Path) -> None:
    main = stack / "main.tf"
    main.write_text(
        main.read_text().replace(
            'resource "aws_s3_bucket" "logs" {',
            "# driftpatch:ignore=DP-S3-006 access logs of a log bucket are noise\n"
            'resource "aws_s3_bucket" "logs" {',
        )
    )
    (stack / ".driftpatchignore").write_text(
        "DP-TF-002  # providers are pinned by the platform team\nmodule.bucket.aws_s3_bucket.this\n"
    )


def test_suppressed_findings_are_listed_never_counted(stack: Path) -> None:
    _suppress(stack)
    proc = run("check", "--source", ".", "--no-checkov", "-o", "json", cwd=stack)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    gone = {("DP-TF-002", "medium", None)}
    gone |= {("DP-S3-006", "low", f"aws_s3_bucket.logs[{i}]") for i in (0, 1)}
    gone |= {k for k in BASELINE if k[2] == "module.bucket[0].aws_s3_bucket.this"}
    assert found(doc) == Counter({k: n for k, n in BASELINE.items() if k not in gone})
    accepted = sorted(
        (s["rule_id"], s["address"], s["suppression"]["kind"], s["suppression"]["justification"])
        for s in doc["suppressed"]
    )
    # The ignore file names the block (`module.bucket.aws_s3_bucket.this`): it covers the
    # instance `module.bucket[0]` declares.
    bucket = "module.bucket[0].aws_s3_bucket.this"
    noise = "access logs of a log bucket are noise"
    assert accepted == [
        ("DP-S3-003", bucket, "external", ""),
        ("DP-S3-004", bucket, "external", ""),
        ("DP-S3-005", bucket, "external", ""),
        ("DP-S3-006", "aws_s3_bucket.logs[0]", "inSource", noise),
        ("DP-S3-006", "aws_s3_bucket.logs[1]", "inSource", noise),
        ("DP-S3-006", bucket, "external", ""),
        ("DP-TF-002", None, "external", "providers are pinned by the platform team"),
    ]
    where = {s["rule_id"]: s["suppression"]["where"] for s in doc["suppressed"]}
    assert where["DP-TF-002"] == ".driftpatchignore:1"
    assert where["DP-S3-004"] == ".driftpatchignore:2"
    logs = next(s for s in doc["suppressed"] if s["suppression"]["kind"] == "inSource")
    assert logs["suppression"]["where"] == "main.tf:58"
    assert logs["location"] == {"file": "main.tf", "start_line": 59, "end_line": 66}
    assert {"id", "kind", "severity", "title"} <= set(logs)  # a whole finding
    # Suppressed findings get no patch.
    served = {fid for p in doc["patches"] for fid in p["finding_ids"]}
    assert not served & {s["id"] for s in doc["suppressed"]}


def test_only_suppressed_findings_left_exits_0(stack: Path) -> None:
    _suppress(stack)
    proc = run(
        "check", "--source", ".", "--no-checkov", "--rule", "DP-TF-002", "-o", "json", cwd=stack
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["findings"] == []
    assert [s["rule_id"] for s in doc["suppressed"]] == ["DP-TF-002"]  # selected alike


def test_sarif_suppressions_are_schema_valid_and_github_accepts_them(stack: Path) -> None:
    _suppress(stack)
    # An absolute --source: `where` still names the ignore file relative to the repository.
    proc = run("check", "--source", str(stack), "--no-checkov", "-o", "sarif")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(doc)
    assert github_problems(doc) == []
    results = doc["runs"][0]["results"]
    plain = [r for r in results if "suppressions" not in r]
    dismissed = [r for r in results if "suppressions" in r]
    assert len(plain) == sum(BASELINE.values()) - 7
    assert len(dismissed) == 7
    tf002 = next(r for r in dismissed if r["ruleId"] == "DP-TF-002")
    assert tf002["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "providers are pinned by the platform team",
            "properties": {"where": ".driftpatchignore:1"},
        }
    ]
    logs = next(r for r in dismissed if r["ruleId"] == "DP-S3-006" and "logs" in str(r))
    assert logs["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "access logs of a log bucket are noise",
            "properties": {"where": "main.tf:58"},
        }
    ]
    no_reason = next(r for r in dismissed if r["ruleId"] == "DP-S3-004")
    assert no_reason["suppressions"] == [
        {"kind": "external", "status": "accepted", "properties": {"where": ".driftpatchignore:2"}}
    ]
    assert all(r["partialFingerprints"] for r in dismissed)


# -- compact -------------------------------------------------------------------------------------


def test_compact_console_is_one_line_per_finding(stack: Path) -> None:
    proc = run(
        "check", "--source", str(stack), "--no-checkov", "--compact", "--min-severity", "high"
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].endswith("  7 resources, 5 findings")
    rows = lines[1:6]
    assert [r.split()[:2] for r in rows] == [
        ["CRITICAL", "DP-TF-001"],
        ["CRITICAL", "DP-TF-001"],
        ["HIGH", "DP-S3-003"],
        ["HIGH", "DP-S3-003"],
        ["HIGH", "DP-S3-003"],
    ]
    assert rows[2].endswith("main.tf:58") and "aws_s3_bucket.logs[0]" in rows[2]
    assert lines[6] == ""
    assert not any(line.startswith("Patches:") for line in lines)
    full = run("check", "--source", str(stack), "--no-checkov", "--min-severity", "high")
    assert len(full.stdout.splitlines()) > len(lines)


def test_compact_markdown_is_the_table_only(stack: Path) -> None:
    proc = run("check", "--source", str(stack), "--no-checkov", "--compact", "-o", "markdown")
    assert proc.returncode == 1, proc.stderr
    text = proc.stdout
    assert "### Details" not in text and "### Patches" not in text and "<details>" not in text
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "`DP-" in ln]
    assert len(rows) == sum(BASELINE.values())
    full = run("check", "--source", str(stack), "--no-checkov", "-o", "markdown").stdout
    assert "### Details" in full and "### Patches" in full


def test_report_render_keeps_the_suppressions(stack: Path, tmp_path: Path) -> None:
    _suppress(stack)
    saved = tmp_path / "report.json"
    proc = run("check", "--source", str(stack), "--no-checkov", "-o", f"json:{saved}")
    assert proc.returncode == 1, proc.stderr
    proc = run("report", "render", str(saved), "-o", "sarif")
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert sum(1 for r in results if "suppressions" in r) == 7


def test_scan_selects_alike(stack: Path, tmp_path: Path) -> None:
    """`scan` of a state against an empty live snapshot: one resource missing, the code's
    misconfigurations; --only drift keeps the missing one and no patch of a misconfiguration."""
    _suppress(stack)
    live = tmp_path / "live.json"
    live.write_text(
        json.dumps(
            {
                "kind": "driftpatch-inventory",
                "version": 1,
                "regions": ["us-east-1"],
                "resources": [],
                "errors": [],
            }
        )
    )
    state = REPO / "fixtures" / "inputs" / "states" / "state-v4-sensitive-shapes.tfstate"
    base = ("scan", "--state", str(state), "--source", str(stack), "--live", str(live))
    proc = run(*base, "--no-checkov", "-o", "json")
    assert proc.returncode == 1, proc.stderr
    everything = json.loads(proc.stdout)
    assert {f["kind"] for f in everything["findings"]} == {"missing", "misconfig"}
    assert len(everything["suppressed"]) == 7

    proc = run(*base, "--no-checkov", "--only", "drift", "-o", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(f["kind"], f["rule_id"], f["address"]) for f in doc["findings"]] == [
        ("missing", "DRIFT-MISSING", "aws_iam_access_key.mask"),
        ("missing", "DRIFT-MISSING", "aws_security_group.set_element"),
        ("missing", "DRIFT-MISSING", "aws_ssm_parameter.simplified"),
    ]
    assert doc["patches"] == [] and "suppressed" not in doc  # all suppressed are misconfigs
    assert doc["stats"]["filtered_findings"] == len(everything["findings"]) - 3
    proc = run(*base, "--no-checkov", "--only", "drift", "--fail-on", "critical")
    assert proc.returncode == 0, proc.stderr
