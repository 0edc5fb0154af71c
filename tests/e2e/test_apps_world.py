"""The second bundled stack (fixtures/stacks/apps: Lambda, RDS, an ALB, Route 53, DynamoDB),
replayed from its recorded `terraform apply` (fixtures/worlds/apps): a clean world scans with no
drift and every resource read natively (the DB instance too); one console-style change per type
is found exactly once, at its attribute, and nothing else is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.demo import worlds
from driftpatch.embedded import EmbeddedAws
from tests.clirun import run_cli

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world(
    moto_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[worlds.World]:
    workdir = tmp_path_factory.mktemp("apps")
    yield worlds.deploy(moto_server, worlds.stack_path("apps", REPO), workdir, terraform=None)


def _scan(world: worlds.World, aws: EmbeddedAws, out: Path) -> dict[str, Any]:
    proc = run_cli(
        "scan",
        "--state",
        str(world.state_path),
        "--source",
        str(world.root),
        "--region",
        "us-east-1",
        "--no-checkov",
        "--no-terraform-refresh",
        "--verify",
        "static",
        "--only",
        "drift",
        "-o",
        f"json:{out}",
        cwd=out.parent,
        env=aws.env(),
    )
    assert proc.returncode in (0, 1), proc.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    assert doc["errors"] == []
    return doc


def _client(aws: EmbeddedAws, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=aws.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_clean_world_then_one_change_per_type(
    world: worlds.World, moto_server: EmbeddedAws, tmp_path: Path
) -> None:
    clean = _scan(world, moto_server, tmp_path / "clean.json")
    assert [(f["address"], f.get("attribute")) for f in clean["findings"]] == []
    by_type: dict[str, set[tuple[str, str | None]]] = {}
    for r in clean["resources"]:
        if r["address"]:
            by_type.setdefault(r["type"], set()).add((r["status"], r["reader"]))
    for type_ in (
        "aws_lambda_function",
        "aws_dynamodb_table",
        "aws_db_subnet_group",
        "aws_lb",
        "aws_lb_listener",
        "aws_lb_target_group",
        "aws_route53_zone",
        "aws_route53_record",
        "aws_db_instance",
    ):
        assert by_type.get(type_) == {("in_sync", "native")}, (type_, by_type.get(type_))

    state = {a: attrs for a, _t, attrs in worlds.managed_instances(world.state())}
    _client(moto_server, "lambda").update_function_configuration(
        FunctionName="apps-api", MemorySize=512
    )
    _client(moto_server, "dynamodb").update_continuous_backups(
        TableName="apps-orders",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    _client(moto_server, "elbv2").modify_target_group(
        TargetGroupArn=state["aws_lb_target_group.api"]["arn"], HealthCheckPath="/ping"
    )
    zone = state["aws_route53_zone.internal"]["zone_id"]
    _client(moto_server, "route53").change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "api.apps.internal.example",
                        "Type": "CNAME",
                        "TTL": 60,
                        "ResourceRecords": [
                            {"Value": state["aws_lb.web"]["dns_name"]},
                        ],
                    },
                }
            ]
        },
    )
    _client(moto_server, "rds").modify_db_instance(
        DBInstanceIdentifier="apps-orders", BackupRetentionPeriod=1, ApplyImmediately=True
    )
    drifted = _scan(world, moto_server, tmp_path / "drifted.json")
    found = sorted((f["address"], f.get("attribute")) for f in drifted["findings"])
    assert found == [
        ("aws_db_instance.orders", "backup_retention_period"),
        ("aws_dynamodb_table.orders", "point_in_time_recovery[0].enabled"),
        # The provider's refresh writes the period as 0 once recovery is off (35 before).
        ("aws_dynamodb_table.orders", "point_in_time_recovery[0].recovery_period_in_days"),
        ("aws_lambda_function.api", "memory_size"),
        ("aws_lb_target_group.api", "health_check[0].path"),
        ("aws_route53_record.api", "ttl"),
    ]
