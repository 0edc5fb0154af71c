"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the ELB readers.

The stack in stacks/elb (classic load balancers; load balancers, target groups and listeners,
each also under its aws_alb* alias) is applied to moto once, and `driftpatch scan` must report
nothing on the clean world. Then the world is changed out of band (one change per important
attribute, across the types and aliases, a listener deleted, a target group created by hand)
and refreshed with `terraform apply -refresh-only`: every prior state instance, looked up
through the reader's `match` with the prior state as the provider had it, must equal the
refreshed instance key by key (except the documented `unreadable` attributes), or be gone where
the refresh dropped it. The same world then goes through `driftpatch scan` on the applied
state: exactly the expected drift, missing and unmanaged findings, and none on the resources
left alone.

moto differences the provider and the reader both see (they read the same API): a load
balancer takes the provider's 30-second "active" wait to create, HTTP listeners carry an SSL
policy, network load balancers' ARNs say `app/`, and no listener routing or target-group
failover/health-state attribute keys are returned (those arguments stay as state has them).
A classic load balancer without a health check is returned without one, on which the
provider's read crashes (AWS always returns one), so the stack gives each a `health_check`;
moto ignores the connection draining timeout and has no hosted zone ids.
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
from driftpatch.aws.readers.elb import ElbClassicReader, ElbV2Reader
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import EmbeddedAws
from driftpatch.terraform.binary import Terraform

from .oracle import differences, drift_report, finding_keys, instances

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "elb"
REGION = "us-east-1"
TYPES = (*ElbV2Reader.types, *ElbClassicReader.types)
# Instances the out-of-band changes remove; their refresh drops them from state.
EXPECTED_GONE = {("aws_lb_listener", "redirect")}
TfApply = Callable[[Path], dict[str, Any]]


def provider_override(endpoint_url: str) -> str:
    """The account lookup the harness skips: the provider builds aws_elb ARNs with it, as real
    runs do (moto's STS answers GetCallerIdentity). The endpoint is AWS_ENDPOINT_URL."""
    del endpoint_url
    return 'provider "aws" {\n  skip_requesting_account_id = false\n}\n'


def _attrs(state: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (res["type"], res["name"]): res["instances"][0]["attributes"]
        for res in state["resources"]
        if res["mode"] == "managed"
    }


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    attrs = _attrs(state)
    c = boto3.client("elbv2", endpoint_url=aws.endpoint_url, region_name=REGION)

    def arn(type_: str, name: str) -> str:
        return str(attrs[type_, name]["arn"])

    def lb_attribute(type_: str, name: str, key: str, value: str) -> None:
        c.modify_load_balancer_attributes(
            LoadBalancerArn=arn(type_, name), Attributes=[{"Key": key, "Value": value}]
        )

    full = arn("aws_lb", "full")
    lb_attribute("aws_lb", "full", "idle_timeout.timeout_seconds", "300")
    lb_attribute("aws_lb", "full", "routing.http.drop_invalid_header_fields.enabled", "false")
    c.add_tags(ResourceArns=[full], Tags=[{"Key": "Patched", "Value": "1"}])
    c.remove_tags(ResourceArns=[full], TagKeys=["Team"])
    c.add_tags(ResourceArns=[arn("aws_lb", "min")], Tags=[{"Key": "Owner", "Value": "ops"}])
    lb_attribute("aws_lb", "net", "load_balancing.cross_zone.enabled", "true")
    lb_attribute("aws_alb", "legacy", "routing.http2.enabled", "false")

    tg_full = arn("aws_lb_target_group", "full")
    c.modify_target_group(TargetGroupArn=tg_full, HealthCheckPath="/ready", HealthyThresholdCount=3)
    c.modify_target_group_attributes(
        TargetGroupArn=tg_full, Attributes=[{"Key": "stickiness.enabled", "Value": "false"}]
    )
    c.modify_target_group(
        TargetGroupArn=arn("aws_lb_target_group", "tcp"), HealthCheckIntervalSeconds=20
    )
    c.add_tags(
        ResourceArns=[arn("aws_lb_target_group", "min")], Tags=[{"Key": "Owner", "Value": "ops"}]
    )
    c.modify_target_group_attributes(
        TargetGroupArn=arn("aws_alb_target_group", "legacy"),
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "10"}],
    )

    c.modify_listener(ListenerArn=arn("aws_lb_listener", "forward"), Port=8081)
    c.modify_listener(
        ListenerArn=arn("aws_lb_listener", "fixed"),
        DefaultActions=[
            {
                "Type": "fixed-response",
                "Order": 1,
                "FixedResponseConfig": {
                    "ContentType": "text/plain",
                    "MessageBody": "changed by hand",
                    "StatusCode": "503",
                },
            }
        ],
    )
    c.delete_listener(ListenerArn=arn("aws_lb_listener", "redirect"))
    c.modify_listener(
        ListenerArn=arn("aws_alb_listener", "legacy"),
        DefaultActions=[
            {"Type": "forward", "Order": 1, "TargetGroupArn": arn("aws_lb_target_group", "full")}
        ],
    )
    elb = boto3.client("elb", endpoint_url=aws.endpoint_url, region_name=REGION)
    full_classic = str(attrs["aws_elb", "classic_full"]["name"])
    elb.modify_load_balancer_attributes(
        LoadBalancerName=full_classic,
        LoadBalancerAttributes={
            "ConnectionSettings": {"IdleTimeout": 30},
            "CrossZoneLoadBalancing": {"Enabled": False},
        },
    )
    elb.configure_health_check(
        LoadBalancerName=full_classic,
        HealthCheck={
            "Target": "HTTP:8080/ready",
            "Interval": 30,
            "Timeout": 5,
            "UnhealthyThreshold": 3,
            "HealthyThreshold": 2,
        },
    )
    elb.add_tags(LoadBalancerNames=[full_classic], Tags=[{"Key": "Patched", "Value": "1"}])
    elb.create_load_balancer_listeners(
        LoadBalancerName="classic-min",
        Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 2222, "InstancePort": 22}],
    )
    c.create_target_group(
        Name="by-hand", Protocol="HTTP", Port=80, VpcId=str(attrs["aws_vpc", "main"]["id"])
    )


def read(aws: EmbeddedAws) -> LiveIndex:
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())
    results = [ElbV2Reader().read(ctx), ElbClassicReader().read(ctx)]
    assert [e for r in results for e in r.errors] == []
    assert not any(r.incomplete_types for r in results)
    return LiveIndex(tuple(x for r in results for x in r.resources))


def scan(workdir: Path, aws: EmbeddedAws, state: Path) -> set[tuple[str, str | None, str | None]]:
    report = drift_report(state, aws, workdir / "report.json", region=REGION)
    return finding_keys(report, TYPES)


def test_reader_matches_the_providers_refresh_and_scan_reports_exactly_the_drift(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    (workdir / "zz_provider_override.tf").write_text(provider_override(aws.endpoint_url))
    applied = tf_apply(workdir)
    applied_path = tmp_path / "applied.tfstate"
    applied_path.write_text(json.dumps(applied))
    prior = instances(applied, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)

    # A clean apply scans to nothing. (The applied state itself is no oracle for the reader:
    # the provider wrote target groups before their listeners existed, and null empty tags.)
    assert scan(workdir, aws, applied_path) == set()

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())
    after = instances(refreshed, TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    live = read(aws)
    problems = differences(prior, after, live)
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)
    # Aliases own the live object itself: it is listed once, under its aws_lb* type.
    assert not any(live.of_type(alias) for alias in ("aws_alb", "aws_alb_listener"))

    by_hand = next(t.id for t in live.of_type("aws_lb_target_group") if "/by-hand/" in t.id)
    assert scan(workdir, aws, applied_path) == {
        ("drift", "aws_lb.full", "idle_timeout"),
        ("drift", "aws_lb.full", "drop_invalid_header_fields"),
        ("drift", "aws_lb.full", "tags.Patched"),
        ("drift", "aws_lb.full", "tags.Team"),
        ("drift", "aws_lb.min", "tags.Owner"),
        ("drift", "aws_lb.net", "enable_cross_zone_load_balancing"),
        ("drift", "aws_alb.legacy", "enable_http2"),
        ("drift", "aws_lb_target_group.full", "health_check[0].path"),
        ("drift", "aws_lb_target_group.full", "health_check[0].healthy_threshold"),
        ("drift", "aws_lb_target_group.full", "stickiness[0].enabled"),
        ("drift", "aws_lb_target_group.tcp", "health_check[0].interval"),
        ("drift", "aws_lb_target_group.min", "tags.Owner"),
        ("drift", "aws_alb_target_group.legacy", "deregistration_delay"),
        ("drift", "aws_lb_listener.forward", "port"),
        # An ordered list of blocks drifts as a whole (compare's reporting path).
        ("drift", "aws_lb_listener.fixed", "default_action"),
        ("missing", "aws_lb_listener.redirect", None),
        ("drift", "aws_alb_listener.legacy", "default_action"),
        ("drift", "aws_elb.classic_full", "idle_timeout"),
        ("drift", "aws_elb.classic_full", "cross_zone_load_balancing"),
        ("drift", "aws_elb.classic_full", "health_check[0].target"),
        ("drift", "aws_elb.classic_full", "tags.Patched"),
        ("drift", "aws_elb.classic_min", "listener"),
        ("unmanaged", by_hand, None),
    }
