"""Plan reading: one realistic plan per format_version (0.1 ... 1.2, the last recorded from real
Terraform 1.11 against moto), encodings, hostile inputs, truncation and binary plans."""

from __future__ import annotations

import copy
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftpatch.embedded import EmbeddedAws, provider_override
from driftpatch.errors import TerraformInputError
from driftpatch.model import Address
from driftpatch.terraform.binary import BINARY_ENV, Terraform
from driftpatch.terraform.plan import (
    ConfigResource,
    ModuleCallConfig,
    Plan,
    ResourceChange,
    parse_plan,
    read_plan,
)

REPO = Path(__file__).resolve().parents[2]
INPUTS = REPO / "fixtures" / "inputs"
PLANS = INPUTS / "plans"
RECORDED = INPUTS / "recorded"
HOSTILE = INPUTS / "hostile"
STACK = INPUTS / "stack"
PLAN_12 = RECORDED / "plan.json"
REFRESH_12 = RECORDED / "plan-refresh-only.json"


def _error(data: bytes, origin: str = "plan.json") -> str:
    with pytest.raises(TerraformInputError) as info:
        parse_plan(data, origin)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    return message


def _load(path: Path) -> Plan:
    return parse_plan(path.read_bytes(), path.name)


def _changes(changes: tuple[ResourceChange, ...]) -> list[tuple[str, tuple[str, ...]]]:
    return [(str(c.address), c.actions) for c in changes]


def _by(changes: tuple[ResourceChange, ...]) -> dict[str, ResourceChange]:
    return {str(c.address): c for c in changes}


# -- one plan per format version ---------------------------------------------------------------

SUBNET_AB = 'module.net.aws_subnet.private["a.b"]'
SUBNET_HI = 'module.net.aws_subnet.private["say \\"hi\\".io"]'

VERSIONS: dict[str, tuple[str, str, list[tuple[str, tuple[str, ...]]], list[str], list[str]]] = {
    # file: (format_version, terraform_version, resource_changes, resource_drift, prior_state)
    "plan-0.1-tf0.12.31.json": (
        "0.1",
        "0.12.31",
        [
            ("aws_instance.old", ("delete",)),
            ("aws_s3_bucket.logs[0]", ("no-op",)),
            ("aws_s3_bucket.logs[1]", ("create",)),
            (SUBNET_AB, ("no-op",)),
            (SUBNET_HI, ("create",)),
            ("module.net.aws_vpc.this", ("update",)),
            ("module.net.data.aws_iam_policy_document.flow", ("read",)),
        ],
        [],
        ["aws_instance.old", "aws_s3_bucket.logs[0]", SUBNET_AB, "module.net.aws_vpc.this"],
    ),
    "plan-0.2-tf1.0.11.json": (
        "0.2",
        "1.0.11",
        [
            ("aws_iam_access_key.ci", ("no-op",)),
            ("aws_s3_bucket.logs[0]", ("update",)),
            ("module.bucket[0].aws_s3_bucket.this", ("create",)),
            (SUBNET_AB, ("delete", "create")),
            ("module.net.aws_vpc.this", ("update",)),
        ],
        ["module.net.aws_vpc.this"],
        ["aws_iam_access_key.ci", "aws_s3_bucket.logs[0]", SUBNET_AB, "module.net.aws_vpc.this"],
    ),
    "plan-1.0-tf1.1.9.json": (
        "1.0",
        "1.1.9",
        [
            ("aws_s3_bucket.archive", ("update",)),
            ("aws_s3_bucket.logs[0]", ("no-op",)),
            ("aws_s3_bucket.logs[1]", ("delete",)),
            ("aws_sqs_queue.gone", ("delete",)),
        ],
        ["aws_s3_bucket.archive"],
        [
            "aws_s3_bucket.archive",
            "aws_s3_bucket.logs[0]",
            "aws_s3_bucket.logs[1]",
            "aws_sqs_queue.gone",
        ],
    ),
    "plan-1.1-tf1.4.7.json": (
        "1.1",
        "1.4.7",
        [
            ("aws_db_instance.main", ("delete", "create")),
            ('module.bucket["a.b"].aws_s3_bucket.this', ("no-op",)),
            ('module.bucket["a.b"].data.aws_iam_policy_document.tls', ("read",)),
            ('module.bucket["q\\"uote"].aws_s3_bucket.this', ("create",)),
        ],
        [],
        ["aws_db_instance.main", 'module.bucket["a.b"].aws_s3_bucket.this'],
    ),
}


@pytest.mark.parametrize("name", sorted(VERSIONS))
def test_each_format_version(name: str) -> None:
    fmt, tf_version, changes, drift, prior = VERSIONS[name]
    plan = _load(PLANS / name)
    assert (plan.origin, plan.format_version, plan.terraform_version) == (name, fmt, tf_version)
    assert _changes(plan.resource_changes) == changes
    assert [str(c.address) for c in plan.resource_drift] == drift
    assert [str(v.address) for v in plan.prior_state] == prior
    assert plan.errored is False
    assert plan.is_refresh_only is False


def test_0_1_has_no_sensitivity_or_drift_fields() -> None:
    plan = _load(PLANS / "plan-0.1-tf0.12.31.json")
    change = _by(plan.resource_changes)["module.net.aws_vpc.this"]
    assert (change.before_sensitive, change.after_sensitive) == (None, None)
    assert change.before["tags"]["Env"] == "changed-by-hand"
    assert change.after["tags"]["Env"] == "fixture"
    assert change.after_unknown == {"tags": {}}
    assert change.provider == "aws"  # 0.12 wrote the short provider name
    assert {v.sensitive_values for v in plan.prior_state} == {None}
    assert plan.prior_state[0].schema_version == 1
    assert plan.variables == {"env": "fixture"}
    assert plan.sensitive_variables == frozenset()  # `sensitive` variables came in 0.14
    # data source reads are changes too, kept with their mode
    read = _by(plan.resource_changes)["module.net.data.aws_iam_policy_document.flow"]
    assert read.address == Address("aws_iam_policy_document", "flow", "module.net", None, "data")


def test_0_2_sensitivity_replacement_and_deposed_objects() -> None:
    plan = _load(PLANS / "plan-0.2-tf1.0.11.json")
    by = _by(plan.resource_changes)
    assert by["aws_iam_access_key.ci"].after_sensitive == {
        "secret": True,
        "ses_smtp_password_v4": True,
    }
    assert by["aws_s3_bucket.logs[0]"].after_sensitive["tags"] == {"Secret": True}
    replaced = by[SUBNET_AB]
    assert replaced.action_reason == "replace_because_cannot_update"
    assert replaced.replace_paths == (("cidr_block",),)
    # the deposed object shares logs[0]'s address: it is kept apart, not mixed in
    assert by["aws_s3_bucket.logs[0]"].actions == ("update",)
    assert [(str(c.address), c.actions, c.deposed) for c in plan.deposed_changes] == [
        ("aws_s3_bucket.logs[0]", ("delete",), "a1b2c3d4")
    ]
    logs = next(v for v in plan.prior_state if str(v.address) == "aws_s3_bucket.logs[0]")
    assert logs.values["bucket"] == "dp-fixture-logs-0"  # the current object, not the deposed
    key = next(v for v in plan.planned_values if v.address.type == "aws_iam_access_key")
    assert key.sensitive_values == {"secret": True, "ses_smtp_password_v4": True}
    assert key.provider == "registry.terraform.io/hashicorp/aws"
    counted = next(c for c in plan.module_calls if c.module_path == ("bucket",))
    assert counted == ModuleCallConfig(
        ("bucket",), "./modules/bucket", {"name": {"references": ["count.index"]}}
    )
    assert plan.sensitive_variables == frozenset({"secret_tag"})
    (drift,) = plan.resource_drift
    assert drift.after_unknown is None  # 1.0.x wrote drift without after_unknown


def test_1_0_moved_resources_carry_previous_address() -> None:
    plan = _load(PLANS / "plan-1.0-tf1.1.9.json")
    by = _by(plan.resource_changes)
    assert by["aws_s3_bucket.archive"].previous_address == "aws_s3_bucket.old_archive"
    assert plan.resource_drift[0].previous_address == "aws_s3_bucket.old_archive"
    assert by["aws_s3_bucket.logs[0]"].previous_address is None
    assert by["aws_sqs_queue.gone"].action_reason == "delete_because_no_resource_config"
    assert by["aws_s3_bucket.logs[1]"].after is None


def test_1_1_module_for_each_keys_with_dots_and_quotes() -> None:
    plan = _load(PLANS / "plan-1.1-tf1.4.7.json")
    quoted = plan.resource_changes[3].address
    assert quoted == Address("aws_s3_bucket", "this", 'module.bucket["q\\"uote"]')
    assert quoted.module_path == ("bucket",)
    assert quoted.config_address == "module.bucket.aws_s3_bucket.this"
    assert [str(v.address) for v in plan.planned_values] == [
        "aws_db_instance.main",
        'module.bucket["a.b"].aws_s3_bucket.this',
        'module.bucket["a.b"].data.aws_iam_policy_document.tls',
        'module.bucket["q\\"uote"].aws_s3_bucket.this',
    ]
    db = plan.resource_changes[0]
    assert (db.action_reason, db.before_sensitive["password"]) == ("replace_by_request", True)
    read = plan.resource_changes[2]
    assert read.action_reason == "read_because_config_unknown"
    assert [(c.config_address, c.module_path, c.mode) for c in plan.configuration_resources] == [
        ("aws_db_instance.main", (), "managed"),
        ("module.bucket.aws_s3_bucket.this", ("bucket",), "managed"),
        ("module.bucket.data.aws_iam_policy_document.tls", ("bucket",), "data"),
    ]
    call = plan.module_calls[0]
    assert call.module_path == ("bucket",) and call.source == "./modules/bucket"


# -- format 1.2, recorded from Terraform 1.11 against moto ---------------------------------------


@pytest.fixture(scope="module")
def plan12() -> Plan:
    return _load(PLAN_12)


@pytest.fixture(scope="module")
def refresh12() -> Plan:
    return _load(REFRESH_12)


def test_recorded_plan_changes(plan12: Plan) -> None:
    assert (plan12.format_version, plan12.terraform_version) == ("1.2", "1.11.4")
    assert _changes(plan12.resource_changes) == [
        ("aws_iam_access_key.ci", ("no-op",)),
        ("aws_iam_user.ci", ("no-op",)),
        ("aws_s3_bucket.logs[0]", ("update",)),
        ("aws_s3_bucket.logs[1]", ("create",)),
        ("aws_s3_bucket.logs[2]", ("create",)),
        ("aws_vpc_dhcp_options.dns", ("update",)),
        ("module.bucket[0].aws_s3_bucket.this", ("no-op",)),
        (SUBNET_AB, ("no-op",)),
        (SUBNET_HI, ("no-op",)),
        ("module.net.aws_vpc.this", ("update",)),
    ]
    hi = _by(plan12.resource_changes)[SUBNET_HI]
    assert hi.address == Address("aws_subnet", "private", "module.net", 'say "hi".io')
    created = _by(plan12.resource_changes)["aws_s3_bucket.logs[2]"]
    assert created.before is None and created.after["bucket"] == "dp-fixture-logs-2"
    assert created.after_unknown["arn"] is True
    assert created.after_sensitive["tags"] == {"Secret": True}
    assert plan12.errored is False and plan12.is_refresh_only is False
    assert plan12.deposed_changes == ()


def test_recorded_plan_values_and_sensitivity(plan12: Plan) -> None:
    prior = {str(v.address): v for v in plan12.prior_state}
    assert list(prior) == [
        "data.aws_caller_identity.me",
        "aws_iam_access_key.ci",
        "aws_iam_user.ci",
        "aws_s3_bucket.logs[0]",
        "aws_vpc_dhcp_options.dns",
        "module.bucket[0].aws_s3_bucket.this",
        "module.net.data.aws_iam_policy_document.flow",
        SUBNET_AB,
        SUBNET_HI,
        "module.net.aws_vpc.this",
    ]
    assert prior["aws_vpc_dhcp_options.dns"].sensitive_values["domain_name_servers"] == [
        False,
        True,
    ]
    assert prior["aws_iam_access_key.ci"].sensitive_values == {
        "secret": True,
        "ses_smtp_password_v4": True,
    }
    assert prior["data.aws_caller_identity.me"].values["account_id"] == "123456789012"
    assert prior["module.net.aws_vpc.this"].schema_version == 1
    assert len(plan12.planned_values) == 10
    assert plan12.variables == {
        "bucket_count": "3",
        "env": "staging",
        "secret_dns": "10.0.0.2",
        "secret_tag": "s3cr3t-tag-value",
    }
    # the plan shows sensitive variables' values in clear; which ones they are comes from config
    assert plan12.sensitive_variables == frozenset({"secret_dns", "secret_tag"})


def test_recorded_plan_configuration(plan12: Plan) -> None:
    assert [
        (c.config_address, c.module_path, c.mode, c.type, c.name)
        for c in plan12.configuration_resources
    ] == [
        ("aws_iam_access_key.ci", (), "managed", "aws_iam_access_key", "ci"),
        ("aws_iam_user.ci", (), "managed", "aws_iam_user", "ci"),
        ("aws_s3_bucket.logs", (), "managed", "aws_s3_bucket", "logs"),
        ("aws_vpc_dhcp_options.dns", (), "managed", "aws_vpc_dhcp_options", "dns"),
        ("data.aws_caller_identity.me", (), "data", "aws_caller_identity", "me"),
        ("module.bucket.aws_s3_bucket.this", ("bucket",), "managed", "aws_s3_bucket", "this"),
        ("module.net.aws_subnet.private", ("net",), "managed", "aws_subnet", "private"),
        ("module.net.aws_vpc.this", ("net",), "managed", "aws_vpc", "this"),
        (
            "module.net.data.aws_iam_policy_document.flow",
            ("net",),
            "data",
            "aws_iam_policy_document",
            "flow",
        ),
    ]
    logs = plan12.configuration_resources[2]
    assert logs == ConfigResource(
        config_address="aws_s3_bucket.logs",
        module_path=(),
        mode="managed",
        type="aws_s3_bucket",
        name="logs",
        expressions={
            "bucket": {"references": ["count.index"]},
            "tags": {"references": ["var.env", "var.secret_tag"]},
        },
        count_expression={"references": ["var.bucket_count"]},
        for_each_expression=None,
    )
    subnets = plan12.configuration_resources[6]
    assert subnets.for_each_expression == {"references": ["var.subnets"]}
    assert [c.module_path for c in plan12.module_calls] == [("bucket",), ("net",)]
    net = plan12.module_calls[1]
    assert net.source == "./modules/net"
    assert net.expressions["subnets"] == {
        "constant_value": {"a.b": "10.20.1.0/24", 'say "hi".io': "10.20.2.0/24"}
    }


def test_recorded_plan_drift_from_out_of_band_changes(plan12: Plan, refresh12: Plan) -> None:
    # Terraform 1.2+ lists drift in a normal plan too; here it matches the refresh-only plan.
    assert [str(c.address) for c in plan12.resource_drift] == [
        str(c.address) for c in refresh12.resource_drift
    ]


def test_recorded_refresh_only_plan(refresh12: Plan) -> None:
    assert refresh12.is_refresh_only is True
    assert refresh12.resource_changes == ()
    assert refresh12.planned_values == ()
    assert _changes(refresh12.resource_drift) == [
        ("aws_iam_user.ci", ("update",)),
        ("aws_s3_bucket.logs[1]", ("delete",)),
        ("aws_vpc_dhcp_options.dns", ("update",)),
        ("module.bucket[0].aws_s3_bucket.this", ("update",)),
        ("module.net.aws_vpc.this", ("update",)),
    ]
    by = _by(refresh12.resource_drift)
    deleted = by["aws_s3_bucket.logs[1]"]
    assert deleted.after is None and deleted.before["bucket"] == "dp-fixture-logs-1"
    assert deleted.before_sensitive["tags"] == {"Secret": True}
    vpc = by["module.net.aws_vpc.this"]
    assert vpc.address == Address("aws_vpc", "this", "module.net")
    assert (vpc.before["tags"]["Env"], vpc.after["tags"]["Env"]) == ("fixture", "changed-by-hand")
    # prior_state is the refreshed state: the bucket deleted by hand is gone from it
    prior = [str(v.address) for v in refresh12.prior_state]
    assert len(prior) == 10 and "aws_s3_bucket.logs[1]" not in prior


@pytest.mark.parametrize(
    ("changes", "drift", "prior_managed", "errored", "expected"),
    [
        (False, True, True, False, True),
        (False, False, True, False, True),  # refresh-only, nothing drifted
        (False, False, False, False, False),  # an empty configuration: cannot tell
        (True, True, True, False, False),
        (False, True, True, True, False),  # errored plans are never called refresh-only
    ],
)
def test_is_refresh_only_rule(
    plan12: Plan, changes: bool, drift: bool, prior_managed: bool, errored: bool, expected: bool
) -> None:
    doc = json.loads(PLAN_12.read_text())
    if not changes:
        del doc["resource_changes"]
    if not drift:
        del doc["resource_drift"]
    if not prior_managed:
        root = doc["prior_state"]["values"]["root_module"]
        root["resources"] = [r for r in root["resources"] if r["mode"] == "data"]
        del root["child_modules"]
    doc["errored"] = errored
    assert parse_plan(json.dumps(doc).encode(), "p").is_refresh_only is expected


def test_parsing_prints_and_logs_nothing(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _load(PLAN_12)
    _error(PLAN_12.read_bytes().replace(b'"actions"', b'"acts"'))
    assert capsys.readouterr() == ("", "")
    assert caplog.records == []


# -- format versions ---------------------------------------------------------------------------


def _with(**top: Any) -> bytes:
    doc = json.loads(PLAN_12.read_text())
    doc.update(top)
    return json.dumps(doc).encode()


@pytest.mark.parametrize("version", ["1.3", "1.10", "1.99"])
def test_future_minor_versions_are_read(version: str) -> None:
    plan = parse_plan(_with(format_version=version, some_new_key={"x": 1}), "p")
    assert plan.format_version == version
    assert len(plan.resource_changes) == 10


@pytest.mark.parametrize(
    ("version", "shown"),
    [("2.0", '"2.0"'), ("0.3", '"0.3"'), ("1", '"1"'), ("", '""'), ("1.2.0", '"1.2.0"')],
)
def test_unsupported_format_versions(version: str, shown: str) -> None:
    assert _error(_with(format_version=version)) == (
        f"plan.json: plan format_version {shown} is not supported "
        "(driftpatch reads 0.1, 0.2 and 1.x)"
    )


def test_format_version_must_be_a_string() -> None:
    assert _error(_with(format_version=1.2)) == (
        "plan.json: format_version: expected a string, got a number"
    )


# -- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["plan-utf8-bom.json", "plan-utf16le-bom.json", "plan-utf16be-bom.json"]
)
def test_bom_and_utf16_plans_read_like_the_original(name: str) -> None:
    assert parse_plan((HOSTILE / name).read_bytes(), "p") == parse_plan(PLAN_12.read_bytes(), "p")


# -- not plans ---------------------------------------------------------------------------------

NOT_PLANS = {
    RECORDED / "state.tfstate": "looks like a state file, not a plan; pass 'terraform show "
    "-json PLANFILE' output or the binary plan file",
    HOSTILE / "v3.tfstate": "looks like a state file, not a plan; pass 'terraform show -json "
    "PLANFILE' output or the binary plan file",
    RECORDED / "state-show.json": "looks like 'terraform show -json' of a state, not a plan; "
    "pass 'terraform show -json PLANFILE' output",
    HOSTILE / "not-a-plan.json": "not a Terraform plan: no format_version (expected 'terraform "
    "show -json')",
    HOSTILE / "list.tfstate": "not a Terraform plan: the JSON is a list, expected an object",
    HOSTILE / "format-2.0.json": 'plan format_version "2.0" is not supported (driftpatch reads '
    "0.1, 0.2 and 1.x)",
    HOSTILE / "empty.tfstate": "empty file (expected a Terraform plan)",
    HOSTILE / "garbage.bin": "not a Terraform plan: not utf-8 text (bad byte at offset 3)",
    HOSTILE / "binary.tfplan": "not a Terraform plan: this is a zip file (a binary plan?); "
    "convert it with 'terraform show -json'",
    HOSTILE / "truncated.json": "invalid JSON: the file ends inside a string that starts at "
    "line 1, column 24129 (truncated?)",
}


@pytest.mark.parametrize(("path", "message"), sorted(NOT_PLANS.items()), ids=lambda v: str(v)[-30:])
def test_not_plans(path: Path, message: str) -> None:
    assert _error(path.read_bytes(), path.name) == f"{path.name}: {message}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'{"format_version": "1.0"}',
            "not a Terraform plan: none of planned_values, "
            "resource_changes, prior_state, configuration",
        ),
        (b'"plan"', "not a Terraform plan: the JSON is a string, expected an object"),
        (b"null", "not a Terraform plan: the JSON is null, expected an object"),
        (b"\x00\x00\x00\x00", "not a Terraform plan: binary data (NUL bytes), expected JSON text"),
    ],
)
def test_other_json_is_not_a_plan(data: bytes, message: str) -> None:
    assert _error(data) == f"plan.json: {message}"


# -- structural problems -----------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], object]


def _rc(doc: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in doc["resource_changes"] if r["address"] == address)
    return found


STRUCTURAL: list[tuple[str, Mutation, str]] = [
    (
        "resource_changes as an object",
        lambda d: d.update(resource_changes={}),
        "resource_changes: expected a list, got an object",
    ),
    (
        "a change without a change",
        lambda d: _rc(d, "aws_iam_user.ci").pop("change"),
        "resource_changes[1].change: expected an object, got null",
    ),
    (
        "empty actions",
        lambda d: _rc(d, "aws_iam_user.ci")["change"].update(actions=[]),
        "resource_changes[1].change.actions: empty",
    ),
    (
        "actions not strings",
        lambda d: _rc(d, "aws_iam_user.ci")["change"].update(actions=[1]),
        "resource_changes[1].change.actions[0]: expected a string, got a number",
    ),
    (
        "address disagrees with name",
        lambda d: _rc(d, "aws_iam_user.ci").update(name="other"),
        'resource_changes[1].address: address "aws_iam_user.ci" does not match its '
        "module/type/name/index (aws_iam_user.other)",
    ),
    (
        "address disagrees with index",
        lambda d: _rc(d, "aws_s3_bucket.logs[2]").update(index=7),
        'resource_changes[4].address: address "aws_s3_bucket.logs[2]" does not match its '
        "module/type/name/index (aws_s3_bucket.logs[7])",
    ),
    (
        "address disagrees with module_address",
        lambda d: _rc(d, "module.net.aws_vpc.this").update(module_address='module.net["x"]'),
        'resource_changes[9].address: address "module.net.aws_vpc.this" does not match its '
        'module/type/name/index (module.net["x"].aws_vpc.this)',
    ),
    (
        "an index of the wrong type",
        lambda d: _rc(d, "aws_s3_bucket.logs[2]").update(index=True),
        "resource_changes[4].index: expected a count index or a for_each key, got a boolean",
    ),
    (
        "a module_address that is not one",
        lambda d: _rc(d, "module.net.aws_vpc.this").update(module_address="net"),
        'resource_changes[9].module_address: "net" is not a module address',
    ),
    (
        "an unparseable address",
        lambda d: _rc(d, "aws_iam_user.ci").update(address="aws_iam_user..ci"),
        'resource_changes[1].address: "aws_iam_user..ci" is not a resource address',
    ),
    (
        "the same address twice",
        lambda d: d["resource_changes"].append(copy.deepcopy(_rc(d, "aws_iam_user.ci"))),
        "resource_changes: aws_iam_user.ci appears more than once",
    ),
    (
        "replace_paths with an object step",
        lambda d: _rc(d, "aws_iam_user.ci")["change"].update(replace_paths=[[{"a": 1}]]),
        "resource_changes[1].change.replace_paths[0]: expected names and indexes, got an object",
    ),
    (
        "a child module without an address",
        lambda d: d["planned_values"]["root_module"]["child_modules"][0].pop("address"),
        "planned_values.root_module.child_modules[0]: no address",
    ),
    (
        "values as a list",
        lambda d: d["prior_state"]["values"]["root_module"]["resources"][0].update(values=[]),
        "prior_state.values.root_module.resources[0].values: expected an object, got a list",
    ),
    (
        "a config resource whose address disagrees",
        lambda d: d["configuration"]["root_module"]["resources"][0].update(address="aws_x.y"),
        'configuration.root_module.resources[0].address: "aws_x.y" does not match '
        "aws_iam_access_key.ci",
    ),
    (
        "module_calls as a list",
        lambda d: d["configuration"]["root_module"].update(module_calls=[]),
        "configuration.root_module.module_calls: expected an object, got a list",
    ),
    (
        "a module call named badly",
        lambda d: d["configuration"]["root_module"]["module_calls"].update({"a b": {}}),
        'configuration.root_module.module_calls.a b: "a b" is not a valid Terraform name',
    ),
    (
        "variables entries not objects",
        lambda d: d["variables"].update(env="staging"),
        "variables.env: expected an object, got a string",
    ),
    (
        "errored as a string",
        lambda d: d.update(errored="false"),
        "errored: expected true or false, got a string",
    ),
    (
        "prior_state as a list",
        lambda d: d.update(prior_state=[]),
        "prior_state: expected an object, got a list",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, msg) for _, m, msg in STRUCTURAL], ids=[i for i, _, _ in STRUCTURAL]
)
def test_structural_problems(mutate: Mutation, message: str) -> None:
    doc = json.loads(PLAN_12.read_text())
    mutate(doc)
    assert _error(json.dumps(doc).encode()) == f"plan.json: {message}"


def test_terraform_hcl_quoting_of_keys_is_understood() -> None:
    """Terraform quotes keys the HCL way (`$${` for `${`, `\\U` escapes); the JSON `index` is
    the exact key, and both must agree."""
    doc = json.loads(PLAN_12.read_text())
    change = _rc(doc, SUBNET_AB)
    change["index"] = "a${b}%{c}\U0001f600\x07"
    change["address"] = 'module.net.aws_subnet.private["a$${b}%%{c}\\U0001f600\\u0007"]'
    plan = parse_plan(json.dumps(doc).encode(), "p")
    # str(Address) is what Terraform prints: template sequences doubled, JSON escapes.
    address = _by(plan.resource_changes)[
        'module.net.aws_subnet.private["a$${b}%%{c}\U0001f600\\u0007"]'
    ].address
    assert address.key == "a${b}%{c}\U0001f600\x07"


def test_structured_fields_alone_or_address_alone() -> None:
    doc = json.loads(PLAN_12.read_text())
    _rc(doc, SUBNET_HI).pop("address")
    for key in ("type", "name", "index", "mode", "module_address"):
        _rc(doc, "aws_s3_bucket.logs[2]").pop(key, None)
    plan = parse_plan(json.dumps(doc).encode(), "p")
    assert _by(plan.resource_changes)[SUBNET_HI].address.key == 'say "hi".io'
    assert _by(plan.resource_changes)["aws_s3_bucket.logs[2]"].address.key == 2


# -- public plans: what Terraform 0.12 to 1.x really wrote -------------------------------------

PUBLIC = PLANS / "public"  # provenance: fixtures/inputs/plans/public/PROVENANCE.md
HAS_CHANGES = "tf0.12.11-terraform-json-has_changes.json"
PRIOR = "prior_state.values.root_module"

PUBLIC_VERSIONS = {
    # file: (format_version, terraform_version)
    "tf0.12.3-terraform-compliance-issue-127.json": ("0.1", "0.12.3"),
    "tf0.12.11-terraform-json-deep_module.json": ("0.1", "0.12.11"),
    "tf0.12.11-terraform-json-has_changes.json": ("0.1", "0.12.11"),
    "tf0.12.11-terraform-json-registry_module.json": ("0.1", "0.12.11"),
    "tf0.12.24-terraform-compliance-issue-227.json": ("0.1", "0.12.24"),
    "tf0.12.31-infracost-terraform_v0.12_plan.json": ("0.1", "0.12.31"),
    "tf0.13.5-terraform-compliance-actions_modules.json": ("0.1", "0.13.5"),
    "tf0.14.0-terraform-compliance-issue_410.json": ("0.1", "0.14.0"),
    "tf0.15.5-terraform-compliance-issue_386.json": ("0.1", "0.15.5"),
    "tf1.0.0-terraform-compliance-issue-514.json": ("0.1", "1.0.0"),
    "tf1.0.11-checkov-SecretManagerSecretEncrypted.json": ("0.2", "1.0.11"),
    "tf1.1.0-dev-terraform-json-110_basic.json": ("1.0", "1.1.0-dev"),
    "tf1.1.6-terraform-compliance-regex_on_when.json": ("1.0", "1.1.6"),
    "tf1.2.0-rc1-terraform-json-120_basic.json": ("1.1", "1.2.0-rc1"),
    "tf1.2.4-checkov-plan_with_deleted_resources.json": ("1.1", "1.2.4"),
    "tf1.5.3-terraform-json-moved_block.json": ("1.2", "1.5.3"),
    "tf1.5.4-terraform-json-has_checks.json": ("1.2", "1.5.4"),
    "tf1.14.9-terraform-compliance-issue_796.json": ("1.2", "1.14.9"),
}


def _from_parts(module: str, raw: dict[str, Any]) -> str:
    """The address Terraform's structured fields give an entry, spelled out independently of the
    parser under test (the public plans' keys need no escaping beyond JSON's)."""
    key = raw.get("index")
    suffix = "" if key is None else f"[{json.dumps(key)}]"
    data = "data." if raw.get("mode") == "data" else ""
    return (f"{module}." if module else "") + f"{data}{raw['type']}.{raw['name']}{suffix}"


def _values_entries(values: Any) -> list[tuple[str, dict[str, Any]]]:
    """(module address, entry) for every current object of a values representation."""
    out: list[tuple[str, dict[str, Any]]] = []

    def walk(module: dict[str, Any], address: str) -> None:
        out.extend((address, r) for r in module.get("resources") or [] if not r.get("deposed_key"))
        for child in module.get("child_modules") or []:
            walk(child, child["address"])

    walk((values or {}).get("root_module") or {}, "")
    return out


def test_the_public_plans_are_all_listed() -> None:
    on_disk = {p.name for p in PUBLIC.glob("*.json")}
    assert on_disk == set(PUBLIC_VERSIONS)
    assert {fmt for fmt, _ in PUBLIC_VERSIONS.values()} == {"0.1", "0.2", "1.0", "1.1", "1.2"}
    provenance = (PUBLIC / "PROVENANCE.md").read_text()
    assert all(f"`{name}`" in provenance for name in on_disk)


@pytest.mark.parametrize("name", sorted(PUBLIC_VERSIONS))
def test_every_public_plan_loads_with_all_its_resource_addresses(name: str) -> None:
    doc = json.loads((PUBLIC / name).read_text())
    plan = _load(PUBLIC / name)
    assert (plan.format_version, plan.terraform_version) == PUBLIC_VERSIONS[name]
    changes = [c for c in doc.get("resource_changes") or [] if not c.get("deposed")]
    # resource_changes always had full addresses: they are the parts, exactly
    assert [c["address"] for c in changes] == [
        _from_parts(c.get("module_address", ""), c) for c in changes
    ]
    assert [str(c.address) for c in plan.resource_changes] == [c["address"] for c in changes]
    prior = _values_entries((doc.get("prior_state") or {}).get("values"))
    planned = _values_entries(doc.get("planned_values"))
    assert [str(v.address) for v in plan.prior_state] == [_from_parts(m, r) for m, r in prior]
    assert [str(v.address) for v in plan.planned_values] == [_from_parts(m, r) for m, r in planned]
    # every address that was short is accounted for, once, and nothing else
    short = [r["address"] for m, r in (*prior, *planned) if r["address"] != _from_parts(m, r)]
    assert [r.written for r in plan.address_repairs] == short
    assert (plan.address_warning() is None) == (not short)
    if not name.startswith("tf0.12."):
        assert short == []  # only Terraform 0.12 wrote them short
    assert plan.errored is False and plan.is_refresh_only is False


DB1 = "module.db.module.db_1"
DB2 = "module.db.module.db_2"


def _db(module: str) -> list[str]:
    """The instances of one terraform-aws-modules/rds module call in the infracost plan."""
    return [
        f"{module}.module.db_instance.aws_db_instance.this[0]",
        f"{module}.module.db_instance.aws_iam_role.enhanced_monitoring[0]",
        f"{module}.module.db_instance.aws_iam_role_policy_attachment.enhanced_monitoring[0]",
        f"{module}.module.db_option_group.aws_db_option_group.this[0]",
        f"{module}.module.db_parameter_group.aws_db_parameter_group.this[0]",
        f"{module}.module.db_subnet_group.aws_db_subnet_group.this[0]",
    ]


def _tags(module: str, indexes: tuple[int, ...]) -> list[str]:
    return [f"{module}.data.null_data_source.tags_as_list_of_maps[{i}]" for i in indexes]


PUBLIC_0_12: dict[str, tuple[list[str], list[str], list[str], int]] = {
    # file: (resource_changes, prior_state, where the first repair was, how many)
    "tf0.12.3-terraform-compliance-issue-127.json": (
        [
            "aws_autoscaling_group.example",
            "aws_elb.example",
            "aws_instance.web[0]",
            "aws_launch_configuration.example",
            "aws_security_group.elb",
            "aws_security_group.instance",
        ],
        [
            "data.aws_availability_zones.all",
            *_tags("module.tagsmod", (10, 11, 12, 2, 7, 9, 6, 15, 14, 0, 1, 5, 13, 3, 4, 8)),
            *_tags("module.tagsmod2", (1, 7, 8, 11, 0, 4, 9, 12, 13, 10, 14, 15, 2, 3, 5, 6)),
        ],
        ["prior_state.values.root_module.child_modules[0].resources[0]"],
        32,
    ),
    "tf0.12.11-terraform-json-deep_module.json": (
        ["module.foo.module.bar.null_resource.baz"],
        [],
        [],
        0,
    ),
    "tf0.12.11-terraform-json-has_changes.json": (
        [
            "module.foo.null_resource.foo",
            "null_resource.bar",
            "null_resource.baz[0]",
            "null_resource.baz[1]",
            "null_resource.baz[2]",
            "null_resource.foo",
        ],
        [
            "data.null_data_source.baz",
            "null_resource.bar",
            "null_resource.baz[1]",
            "null_resource.baz[2]",
            "null_resource.baz[0]",
            "null_resource.foo",
            "module.foo.null_resource.foo",
        ],
        ["prior_state.values.root_module.resources[2]"],
        4,
    ),
    "tf0.12.11-terraform-json-registry_module.json": (
        ["module.module.null_resource.resource"],
        ["module.module.data.null_data_source.data"],
        ["prior_state.values.root_module.child_modules[0].resources[0]"],
        1,
    ),
    "tf0.12.31-infracost-terraform_v0.12_plan.json": (
        [
            "aws_instance.instance_1",
            "aws_instance.instance_2",
            "aws_instance.instance_counted[0]",
            "aws_instance.instance_counted[1]",
            'aws_instance.instance_named["test.1"]',
            'aws_instance.instance_named["test.2"]',
            "module.db.aws_default_vpc.default",
            *_db(DB1),
            *_db(DB2),
            "module.instances.aws_default_vpc.default",
            "module.instances.aws_instance.module_instance_1",
            "module.instances.aws_instance.module_instance_2",
            "module.instances.aws_instance.module_instance_counted[0]",
            "module.instances.aws_instance.module_instance_counted[1]",
            'module.instances.aws_instance.module_instance_named["test.1"]',
            'module.instances.aws_instance.module_instance_named["test.2"]',
        ],
        [
            "aws_instance.instance_1",
            "aws_instance.instance_counted[0]",
            'aws_instance.instance_named["test.1"]',
            "module.instances.aws_default_vpc.default",
            "module.instances.aws_instance.module_instance_1",
            "module.instances.aws_instance.module_instance_counted[0]",
            'module.instances.aws_instance.module_instance_named["test.1"]',
            "module.instances.data.aws_subnet_ids.default",
            "module.db.aws_default_vpc.default",
            "module.db.data.aws_subnet_ids.default",
            f"{DB1}.module.db_subnet_group.aws_db_subnet_group.this[0]",
            f"{DB1}.module.db_instance.aws_db_instance.this[0]",
            f"{DB1}.module.db_instance.aws_iam_role.enhanced_monitoring[0]",
            f"{DB1}.module.db_instance.aws_iam_role_policy_attachment.enhanced_monitoring[0]",
            f"{DB1}.module.db_instance.data.aws_iam_policy_document.enhanced_monitoring",
            f"{DB1}.module.db_instance.data.aws_partition.current",
            f"{DB1}.module.db_option_group.aws_db_option_group.this[0]",
            f"{DB1}.module.db_parameter_group.aws_db_parameter_group.this[0]",
        ],
        ["prior_state.values.root_module.resources[1]"],
        17,
    ),
    "tf0.12.24-terraform-compliance-issue-227.json": (
        ["module.test.aws_iam_role.task", "module.test.random_id.iam_prefix"],
        ["module.test.data.aws_iam_policy_document.ecs_assume_role"],
        ["prior_state.values.root_module.child_modules[0].resources[0]"],
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(PUBLIC_0_12))
def test_terraform_0_12_plans_exact_addresses(name: str) -> None:
    changes, prior, first, repairs = PUBLIC_0_12[name]
    plan = _load(PUBLIC / name)
    assert [str(c.address) for c in plan.resource_changes] == changes
    # planned_values lists the same instances, root module first
    assert sorted(str(v.address) for v in plan.planned_values) == sorted(changes)
    assert [str(v.address) for v in plan.prior_state] == prior
    assert [r.where for r in plan.address_repairs[:1]] == first
    assert len(plan.address_repairs) == repairs
    # prior_state is what resource_changes start from, instance by instance
    by = _by(plan.resource_changes)
    managed = [v for v in plan.prior_state if v.address.mode == "managed"]
    assert all(by[str(v.address)].before == v.values for v in managed)
    # what 0.12 did not have yet
    assert plan.resource_drift == () and plan.deposed_changes == ()
    assert plan.sensitive_variables == frozenset()
    assert {v.sensitive_values for v in (*plan.prior_state, *plan.planned_values)} <= {None}
    assert {(c.before_sensitive, c.after_sensitive) for c in plan.resource_changes} == {
        (None, None)
    }
    assert {c.previous_address for c in plan.resource_changes} == {None}


def test_counted_and_module_addresses_are_built_from_their_parts() -> None:
    plan = _load(PUBLIC / "tf0.12.11-terraform-json-has_changes.json")
    assert [(r.where, r.written, str(r.built)) for r in plan.address_repairs] == [
        (
            "prior_state.values.root_module.resources[2]",
            "null_resource.baz",
            "null_resource.baz[1]",
        ),
        (
            "prior_state.values.root_module.resources[3]",
            "null_resource.baz",
            "null_resource.baz[2]",
        ),
        (
            "prior_state.values.root_module.resources[4]",
            "null_resource.baz",
            "null_resource.baz[0]",
        ),
        (
            "prior_state.values.root_module.child_modules[0].resources[0]",
            "null_resource.foo",
            "module.foo.null_resource.foo",
        ),
    ]
    # each instance keeps its own object: prior_state's ids are resource_changes' `before` ids
    prior = {str(v.address): v.values["id"] for v in plan.prior_state}
    assert {a: c.before["id"] for a, c in _by(plan.resource_changes).items()} == {
        a: i for a, i in prior.items() if not a.startswith("data.")
    }
    assert plan.address_warning() == (
        "4 resource addresses in the plan were written without their instance key or module "
        "path (a Terraform 0.12 quirk); read from module/type/name/index instead, e.g. "
        'prior_state.values.root_module.resources[2]: "null_resource.baz" as null_resource.baz[1]'
    )


def test_both_quirks_at_once_in_a_child_module() -> None:
    plan = _load(PUBLIC / "tf0.12.3-terraform-compliance-issue-127.json")
    repair = plan.address_repairs[0]
    assert repair.written == "data.null_data_source.tags_as_list_of_maps"
    assert repair.built == Address(
        "null_data_source", "tags_as_list_of_maps", "module.tagsmod", 10, "data"
    )
    assert {r.written for r in plan.address_repairs} == {repair.written}


def test_the_plan_of_the_issue_for_each_keys_and_deep_modules() -> None:
    """infracost's 0.12.31 plan, quoted in issue 14: for_each keys were dropped like count
    indexes, and module paths three calls deep."""
    plan = _load(PUBLIC / "tf0.12.31-infracost-terraform_v0.12_plan.json")
    by_where = {r.where: (r.written, str(r.built)) for r in plan.address_repairs}
    assert by_where[f"{PRIOR}.resources[1]"] == (
        "aws_instance.instance_counted",
        "aws_instance.instance_counted[0]",
    )
    assert by_where[f"{PRIOR}.resources[2]"] == (
        "aws_instance.instance_named",
        'aws_instance.instance_named["test.1"]',
    )
    assert by_where[f"{PRIOR}.child_modules[1].child_modules[0].child_modules[1].resources[3]"] == (
        "data.aws_iam_policy_document.enhanced_monitoring",
        f"{DB1}.module.db_instance.data.aws_iam_policy_document.enhanced_monitoring",
    )
    assert plan.address_warning() == (
        "17 resource addresses in the plan were written without their instance key or module "
        "path (a Terraform 0.12 quirk); read from module/type/name/index instead, e.g. "
        f'{PRIOR}.resources[1]: "aws_instance.instance_counted" as aws_instance.instance_counted[0]'
    )
    named = next(v for v in plan.prior_state if v.address.name == "instance_named")
    assert named.address.key == "test.1"


def test_one_short_address_is_one_warning_in_the_singular() -> None:
    plan = _load(PUBLIC / "tf0.12.11-terraform-json-registry_module.json")
    assert plan.address_warning() == (
        "1 resource address in the plan was written without its instance key or module path "
        "(a Terraform 0.12 quirk); read from module/type/name/index instead, e.g. "
        "prior_state.values.root_module.child_modules[0].resources[0]: "
        '"data.null_data_source.data" as module.module.data.null_data_source.data'
    )


def test_planned_values_of_a_0_1_plan_may_be_short_too() -> None:
    doc = json.loads((PUBLIC / "tf0.12.11-terraform-json-has_changes.json").read_text())
    doc["planned_values"]["root_module"]["resources"][1]["address"] = "null_resource.baz"
    plan = parse_plan(json.dumps(doc).encode(), "p")
    assert str(plan.planned_values[1].address) == "null_resource.baz[0]"
    assert plan.address_repairs[-1].where == "planned_values.root_module.resources[1]"


# Contradictions Terraform 0.12's quirk cannot explain: still refused, with one line.
CONTRADICTIONS_0_1: list[tuple[str, Mutation, str]] = [
    (
        "another name",
        lambda d: d["prior_state"]["values"]["root_module"]["resources"][2].update(
            address="null_resource.qux"
        ),
        f'{PRIOR}.resources[2].address: address "null_resource.qux" does not match its '
        "module/type/name/index (null_resource.baz[1])",
    ),
    (
        "another type",
        lambda d: d["prior_state"]["values"]["root_module"]["resources"][2].update(
            address="aws_instance.baz"
        ),
        f'{PRIOR}.resources[2].address: address "aws_instance.baz" does not match its '
        "module/type/name/index (null_resource.baz[1])",
    ),
    (
        "another index",
        lambda d: d["prior_state"]["values"]["root_module"]["resources"][2].update(
            address="null_resource.baz[0]"
        ),
        f'{PRIOR}.resources[2].address: address "null_resource.baz[0]" does not match its '
        "module/type/name/index (null_resource.baz[1])",
    ),
    (
        "an index the parts do not have",
        lambda d: d["prior_state"]["values"]["root_module"]["resources"][1].update(
            address="null_resource.bar[0]"
        ),
        f'{PRIOR}.resources[1].address: address "null_resource.bar[0]" does not match its '
        "module/type/name/index (null_resource.bar)",
    ),
    (
        "a data source written as a managed resource",
        lambda d: d["prior_state"]["values"]["root_module"]["resources"][0].update(
            address="null_data_source.baz"
        ),
        f'{PRIOR}.resources[0].address: address "null_data_source.baz" does not match its '
        "module/type/name/index (data.null_data_source.baz)",
    ),
    (
        "another module",
        lambda d: d["prior_state"]["values"]["root_module"]["child_modules"][0]["resources"][
            0
        ].update(address="module.bar.null_resource.foo"),
        f'{PRIOR}.child_modules[0].resources[0].address: address "module.bar.null_resource.foo" '
        "does not match its module/type/name/index (module.foo.null_resource.foo)",
    ),
    (
        "a root resource placed in a module",
        lambda d: d["prior_state"]["values"]["root_module"]["resources"][5].update(
            address="module.foo.null_resource.foo"
        ),
        f'{PRIOR}.resources[5].address: address "module.foo.null_resource.foo" does not match '
        "its module/type/name/index (null_resource.foo)",
    ),
    (
        "a short address in resource_changes (0.12 wrote those in full)",
        lambda d: d["resource_changes"][2].update(address="null_resource.baz"),
        'resource_changes[2].address: address "null_resource.baz" does not match its '
        "module/type/name/index (null_resource.baz[0])",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [(m, msg) for _, m, msg in CONTRADICTIONS_0_1],
    ids=[i for i, _, _ in CONTRADICTIONS_0_1],
)
def test_contradictions_in_a_0_12_plan_are_still_refused(mutate: Mutation, message: str) -> None:
    doc = json.loads((PUBLIC / HAS_CHANGES).read_text())
    mutate(doc)
    assert _error(json.dumps(doc).encode()) == f"plan.json: {message}"


def test_a_partial_module_path_is_refused() -> None:
    doc = json.loads((PUBLIC / HAS_CHANGES).read_text())
    child = doc["prior_state"]["values"]["root_module"]["child_modules"][0]
    child["address"] = "module.foo.module.inner"
    child["resources"][0]["address"] = "module.inner.null_resource.foo"
    assert _error(json.dumps(doc).encode()) == (
        f"plan.json: {PRIOR}.child_modules[0].resources[0].address: address "
        '"module.inner.null_resource.foo" does not match its module/type/name/index '
        "(module.foo.module.inner.null_resource.foo)"
    )


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([(2, ""), (5, ""), (0, ""), (0, "child")]),
    st.sampled_from(["", "module.foo", "module.bar", "module.foo.module.foo"]),
    st.sampled_from(["", "data."]),
    st.sampled_from(["null_resource", "null_data_source", "aws_instance"]),
    st.sampled_from(["baz", "foo", "bar"]),
    st.sampled_from([None, 0, 1, 2, "1"]),
)
def test_an_address_is_read_past_only_when_0_12_could_have_written_it(
    entry: tuple[int, str], module: str, data: str, rtype: str, name: str, key: Any
) -> None:
    """Any address text for a prior_state entry of a 0.1 plan: read when it is the built address
    or that address short of its key and/or its whole module path, refused otherwise."""
    doc = json.loads((PUBLIC / HAS_CHANGES).read_text())
    root = doc["prior_state"]["values"]["root_module"]
    i, where = entry
    raw = root["child_modules"][0]["resources"][0] if where else root["resources"][i]
    built = Address(
        raw["type"],
        raw["name"],
        "module.foo" if where else "",
        raw.get("index"),
        raw.get("mode", "managed"),
    )
    written = Address(rtype, name, module, key, "data" if data else "managed")
    raw["address"] = str(written)
    explained = (written.mode, written.type, written.name) == (
        built.mode,
        built.type,
        built.name,
    ) and (written.module in ("", built.module) and written.key in (None, built.key))
    if not explained:
        _error(json.dumps(doc).encode())
        return
    plan = parse_plan(json.dumps(doc).encode(), "p")
    assert built in {v.address for v in plan.prior_state}
    at = f"{PRIOR}.child_modules[0].resources[0]" if where else f"{PRIOR}.resources[{i}]"
    repairs = [(r.written, r.built) for r in plan.address_repairs if r.where == at]
    assert repairs == ([] if written == built else [(str(written), built)])


def test_short_addresses_are_refused_in_plans_newer_than_format_0_1() -> None:
    """From format 0.2 (Terraform 1.0.1) on nothing writes them: a short one is a contradiction."""
    doc = json.loads(PLAN_12.read_text())
    resources = doc["prior_state"]["values"]["root_module"]["resources"]
    i = next(i for i, r in enumerate(resources) if r["address"] == "aws_s3_bucket.logs[0]")
    resources[i]["address"] = "aws_s3_bucket.logs"
    assert _error(json.dumps(doc).encode()) == (
        f'plan.json: {PRIOR}.resources[{i}].address: address "aws_s3_bucket.logs" does not '
        "match its module/type/name/index (aws_s3_bucket.logs[0])"
    )


# -- truncation and noise ----------------------------------------------------------------------

PLAN_BYTES = PLAN_12.read_bytes().rstrip()
SMALL_BYTES = (PLANS / "plan-1.0-tf1.1.9.json").read_bytes().rstrip()


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_any_truncation_of_a_real_plan_is_a_one_line_input_error(data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(PLAN_BYTES) - 1))
    message = _error(PLAN_BYTES[:cut], "cut.json")
    assert message.startswith("cut.json: ")


def test_every_truncation_of_a_small_plan_fails_cleanly() -> None:
    for cut in range(0, len(SMALL_BYTES), 7):
        _error(SMALL_BYTES[:cut])
    for cut in range(len(SMALL_BYTES) - 40, len(SMALL_BYTES)):
        assert "truncated?" in _error(SMALL_BYTES[:cut]) or cut == 0


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_truncation_of_a_utf16_plan_is_a_one_line_input_error(data: st.DataObject) -> None:
    raw = (HOSTILE / "plan-utf16le-bom.json").read_bytes().rstrip(b"\n\x00")
    cut = data.draw(st.integers(0, len(raw) - 3))
    _error(raw[:cut])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_only_ever_raise_terraform_input_error(data: bytes) -> None:
    try:
        parse_plan(data, "random")
    except TerraformInputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("random: ")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


FUZZ_DOCS = {
    name: json.loads((PLANS / name).read_text())
    for name in (
        "plan-0.2-tf1.0.11.json",
        "plan-1.1-tf1.4.7.json",
        "public/tf0.12.11-terraform-json-has_changes.json",  # short addresses read past
    )
}
FUZZ_PATHS = [(name, p) for name, doc in FUZZ_DOCS.items() for p in _paths(doc) if p]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZ_PATHS), JSON_VALUES)
def test_any_subtree_replaced_parses_or_raises_terraform_input_error(
    where: tuple[str, tuple[Any, ...]], value: Any
) -> None:
    name, path = where
    doc = copy.deepcopy(FUZZ_DOCS[name])
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    try:
        parse_plan(json.dumps(doc).encode(), "fuzz")
    except TerraformInputError as exc:
        assert "\n" not in str(exc)


# -- read_plan and binary plans ----------------------------------------------------------------


def test_read_plan_json_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    shutil.copy(PLAN_12, path)
    plan = read_plan(path)
    assert plan.origin == str(path)
    assert plan == parse_plan(PLAN_12.read_bytes(), str(path))


def test_read_plan_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TerraformInputError) as info:
        read_plan(tmp_path / "nope.json")
    assert str(info.value) == f"{tmp_path}/nope.json: no such plan file"


def test_binary_plan_without_a_terraform_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.delenv(BINARY_ENV, raising=False)
    assert Terraform.find() is None
    plan = tmp_path / "plan.tfplan"
    shutil.copy(HOSTILE / "binary.tfplan", plan)
    with pytest.raises(TerraformInputError) as info:
        read_plan(plan)
    assert str(info.value) == (
        f"{plan}: binary plan files need the Terraform CLI on PATH "
        "(or pass 'terraform show -json' output)"
    )


@pytest.mark.terraform
def test_binary_plan_through_real_terraform(
    terraform: Terraform, aws: EmbeddedAws, tmp_path: Path
) -> None:
    work = tmp_path / "stack"
    shutil.copytree(STACK, work)
    (work / "driftpatch_override.tf").write_text(provider_override(aws.endpoint_url))
    tf = terraform.with_env(**aws.env())
    tf.init(work)
    tf.plan(work, work / "plan.tfplan")

    plan = read_plan(work / "plan.tfplan", terraform=tf)  # chdir: the plan's own directory
    assert plan.origin == str(work / "plan.tfplan")
    assert plan.format_version == "1.2"
    assert {c.actions for c in plan.resource_changes} == {("create",)}
    assert [str(c.address) for c in plan.resource_changes] == [
        "aws_iam_access_key.ci",
        "aws_iam_user.ci",
        "aws_s3_bucket.logs[0]",
        "aws_s3_bucket.logs[1]",
        "aws_vpc_dhcp_options.dns",
        "module.bucket[0].aws_s3_bucket.this",
        SUBNET_AB,
        SUBNET_HI,
        "module.net.aws_vpc.this",
    ]
    # the same plan moved away from its configuration needs chdir
    moved = tmp_path / "elsewhere" / "plan.tfplan"
    moved.parent.mkdir()
    shutil.copy(work / "plan.tfplan", moved)
    assert read_plan(moved, chdir=work, terraform=tf).resource_changes == plan.resource_changes


@pytest.mark.terraform
def test_binary_plan_cli_failures_are_one_line(terraform: Terraform, tmp_path: Path) -> None:
    plan = tmp_path / "broken.tfplan"
    shutil.copy(HOSTILE / "binary.tfplan", plan)
    with pytest.raises(TerraformInputError) as info:
        read_plan(plan, terraform=terraform)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{plan}: terraform show failed: ")
