"""State reading: real Terraform 1.11 state, 0.12-era shapes, hostile inputs, globs and S3 over
real HTTP (moto server)."""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftpatch.embedded import EmbeddedAws
from driftpatch.errors import TerraformInputError
from driftpatch.model import Address
from driftpatch.terraform.state import State, StateInstance, parse_state, read_states

REPO = Path(__file__).resolve().parents[2]
INPUTS = REPO / "fixtures" / "inputs"
RECORDED = INPUTS / "recorded" / "state.tfstate"
STATES = INPUTS / "states"
HOSTILE = INPUTS / "hostile"


def _error(data: bytes, origin: str = "state.tfstate") -> str:
    with pytest.raises(TerraformInputError) as info:
        parse_state(data, origin)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    return message


def _by_address(state: State) -> dict[str, StateInstance]:
    return {str(i.address): i for i in (*state.resources, *state.data_sources)}


@pytest.fixture(scope="module")
def recorded() -> State:
    return parse_state(RECORDED.read_bytes(), "recorded.tfstate")


# -- real Terraform 1.11 state ------------------------------------------------------------------


def test_recorded_addresses_exactly_as_terraform_prints_them(recorded: State) -> None:
    assert [str(i.address) for i in recorded.resources] == [
        "aws_iam_access_key.ci",
        "aws_iam_user.ci",
        "aws_s3_bucket.logs[0]",
        "aws_s3_bucket.logs[1]",
        "aws_vpc_dhcp_options.dns",
        "module.bucket[0].aws_s3_bucket.this",
        'module.net.aws_subnet.private["a.b"]',
        'module.net.aws_subnet.private["say \\"hi\\".io"]',
        "module.net.aws_vpc.this",
    ]
    quoted = recorded.resources[7].address
    assert quoted == Address("aws_subnet", "private", "module.net", 'say "hi".io')
    assert quoted.config_address == "module.net.aws_subnet.private"
    assert recorded.resources[5].address == Address("aws_s3_bucket", "this", "module.bucket[0]")
    assert recorded.resources[5].address.module_path == ("bucket",)


def test_recorded_data_sources_are_kept_apart(recorded: State) -> None:
    assert [str(i.address) for i in recorded.data_sources] == [
        "data.aws_caller_identity.me",
        "module.net.data.aws_iam_policy_document.flow",
    ]
    assert all(i.address.mode == "data" for i in recorded.data_sources)
    assert all(i.address.mode == "managed" for i in recorded.resources)


def test_recorded_metadata_and_outputs(recorded: State) -> None:
    assert (recorded.origin, recorded.version, recorded.terraform_version) == (
        "recorded.tfstate",
        4,
        "1.11.4",
    )
    assert recorded.serial == 10
    assert recorded.lineage == "96cadf0d-d802-508a-86b9-2e61bc879d17"
    assert set(recorded.outputs) == {"account_id", "ci_secret", "subnet_ids"}
    assert recorded.outputs["account_id"] == "123456789012"
    assert set(recorded.outputs["subnet_ids"]) == {"a.b", 'say "hi".io'}
    assert recorded.sensitive_outputs == frozenset({"ci_secret"})


def test_recorded_sensitive_paths(recorded: State) -> None:
    got = {a: i.sensitive_paths for a, i in _by_address(recorded).items() if i.sensitive_paths}
    assert got == {
        "aws_iam_access_key.ci": (("ses_smtp_password_v4",), ("secret",)),
        "aws_s3_bucket.logs[0]": (("tags", "Secret"),),
        "aws_s3_bucket.logs[1]": (("tags", "Secret"),),
        "aws_vpc_dhcp_options.dns": (("domain_name_servers", 1),),
    }


def test_recorded_ids_regions_providers_dependencies(recorded: State) -> None:
    by = _by_address(recorded)
    assert by["aws_s3_bucket.logs[1]"].id == "dp-fixture-logs-1"
    assert by["aws_s3_bucket.logs[1]"].type == "aws_s3_bucket"
    assert by["aws_s3_bucket.logs[1]"].region == "us-east-1"  # the bucket's `region` attribute
    assert by["aws_iam_user.ci"].region is None  # IAM ARNs carry no region
    assert by["module.net.aws_vpc.this"].region == "us-east-1"  # from its ARN
    assert by['module.net.aws_subnet.private["a.b"]'].dependencies == ("module.net.aws_vpc.this",)
    assert by["aws_iam_access_key.ci"].dependencies == ("aws_iam_user.ci",)
    assert by["module.net.aws_vpc.this"].schema_version == 1
    assert {i.provider for i in by.values()} == {'provider["registry.terraform.io/hashicorp/aws"]'}
    assert {i.origin for i in by.values()} == {"recorded.tfstate"}


def test_parsing_prints_and_logs_nothing(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    parse_state(RECORDED.read_bytes(), "x")
    _error(RECORDED.read_bytes().replace(b'"attributes"', b'"attrs"'))
    assert capsys.readouterr() == ("", "")
    assert caplog.records == []


# -- other eras and shapes ---------------------------------------------------------------------


def test_terraform_0_12_state() -> None:
    state = parse_state((STATES / "state-v4-tf0.12.31.tfstate").read_bytes(), "old.tfstate")
    by = _by_address(state)
    # index_key null and absent both mean "no key"; the deposed object of web[1] is left out,
    # the tainted current object is kept (it still exists in AWS).
    assert list(by) == [
        "aws_db_instance.main",
        "aws_instance.web[0]",
        "aws_instance.web[1]",
        'module.net.aws_subnet.private["a.b"]',
        'module.net.aws_subnet.private["say \\"hi\\".io"]',
        "module.net.aws_vpc.this",
        "data.aws_caller_identity.me",
    ]
    assert by["aws_instance.web[1]"].id == "i-0fedcba9876543210"
    assert by["aws_instance.web[0]"].dependencies == ("module.net",)  # 0.12's "depends_on"
    assert by["aws_db_instance.main"].provider == "provider.aws.west"
    assert by["aws_db_instance.main"].sensitive_paths == ()
    assert by["aws_db_instance.main"].region == "us-west-2"  # from the ARN
    assert by["aws_instance.web[0]"].region == "us-east-1"  # from the availability zone
    assert state.sensitive_outputs == frozenset({"db_password"})
    assert (state.terraform_version, state.serial) == ("0.12.31", 7)


def test_sensitive_attribute_shapes() -> None:
    state = parse_state((STATES / "state-v4-sensitive-shapes.tfstate").read_bytes(), "s")
    got = {str(i.address): i.sensitive_paths for i in state.resources}
    assert got == {
        "aws_db_instance.cty_paths": (("password",), ("tags", "Secret"), ("x", 0)),
        # A set element cannot be addressed by key: the whole set is treated as sensitive; an
        # unknown step type makes the whole object sensitive.
        "aws_security_group.set_element": (("ingress",), ()),
        "aws_ssm_parameter.simplified": (("value",), ("list", 2)),
        "aws_iam_access_key.mask": (("secret",), ("nested", "list", 1)),
    }
    assert state.resources[0].region == "eu-central-1"


@pytest.mark.parametrize(
    ("attributes", "region"),
    [
        (
            {"region": "eu-west-3", "arn": "arn:aws:s3:::b", "availability_zone": "us-east-1a"},
            "eu-west-3",
        ),
        (
            {"arn": "arn:aws:ec2:ap-south-1:1:vpc/v", "availability_zone": "us-east-1a"},
            "ap-south-1",
        ),
        ({"arn": "arn:aws-us-gov:ec2:us-gov-west-1:1:vpc/v"}, "us-gov-west-1"),
        ({"arn": "arn:aws:s3:::bucket", "availability_zone": "sa-east-1c"}, "sa-east-1"),
        ({"availability_zone": "us-west-2-lax-1a"}, "us-west-2"),  # a Local Zone
        ({"availability_zone": "cn-north-1b"}, "cn-north-1"),
        ({"arn": "arn:aws:iam::123456789012:role/r"}, None),
        ({"region": "", "availability_zone": "nowhere"}, None),
        ({"region": 7, "arn": ["not", "a", "string"]}, None),
        ({}, None),
    ],
)
def test_region(attributes: dict[str, Any], region: str | None) -> None:
    inst = StateInstance(Address("t", "n"), "p", 0, attributes, (), (), "o")
    assert inst.region == region


def test_id_is_only_a_non_empty_string() -> None:
    def ident(value: Any) -> str | None:
        return StateInstance(Address("t", "n"), "p", 0, {"id": value}, (), (), "o").id

    assert (ident("i-1"), ident(""), ident(12), ident(None)) == ("i-1", None, None, None)


# -- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["state-utf8-bom.tfstate", "state-utf16le-bom.tfstate", "state-utf16be-bom.tfstate"]
)
def test_bom_and_utf16_states_read_like_the_original(name: str) -> None:
    assert parse_state((HOSTILE / name).read_bytes(), "s") == parse_state(
        RECORDED.read_bytes(), "s"
    )


def test_utf16_without_bom_and_utf32_with_bom() -> None:
    text = RECORDED.read_text()
    want = parse_state(RECORDED.read_bytes(), "s")
    assert parse_state(text.encode("utf-16-le"), "s") == want
    assert parse_state(text.encode("utf-16-be"), "s") == want
    assert parse_state(b"\xff\xfe\x00\x00" + text.encode("utf-32-le"), "s") == want
    assert parse_state(b"\x00\x00\xfe\xff" + text.encode("utf-32-be"), "s") == want


# -- hostile inputs ----------------------------------------------------------------------------

HOSTILE_FILES = {
    "empty.tfstate": "empty.tfstate: empty file (expected a Terraform state)",
    "blank.tfstate": "blank.tfstate: empty file (expected a Terraform state)",
    "truncated.tfstate": "truncated.tfstate: invalid JSON: the file ends early at line 199, "
    "column 8 (truncated?): Expecting property name enclosed in double quotes",
    "truncated-utf16.tfstate": "truncated-utf16.tfstate: the file ends in the middle of a "
    "character (utf-16-le); truncated?",
    "list.tfstate": "list.tfstate: not a Terraform state: the JSON is a list, expected an object",
    "v3.tfstate": "v3.tfstate: state format version 3 is not supported (written by Terraform "
    "< 0.12); run 'terraform state pull' with Terraform >= 0.12 to upgrade it",
    "v5.tfstate": "v5.tfstate: state format version 5 is not supported (driftpatch reads "
    "version 4, written by Terraform 0.12 to 1.x); upgrade driftpatch",
    "no-resources.tfstate": 'no-resources.tfstate: not a Terraform state: no "resources" list',
    "resources-object.tfstate": "resources-object.tfstate: resources: expected a list, got an "
    "object",
    "trailing-comma.tfstate": "trailing-comma.tfstate: invalid JSON at line 4, column 1: "
    "Expecting property name enclosed in double quotes",
    "nan.tfstate": "nan.tfstate: invalid JSON: NaN is not valid JSON",
    "bad-utf8.tfstate": "bad-utf8.tfstate: not a Terraform state: not utf-8 text (bad byte at "
    "offset 44)",
    "garbage.bin": "garbage.bin: not a Terraform state: not utf-8 text (bad byte at offset 3)",
    "binary.tfplan": "binary.tfplan: not a Terraform state: this is a zip file (a binary plan?); "
    "convert it with 'terraform show -json'",
    "not-a-plan.json": 'not-a-plan.json: not a Terraform state: no "version"',
}


@pytest.mark.parametrize(("name", "message"), sorted(HOSTILE_FILES.items()))
def test_hostile_files(name: str, message: str) -> None:
    assert _error((HOSTILE / name).read_bytes(), name) == message


def test_a_plan_is_not_a_state() -> None:
    assert _error((INPUTS / "recorded" / "plan.json").read_bytes(), "plan.json") == (
        "plan.json: looks like a plan ('terraform show -json' of a plan), not a state file"
    )


def test_show_json_of_a_state_is_not_a_state_file() -> None:
    data = (INPUTS / "recorded" / "state-show.json").read_bytes()
    assert _error(data, "show.json") == (
        "show.json: looks like 'terraform show -json' output, not a state file; pass the state "
        "file itself (or 'terraform state pull' output)"
    )


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(RECORDED.read_text())
    return doc


Mutation = Callable[[dict[str, Any]], object]


def _flat_attributes(instance: dict[str, Any]) -> None:
    instance["attributes_flat"] = {"id": "subnet-1", "tags.%": "0"}
    del instance["attributes"]


def _set_key(resource: dict[str, Any], key: Any) -> None:
    resource["instances"][0]["index_key"] = key


# (what to break, the exact message).
# resources[3] is aws_s3_bucket.logs, [7] module.net's aws_subnet.private.
STRUCTURAL: list[tuple[str, Mutation, str]] = [
    (
        "version as a string",
        lambda d: d.update(version="4"),
        'not a Terraform state: "version" is a string, expected 4',
    ),
    (
        "version 0",
        lambda d: d.update(version=0),
        "state format version 0 is not supported (written by Terraform < 0.12); run "
        "'terraform state pull' with Terraform >= 0.12 to upgrade it",
    ),
    (
        "a resource that is not an object",
        lambda d: d["resources"].append("aws_s3_bucket.x"),
        "resources[9]: expected an object, got a string",
    ),
    (
        "unknown mode",
        lambda d: d["resources"][0].update(mode="ephemeral"),
        'resources[0].mode: unknown resource mode "ephemeral"',
    ),
    (
        "a type that is no Terraform name",
        lambda d: d["resources"][1].update(type="aws instance"),
        'resources[1].type: "aws instance" is not a valid Terraform name',
    ),
    (
        "a bad module address",
        lambda d: d["resources"][7].update(module="net"),
        'resources[7].module: "net" is not a module address',
    ),
    (
        "no provider",
        lambda d: d["resources"][7].pop("provider"),
        "resources[7].provider: expected a string, got null",
    ),
    (
        "instances not a list",
        lambda d: d["resources"][7].update(instances={}),
        "module.net.aws_subnet.private.instances: expected a list, got an object",
    ),
    (
        "an instance without attributes",
        lambda d: d["resources"][7]["instances"][0].pop("attributes"),
        "module.net.aws_subnet.private.instances[0]: no attributes",
    ),
    (
        "attributes as a list",
        lambda d: d["resources"][7]["instances"][0].update(attributes=[]),
        "module.net.aws_subnet.private.instances[0].attributes: expected an object, got a list",
    ),
    (
        "attributes as null",
        lambda d: d["resources"][7]["instances"][0].update(attributes=None),
        "module.net.aws_subnet.private.instances[0].attributes: expected an object, got null",
    ),
    (
        "pre-0.12 flat attributes",
        lambda d: _flat_attributes(d["resources"][7]["instances"][0]),
        "module.net.aws_subnet.private.instances[0]: attributes are in the pre-0.12 flat "
        "format; run 'terraform apply -refresh-only' with Terraform >= 0.12 to rewrite the state",
    ),
    (
        "index_key true",
        lambda d: d["resources"][7]["instances"][0].update(index_key=True),
        "module.net.aws_subnet.private.instances[0].index_key: expected a count index or a "
        "for_each key, got a boolean",
    ),
    (
        "index_key 1.5",
        lambda d: d["resources"][3]["instances"][0].update(index_key=1.5),
        "aws_s3_bucket.logs.instances[0].index_key: expected a count index or a for_each key, "
        "got a number",
    ),
    (
        "index_key -1",
        lambda d: d["resources"][3]["instances"][0].update(index_key=-1),
        "aws_s3_bucket.logs.instances[0].index_key: expected a count index or a for_each key, "
        "got a number",
    ),
    (
        "index_key a list",
        lambda d: d["resources"][3]["instances"][0].update(index_key=[0]),
        "aws_s3_bucket.logs.instances[0].index_key: expected a count index or a for_each key, "
        "got a list",
    ),
    (
        "a string key under each = list",
        lambda d: (d["resources"][3].update(each="list"), _set_key(d["resources"][3], "0")),
        "aws_s3_bucket.logs.instances[0].index_key: does not fit the resource's each = 'list'",
    ),
    (
        "an unknown each mode",
        lambda d: d["resources"][3].update(each="set"),
        'resources[3].each: expected "list" or "map"',
    ),
    (
        "the same instance twice",
        lambda d: d["resources"][3]["instances"].append(
            copy.deepcopy(d["resources"][3]["instances"][0])
        ),
        "aws_s3_bucket.logs[0] appears more than once",
    ),
    (
        "sensitive_attributes as a string",
        lambda d: d["resources"][1]["instances"][0].update(sensitive_attributes="secret"),
        "aws_iam_access_key.ci.instances[0].sensitive_attributes: expected a list, got a string",
    ),
    (
        "a sensitive path that is not a list",
        lambda d: d["resources"][1]["instances"][0].update(sensitive_attributes=[{"a": 1}]),
        "aws_iam_access_key.ci.instances[0].sensitive_attributes[0]: expected a list, got an "
        "object",
    ),
    (
        "schema_version -1",
        lambda d: d["resources"][1]["instances"][0].update(schema_version=-1),
        "aws_iam_access_key.ci.instances[0].schema_version: expected a non-negative whole "
        "number, got a number",
    ),
    (
        "dependencies of the wrong type",
        lambda d: d["resources"][1]["instances"][0].update(dependencies=[1]),
        "aws_iam_access_key.ci.instances[0].dependencies[0]: expected a string, got a number",
    ),
    (
        "outputs as a list",
        lambda d: d.update(outputs=[]),
        "outputs: expected an object, got a list",
    ),
    (
        "an output flag of the wrong type",
        lambda d: d["outputs"]["ci_secret"].update(sensitive="yes"),
        "outputs.ci_secret.sensitive: expected true or false, got a string",
    ),
    (
        "serial as a string",
        lambda d: d.update(serial="10"),
        "serial: expected a non-negative whole number, got a string",
    ),
    (
        "lineage as a number",
        lambda d: d.update(lineage=1),
        "lineage: expected a string, got a number",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, msg) for _, m, msg in STRUCTURAL], ids=[i for i, _, _ in STRUCTURAL]
)
def test_structural_problems(mutate: Mutation, message: str) -> None:
    doc = _doc()
    mutate(doc)
    assert _error(json.dumps(doc).encode(), "s.tfstate") == f"s.tfstate: {message}"


@pytest.mark.parametrize(
    ("name", "valid"),
    [("données", True), ("web-1", True), ("_x", True), ("-x", False), ("1x", False), ("", False)],
)
def test_names_follow_hcl_identifier_rules(name: str, valid: bool) -> None:
    doc = _doc()
    doc["resources"][2]["name"] = name
    data = json.dumps(doc).encode()
    if valid:
        assert str(parse_state(data, "s").resources[1].address) == f"aws_iam_user.{name}"
    else:
        assert _error(data, "s") == (
            f"s: resources[2].name: {json.dumps(name)} is not a valid Terraform name"
        )


def test_error_messages_never_carry_values() -> None:
    doc = _doc()
    secret = doc["resources"][1]["instances"][0]["attributes"]["secret"]
    doc["resources"][1]["instances"][0]["index_key"] = {"leak": secret}
    message = _error(json.dumps(doc).encode())
    assert secret not in message


def test_deep_nesting_and_huge_numbers() -> None:
    too_deep = "state.tfstate: nested more than 128 levels deep (driftpatch's limit for a "
    assert _error(b"[" * 200_000) == too_deep + "Terraform state)"
    assert _error(b"[" * 129 + b"]" * 129) == too_deep + "Terraform state)"
    # Brackets inside strings are text, not nesting.
    assert _error(b'["' + b"[" * 500 + b'"]') == (
        "state.tfstate: not a Terraform state: the JSON is a list, expected an object"
    )
    assert _error(b"[" * 128 + b"]" * 128) == (
        "state.tfstate: not a Terraform state: the JSON is a list, expected an object"
    )
    assert _error(b'{"version": ' + b"9" * 5000 + b"}") == (
        "state.tfstate: invalid JSON: a number has too many digits"
    )


def test_a_hostile_name_cannot_break_the_line() -> None:
    doc = _doc()
    doc["resources"][0]["type"] = "evil\nname\ud800"
    message = _error(json.dumps(doc).encode(), "s")
    assert message == 's: resources[0].type: "evil\\nname\\ud800" is not a valid Terraform name'


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_only_ever_raise_terraform_input_error(data: bytes) -> None:
    try:
        parse_state(data, "random")
    except TerraformInputError as exc:
        assert "\n" not in str(exc)
        assert str(exc).startswith("random: ")


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


RECORDED_DOC = json.loads(RECORDED.read_text())
RECORDED_PATHS = [p for p in _paths(RECORDED_DOC) if p]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RECORDED_PATHS), JSON_VALUES)
def test_any_subtree_replaced_parses_or_raises_terraform_input_error(
    path: tuple[Any, ...], value: Any
) -> None:
    doc = copy.deepcopy(RECORDED_DOC)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    try:
        parse_state(json.dumps(doc).encode(), "fuzz")
    except TerraformInputError as exc:
        assert "\n" not in str(exc)


# -- read_states: files and globs --------------------------------------------------------------


def test_read_states_paths_and_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "states" / "eu").mkdir(parents=True)
    shutil.copy(RECORDED, tmp_path / "states" / "a.tfstate")
    shutil.copy(STATES / "state-v4-tf0.12.31.tfstate", tmp_path / "states" / "eu" / "b.tfstate")
    (tmp_path / "states" / "notes.txt").write_text("not a state")
    monkeypatch.chdir(tmp_path)

    flat = read_states(["states/*.tfstate"])
    assert [s.origin for s in flat] == ["states/a.tfstate"]
    deep = read_states(["states/**/*.tfstate"])
    assert [s.origin for s in deep] == ["states/a.tfstate", "states/eu/b.tfstate"]
    # A file named twice (directly and through a glob) is read once, under its first name.
    both = read_states(["states/a.tfstate", "states/*.tfstate", str(tmp_path / "states/a.tfstate")])
    assert [s.origin for s in both] == ["states/a.tfstate"]
    assert both[0].resources[0].origin == "states/a.tfstate"
    assert read_states([]) == ()


def test_read_states_local_failures(tmp_path: Path) -> None:
    with pytest.raises(TerraformInputError) as info:
        read_states([f"{tmp_path}/none/*.tfstate"])
    assert str(info.value) == f"{tmp_path}/none/*.tfstate: no files match this pattern"
    with pytest.raises(TerraformInputError) as info:
        read_states([f"{tmp_path}/missing.tfstate"])
    assert str(info.value) == f"{tmp_path}/missing.tfstate: no such state file"
    with pytest.raises(TerraformInputError) as info:
        read_states([str(tmp_path)])
    assert str(info.value) == f"{tmp_path}: is a directory, expected a state file"


def test_a_bad_file_among_good_ones_names_itself(tmp_path: Path) -> None:
    shutil.copy(RECORDED, tmp_path / "a.tfstate")
    shutil.copy(HOSTILE / "v3.tfstate", tmp_path / "b.tfstate")
    with pytest.raises(TerraformInputError) as info:
        read_states([f"{tmp_path}/*.tfstate"])
    assert str(info.value).startswith(f"{tmp_path}/b.tfstate: state format version 3 ")


# -- S3, through a real moto server over HTTP ---------------------------------------------------


def _put(bucket: str, key: str, body: bytes) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=body)


def test_s3_state_from_the_environment(aws: EmbeddedAws) -> None:
    """No client passed: boto3 takes endpoint, credentials and region from AWS_* variables."""
    assert os.environ["AWS_ENDPOINT_URL"] == aws.endpoint_url
    _put("tfstate-bucket", "env:/prod/network/terraform.tfstate", RECORDED.read_bytes())
    (state,) = read_states(["s3://tfstate-bucket/env:/prod/network/terraform.tfstate"])
    assert state.origin == "s3://tfstate-bucket/env:/prod/network/terraform.tfstate"
    assert state == parse_state(RECORDED.read_bytes(), state.origin)


def test_s3_with_a_client_factory_called_once(aws: EmbeddedAws) -> None:
    _put("tfstate-bucket", "a.tfstate", RECORDED.read_bytes())
    boto3.client("s3").put_object(
        Bucket="tfstate-bucket",
        Key="b.tfstate",
        Body=(HOSTILE / "state-utf16le-bom.tfstate").read_bytes(),
    )
    calls: list[int] = []

    def factory() -> Any:
        calls.append(1)
        return boto3.client("s3", endpoint_url=aws.endpoint_url, region_name="eu-west-1")

    refs = ["s3://tfstate-bucket/a.tfstate", "s3://tfstate-bucket/b.tfstate"]
    states = read_states(refs, factory)
    assert [s.origin for s in states] == refs
    assert states[0] == parse_state(RECORDED.read_bytes(), refs[0])
    assert states[1] == parse_state(RECORDED.read_bytes(), refs[1])  # UTF-16 in the bucket
    assert len(calls) == 1


def test_s3_state_over_the_cap_is_refused_after_reading_one_byte_past_it(
    aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    _put("tfstate-bucket", "big.tfstate", RECORDED.read_bytes())
    monkeypatch.setenv("DRIFTPATCH_MAX_INPUT_BYTES", "1K")
    with pytest.raises(TerraformInputError) as info:
        read_states(["s3://tfstate-bucket/big.tfstate"])
    assert str(info.value) == (
        "s3://tfstate-bucket/big.tfstate: over the limit of 1 KiB for a state file "
        "(set DRIFTPATCH_MAX_INPUT_BYTES to raise it)"
    )


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("s3://tfstate-bucket/missing.tfstate", "NoSuchKey: The specified key does not exist."),
        ("s3://no-such-bucket/a.tfstate", "NoSuchBucket: The specified bucket does not exist"),
    ],
)
def test_s3_missing_objects(aws: EmbeddedAws, ref: str, message: str) -> None:
    _put("tfstate-bucket", "a.tfstate", RECORDED.read_bytes())
    with pytest.raises(TerraformInputError) as info:
        read_states([ref])
    assert str(info.value) == f"{ref}: {message}"


def _set_auth(aws: EmbeddedAws, count: bytes) -> None:
    req = urllib.request.Request(
        f"{aws.endpoint_url}/moto-api/reset-auth",
        data=count,
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


def test_s3_access_denied(aws: EmbeddedAws) -> None:
    _put("tfstate-bucket", "a.tfstate", RECORDED.read_bytes())
    iam = boto3.client("iam")
    iam.create_user(UserName="nobody")  # no policy: may do nothing
    key = iam.create_access_key(UserName="nobody")["AccessKey"]

    def unprivileged() -> Any:
        return boto3.client(
            "s3",
            endpoint_url=aws.endpoint_url,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            aws_session_token=None,
        )

    _set_auth(aws, b"0")  # moto enforces IAM from now on
    try:
        with pytest.raises(TerraformInputError) as info:
            read_states(["s3://tfstate-bucket/a.tfstate"], unprivileged)
    finally:
        _set_auth(aws, b"inf")
    assert str(info.value) == "s3://tfstate-bucket/a.tfstate: AccessDenied: Access Denied"


def test_s3_endpoint_down(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(TerraformInputError) as info:
        read_states(["s3://tfstate-bucket/a.tfstate"])
    assert str(info.value) == (
        "s3://tfstate-bucket/a.tfstate: cannot read: Could not connect to the endpoint URL: "
        '"http://127.0.0.1:9/tfstate-bucket/a.tfstate"'
    )


def test_s3_unknown_profile(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(TerraformInputError) as info:
        read_states(["s3://tfstate-bucket/a.tfstate"])
    assert str(info.value) == (
        "s3://tfstate-bucket/a.tfstate: cannot create an S3 client: "
        "The config profile (no-such-profile) could not be found"
    )


@pytest.mark.parametrize("ref", ["s3://", "s3://bucket-only", "s3://bucket-only/"])
def test_s3_reference_without_a_key(ref: str) -> None:
    with pytest.raises(TerraformInputError) as info:
        read_states([ref], lambda: pytest.fail("no client needed"))
    assert str(info.value) == f"{ref}: expected s3://BUCKET/KEY"
