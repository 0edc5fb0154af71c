"""CloudTrail, CloudWatch Logs, VPC flow log and account rules: exact violations per origin,
exact fixes, metadata, and the rules on real live reads (readers against moto).

Each case calls `rule.evaluate(subject, World([...]))` directly; the engine is not involved.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from driftpatch.aws.readers.account import PSEUDO_TYPES, AccountIamReader, AccountLoggingReader
from driftpatch.aws.readers.interface import ReadContext
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws
from driftpatch.rules import catalog
from driftpatch.rules.interface import (
    REFERENCE,
    RULE_ID,
    UNKNOWN,
    Fix,
    Origin,
    Rule,
    SetValue,
    Subject,
    Violation,
    World,
)
from driftpatch.terraform.schema import aws_schema

OUR_PREFIXES = ("ct_", "cw_", "vpc_flow_", "acct_")
CHECKOV_ID = re.compile(r"^CKV2?_AWS_\d+$")
LIVE, STATE, CODE, PLAN = Origin.LIVE, Origin.STATE, Origin.CODE, Origin.PLAN


def rule(module: str) -> Rule:
    found: Rule = importlib.import_module(f"driftpatch.rules.catalog.{module}").RULE
    return found


def our_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(catalog.__path__) if m.name.startswith(OUR_PREFIXES)
    )


@dataclass(frozen=True)
class Case:
    module: str
    origin: Origin
    subject: Subject
    expected: list[Violation]
    others: tuple[Subject, ...] = field(default=())
    name: str = ""


def trail(origin: Origin, **attrs: Any) -> Subject:
    if origin is CODE:
        base: dict[str, Any] = {"name": "main", "s3_bucket_name": UNKNOWN}
    else:
        base = {
            "name": "main",
            "s3_bucket_name": "logs",
            "is_multi_region_trail": False,
            "enable_log_file_validation": False,
            "enable_logging": True,
            "include_global_service_events": True,
            "kms_key_id": "",
            "cloud_watch_logs_group_arn": "",
        }
    return Subject(
        "aws_cloudtrail",
        {**base, **attrs},
        origin,
        address=None if origin is LIVE else "aws_cloudtrail.main",
        id="arn:aws:cloudtrail:us-east-1:123456789012:trail/main",
    )


def group(origin: Origin, **attrs: Any) -> Subject:
    base: dict[str, Any] = {"name": "/app"}
    if origin is not CODE:
        base.update(retention_in_days=0, kms_key_id="")
    return Subject(
        "aws_cloudwatch_log_group",
        {**base, **attrs},
        origin,
        address=None if origin is LIVE else "aws_cloudwatch_log_group.app",
        id="/app",
    )


def vpc(origin: Origin, address: str | None = "aws_vpc.main", id_: Any = "vpc-1") -> Subject:
    attrs: dict[str, Any] = {"cidr_block": "10.0.0.0/16"}
    if origin is not CODE:
        attrs["id"] = id_
    return Subject("aws_vpc", attrs, origin, address=address, id=None if origin is CODE else id_)


def flow_log(
    origin: Origin,
    address: str | None = "aws_flow_log.main",
    refs: dict[str, str] | None = None,
    **attrs: Any,
) -> Subject:
    return Subject("aws_flow_log", attrs, origin, address=address, refs=refs or {})


def policy(origin: Origin, **attrs: Any) -> Subject:
    return Subject(
        "aws_iam_account_password_policy",
        attrs,
        origin,
        address=None if origin is LIVE else "aws_iam_account_password_policy.this",
        id="iam-account-password-policy",
    )


def account(**facts: Any) -> Subject:
    attrs = {
        "scope": "global",
        "account_id": ACCOUNT_ID,
        "region": None,
        "account_mfa_enabled": True,
        "account_access_keys_present": False,
        "password_policy_present": True,
        **facts,
    }
    return Subject("aws_account", attrs, LIVE, id=ACCOUNT_ID)


def region(name: str = "us-east-1", **facts: Any) -> Subject:
    attrs = {
        "scope": "region",
        "account_id": ACCOUNT_ID,
        "region": name,
        "guardduty_enabled": True,
        "config_recorder_enabled": True,
        "cloudtrail_logging": True,
        "cloudtrail_multi_region_logging": True,
        **facts,
    }
    return Subject("aws_account", attrs, LIVE, id=f"{ACCOUNT_ID}/{name}", region=name)


MR = "the trail records one region only"
CASES = [
    # DP-CT-001 multi-region
    Case(
        "ct_multi_region", CODE, trail(CODE), [Violation("is_multi_region_trail", False, True, MR)]
    ),
    Case("ct_multi_region", CODE, trail(CODE, is_multi_region_trail=True), []),
    Case("ct_multi_region", CODE, trail(CODE, is_multi_region_trail=UNKNOWN), []),
    Case(
        "ct_multi_region",
        STATE,
        trail(STATE),
        [Violation("is_multi_region_trail", False, True, MR)],
    ),
    Case("ct_multi_region", STATE, trail(STATE, is_multi_region_trail=True), []),
    Case(
        "ct_multi_region", LIVE, trail(LIVE), [Violation("is_multi_region_trail", False, True, MR)]
    ),
    Case("ct_multi_region", PLAN, trail(PLAN, is_multi_region_trail=True), []),
    # DP-CT-002 log file validation
    Case(
        "ct_log_validation",
        CODE,
        trail(CODE),
        [Violation("enable_log_file_validation", False, True, "log file validation is off")],
    ),
    Case("ct_log_validation", CODE, trail(CODE, enable_log_file_validation=True), []),
    Case(
        "ct_log_validation",
        STATE,
        trail(STATE),
        [Violation("enable_log_file_validation", False, True, "log file validation is off")],
    ),
    Case("ct_log_validation", LIVE, trail(LIVE, enable_log_file_validation=True), []),
    Case("ct_log_validation", STATE, trail(STATE, enable_log_file_validation=True), []),
    # DP-CT-003 KMS
    Case("ct_kms", CODE, trail(CODE), [Violation("kms_key_id", "", None, "no KMS key")]),
    Case("ct_kms", CODE, trail(CODE, kms_key_id=UNKNOWN), []),  # aws_kms_key.x.arn
    Case("ct_kms", STATE, trail(STATE), [Violation("kms_key_id", "", None, "no KMS key")]),
    Case("ct_kms", LIVE, trail(LIVE, kms_key_id="arn:aws:kms:us-east-1:1:key/k"), []),
    Case("ct_kms", STATE, trail(STATE, kms_key_id="arn:aws:kms:us-east-1:1:key/k"), []),
    # DP-CT-004 logging
    Case("ct_logging", CODE, trail(CODE), []),  # absent: the provider default, true
    Case(
        "ct_logging",
        CODE,
        trail(CODE, enable_logging=False),
        [Violation("enable_logging", False, True, "logging is stopped")],
    ),
    Case(
        "ct_logging",
        LIVE,
        trail(LIVE, enable_logging=False),
        [Violation("enable_logging", False, True, "logging is stopped")],
    ),
    Case("ct_logging", STATE, trail(STATE), []),
    Case(
        "ct_logging",
        STATE,
        trail(STATE, enable_logging=False),
        [Violation("enable_logging", False, True, "logging is stopped")],
    ),
    # DP-CT-005 CloudWatch Logs
    Case(
        "ct_cloudwatch",
        CODE,
        trail(CODE),
        [Violation("cloud_watch_logs_group_arn", "", None, "no CloudWatch Logs group")],
    ),
    Case("ct_cloudwatch", CODE, trail(CODE, cloud_watch_logs_group_arn=UNKNOWN), []),
    Case(
        "ct_cloudwatch",
        STATE,
        trail(STATE),
        [Violation("cloud_watch_logs_group_arn", "", None, "no CloudWatch Logs group")],
    ),
    Case(
        "ct_cloudwatch",
        LIVE,
        trail(LIVE, cloud_watch_logs_group_arn="arn:aws:logs:us-east-1:1:log-group:/t:*"),
        [],
    ),
    Case(
        "ct_cloudwatch",
        STATE,
        trail(STATE, cloud_watch_logs_group_arn="arn:aws:logs:us-east-1:1:log-group:/t:*"),
        [],
    ),
    # DP-CW-001 retention
    Case(
        "cw_log_retention",
        CODE,
        group(CODE),
        [Violation("retention_in_days", 0, 365, "events never expire")],
    ),
    Case("cw_log_retention", CODE, group(CODE, retention_in_days=30), []),
    Case("cw_log_retention", CODE, group(CODE, retention_in_days=UNKNOWN), []),
    Case(
        "cw_log_retention",
        STATE,
        group(STATE),
        [Violation("retention_in_days", 0, 365, "events never expire")],
    ),
    Case(
        "cw_log_retention",
        PLAN,
        group(PLAN, retention_in_days=None),
        [Violation("retention_in_days", 0, 365, "events never expire")],
    ),
    Case("cw_log_retention", LIVE, group(LIVE, retention_in_days=365), []),
    Case("cw_log_retention", STATE, group(STATE, retention_in_days=400), []),
    # DP-CW-002 KMS
    Case("cw_log_kms", CODE, group(CODE), [Violation("kms_key_id", "", None, "no KMS key")]),
    Case("cw_log_kms", CODE, group(CODE, kms_key_id=UNKNOWN), []),
    Case("cw_log_kms", LIVE, group(LIVE), [Violation("kms_key_id", "", None, "no KMS key")]),
    Case("cw_log_kms", STATE, group(STATE, kms_key_id="arn:aws:kms:us-east-1:1:key/k"), []),
    Case("cw_log_kms", STATE, group(STATE), [Violation("kms_key_id", "", None, "no KMS key")]),
    # DP-VPC-101 flow logs
    Case(
        "vpc_flow_logs",
        STATE,
        vpc(STATE),
        [Violation(None, None, None, "no flow log refers to this VPC")],
        (flow_log(STATE, vpc_id="vpc-2"),),
        "other vpc",
    ),
    Case("vpc_flow_logs", STATE, vpc(STATE), [], (flow_log(STATE, vpc_id="vpc-1"),)),
    Case(
        "vpc_flow_logs",
        LIVE,
        vpc(LIVE, address=None),
        [Violation(None, None, None, "no flow log refers to this VPC")],
        (flow_log(LIVE, address=None, vpc_id=None, subnet_id="subnet-1"),),
        "subnet flow log only",
    ),
    Case(
        "vpc_flow_logs", LIVE, vpc(LIVE, address=None), [], (flow_log(LIVE, None, vpc_id="vpc-1"),)
    ),
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE),
        [Violation(None, None, None, "no flow log refers to this VPC")],
        (),
        "no flow log at all",
    ),
    # An id decided outside the configuration (a variable, a data source) is another VPC's:
    # a VPC declared here can only be named by a reference (issue 11).
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE),
        [Violation(None, None, None, "no flow log refers to this VPC")],
        (flow_log(CODE, vpc_id=UNKNOWN),),
        "external id",
    ),
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE),
        [],
        (flow_log(CODE, vpc_id=UNKNOWN, refs={"vpc_id": "aws_vpc.main"}),),
        "reference",
    ),
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE, address="aws_vpc.main[0]"),
        [],
        (flow_log(CODE, vpc_id=UNKNOWN, refs={"vpc_id": "aws_vpc.main[0]"}),),
        "reference to the instance",
    ),
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE, address="aws_vpc.main[1]"),
        [Violation(None, None, None, "no flow log refers to this VPC")],
        (flow_log(CODE, vpc_id=UNKNOWN, refs={"vpc_id": "aws_vpc.main[0]"}),),
        "reference to another instance",
    ),
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE, address="aws_vpc.main[1]"),
        [],
        (flow_log(CODE, vpc_id=UNKNOWN, refs={"vpc_id": "aws_vpc.main"}),),
        "reference with an unknown key",
    ),
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE),
        [Violation(None, None, None, "no flow log refers to this VPC")],
        (
            flow_log(CODE, vpc_id=UNKNOWN, refs={"vpc_id": "aws_vpc.other"}),
            flow_log(CODE, vpc_id="vpc-0abc"),
        ),
        "references another vpc",
    ),
    Case(
        "vpc_flow_logs",
        CODE,
        vpc(CODE, address="module.net.aws_vpc.main"),
        [Violation(None, None, None, "no flow log refers to this VPC")],
        (flow_log(CODE, vpc_id=UNKNOWN, refs={"vpc_id": "aws_vpc.main"}),),
        "same name in another module",
    ),
    Case(
        "vpc_flow_logs",
        PLAN,
        vpc(PLAN, id_=UNKNOWN),
        [],
        (flow_log(PLAN, vpc_id=UNKNOWN),),
        "new vpc and flow log",
    ),
    # DP-ACCT-001 root MFA
    Case(
        "acct_root_mfa",
        LIVE,
        account(account_mfa_enabled=False),
        [Violation("account_mfa_enabled", False, True, "root user has no MFA device")],
    ),
    Case("acct_root_mfa", LIVE, account(), []),
    Case("acct_root_mfa", LIVE, account(account_mfa_enabled=None), [], name="unknown"),
    Case("acct_root_mfa", LIVE, region(), [], name="regional subject"),
    # DP-ACCT-002 root keys
    Case(
        "acct_root_keys",
        LIVE,
        account(account_access_keys_present=True),
        [Violation("account_access_keys_present", True, False, "root user has access keys")],
    ),
    Case("acct_root_keys", LIVE, account(), []),
    Case("acct_root_keys", LIVE, account(account_access_keys_present=None), [], name="unknown"),
    # DP-ACCT-003 no password policy
    Case(
        "acct_password_policy_missing",
        LIVE,
        account(password_policy_present=False),
        [Violation("password_policy_present", False, True, "no password policy")],
    ),
    Case("acct_password_policy_missing", LIVE, account(), []),
    Case("acct_password_policy_missing", LIVE, account(password_policy_present=None), []),
    # DP-ACCT-004 weak password policy
    Case(
        "acct_password_policy_weak",
        CODE,
        policy(CODE),
        [
            Violation("minimum_password_length", 8, 14, "passwords may be 8 characters"),
            Violation("password_reuse_prevention", 0, 24, "passwords may be reused"),
        ],
        name="absent: AWS defaults",
    ),
    Case(
        "acct_password_policy_weak",
        CODE,
        policy(CODE, minimum_password_length=14, password_reuse_prevention=24),
        [],
    ),
    Case(
        "acct_password_policy_weak",
        CODE,
        policy(CODE, minimum_password_length=UNKNOWN, password_reuse_prevention=UNKNOWN),
        [],
    ),
    Case(
        "acct_password_policy_weak",
        STATE,
        policy(STATE, minimum_password_length=8, password_reuse_prevention=0),
        [
            Violation("minimum_password_length", 8, 14, "passwords may be 8 characters"),
            Violation("password_reuse_prevention", 0, 24, "passwords may be reused"),
        ],
    ),
    Case(
        "acct_password_policy_weak",
        LIVE,
        policy(LIVE, minimum_password_length=16, password_reuse_prevention=5),
        [Violation("password_reuse_prevention", 5, 24, "only 5 previous passwords are remembered")],
    ),
    Case(
        "acct_password_policy_weak",
        LIVE,
        policy(LIVE, minimum_password_length=14, password_reuse_prevention=24),
        [],
    ),
    Case(
        "acct_password_policy_weak",
        STATE,
        policy(STATE, minimum_password_length=20, password_reuse_prevention=24),
        [],
    ),
    # DP-ACCT-005 GuardDuty
    Case(
        "acct_guardduty",
        LIVE,
        region("eu-west-1", guardduty_enabled=False),
        [Violation("guardduty_enabled", False, True, "GuardDuty is not enabled in eu-west-1")],
    ),
    Case("acct_guardduty", LIVE, region(), []),
    Case("acct_guardduty", LIVE, region(guardduty_enabled=None), [], name="unknown"),
    Case("acct_guardduty", LIVE, account(), [], name="global subject"),
    # DP-ACCT-006 Config
    Case(
        "acct_config_recorder",
        LIVE,
        region(config_recorder_enabled=False),
        [
            Violation(
                "config_recorder_enabled", False, True, "AWS Config is not recording in us-east-1"
            )
        ],
    ),
    Case("acct_config_recorder", LIVE, region(), []),
    Case("acct_config_recorder", LIVE, region(config_recorder_enabled=None), [], name="unknown"),
    # DP-ACCT-007 multi-region trail
    Case(
        "acct_cloudtrail_multi_region",
        LIVE,
        account(),
        [
            Violation(
                "cloudtrail_multi_region_logging",
                False,
                True,
                "none of 2 scanned region(s) has a logging multi-region trail",
            )
        ],
        (
            region("us-east-1", cloudtrail_multi_region_logging=False),
            region("eu-west-1", cloudtrail_multi_region_logging=False),
        ),
    ),
    Case(
        "acct_cloudtrail_multi_region",
        LIVE,
        account(),
        [],
        (
            region("us-east-1", cloudtrail_multi_region_logging=False),
            region("eu-west-1", cloudtrail_multi_region_logging=True),
        ),
        "one region sees it",
    ),
    Case(
        "acct_cloudtrail_multi_region",
        LIVE,
        account(),
        [],
        (
            region("us-east-1", cloudtrail_multi_region_logging=False),
            region("eu-west-1", cloudtrail_multi_region_logging=None),
        ),
        "unknown region",
    ),
    Case("acct_cloudtrail_multi_region", LIVE, account(), [], (), "no region scanned"),
    Case(
        "acct_cloudtrail_multi_region",
        LIVE,
        region(cloudtrail_multi_region_logging=False),
        [],
        (),
        "regional subject",
    ),
]


def _case_id(case: Case) -> str:
    verdict = "fails" if case.expected else "passes"
    return f"{case.module}-{case.origin.value}-{verdict}" + (f"-{case.name}" if case.name else "")


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_violations(case: Case) -> None:
    world = World([case.subject, *case.others])
    assert list(rule(case.module).evaluate(case.subject, world)) == case.expected


def test_every_rule_has_passing_and_failing_fixtures_per_origin() -> None:
    modules = our_modules()
    assert len(modules) >= 10
    for module in modules:
        cases = [c for c in CASES if c.module == module]
        origins = {c.origin for c in cases}
        live_only = rule(module).meta.resource_types == ("aws_account",)
        needed = {LIVE} if live_only else {CODE, STATE}
        assert needed <= origins, module
        for origin in needed:
            verdicts = {bool(c.expected) for c in cases if c.origin is origin}
            assert verdicts == {True, False}, (module, origin)


@pytest.mark.parametrize(
    ("module", "subject", "violation", "expected"),
    [
        (
            "ct_multi_region",
            trail(CODE),
            Violation("is_multi_region_trail", False, True, MR),
            Fix(
                (SetValue("is_multi_region_trail", True),),
                "record CloudTrail events in every region",
            ),
        ),
        (
            "ct_multi_region",
            trail(CODE, include_global_service_events=False),
            Violation("is_multi_region_trail", False, True, MR),
            Fix(
                (
                    SetValue("is_multi_region_trail", True),
                    SetValue("include_global_service_events", True),
                ),
                "record CloudTrail events in every region",
            ),
        ),
        (
            "ct_log_validation",
            trail(CODE),
            Violation("enable_log_file_validation", False, True, "log file validation is off"),
            Fix(
                (SetValue("enable_log_file_validation", True),), "enable CloudTrail log validation"
            ),
        ),
        (
            "ct_logging",
            trail(CODE, enable_logging=False),
            Violation("enable_logging", False, True, "logging is stopped"),
            Fix((SetValue("enable_logging", True),), "start CloudTrail logging"),
        ),
        (
            "cw_log_retention",
            group(CODE),
            Violation("retention_in_days", 0, 365, "events never expire"),
            Fix((SetValue("retention_in_days", 365),), "keep log events for 365 days"),
        ),
        (
            "acct_password_policy_weak",
            policy(CODE),
            Violation("minimum_password_length", 8, 14, "passwords may be 8 characters"),
            Fix(
                (SetValue("minimum_password_length", 14),),
                "require passwords of 14 characters or more",
            ),
        ),
        (
            "acct_password_policy_weak",
            policy(CODE),
            Violation("password_reuse_prevention", 0, 24, "passwords may be reused"),
            Fix(
                (SetValue("password_reuse_prevention", 24),),
                "prevent reuse of the last 24 passwords",
            ),
        ),
        # No safe fix: which key, which destination, or not Terraform's to change.
        ("ct_kms", trail(CODE), Violation("kms_key_id", "", None, "no KMS key"), None),
        (
            "ct_cloudwatch",
            trail(CODE),
            Violation("cloud_watch_logs_group_arn", "", None, "no CloudWatch Logs group"),
            None,
        ),
        ("cw_log_kms", group(CODE), Violation("kms_key_id", "", None, "no KMS key"), None),
        ("vpc_flow_logs", vpc(CODE), Violation(None, None, None, "x"), None),
        ("acct_root_mfa", account(), Violation("account_mfa_enabled", False, True), None),
        ("acct_root_keys", account(), Violation("account_access_keys_present", True), None),
        ("acct_password_policy_missing", account(), Violation("password_policy_present", 0), None),
        ("acct_guardduty", region(), Violation("guardduty_enabled", False, True), None),
        ("acct_config_recorder", region(), Violation("config_recorder_enabled", 0), None),
        ("acct_cloudtrail_multi_region", account(), Violation("x", False), None),
    ],
)
def test_fixes(module: str, subject: Subject, violation: Violation, expected: Fix | None) -> None:
    assert rule(module).fix(subject, violation) == expected


def test_fix_coverage() -> None:
    """Every fixable rule's failing CODE case yields a fix for each of its violations."""
    fixable = {"ct_multi_region", "ct_log_validation", "ct_logging", "cw_log_retention"}
    fixable.add("acct_password_policy_weak")
    for case in CASES:
        if case.origin is CODE and case.expected and case.module in fixable:
            for v in case.expected:
                assert rule(case.module).fix(case.subject, v) is not None, case


@pytest.mark.parametrize("module", our_modules())
def test_metadata(module: str) -> None:
    meta = rule(module).meta
    assert RULE_ID.match(meta.id)
    assert meta.references and all(REFERENCE.match(r) for r in meta.references)
    assert all(CHECKOV_ID.match(c) for c in meta.checkov)
    for type_ in meta.resource_types:
        assert type_ in PSEUDO_TYPES or aws_schema().resource(type_) is not None, type_
    assert meta.title and meta.description and meta.risk and meta.remediation
    prefix = meta.id.split("-")[1]
    expected_prefix = {"CT": "ct_", "CW": "cw_", "VPC": "vpc_flow_", "ACCT": "acct_"}[prefix]
    assert module.startswith(expected_prefix)


def test_ids_are_unique() -> None:
    ids = [rule(m).meta.id for m in our_modules()]
    assert len(ids) == len(set(ids))


def test_rules_on_live_reads(aws: EmbeddedAws) -> None:
    """Readers against moto feed the account rules: a bare account fails the account checks,
    a configured one passes them."""
    session = AwsSession(endpoint_url=aws.endpoint_url, region="us-east-1")

    def findings() -> set[tuple[str, str | None]]:
        ctx = ReadContext(session, "us-east-1", ACCOUNT_ID)
        live = [
            *AccountLoggingReader().read(ctx).resources,
            *AccountIamReader().read(ctx).resources,
        ]
        subjects = [Subject(r.type, r.attributes, LIVE, id=r.id, region=r.region) for r in live]
        world = World(subjects)
        out: set[tuple[str, str | None]] = set()
        for module in our_modules():
            r = rule(module)
            for s in subjects:
                if s.type in r.meta.resource_types:
                    out.update((r.meta.id, v.attribute) for v in r.evaluate(s, world))
        return out

    bare = findings()
    assert bare == {
        ("DP-ACCT-001", "account_mfa_enabled"),  # moto's root user has no MFA
        ("DP-ACCT-003", "password_policy_present"),
        ("DP-ACCT-005", "guardduty_enabled"),
        ("DP-ACCT-006", "config_recorder_enabled"),
        ("DP-ACCT-007", "cloudtrail_multi_region_logging"),
    }
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=aws.endpoint_url)

    client("s3").create_bucket(Bucket="trail-logs")
    client("cloudtrail").create_trail(
        Name="all", S3BucketName="trail-logs", IsMultiRegionTrail=True
    )
    client("cloudtrail").start_logging(Name="all")
    client("guardduty").create_detector(Enable=True)
    client("iam").update_account_password_policy(MinimumPasswordLength=10)
    client("logs").create_log_group(logGroupName="/forever")
    configured = findings()
    assert configured == {
        ("DP-ACCT-001", "account_mfa_enabled"),
        ("DP-ACCT-004", "minimum_password_length"),
        ("DP-ACCT-004", "password_reuse_prevention"),
        ("DP-ACCT-006", "config_recorder_enabled"),
        ("DP-CT-002", "enable_log_file_validation"),
        ("DP-CT-003", "kms_key_id"),
        ("DP-CT-005", "cloud_watch_logs_group_arn"),
        ("DP-CW-001", "retention_in_days"),
        ("DP-CW-002", "kms_key_id"),
    }


def test_one_flow_log_by_reference_covers_only_its_vpc() -> None:
    """Issue 11: a flow log whose vpc_id is a reference silenced every VPC. Now it covers the
    VPC it refers to (per instance, also through for_each and a module argument), and a
    flow log on an id from a variable covers none of the VPCs declared here."""
    from driftpatch.rules.subjects import from_code
    from tests.rules.sources import index_texts

    source = index_texts(
        {
            "main.tf": """
variable "external_vpc_id" {}
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_vpc" "lonely" { cidr_block = "10.1.0.0/16" }
resource "aws_vpc" "env" {
  for_each   = { a = "10.2.0.0/16", b = "10.3.0.0/16" }
  cidr_block = each.value
}
resource "aws_flow_log" "main" {
  vpc_id       = aws_vpc.main.id
  traffic_type = "ALL"
}
resource "aws_flow_log" "external" {
  vpc_id       = var.external_vpc_id
  traffic_type = "ALL"
}
module "logs" {
  source = "./logs"
  vpc_id = aws_vpc.env["a"].id
}
""",
            "logs/main.tf": """
variable "vpc_id" {}
resource "aws_flow_log" "this" {
  vpc_id       = var.vpc_id
  traffic_type = "REJECT"
}
""",
        }
    )
    subjects = from_code(source)
    world = World(subjects)
    r = rule("vpc_flow_logs")
    reported = sorted(
        s.address or "" for s in subjects if s.type == "aws_vpc" and list(r.evaluate(s, world))
    )
    assert reported == ['aws_vpc.env["b"]', "aws_vpc.lonely"]


def test_checkov_equivalents_from_the_real_registry() -> None:
    """Recorded real checkov output merged with our findings on the same trail."""
    from pathlib import Path

    from driftpatch.model import Category, Finding, Kind, Severity
    from driftpatch.rules.checkov import equivalents_from_registry, merge, parse_output

    eq = equivalents_from_registry()
    assert eq["CKV_AWS_67"] == ("DP-CT-001",)
    assert eq["CKV2_AWS_11"] == ("DP-VPC-101",)
    assert eq["CKV_AWS_10"] == ("DP-ACCT-004",) == eq["CKV_AWS_13"]
    data = Path(__file__).parent / "data" / "checkov"
    repo = Path(__file__).resolve().parents[2]
    theirs, _ = parse_output(
        (data / "hcl-output.json").read_text(), scan_root=data / "stack", repo=repo
    )
    ours = [
        Finding(
            kind=Kind.MISCONFIG,
            rule_id=rule_id,
            title="t",
            severity=Severity.MEDIUM,
            category=Category.LOGGING,
            resource_type="aws_cloudtrail",
            address="aws_cloudtrail.main",
        )
        for rule_id in ("DP-CT-001", "DP-CT-002", "DP-CT-003", "DP-CT-005")
    ]
    merged = merge(ours, theirs, eq)
    assert [f.also for f in merged[:4]] == [
        ("CKV_AWS_67",),
        ("CKV_AWS_36",),
        ("CKV_AWS_35",),
        ("CKV2_AWS_10",),
    ]
    left = {(f.rule_id, f.address) for f in merged[4:]}
    assert ("CKV_AWS_252", "aws_cloudtrail.main") in left  # SNS topic: no rule of ours
    assert not {("CKV_AWS_67", "aws_cloudtrail.main"), ("CKV_AWS_36", "aws_cloudtrail.main")} & left
    assert len(merged) == len(ours) + len(theirs) - 4
