"""AWS faults, injected by a loopback proxy in front of moto: no finding from a failed read.

Every scenario scans the same replayed demo world (plus one unowned, unprotected bucket) and
compares with the clean scan of that world: a failed read may make the report incomplete
(exit 3, exact `errors`, `unread` statuses, a notice for each rule it kept from answering), but
never adds a finding. Bursts the retries can absorb leave the report as the clean one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.rules.interface import config_address
from tests.aws.faults.conftest import BUCKETS, EXTRA_BUCKET, REGION, FaultWorld, Scan
from tests.aws.faults.proxy import Fault

REPO = Path(__file__).resolve().parents[3]
NETWORK = "module.network"
SECURITY_GROUPS = {
    f"{NETWORK}.aws_security_group.db",
    f"{NETWORK}.aws_security_group.web",
    f"{NETWORK}.aws_security_group_rule.egress",
    f"{NETWORK}.aws_security_group_rule.https",
    f"{NETWORK}.aws_security_group_rule.ssh",
    # The reader takes each VPC's default group id from the same listing.
    f"{NETWORK}.aws_vpc.this",
}
INSTANCE = "module.app.aws_instance.web[0]"
BUCKET_MODULES = ("assets", "backups", "logs")
MADE_UP_KINDS = ("drift", "missing", "unmanaged")


def clean(fw: FaultWorld) -> Scan:
    assert fw.clean is not None
    return fw.clean


def unread(scan: Scan) -> set[str]:
    return {a for a, s in scan.statuses().items() if s == "unread"}


def assert_nothing_made_up(scan: Scan, base: Scan) -> None:
    """No finding the clean scan does not have; nothing drifted, missing or unmanaged about
    an unread resource; the summary counts what the resources say."""
    known = {_problem(f) for f in base.report["findings"]}
    assert [f for f in scan.report["findings"] if _problem(f) not in known] == []
    gone = unread(scan)
    assert [
        f for f in scan.report["findings"] if f["kind"] in MADE_UP_KINDS and f["address"] in gone
    ] == []
    summary = scan.report["summary"]
    assert summary.get("unread", 0) == len(gone)
    assert summary["managed"] == clean_managed(base)
    statuses = Counter(r["status"] for r in scan.report["resources"])
    assert summary["drifted"] == statuses["drifted"]
    assert summary["missing"] == statuses["missing"]


def _problem(finding: dict[str, Any]) -> tuple[str, str, str, str | None]:
    """A finding's problem: rule and block (or unmanaged object) and attribute. A finding the
    code proves stays when the live read that also showed it fails, but loses the live
    object's id (it is then the block's finding), so ids alone would call it new."""
    where = config_address(finding["address"]) if finding["address"] else finding["resource_id"]
    return (finding["kind"], finding["rule_id"], where, finding["attribute"])


def clean_managed(base: Scan) -> int:
    return int(base.report["summary"]["managed"])


def test_clean_world_is_the_baseline(fault_world: FaultWorld) -> None:
    base = clean(fault_world)
    assert base.exit_code == 1  # the demo's planted misconfigurations
    assert base.errors == []
    assert unread(base) == set()
    assert "unread" not in base.report["summary"]
    # The unowned bucket has no public access block, versioning or encryption set: the
    # genuine "not configured" answers fire the rules.
    for rule in ("DP-S3-003", "DP-S3-004", "DP-S3-005"):
        assert [f["resource_id"] for f in base.findings(rule)] == [EXTRA_BUCKET]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            Fault("throttle", "DescribeSecurityGroups"),
            "DescribeSecurityGroups: RequestLimitExceeded: Rate exceeded",
        ),
        (
            Fault("reset", "DescribeSecurityGroups"),
            "DescribeSecurityGroups: Connection was closed before we received a valid response "
            'from endpoint URL: "{url}/".',
        ),
    ],
    ids=["throttled", "reset"],
)
def test_failed_security_group_read_leaves_separate_rules_unread(
    fault_world: FaultWorld, fault: Fault, message: str
) -> None:
    scan = fault_world.scan(fault)
    assert scan.exit_code == 3
    assert scan.errors == [(f"ec2/{REGION}", message.format(url=fault_world.proxy.url))]
    # Each attempt of the budget was made (10), then the call gave up.
    assert scan.proxy_injected == 10
    # aws_security_group_rule has no region in state: unread, not "missing".
    assert unread(scan) == SECURITY_GROUPS
    assert scan.findings("DRIFT-MISSING") == []
    assert_nothing_made_up(scan, clean(fault_world))


@pytest.mark.parametrize(
    ("operation", "split", "rule", "still_fires"),
    [
        ("GetBucketVersioning", "aws_s3_bucket_versioning", "DP-S3-005", "DP-S3-003"),
        ("GetPublicAccessBlock", "aws_s3_bucket_public_access_block", "DP-S3-003", "DP-S3-005"),
        (
            "GetBucketEncryption",
            "aws_s3_bucket_server_side_encryption_configuration",
            "DP-S3-004",
            "DP-S3-003",
        ),
    ],
)
def test_denied_bucket_setting_fires_no_rule(
    fault_world: FaultWorld, operation: str, split: str, rule: str, still_fires: str
) -> None:
    scan = fault_world.scan(Fault("deny", operation))
    assert scan.exit_code == 3
    assert scan.errors == [
        (f"s3/{REGION}", f"{operation}: AccessDenied: Access Denied (bucket {', '.join(BUCKETS)})")
    ]
    assert unread(scan) == {f'module.buckets["{m}"].{split}.this' for m in BUCKET_MODULES}
    # Not on the correctly configured buckets, and not on the unprotected one either: its
    # setting is unknown now.
    assert scan.findings(rule) == []
    # A setting whose read succeeded and said "not configured" still fires.
    assert [f["resource_id"] for f in scan.findings(still_fires)] == [EXTRA_BUCKET]
    wheres = [f'module.buckets["{m}"].aws_s3_bucket.this' for m in BUCKET_MODULES]
    wheres.append(f"aws_s3_bucket {EXTRA_BUCKET}")
    assert scan.notices() == [
        f"{rule} not evaluated on {where}: a read it needs failed (see errors)" for where in wheres
    ]
    assert_nothing_made_up(scan, clean(fault_world))


def test_one_bucket_denied_leaves_the_others_judged(fault_world: FaultWorld) -> None:
    """A bucket policy denying GetBucketPolicy on one bucket: that bucket's policy is unread,
    the other buckets' policies are compared as usual."""
    assets = BUCKETS[0]
    scan = fault_world.scan(Fault("deny", "GetBucketPolicy", bucket=assets))
    assert scan.exit_code == 3
    assert scan.errors == [
        (f"s3/{REGION}", f"GetBucketPolicy: AccessDenied: Access Denied (bucket {assets})")
    ]
    assert unread(scan) == {'module.buckets["assets"].aws_s3_bucket_policy.this'}
    statuses = scan.statuses()
    for other in ("backups", "logs"):
        assert statuses[f'module.buckets["{other}"].aws_s3_bucket_policy.this'] == "in_sync"
    assert_nothing_made_up(scan, clean(fault_world))


def test_denied_flow_log_listing_fires_no_flow_log_rule(fault_world: FaultWorld) -> None:
    base = clean(fault_world)
    vpcs = [f["address"] or f["resource_id"] for f in base.findings("DP-VPC-101")]
    assert len(vpcs) == 2  # the stack's VPC and the account's default VPC
    scan = fault_world.scan(Fault("deny", "DescribeFlowLogs"))
    assert scan.exit_code == 3
    assert scan.errors == [
        (f"ec2/{REGION}", "DescribeFlowLogs: UnauthorizedOperation: Access Denied")
    ]
    # The code declares no flow log for its VPC: that finding stands, on the code's word.
    # The default VPC, which only the live read could judge, gets none.
    assert [f["address"] for f in scan.findings("DP-VPC-101")] == [f"{NETWORK}.aws_vpc.this"]
    notices = scan.notices()
    assert [n for n in notices if n.startswith("DP-VPC-101 ")] == [
        f"DP-VPC-101 not evaluated on {where}: a read it needs failed (see errors)"
        for where in (f"{NETWORK}.aws_vpc.this", f"aws_vpc {vpcs[1]}")
    ]
    assert_nothing_made_up(scan, base)


def test_denied_bucket_logging_fires_no_logging_rule(fault_world: FaultWorld) -> None:
    base = clean(fault_world)
    assert len(base.findings("DP-S3-006")) == len(BUCKETS)
    scan = fault_world.scan(Fault("deny", "GetBucketLogging"))
    assert scan.exit_code == 3
    assert scan.errors == [
        (
            f"s3/{REGION}",
            f"GetBucketLogging: AccessDenied: Access Denied (bucket {', '.join(BUCKETS)})",
        )
    ]
    # The code writes no logging for its buckets: what the code says stands. The unowned
    # bucket, which only the live read could judge, gets no finding.
    # (per instance: the code's for_each is evaluated)
    assert [(f["address"], f["resource_id"]) for f in scan.findings("DP-S3-006")] == [
        (f'module.buckets["{key}"].aws_s3_bucket.this', None)
        for key in ("assets", "backups", "logs")
    ]
    assert_nothing_made_up(scan, base)


@pytest.mark.parametrize("kind", ["html500", "garbage"])
@pytest.mark.parametrize(
    ("operation", "has_state"),
    [
        ("ListKeys", True),
        ("DescribeVpcs", True),
        ("ListBuckets", True),
        ("DescribeDBInstances", False),
    ],
)
def test_an_html_error_page_is_a_scan_error_not_a_crash(
    fault_world: FaultWorld, operation: str, has_state: bool, kind: str
) -> None:
    """A proxy's HTML page where the API's answer should be, with a 500 or a 200, on every
    protocol (json, query, rest-xml). botocore's parser cannot read it and raises
    ResponseParserError, which derives from none of botocore's error roots: it must still be
    one scan error (exit 3), the listing's types unread, never a crash or a missing resource."""
    base = clean(fault_world)
    scan = fault_world.scan(Fault(kind, operation))
    assert scan.exit_code == 3
    assert len(scan.errors) == 1
    scope, message = scan.errors[0]
    assert scope.endswith((f"/{REGION}", "/global"))
    assert operation in message or message.startswith("malformed response from AWS")
    assert bool(unread(scan)) is has_state
    assert scan.findings("DRIFT-MISSING") == []
    assert_nothing_made_up(scan, base)


def test_denied_describe_instances_leaves_the_root_volume_alone(fault_world: FaultWorld) -> None:
    base = clean(fault_world)
    # The world has a root volume no state names: only the instance listing makes it a part.
    ec2 = boto3.client("ec2", endpoint_url=fault_world.world.endpoint_url, region_name=REGION)
    state_ids = {r["id"] for r in base.report["resources"] if r["type"] == "aws_ebs_volume"}
    attached = {
        v["VolumeId"]
        for v in ec2.describe_volumes()["Volumes"]
        if v.get("Attachments") and v["VolumeId"] not in state_ids
    }
    assert len(attached) == 1

    scan = fault_world.scan(Fault("deny", "DescribeInstances"))
    assert scan.exit_code == 3
    assert scan.errors == [
        (f"ec2/{REGION}", "DescribeInstances: UnauthorizedOperation: Access Denied")
    ]
    assert unread(scan) == {INSTANCE}
    assert scan.statuses()["module.app.aws_ebs_volume.scratch[0]"] == "in_sync"
    assert [f for f in scan.report["findings"] if f["resource_id"] in attached] == []
    imports = [p["finding_ids"] for p in scan.report["patches"] if p["action"] == "import"]
    assert imports == [p["finding_ids"] for p in base.report["patches"] if p["action"] == "import"]
    assert_nothing_made_up(scan, base)


@pytest.mark.parametrize(
    ("kind", "detail"),
    [("garbage", "the body is not JSON"), ("empty", "required field Keys is missing")],
)
def test_malformed_kms_answer_is_an_error_not_a_missing_key(
    fault_world: FaultWorld, kind: str, detail: str
) -> None:
    scan = fault_world.scan(Fault(kind, "ListKeys"))
    assert scan.exit_code == 3
    assert scan.errors == [(f"kms/{REGION}", f"ListKeys: malformed response from AWS: {detail}")]
    assert unread(scan) == {"aws_kms_key.data"}
    assert scan.findings("DRIFT-MISSING") == []
    assert_nothing_made_up(scan, clean(fault_world))


def test_response_missing_a_required_field_is_an_error(fault_world: FaultWorld) -> None:
    scan = fault_world.scan(Fault("empty", "ListRoles"))
    assert scan.exit_code == 3
    assert scan.errors == [
        ("iam/global", "ListRoles: malformed response from AWS: required field Roles is missing")
    ]
    # Roles, and what hangs off them (inline policies, attachments), are unread.
    assert unread(scan) == {
        "module.app.aws_iam_role.web",
        "module.app.aws_iam_role_policy.write_logs",
        "module.app.aws_iam_role_policy_attachment.read_assets",
    }
    assert_nothing_made_up(scan, clean(fault_world))


def test_s3_failing_three_attempts_of_every_request_recovers(fault_world: FaultWorld) -> None:
    base = clean(fault_world)
    scan = fault_world.scan(Fault("throttle", service="s3", attempts=3))
    assert scan.errors == []
    assert scan.exit_code == base.exit_code
    assert scan.finding_ids == base.finding_ids
    assert scan.statuses() == base.statuses()
    # Every S3 request failed its first three attempts and succeeded on the fourth: no shared
    # retry quota ran out (botocore's would have: 500 units, 5 per throttled retry, and this
    # burst asks for 3 x 5 per call, for about 50 calls).
    by_attempt = Counter(i.attempt for i in fault_world.proxy.injected)
    calls = base.report["stats"]["api_calls"]["s3"]
    assert by_attempt == {1: calls, 2: calls, 3: calls}


def test_throttling_first_two_attempts_everywhere_recovers(fault_world: FaultWorld) -> None:
    base = clean(fault_world)
    scan = fault_world.scan(Fault("throttle", attempts=2))
    assert scan.errors == []
    assert scan.exit_code == base.exit_code
    assert scan.finding_ids == base.finding_ids
    assert scan.statuses() == base.statuses()
    total = sum(base.report["stats"]["api_calls"].values())
    assert Counter(i.attempt for i in fault_world.proxy.injected) == {1: total, 2: total}


def test_hung_endpoint_costs_two_read_timeouts(fault_world: FaultWorld) -> None:
    scan = fault_world.scan(Fault("hang", "DescribeVpcs", hang_s=8.0), read_timeout_s=4.0)
    assert scan.exit_code == 3
    assert scan.errors == [
        (f"ec2/{REGION}", f'DescribeVpcs: Read timeout on endpoint URL: "{fault_world.proxy.url}/"')
    ]
    # Two readers list VPCs (the instances' default-VPC check and the VPC reader): two
    # attempts each, not eight.
    assert Counter(i.attempt for i in fault_world.proxy.injected) == {1: 2, 2: 2}
    assert unread(scan) == {INSTANCE, f"{NETWORK}.aws_vpc.this"}
    assert_nothing_made_up(scan, clean(fault_world))


def _cli(fw: FaultWorld, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "AWS_ENDPOINT_URL": fw.proxy.url,
    }
    return subprocess.run(
        [sys.executable, "-m", "driftpatch", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


DEADLINE_ERROR = (
    "aws",
    "the 1 s deadline (--deadline) passed: the reads named in the other errors were not made",
)


def _assert_cut_by_deadline(errors: list[tuple[str, str]], url: str) -> None:
    assert errors[0] == DEADLINE_ERROR
    closed = f'Connection was closed before we received a valid response from endpoint URL: "{url}'
    kinds = Counter(
        "closed"
        if closed in message
        else "deadline"
        if "deadline passed" in message  # also "...: deadline passed (and 1 more roles)"
        else message
        for _scope, message in errors[1:]
    )
    # Every read was either cut by the deadline (a hang closed) or never started; on a loaded
    # machine the deadline may pass before any read starts, so "closed" may not occur.
    assert "deadline" in kinds and set(kinds) <= {"closed", "deadline"}, kinds


def test_scan_deadline_ends_with_a_partial_report(fault_world: FaultWorld, tmp_path: Path) -> None:
    # Every read but the account lookup hangs past the deadline.
    fault_world.proxy.set(
        *(Fault("hang", service=s, hang_s=2.5) for s in ("ec2", "s3", "iam", "kms", "logs")),
        *(Fault("hang", service=s, hang_s=2.5) for s in ("cloudtrail", "config", "guardduty")),
    )
    out = tmp_path / "report.json"
    proc = _cli(
        fault_world,
        "scan",
        "--state",
        str(fault_world.world.state_path),
        "--region",
        REGION,
        "--no-checkov",
        "--deadline",
        "1",
        "-o",
        f"json:{out}",
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(out.read_text())
    _assert_cut_by_deadline(
        [(e["scope"], e["message"]) for e in report["errors"]], fault_world.proxy.url
    )
    statuses = {r["status"] for r in report["resources"]}
    # Every resource of a covered type is unread (types without a reader stay unsupported).
    assert statuses - {"unsupported"} == {"unread"}
    # Nothing read, nothing found on live: only what state alone shows (the SSH rule).
    assert {f["kind"] for f in report["findings"]} <= {"misconfig"}


def test_inventory_deadline_ends_with_a_partial_snapshot(
    fault_world: FaultWorld, tmp_path: Path
) -> None:
    fault_world.proxy.set(Fault("hang", service="ec2", hang_s=2.5))
    out = tmp_path / "live.json"
    proc = _cli(
        fault_world,
        "inventory",
        "--region",
        REGION,
        "--types",
        "aws_vpc",
        "--deadline",
        "1",
        "-o",
        str(out),
    )
    assert proc.returncode == 3, proc.stderr
    snapshot = json.loads(out.read_text())
    errors = [(e["scope"], e["message"]) for e in snapshot["errors"]]
    assert errors[0] == DEADLINE_ERROR
    assert [p for p in snapshot["incomplete"] if p[0] == "aws_vpc"] == [["aws_vpc", REGION]]


def test_deadline_must_be_positive(fault_world: FaultWorld) -> None:
    proc = _cli(fault_world, "inventory", "--deadline", "0", "-o", "x.json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
