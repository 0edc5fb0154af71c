"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the RDS reader.

The stack in stacks/rds is applied to moto, changed out of band (tags, parameter values
changed and added, a subnet group and a parameter group deleted), then
refreshed with `terraform apply -refresh-only`. Every prior state instance of the reader's
types must equal the refreshed instance key by key, except the reader's documented
`unreadable` attributes, or be gone where the refresh dropped it.

`driftpatch scan` of the applied state reports nothing on the clean world, and on the changed
one exactly the injected changes, nothing on the rest.

moto (5.2) cannot change a subnet group's description or subnets out of band: its
ModifyDBSubnetGroup drops the group from its table (the refresh then loses it), so those two
attributes are proven on the clean apply only. Its DescribeDBParameters leaves out Source, which
makes the provider's refresh drop every parameter (see `without_moto_gap`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import LiveIndex, ReadContext
from driftpatch.aws.readers.rds import PARAMETER_GROUP, RdsReader
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform

from .oracle import differences, drift_report, instances, managed_findings, statuses

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "rds"
REGION = "us-east-1"
TYPES = RdsReader.types
EXPECTED_GONE = {("aws_db_subnet_group", "gone"), ("aws_db_parameter_group", "gone")}
# (kind, address, attribute) that `driftpatch scan` of the applied state must report.
EXPECTED_FINDINGS = {
    ("drift", "aws_db_subnet_group.full", "tags.Env"),
    ("drift", "aws_db_subnet_group.full", "tags.Patched"),
    ("missing", "aws_db_subnet_group.gone", None),
    ("drift", "aws_db_parameter_group.full", "parameter"),
    ("drift", "aws_db_parameter_group.full", "tags.Env"),
    ("drift", "aws_db_parameter_group.full", "tags.Patched"),
    ("drift", "aws_db_parameter_group.prefixed", "parameter"),
    ("missing", "aws_db_parameter_group.gone", None),
}

TfApply = Callable[[Path], dict[str, Any]]


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    attrs = {
        (res["type"], res["name"]): res["instances"][0]["attributes"]
        for res in state["resources"]
        if res["mode"] == "managed"
    }
    rds = boto3.client("rds", endpoint_url=aws.endpoint_url, region_name=REGION)
    full_sg = attrs["aws_db_subnet_group", "full"]["arn"]
    rds.add_tags_to_resource(ResourceName=full_sg, Tags=[{"Key": "Patched", "Value": "1"}])
    rds.remove_tags_from_resource(ResourceName=full_sg, TagKeys=["Env"])
    rds.delete_db_subnet_group(DBSubnetGroupName="gone")

    slow = {"ParameterName": "log_min_duration_statement", "ParameterValue": "1000"}
    rds.modify_db_parameter_group(
        DBParameterGroupName="full", Parameters=[{**slow, "ApplyMethod": "immediate"}]
    )
    full_pg = attrs["aws_db_parameter_group", "full"]["arn"]
    rds.add_tags_to_resource(ResourceName=full_pg, Tags=[{"Key": "Patched", "Value": "1"}])
    rds.remove_tags_from_resource(ResourceName=full_pg, TagKeys=["Env"])
    added = {"ParameterName": "slow_query_log", "ParameterValue": "1", "ApplyMethod": "immediate"}
    rds.modify_db_parameter_group(
        DBParameterGroupName=attrs["aws_db_parameter_group", "prefixed"]["name"],
        Parameters=[added],
    )
    rds.delete_db_parameter_group(DBParameterGroupName="gone")


def test_reader_matches_the_providers_refresh_and_scan_reports_each_change(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    applied = tf_apply(workdir)
    (tmp_path / "applied.tfstate").write_text(json.dumps(applied))
    prior = instances(applied, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    # A clean apply scans to nothing at all on these types.
    clean = scan(aws, tmp_path, "clean")
    assert findings(clean) == set()
    assert set(statuses(clean, prior).values()) == {"in_sync"}

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())
    prefixed = next(
        a["id"] for (t, n, _), a in prior.items() if (t, n) == (PARAMETER_GROUP, "prefixed")
    )
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    result = RdsReader().read(ReadContext(session, REGION, session.account_id()))
    assert result.errors == ()
    after = instances(refreshed, TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    live = LiveIndex(result.resources)
    problems = differences(prior, after, live, canonical=without_moto_gap)
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)

    # What the refresh cannot show on moto, read exactly as AWS would report it.
    assert {r.id: r.attributes["parameter"] for r in live.of_type(PARAMETER_GROUP)} == {
        "full": [param("log_min_duration_statement", "1000"), PRELOAD],
        "min": [],
        prefixed: [param("max_connections", "200"), param("slow_query_log", "1")],
    }

    report = scan(aws, tmp_path, "drift")
    assert findings(report) == EXPECTED_FINDINGS
    changed = {address for _, address, _ in EXPECTED_FINDINGS}
    untouched = {a: st for a, st in statuses(report, prior).items() if a not in changed}
    assert set(untouched.values()) == {"in_sync"}


def param(name: str, value: str, apply_method: str = "immediate") -> dict[str, str]:
    return {"apply_method": apply_method, "name": name, "value": value}


PRELOAD = param("shared_preload_libraries", "pg_stat_statements", "pending-reboot")


def without_moto_gap(type_: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """moto's DescribeDBParameters leaves out each parameter's Source; with parameters in its
    configuration the provider keeps only those whose Source is "user", so on moto its refresh
    writes `parameter = []` whatever the group holds. AWS always returns Source: `parameter`
    is compared by the exact assertion on the reader and by the scan instead."""
    if type_ != PARAMETER_GROUP:
        return attributes
    return {k: v for k, v in attributes.items() if k != "parameter"}


def scan(aws: EmbeddedAws, tmp_path: Path, name: str) -> dict[str, Any]:
    return drift_report(tmp_path / "applied.tfstate", aws, tmp_path / f"{name}.json", region=REGION)


def findings(report: Mapping[str, Any]) -> set[tuple[str, str, str | None]]:
    return managed_findings(report, TYPES)
