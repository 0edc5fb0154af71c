"""The ELBv2 reader's value shaping on recorded API answers, its registration, its failures as
values, and its aliases through drift detection (the oracle is test_elb_oracle.py)."""

from __future__ import annotations

from typing import Any

import pytest

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext, reader_for
from driftpatch.aws.readers.elb import (
    ALIASES,
    CLASSIC,
    LB,
    LISTENER,
    LISTENER_ATTRIBUTES,
    TG,
    ElbClassicReader,
    ElbV2Reader,
    classic_attributes,
    listener_attributes,
    load_balancer_attributes,
    target_group_attributes,
)
from driftpatch.aws.session import AwsSession
from driftpatch.drift.detect import detect
from driftpatch.embedded import free_port
from driftpatch.model import Address, Inventory, Kind, LiveResource, ResourceStatus
from driftpatch.terraform.state import StateInstance

REGION = "us-east-1"
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/n/abc"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/def"
L_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/1/2"


def _attrs(**pairs: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def test_every_type_is_emitted_by_exactly_one_reader_and_aliases_are_derived() -> None:
    types = [t for r in READERS for t in r.types]
    for type_ in (LB, LISTENER, TG, *ALIASES):
        assert types.count(type_) == 1, type_
        assert isinstance(reader_for(type_), ElbV2Reader)
    assert types.count(CLASSIC) == 1 and isinstance(reader_for(CLASSIC), ElbClassicReader)
    assert ElbV2Reader.derived_types == frozenset(
        {"aws_alb", "aws_alb_listener", "aws_alb_target_group"}
    )


def test_network_load_balancer_shape_and_keys_kept_from_state() -> None:
    lb = {
        "LoadBalancerArn": LB_ARN,
        "LoadBalancerName": "n20240101000000000000000001",
        "Type": "network",
        "Scheme": "internal",
        "IpAddressType": "ipv4",
        "VpcId": "vpc-1",
        "DNSName": "n.elb",
        "CanonicalHostedZoneId": "Z1",
        "AvailabilityZones": [
            {
                "SubnetId": "subnet-b",
                "LoadBalancerAddresses": [{"AllocationId": "eipalloc-1"}],
            },
            {"SubnetId": "subnet-a"},
        ],
    }
    answer = _attrs(
        **{
            "load_balancing.cross_zone.enabled": "true",
            "deletion_protection.enabled": "false",
            "dns_record.client_routing_policy": "any_availability_zone",
            "access_logs.s3.enabled": "true",
            "access_logs.s3.bucket": "logs",
        }
    )
    capacity = {"MinimumLoadBalancerCapacity": {"CapacityUnits": 100}}
    attrs = load_balancer_attributes(lb, answer, capacity, {"Env": "x"})
    assert attrs["arn_suffix"] == "net/n/abc"
    assert attrs["name_prefix"] == "n"
    assert attrs["internal"] is True
    assert attrs["subnets"] == ["subnet-a", "subnet-b"]
    assert attrs["subnet_mapping"][0] == {  # type: ignore[index]
        "allocation_id": "eipalloc-1",
        "ipv6_address": "",
        "outpost_id": "",
        "private_ipv4_address": "",
        "subnet_id": "subnet-b",
    }
    assert attrs["access_logs"] == [{"bucket": "logs", "enabled": True, "prefix": ""}]
    assert attrs["enable_cross_zone_load_balancing"] is True
    assert attrs["minimum_load_balancer_capacity"] == [{"capacity_units": 100}]
    # Application-only arguments: no key, not emitted; connection logs are for ALBs only.
    assert "idle_timeout" not in attrs and "connection_logs" not in attrs
    live = LiveIndex((LiveResource(LB, LB_ARN, REGION, attrs),))
    state = {"id": LB_ARN, "idle_timeout": None, "connection_logs": [], "enable_http2": None}
    found = ElbV2Reader().match(LB, LB_ARN, state, live)
    assert found is not None
    assert (found.attributes["idle_timeout"], found.attributes["connection_logs"]) == (None, [])
    assert found.attributes["enable_http2"] is None


def test_target_group_attributes_by_target_type_and_protocol() -> None:
    tg = {
        "TargetGroupArn": TG_ARN,
        "TargetGroupName": "t",
        "Protocol": "HTTP",
        "Port": 80,
        "VpcId": "vpc-1",
        "TargetType": "instance",
        "HealthCheckEnabled": True,
        "HealthCheckPath": "/",
        "HealthCheckPort": "traffic-port",
        "HealthCheckProtocol": "HTTP",
        "Matcher": {"HttpCode": "200"},
        "LoadBalancerArns": [LB_ARN],
    }
    answer = _attrs(
        **{
            "stickiness.enabled": "true",
            "stickiness.type": "app_cookie",
            "stickiness.app_cookie.cookie_name": "SESSION",
            "stickiness.app_cookie.duration_seconds": "600",
            "stickiness.lb_cookie.duration_seconds": "86400",
            "deregistration_delay.timeout_seconds": "30",
            "lambda.multi_value_headers.enabled": "true",  # not for instance targets
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "1",
            "target_group_health.dns_failover.minimum_healthy_targets.count": "off",
        }
    )
    attrs = target_group_attributes(tg, answer, {})
    assert attrs["stickiness"] == [
        {"cookie_duration": 600, "cookie_name": "SESSION", "enabled": True, "type": "app_cookie"}
    ]
    assert attrs["deregistration_delay"] == "30"
    assert "lambda_multi_value_headers_enabled" not in attrs
    assert attrs["target_group_health"] == [
        {
            "dns_failover": [
                {"minimum_healthy_targets_count": "off", "minimum_healthy_targets_percentage": None}
            ],
            "unhealthy_state_routing": [
                {"minimum_healthy_targets_count": 1, "minimum_healthy_targets_percentage": None}
            ],
        }
    ]
    assert attrs["protocol_version"] is None and attrs["port"] == 80


def test_listener_attribute_keys() -> None:
    assert LISTENER_ATTRIBUTES["routing_http_request_x_amzn_tls_version_header_name"] == (
        "routing.http.request.x_amzn_tls_version.header_name",
        "str",
    )
    assert LISTENER_ATTRIBUTES["routing_http_response_server_enabled"] == (
        "routing.http.response.server.enabled",
        "bool",
    )


def _listener(*actions: dict[str, Any]) -> dict[str, Any]:
    return {
        "ListenerArn": L_ARN,
        "LoadBalancerArn": LB_ARN,
        "Port": 443,
        "Protocol": "HTTPS",
        "Certificates": [{"CertificateArn": "arn:cert"}],
        "DefaultActions": list(actions),
    }


FORWARD = {
    "Type": "forward",
    "Order": 2,
    "TargetGroupArn": TG_ARN,
    "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": TG_ARN, "Weight": 1}]},
}
OIDC = {
    "Type": "authenticate-oidc",
    "Order": 1,
    "AuthenticateOidcConfig": {"ClientId": "c", "Issuer": "https://i", "SessionTimeout": 60},
}


def test_listener_forward_form_follows_the_prior_state_and_the_oidc_secret_is_never_read() -> None:
    attrs = listener_attributes(_listener(FORWARD, OIDC), _attrs(), {})
    actions = attrs["default_action"]
    assert isinstance(actions, list)
    assert [a["type"] for a in actions] == ["authenticate-oidc", "forward"]  # type: ignore[index]
    assert actions[0]["authenticate_oidc"][0]["client_secret"] == ""  # type: ignore[index]
    assert attrs["certificate_arn"] == "arn:cert" and "alpn_policy" not in attrs
    live = LiveIndex((LiveResource(LISTENER, L_ARN, REGION, attrs),))
    reader = ElbV2Reader()

    def prior(forward_block: bool) -> dict[str, Any]:
        oidc = {"authenticate_oidc": [{"client_secret": "from-config"}], "forward": []}
        fwd = {"forward": [{"target_group": []}] if forward_block else [], "type": "forward"}
        return {"id": L_ARN, "default_action": [oidc, fwd]}

    as_arn = reader.match("aws_alb_listener", L_ARN, prior(False), live)
    as_block = reader.match(LISTENER, L_ARN, prior(True), live)
    assert as_arn is not None and as_block is not None
    assert as_arn.type == LISTENER  # the alias matches the one live object
    fwd_arn = as_arn.attributes["default_action"][1]  # type: ignore[index]
    fwd_block = as_block.attributes["default_action"][1]  # type: ignore[index]
    assert (fwd_arn["target_group_arn"], fwd_arn["forward"]) == (TG_ARN, [])
    assert fwd_block["target_group_arn"] == ""
    assert fwd_block["forward"][0]["target_group"] == [{"arn": TG_ARN, "weight": 1}]
    secret = as_arn.attributes["default_action"][0]["authenticate_oidc"][0]["client_secret"]  # type: ignore[index]
    assert secret == "from-config"


def test_an_unreachable_endpoint_marks_every_type_incomplete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = ElbV2Reader().read(ReadContext(session, REGION, "123456789012"))
    assert result.resources == ()
    assert result.incomplete_types == {LB, LISTENER, TG}
    ops = sorted(e.message.split(":", 1)[0] for e in result.errors)
    assert ops == ["DescribeLoadBalancers", "DescribeTargetGroups"], result.errors


def _inst(address: str, attrs: dict[str, object]) -> StateInstance:
    return StateInstance(
        address=Address.parse(address),
        provider='provider["registry.terraform.io/hashicorp/aws"]',
        schema_version=1,
        attributes=attrs,
        sensitive_paths=(),
        dependencies=(),
        origin="t",
    )


def test_an_alias_owns_its_live_object_and_drifts_like_the_canonical_type() -> None:
    other = LB_ARN.replace("/abc", "/xyz")
    base = {"id": LB_ARN, "arn": LB_ARN, "idle_timeout": 60, "tags": {}}
    inventory = Inventory(
        resources=(
            LiveResource(LB, LB_ARN, REGION, {**base, "idle_timeout": 300}),
            LiveResource(LB, other, REGION, {**base, "id": other, "arn": other}),
        ),
        regions=(REGION,),
    )
    result = detect([_inst("aws_alb.legacy", base)], inventory, readers=READERS)
    assert [(f.kind, f.address, f.resource_id, f.attribute) for f in result.findings] == [
        (Kind.DRIFT, "aws_alb.legacy", LB_ARN, "idle_timeout"),
        (Kind.UNMANAGED, None, other, None),
    ]
    assert result.statuses == {"aws_alb.legacy": ResourceStatus.DRIFTED}


# DescribeLoadBalancers (elb) and DescribeLoadBalancerAttributes as moto answered them.
CLASSIC_LB = {
    "LoadBalancerName": "classic-min",
    "DNSName": "classic-min.us-east-1.elb.amazonaws.com",
    "ListenerDescriptions": [
        {
            "Listener": {
                "Protocol": "HTTP",
                "LoadBalancerPort": 80,
                "InstanceProtocol": "HTTP",
                "InstancePort": 80,
                "SSLCertificateId": "",
            },
            "PolicyNames": [],
        }
    ],
    "AvailabilityZones": ["us-east-1a"],
    "Subnets": ["subnet-1"],
    "VPCId": "vpc-1",
    "Instances": [{"InstanceId": "i-2"}, {"InstanceId": "i-1"}],
    "SourceSecurityGroup": {"OwnerAlias": "123456789012", "GroupName": "default"},
    "SecurityGroups": ["sg-1"],
    "Scheme": "internet-facing",
}
CLASSIC_ATTRIBUTES = {
    "CrossZoneLoadBalancing": {"Enabled": True},
    "AccessLog": {"Enabled": False},
    "ConnectionDraining": {"Enabled": False, "Timeout": 300},
    "ConnectionSettings": {"IdleTimeout": 60},
    "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "defensive"}],
}


def test_classic_shape_and_what_the_provider_keeps_from_state() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/classic-min"
    attrs = classic_attributes(
        CLASSIC_LB, CLASSIC_ATTRIBUTES, {}, arn=arn, source_group_id="sg-default"
    )
    assert attrs["listener"] == [
        {
            "instance_port": 80,
            "instance_protocol": "http",
            "lb_port": 80,
            "lb_protocol": "http",
            "ssl_certificate_id": "",
        }
    ]
    assert attrs["instances"] == ["i-1", "i-2"]
    assert attrs["source_security_group"] == "123456789012/default"
    assert attrs["source_security_group_id"] == "sg-default"
    assert attrs["desync_mitigation_mode"] == "defensive"
    assert "health_check" not in attrs  # no target reported: the provider keeps state's
    live = LiveIndex((LiveResource(CLASSIC, "classic-min", REGION, attrs),))
    reader = ElbClassicReader()
    check = [{"healthy_threshold": 10, "interval": 30, "target": "TCP:80", "timeout": 5}]
    no_logs = reader.match(CLASSIC, "classic-min", {"health_check": check}, live)
    logs = {"bucket": "b", "bucket_prefix": "", "enabled": True, "interval": 60}
    had_logs = reader.match(CLASSIC, "classic-min", {"access_logs": [logs]}, live)
    assert no_logs is not None and had_logs is not None
    assert no_logs.attributes["health_check"] == check
    # Disabled logs: no block unless state had one (then the disabled block, which drifts).
    assert no_logs.attributes["access_logs"] == []
    assert had_logs.attributes["access_logs"] == [
        {"bucket": "", "bucket_prefix": "", "enabled": False, "interval": 0}
    ]


def test_classic_unreachable_endpoint_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = ElbClassicReader().read(ReadContext(session, REGION, "123456789012"))
    assert result.resources == () and result.incomplete_types == {CLASSIC}
    assert [e.message.split(":", 1)[0] for e in result.errors] == ["DescribeLoadBalancers"]
