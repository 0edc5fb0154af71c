"""Odd-typed attributes in a state or a `--live` snapshot (issue 10): one exit-2 line naming the
file, the resource and the attribute path, never the CLI's "internal error".

Each `test_*_was_a_crash` is a crash the scan fuzz (tests/fuzz/test_scan_fuzz.py) or a
colleague's fuzzing found in a reader's matcher; the coercions Terraform's own state decoder
makes (a port written as "22") are accepted, not refused.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from driftpatch import api
from driftpatch.config import Config
from driftpatch.errors import InputError
from driftpatch.typed import (
    AttributeTypeError,
    TypeMismatch,
    coerce,
    conform_state,
)
from tests.fuzz.scan_world import REPO, SNAPSHOT_DOC, STATE_DOC, write


def _id_of(type_: str, name: str) -> str:
    """The recorded demo world's id of one resource (ids change when it is re-recorded)."""
    (entry,) = [
        r
        for r in STATE_DOC["resources"]
        if r["mode"] == "managed" and r["type"] == type_ and r["name"] == name
    ]
    return str(entry["instances"][0]["attributes"]["id"])


SG_DB = _id_of("aws_security_group", "db")
SG_WEB = _id_of("aws_security_group", "web")
INSTANCE = _id_of("aws_instance", "web")
ROLE = "acme-shop-staging-web"


def _state(name: str, type_: str, attribute: str, value: Any) -> Any:
    doc = copy.deepcopy(STATE_DOC)
    (entry,) = [r for r in doc["resources"] if r["type"] == type_ and r["name"] == name]
    entry["instances"][0]["attributes"][attribute] = value
    return doc


def _snapshot(type_: str, id_: str, attribute: str, value: Any) -> Any:
    doc = copy.deepcopy(SNAPSHOT_DOC)
    (entry,) = [r for r in doc["resources"] if r["type"] == type_ and r["id"] == id_]
    entry["attributes"][attribute] = value
    return doc


def _refusal(tmp_path: Path, state: Any, snapshot: Any) -> str:
    state_path, live_path = write(tmp_path, state, snapshot)
    config = Config(states=(str(state_path),), live_snapshot=live_path, checkov=False)
    with pytest.raises(InputError) as caught:
        api.scan(config)
    return str(caught.value).replace(str(tmp_path), "TMP")


# -- the state side ------------------------------------------------------------------------------

RULE = "module.network.aws_security_group_rule"


def test_a_number_for_a_rules_cidr_blocks_was_a_crash(tmp_path: Path) -> None:
    """expand_rule iterated `cidr_blocks or ()`: TypeError 'int' object is not iterable."""
    state = _state("ssh", "aws_security_group_rule", "cidr_blocks", 5)
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        f"TMP/terraform.tfstate: {RULE}.ssh: attribute cidr_blocks is a number, "
        "the provider schema has a list"
    )


def test_a_list_for_a_rules_port_was_a_crash(tmp_path: Path) -> None:
    """expand_rule's int(from_port or 0) on [1]: TypeError."""
    state = _state("https", "aws_security_group_rule", "from_port", [1])
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        f"TMP/terraform.tfstate: {RULE}.https: attribute from_port is a list, "
        "the provider schema has a number"
    )


def test_a_word_for_a_rules_port_was_a_crash(tmp_path: Path) -> None:
    """int("x"): ValueError."""
    state = _state("ssh", "aws_security_group_rule", "to_port", "x")
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        f"TMP/terraform.tfstate: {RULE}.ssh: attribute to_port is a string, "
        "the provider schema has a number"
    )


def test_a_number_for_a_groups_ingress_was_a_crash(tmp_path: Path) -> None:
    """match_security_group iterated `ingress or ()`."""
    state = _state("db", "aws_security_group", "ingress", 5)
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        "TMP/terraform.tfstate: module.network.aws_security_group.db: attribute ingress is a "
        "number, the provider schema has a list"
    )


def test_a_list_for_a_port_inside_a_groups_ingress_was_a_crash(tmp_path: Path) -> None:
    """_rule_hash's int(from_port or 0) on a state element's [1]."""
    state = _state("web", "aws_security_group", "egress", [{"from_port": [1], "protocol": "-1"}])
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        "TMP/terraform.tfstate: module.network.aws_security_group.web: attribute "
        "egress[0].from_port is a list, the provider schema has a number"
    )


def test_a_number_for_an_instances_network_interface_was_a_crash(tmp_path: Path) -> None:
    """match_instance iterated `network_interface or ()`."""
    state = _state("web", "aws_instance", "network_interface", 5)
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        "TMP/terraform.tfstate: module.app.aws_instance.web[0]: attribute network_interface "
        "is a number, the provider schema has a list"
    )


def test_a_list_for_a_device_index_was_a_crash(tmp_path: Path) -> None:
    """match_instance's int(device_index or 0) on [1]."""
    state = _state("web", "aws_instance", "network_interface", [{"device_index": [1]}])
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        "TMP/terraform.tfstate: module.app.aws_instance.web[0]: attribute "
        "network_interface[0].device_index is a list, the provider schema has a number"
    )


def test_an_object_for_an_attachments_role_is_refused_not_missing(tmp_path: Path) -> None:
    """No crash before, but a wrong answer: str({...}) named no role, so the attachment was
    reported missing (a finding from a corrupt state)."""
    state = _state("read_assets", "aws_iam_role_policy_attachment", "role", {"a": 1})
    assert _refusal(tmp_path, state, SNAPSHOT_DOC) == (
        "TMP/terraform.tfstate: module.app.aws_iam_role_policy_attachment.read_assets: "
        "attribute role is an object, the provider schema has a string"
    )


# -- the snapshot side ---------------------------------------------------------------------------


def test_a_number_for_cidr_blocks_in_a_snapshots_group_was_a_crash(tmp_path: Path) -> None:
    """remote_rule iterated a live element's cidr_blocks."""
    snapshot = _snapshot(
        "aws_security_group", SG_DB, "egress", [{"cidr_blocks": 1.5, "protocol": "-1"}]
    )
    assert _refusal(tmp_path, STATE_DOC, snapshot) == (
        f"TMP/live.json: aws_security_group {SG_DB} (matched by "
        "module.network.aws_security_group.db): attribute egress[0].cidr_blocks is a number, "
        "the provider schema has a list"
    )


def test_a_word_for_a_port_in_a_snapshots_group_was_a_crash(tmp_path: Path) -> None:
    """permissions() (rule matching against the live group) ran int("x")."""
    snapshot = _snapshot("aws_security_group", SG_WEB, "ingress", [{"to_port": "x"}])
    message = _refusal(tmp_path, STATE_DOC, snapshot)
    assert message.startswith(f"TMP/live.json: aws_security_group {SG_WEB} (matched by ")
    assert message.endswith(
        "): attribute ingress[0].to_port is a string, the provider schema has a number"
    )


def test_a_number_for_a_snapshots_managed_policy_arns_was_a_crash(tmp_path: Path) -> None:
    """match_attachment: `arn in 5`, TypeError."""
    snapshot = _snapshot("aws_iam_role", ROLE, "managed_policy_arns", 5)
    assert _refusal(tmp_path, STATE_DOC, snapshot) == (
        f"TMP/live.json: aws_iam_role {ROLE} (matched by "
        "module.app.aws_iam_role_policy_attachment.read_assets): attribute "
        "managed_policy_arns is a number, the provider schema has a list"
    )


def test_a_number_for_a_snapshots_root_block_device_was_a_crash(tmp_path: Path) -> None:
    snapshot = _snapshot("aws_instance", INSTANCE, "root_block_device", 5)
    assert _refusal(tmp_path, STATE_DOC, snapshot) == (
        f"TMP/live.json: aws_instance {INSTANCE} (matched by module.app.aws_instance.web[0]): "
        "attribute root_block_device is a number, the provider schema has a list"
    )


# -- what Terraform's decoder accepts is accepted ------------------------------------------------


def test_ports_written_as_strings_match_like_numbers(tmp_path: Path) -> None:
    """cty reads "22" as the number 22: the rule still matches its live permission (in sync,
    not missing and not refused)."""
    state = _state("ssh", "aws_security_group_rule", "from_port", "22")
    state_path, live_path = write(tmp_path, state, SNAPSHOT_DOC)
    report = api.scan(Config(states=(str(state_path),), live_snapshot=live_path, checkov=False))
    statuses = {r.address: r.status.value for r in report.resources}
    assert statuses[f"{RULE}.ssh"] == "in_sync"
    assert [f for f in report.findings if f.kind.value != "misconfig"] == []


@pytest.mark.parametrize(
    ("value", "type_", "expected"),
    [
        (None, "number", None),
        ("22", "number", 22),
        (" 1.5 ", "number", 1.5),
        (22.0, "number", 22),
        (22, "string", "22"),
        (True, "string", "true"),
        ("false", "bool", False),
        ([1, "2"], ["list", "string"], ["1", "2"]),
        ({"a": 1}, ["map", "string"], {"a": "1"}),
        (
            [{"from_port": "0", "x": [1]}],
            ["set", ["object", {"from_port": "number"}]],
            [{"from_port": 0, "x": [1]}],
        ),
        ({"k": [1]}, "dynamic", {"k": [1]}),
    ],
)
def test_coerce_converts_what_terraforms_state_decoder_converts(
    value: Any, type_: Any, expected: Any
) -> None:
    assert coerce(value, type_) == expected


@pytest.mark.parametrize(
    ("value", "type_"),
    [
        (True, "number"),
        ("x", "number"),
        ("NaN", "number"),
        (float("inf"), "number"),
        ([1], "number"),
        ({}, "string"),
        (1, "bool"),
        ("yes", "bool"),
        (5, ["list", "string"]),
        ("abc", ["set", "string"]),
        ([], ["map", "string"]),
        ([1], ["object", {}]),
    ],
)
def test_coerce_refuses_what_terraforms_state_decoder_refuses(value: Any, type_: Any) -> None:
    with pytest.raises(TypeMismatch) as caught:
        coerce(value, type_, ("a",))
    assert caught.value.steps == ("a",)


def test_a_refusal_inside_a_collection_names_its_path() -> None:
    with pytest.raises(TypeMismatch) as caught:
        coerce([{"p": {"q": [1]}}], ["list", ["object", {"p": ["map", "string"]}]], ("a",))
    assert (caught.value.steps, caught.value.wanted, caught.value.got) == (
        ("a", 0, "p", "q"),
        "a string",
        "a list",
    )


def test_a_refusal_names_types_never_values() -> None:
    """States hold secrets in clear text: the message says what type, not what value."""
    with pytest.raises(AttributeTypeError) as caught:
        conform_state("aws_instance", {"user_data": ["s3cr3t"]}, ("user_data",))
    assert str(caught.value) == "attribute user_data is a list, the provider schema has a string"
    assert "s3cr3t" not in str(caught.value)


# -- through the real CLI ------------------------------------------------------------------------


def test_cli_prints_one_line_and_exits_2_for_an_odd_typed_state(tmp_path: Path) -> None:
    state = _state("ssh", "aws_security_group_rule", "from_port", [1])
    state_path, live_path = write(tmp_path, state, SNAPSHOT_DOC)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("DRIFTPATCH_DEBUG", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "driftpatch",
            "scan",
            "--state",
            str(state_path),
            "--live",
            str(live_path),
            "--no-checkov",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        f"driftpatch: error: {state_path}: {RULE}.ssh: attribute from_port is a list, "
        "the provider schema has a number\n"
    )
