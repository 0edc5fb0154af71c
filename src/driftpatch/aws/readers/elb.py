"""Elastic Load Balancing v2 (per region): aws_lb, aws_lb_listener and aws_lb_target_group,
shaped as hashicorp/aws 5.100.0 writes them to state after a refresh.

- Aliases: aws_alb, aws_alb_listener and aws_alb_target_group are the same resources under an
  older name (same schema, same read). They are `derived_types`: `read` emits each live object
  once, under its aws_lb* type, and `match` hands an aws_alb* state instance that same object,
  so it is owned (never unmanaged) whichever name the code uses, and rules see it once.
- Calls: DescribeLoadBalancers and DescribeTargetGroups pages (bulk), DescribeTags for 20 ARNs
  at a time (bulk); per object, in a bounded pool, what the provider's state needs:
  DescribeLoadBalancerAttributes + DescribeCapacityReservation (application and network load
  balancers) + DescribeListeners per load balancer, DescribeListenerAttributes per listener,
  DescribeTargetGroupAttributes per target group.
- The provider's read is a function of AWS *and the prior state*, reproduced by `match`:
  an attribute backed by a load balancer/target group/listener attribute key is only set when
  AWS returns that key (an older region, or a type that has no such key, keeps the state's
  value); a forward default action is written as `target_group_arn` or as a `forward` block as
  the prior state had it; an OIDC action's `client_secret` cannot be read (AWS never returns it)
  and is passed through from state, never read or emitted by `read`.
- Nothing here is created by AWS itself: every object is a candidate for unmanaged.
- moto (5.x) hosts all three types well enough for real Terraform (tests/aws/
  test_elb_oracle.py). Its differences, reproduced because the readers read the same API: it
  returns no listener/target-group attribute keys beyond the basic ones (the routing_http_*
  listener arguments, target failover/health-state settings stay as in state), gives HTTP
  listeners an SSL policy, and names network load balancers' ARNs `app/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    name_prefix_from_name,
    paginate,
    pool_map,
    provider_tags,
    pstr,
)
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.readers.s3 import partition_of
from driftpatch.aws.session import error_code
from driftpatch.model import JSON, LiveIndex

LB = "aws_lb"
LISTENER = "aws_lb_listener"
TG = "aws_lb_target_group"
# The older names of the same resources (identical schema and read).
ALIASES: Mapping[str, str] = {
    "aws_alb": LB,
    "aws_alb_listener": LISTENER,
    "aws_alb_target_group": TG,
}
TAG_BATCH = 20  # DescribeTags ResourceArns maximum
NOT_FOUND = frozenset(
    {"LoadBalancerNotFound", "ListenerNotFound", "TargetGroupNotFound", "ValidationError"}
)
# DescribeCapacityReservation answers these where capacity reservations do not exist (other
# partitions, an account without access): the provider then writes no capacity.
NO_CAPACITY = frozenset({"AccessDenied", "AccessDeniedException", "InvalidAction"})

Kind = str  # "bool" | "int" | "str"

# aws_lb argument -> (load balancer attribute key, value kind, load balancer types it exists for)
LB_ATTRIBUTES: Mapping[str, tuple[str, Kind, frozenset[str]]] = {
    "client_keep_alive": ("client_keep_alive.seconds", "int", frozenset({"application"})),
    "desync_mitigation_mode": (
        "routing.http.desync_mitigation_mode",
        "str",
        frozenset({"application"}),
    ),
    "dns_record_client_routing_policy": (
        "dns_record.client_routing_policy",
        "str",
        frozenset({"network"}),
    ),
    "drop_invalid_header_fields": (
        "routing.http.drop_invalid_header_fields.enabled",
        "bool",
        frozenset({"application"}),
    ),
    "enable_cross_zone_load_balancing": (
        "load_balancing.cross_zone.enabled",
        "bool",
        frozenset({"network", "gateway"}),
    ),
    "enable_deletion_protection": (
        "deletion_protection.enabled",
        "bool",
        frozenset({"application", "network", "gateway"}),
    ),
    "enable_http2": ("routing.http2.enabled", "bool", frozenset({"application"})),
    "enable_tls_version_and_cipher_suite_headers": (
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
        "bool",
        frozenset({"application"}),
    ),
    "enable_waf_fail_open": ("waf.fail_open.enabled", "bool", frozenset({"application"})),
    "enable_xff_client_port": (
        "routing.http.xff_client_port.enabled",
        "bool",
        frozenset({"application"}),
    ),
    "enable_zonal_shift": (
        "zonal_shift.config.enabled",
        "bool",
        frozenset({"application", "network"}),
    ),
    "idle_timeout": ("idle_timeout.timeout_seconds", "int", frozenset({"application"})),
    "preserve_host_header": (
        "routing.http.preserve_host_header.enabled",
        "bool",
        frozenset({"application"}),
    ),
    "xff_header_processing_mode": (
        "routing.http.xff_header_processing.mode",
        "str",
        frozenset({"application"}),
    ),
}

_ALL_TARGETS = frozenset({"instance", "ip", "lambda", "alb"})
_INSTANCE_IP = frozenset({"instance", "ip"})
# aws_lb_target_group argument -> (target group attribute key, kind, target types it exists for)
TG_ATTRIBUTES: Mapping[str, tuple[str, Kind, frozenset[str]]] = {
    "connection_termination": (
        "deregistration_delay.connection_termination.enabled",
        "bool",
        _INSTANCE_IP,
    ),
    "deregistration_delay": (
        "deregistration_delay.timeout_seconds",
        "str",
        frozenset({"instance", "ip", "alb"}),
    ),
    "lambda_multi_value_headers_enabled": (
        "lambda.multi_value_headers.enabled",
        "bool",
        frozenset({"lambda"}),
    ),
    "load_balancing_algorithm_type": ("load_balancing.algorithm.type", "str", _INSTANCE_IP),
    "load_balancing_anomaly_mitigation": (
        "load_balancing.algorithm.anomaly_mitigation",
        "str",
        _INSTANCE_IP,
    ),
    "load_balancing_cross_zone_enabled": (
        "load_balancing.cross_zone.enabled",
        "str",
        _INSTANCE_IP,
    ),
    "preserve_client_ip": ("preserve_client_ip.enabled", "str", _INSTANCE_IP),
    "proxy_protocol_v2": ("proxy_protocol_v2.enabled", "bool", _INSTANCE_IP),
    "slow_start": ("slow_start.duration_seconds", "int", _INSTANCE_IP),
}


def _listener_key(name: str) -> str:
    """A listener argument's attribute key: routing_http_request_x_amzn_tls_version_header_name
    is routing.http.request.x_amzn_tls_version.header_name."""
    for prefix in ("routing_http_request_", "routing_http_response_"):
        if name.startswith(prefix):
            head = prefix.rstrip("_").replace("_", ".")
            rest = name[len(prefix) :]
            for suffix in ("_header_name", "_header_value", "_enabled"):
                if rest.endswith(suffix):
                    return f"{head}.{rest[: -len(suffix)]}.{suffix[1:]}"
    raise ValueError(name)


_LISTENER_ROUTING = (
    "routing_http_request_x_amzn_mtls_clientcert_header_name",
    "routing_http_request_x_amzn_mtls_clientcert_issuer_header_name",
    "routing_http_request_x_amzn_mtls_clientcert_leaf_header_name",
    "routing_http_request_x_amzn_mtls_clientcert_serial_number_header_name",
    "routing_http_request_x_amzn_mtls_clientcert_subject_header_name",
    "routing_http_request_x_amzn_mtls_clientcert_validity_header_name",
    "routing_http_request_x_amzn_tls_cipher_suite_header_name",
    "routing_http_request_x_amzn_tls_version_header_name",
    "routing_http_response_access_control_allow_credentials_header_value",
    "routing_http_response_access_control_allow_headers_header_value",
    "routing_http_response_access_control_allow_methods_header_value",
    "routing_http_response_access_control_allow_origin_header_value",
    "routing_http_response_access_control_expose_headers_header_value",
    "routing_http_response_access_control_max_age_header_value",
    "routing_http_response_content_security_policy_header_value",
    "routing_http_response_server_enabled",
    "routing_http_response_strict_transport_security_header_value",
    "routing_http_response_x_content_type_options_header_value",
    "routing_http_response_x_frame_options_header_value",
)
# aws_lb_listener argument -> (listener attribute key, kind)
LISTENER_ATTRIBUTES: Mapping[str, tuple[str, Kind]] = {
    "tcp_idle_timeout_seconds": ("tcp.idle_timeout.seconds", "int"),
    **{
        name: (_listener_key(name), "bool" if name.endswith("_enabled") else "str")
        for name in _LISTENER_ROUTING
    },
}
# Arguments set only when AWS returns their key: otherwise the provider keeps the state's value.
KEPT_FROM_STATE: Mapping[str, tuple[str, ...]] = {
    # connection_logs exists for application load balancers only, capacity for application and
    # network ones: other types keep what state has.
    LB: (*LB_ATTRIBUTES, "connection_logs", "minimum_load_balancer_capacity"),
    TG: tuple(TG_ATTRIBUTES),
    LISTENER: tuple(LISTENER_ATTRIBUTES),
}
_LB_SUFFIX = re.compile(r"arn:.*:loadbalancer/(.*)")
_TG_SUFFIX = re.compile(r"arn:.*:(targetgroup/.+)")


# -- value shaping ------------------------------------------------------------------------------


def _value(raw: Any, kind: Kind) -> JSON:
    """flex.StringToBoolValue / StringToIntValue / the string itself."""
    text = pstr(raw)
    if kind == "bool":
        return text == "true"
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            return 0
    return text


def _attribute_map(pairs: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(p.get("Key")): pstr(p.get("Value")) for p in pairs or () if p.get("Key")}


def _logs(attrs: Mapping[str, str], prefix: str) -> dict[str, JSON]:
    return {
        "bucket": attrs.get(f"{prefix}.s3.bucket", ""),
        "enabled": attrs.get(f"{prefix}.s3.enabled", "") == "true",
        "prefix": attrs.get(f"{prefix}.s3.prefix", ""),
    }


def suffix(pattern: re.Pattern[str], arn: str) -> str:
    found = pattern.fullmatch(arn)
    return found.group(1) if found else ""


def load_balancer_attributes(
    lb: Mapping[str, Any],
    attributes: Iterable[Mapping[str, Any]],
    capacity: Mapping[str, Any] | None,
    tags: dict[str, str],
) -> dict[str, JSON]:
    """aws_lb from DescribeLoadBalancers, its attributes and capacity reservation, and tags.
    Attribute-backed arguments AWS did not return are left out (`match` keeps the state's)."""
    arn = pstr(lb.get("LoadBalancerArn"))
    name = pstr(lb.get("LoadBalancerName"))
    lb_type = pstr(lb.get("Type"))
    zones = list(lb.get("AvailabilityZones") or ())
    mappings: list[JSON] = []
    for zone in zones:
        address = (zone.get("LoadBalancerAddresses") or [{}])[0]
        mappings.append(
            {
                "allocation_id": pstr(address.get("AllocationId")),
                "ipv6_address": pstr(address.get("IPv6Address")),
                "outpost_id": pstr(zone.get("OutpostId")),
                "private_ipv4_address": pstr(address.get("PrivateIPv4Address")),
                "subnet_id": pstr(zone.get("SubnetId")),
            }
        )
    pools = lb.get("IpamPools") or {}
    raw = _attribute_map(attributes)
    out: dict[str, JSON] = {
        "access_logs": [_logs(raw, "access_logs")],
        "arn": arn,
        "arn_suffix": suffix(_LB_SUFFIX, arn),
        "customer_owned_ipv4_pool": pstr(lb.get("CustomerOwnedIpv4Pool")),
        "dns_name": pstr(lb.get("DNSName")),
        "enforce_security_group_inbound_rules_on_private_link_traffic": pstr(
            lb.get("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic")
        ),
        "id": arn,
        "internal": lb.get("Scheme") == "internal",
        "ip_address_type": pstr(lb.get("IpAddressType")),
        "ipam_pools": ([{"ipv4_ipam_pool_id": pstr(pools.get("Ipv4IpamPoolId"))}] if pools else []),
        "load_balancer_type": lb_type,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "security_groups": sorted(str(g) for g in lb.get("SecurityGroups") or ()),
        "subnet_mapping": mappings,
        "subnets": sorted(pstr(z.get("SubnetId")) for z in zones),
        "tags": tags,
        "tags_all": dict(tags),
        "vpc_id": pstr(lb.get("VpcId")),
        "zone_id": pstr(lb.get("CanonicalHostedZoneId")),
    }
    if lb_type == "application":
        out["connection_logs"] = [_logs(raw, "connection_logs")]
    for name_, (key, kind, _types) in LB_ATTRIBUTES.items():
        if key in raw:
            out[name_] = _value(raw[key], kind)
    if lb_type in ("application", "network"):
        minimum = (capacity or {}).get("MinimumLoadBalancerCapacity")
        out["minimum_load_balancer_capacity"] = (
            [{"capacity_units": int(minimum.get("CapacityUnits") or 0)}] if minimum else []
        )
    return out


def _health_check(tg: Mapping[str, Any]) -> dict[str, JSON]:
    matcher = tg.get("Matcher") or {}
    return {
        "enabled": bool(tg.get("HealthCheckEnabled")),
        "healthy_threshold": int(tg.get("HealthyThresholdCount") or 0),
        "interval": int(tg.get("HealthCheckIntervalSeconds") or 0),
        "matcher": pstr(matcher.get("HttpCode") or matcher.get("GrpcCode")),
        "path": pstr(tg.get("HealthCheckPath")),
        "port": pstr(tg.get("HealthCheckPort")),
        "protocol": pstr(tg.get("HealthCheckProtocol")),
        "timeout": int(tg.get("HealthCheckTimeoutSeconds") or 0),
        "unhealthy_threshold": int(tg.get("UnhealthyThresholdCount") or 0),
    }


def _stickiness(raw: Mapping[str, str], protocol: str) -> dict[str, JSON]:
    sticky_type = raw.get("stickiness.type", "")
    out: dict[str, JSON] = {
        "cookie_duration": 0,
        "cookie_name": "",
        "enabled": raw.get("stickiness.enabled", "") == "true",
        "type": sticky_type,
    }
    if protocol in ("HTTP", "HTTPS"):
        if sticky_type == "lb_cookie" and "stickiness.lb_cookie.duration_seconds" in raw:
            out["cookie_duration"] = _value(raw["stickiness.lb_cookie.duration_seconds"], "int")
        if sticky_type == "app_cookie":
            out["cookie_name"] = raw.get("stickiness.app_cookie.cookie_name", "")
            if "stickiness.app_cookie.duration_seconds" in raw:
                seconds = raw["stickiness.app_cookie.duration_seconds"]
                out["cookie_duration"] = _value(seconds, "int")
    return out


def _maybe(raw: Mapping[str, str], key: str, kind: Kind) -> JSON:
    """An attribute inside a nested block: null when AWS did not return its key."""
    return _value(raw[key], kind) if key in raw else None


def target_group_attributes(
    tg: Mapping[str, Any], attributes: Iterable[Mapping[str, Any]], tags: dict[str, str]
) -> dict[str, JSON]:
    """aws_lb_target_group from DescribeTargetGroups, its attributes and its tags."""
    arn = pstr(tg.get("TargetGroupArn"))
    name = pstr(tg.get("TargetGroupName"))
    target_type = pstr(tg.get("TargetType"))
    protocol = pstr(tg.get("Protocol"))
    raw = _attribute_map(attributes)
    port = tg.get("Port")
    health = "target_group_health"
    out: dict[str, JSON] = {
        "arn": arn,
        "arn_suffix": suffix(_TG_SUFFIX, arn),
        "health_check": [_health_check(tg)],
        "id": arn,
        "ip_address_type": pstr(tg.get("IpAddressType")),
        "load_balancer_arns": sorted(str(a) for a in tg.get("LoadBalancerArns") or ()),
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "port": None if port is None else int(port),
        "protocol": protocol or None,
        "protocol_version": tg.get("ProtocolVersion"),
        "stickiness": [_stickiness(raw, protocol)],
        "tags": tags,
        "tags_all": dict(tags),
        "target_failover": [
            {
                "on_deregistration": _maybe(raw, "target_failover.on_deregistration", "str"),
                "on_unhealthy": _maybe(raw, "target_failover.on_unhealthy", "str"),
            }
            if protocol == "GENEVE"
            else {"on_deregistration": None, "on_unhealthy": None}
        ],
        health: [
            {
                "dns_failover": [
                    {
                        "minimum_healthy_targets_count": _maybe(
                            raw, f"{health}.dns_failover.minimum_healthy_targets.count", "str"
                        ),
                        "minimum_healthy_targets_percentage": _maybe(
                            raw, f"{health}.dns_failover.minimum_healthy_targets.percentage", "str"
                        ),
                    }
                ],
                "unhealthy_state_routing": [
                    {
                        "minimum_healthy_targets_count": _maybe(
                            raw,
                            f"{health}.unhealthy_state_routing.minimum_healthy_targets.count",
                            "int",
                        ),
                        "minimum_healthy_targets_percentage": _maybe(
                            raw,
                            f"{health}.unhealthy_state_routing.minimum_healthy_targets.percentage",
                            "str",
                        ),
                    }
                ],
            }
        ],
        "target_health_state": [
            {
                "enable_unhealthy_connection_termination": _maybe(
                    raw, "target_health_state.unhealthy.connection_termination.enabled", "bool"
                ),
                "unhealthy_draining_interval": _maybe(
                    raw, "target_health_state.unhealthy.draining_interval_seconds", "int"
                ),
            }
            if protocol in ("TCP", "TLS", "TCP_UDP", "UDP")
            else {
                "enable_unhealthy_connection_termination": None,
                "unhealthy_draining_interval": None,
            }
        ],
        "target_type": target_type,
        "vpc_id": tg.get("VpcId"),
    }
    for name_, (key, kind, types) in TG_ATTRIBUTES.items():
        if key in raw and target_type in types:
            out[name_] = _value(raw[key], kind)
    return out


def _action(action: Mapping[str, Any]) -> dict[str, JSON]:
    """One listener action in the provider's "both" form (target_group_arn and forward); `match`
    keeps the one the prior state used."""
    fixed = action.get("FixedResponseConfig")
    redirect = action.get("RedirectConfig")
    forward = action.get("ForwardConfig")
    cognito = action.get("AuthenticateCognitoConfig")
    oidc = action.get("AuthenticateOidcConfig")
    out: dict[str, JSON] = {
        "authenticate_cognito": [],
        "authenticate_oidc": [],
        "fixed_response": [],
        "forward": [],
        "order": int(action.get("Order") or 0),
        "redirect": [],
        "target_group_arn": pstr(action.get("TargetGroupArn")),
        "type": pstr(action.get("Type")),
    }
    if fixed:
        out["fixed_response"] = [
            {
                "content_type": pstr(fixed.get("ContentType")),
                "message_body": pstr(fixed.get("MessageBody")),
                "status_code": pstr(fixed.get("StatusCode")),
            }
        ]
    if redirect:
        out["redirect"] = [
            {
                key: pstr(redirect.get(api))
                for key, api in (
                    ("host", "Host"),
                    ("path", "Path"),
                    ("port", "Port"),
                    ("protocol", "Protocol"),
                    ("query", "Query"),
                    ("status_code", "StatusCode"),
                )
            }
        ]
    if forward:
        sticky = forward.get("TargetGroupStickinessConfig")
        out["forward"] = [
            {
                "stickiness": (
                    [
                        {
                            "duration": int(sticky.get("DurationSeconds") or 0),
                            "enabled": bool(sticky.get("Enabled")),
                        }
                    ]
                    if sticky
                    else []
                ),
                "target_group": [
                    {"arn": pstr(g.get("TargetGroupArn")), "weight": int(g.get("Weight") or 0)}
                    for g in forward.get("TargetGroups") or ()
                ],
            }
        ]
    common = ("on_unauthenticated_request", "scope", "session_cookie_name")
    if cognito:
        out["authenticate_cognito"] = [
            {
                "authentication_request_extra_params": dict(
                    cognito.get("AuthenticationRequestExtraParams") or {}
                ),
                **{k: pstr(cognito.get(_camel(k))) for k in common},
                "session_timeout": int(cognito.get("SessionTimeout") or 0),
                "user_pool_arn": pstr(cognito.get("UserPoolArn")),
                "user_pool_client_id": pstr(cognito.get("UserPoolClientId")),
                "user_pool_domain": pstr(cognito.get("UserPoolDomain")),
            }
        ]
    if oidc:
        out["authenticate_oidc"] = [
            {
                "authentication_request_extra_params": dict(
                    oidc.get("AuthenticationRequestExtraParams") or {}
                ),
                "authorization_endpoint": pstr(oidc.get("AuthorizationEndpoint")),
                "client_id": pstr(oidc.get("ClientId")),
                "client_secret": "",  # never returned by AWS; `match` passes state's through
                "issuer": pstr(oidc.get("Issuer")),
                **{k: pstr(oidc.get(_camel(k))) for k in common},
                "session_timeout": int(oidc.get("SessionTimeout") or 0),
                "token_endpoint": pstr(oidc.get("TokenEndpoint")),
                "user_info_endpoint": pstr(oidc.get("UserInfoEndpoint")),
            }
        ]
    return out


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def listener_attributes(
    listener: Mapping[str, Any], attributes: Iterable[Mapping[str, Any]], tags: dict[str, str]
) -> dict[str, JSON]:
    """aws_lb_listener from DescribeListeners, its attributes and its tags."""
    arn = pstr(listener.get("ListenerArn"))
    alpn = list(listener.get("AlpnPolicy") or ())
    certificates = list(listener.get("Certificates") or ())
    mutual = listener.get("MutualAuthentication")
    actions = sorted(listener.get("DefaultActions") or (), key=lambda a: int(a.get("Order") or 0))
    raw = _attribute_map(attributes)
    out: dict[str, JSON] = {
        "arn": arn,
        "default_action": [_action(a) for a in actions],
        "id": arn,
        "load_balancer_arn": pstr(listener.get("LoadBalancerArn")),
        "mutual_authentication": (
            [
                {
                    "advertise_trust_store_ca_names": pstr(
                        mutual.get("AdvertiseTrustStoreCaNames")
                    ),
                    "ignore_client_certificate_expiry": bool(
                        mutual.get("IgnoreClientCertificateExpiry")
                    ),
                    "mode": pstr(mutual.get("Mode")),
                    "trust_store_arn": pstr(mutual.get("TrustStoreArn")),
                }
            ]
            if mutual
            else []
        ),
        "port": None if listener.get("Port") is None else int(listener["Port"]),
        "protocol": pstr(listener.get("Protocol")),
        "ssl_policy": pstr(listener.get("SslPolicy")),
        "tags": tags,
        "tags_all": dict(tags),
    }
    # Set only when AWS returns exactly one (the provider leaves them alone otherwise).
    if len(alpn) == 1:
        out["alpn_policy"] = str(alpn[0])
    if len(certificates) == 1:
        out["certificate_arn"] = pstr(certificates[0].get("CertificateArn"))
    for name, (key, kind) in LISTENER_ATTRIBUTES.items():
        if key in raw:
            out[name] = _value(raw[key], kind)
    return out


# -- the provider's read given the prior state --------------------------------------------------


def _forward_as_in_state(actions: Sequence[JSON], prior: Sequence[JSON] | None) -> list[JSON]:
    """The provider writes a forward action as `target_group_arn` unless the prior state had it
    as a `forward` block (then only the block)."""
    out: list[JSON] = []
    for i, action in enumerate(actions):
        if not isinstance(action, Mapping) or action.get("type") != "forward":
            out.append(action)
            continue
        was = prior[i] if prior is not None and i < len(prior) else None
        if not isinstance(was, Mapping):
            out.append(action)  # nothing to go by (an import): both forms
            continue
        shaped = dict(action)
        if was.get("forward"):
            shaped["target_group_arn"] = ""
        else:
            shaped["forward"] = []
        out.append(shaped)
    return out


def _with_oidc_secret(actions: Sequence[JSON], prior: Sequence[JSON] | None) -> list[JSON]:
    """client_secret passes through from the prior state (AWS never returns it)."""
    out: list[JSON] = []
    for i, action in enumerate(actions):
        was = prior[i] if prior is not None and i < len(prior) else None
        oidc = action.get("authenticate_oidc") if isinstance(action, Mapping) else None
        old = was.get("authenticate_oidc") if isinstance(was, Mapping) else None
        if (
            isinstance(action, Mapping)
            and isinstance(oidc, list)
            and oidc
            and isinstance(old, list)
            and old
        ):
            first, old_first = oidc[0], old[0]
            if isinstance(first, Mapping) and isinstance(old_first, Mapping):
                block = {**first, "client_secret": old_first.get("client_secret", "")}
                action = {**action, "authenticate_oidc": [block]}
        out.append(action)
    return out


def provider_view(
    type_: str, live: Mapping[str, JSON], state: Mapping[str, JSON]
) -> dict[str, JSON]:
    """What the provider's refresh writes for `type_` given live AWS and the prior state."""
    out = dict(live)
    for name in KEPT_FROM_STATE.get(type_, ()):
        if name not in out and name in state:
            out[name] = state[name]
    if type_ == LISTENER:
        for name in ("alpn_policy", "certificate_arn"):
            if name not in out and name in state:
                out[name] = state[name]
        actions = out.get("default_action")
        prior = state.get("default_action")
        prior_list = prior if isinstance(prior, list) else None
        if isinstance(actions, list):
            out["default_action"] = _with_oidc_secret(
                _forward_as_in_state(actions, prior_list), prior_list
            )
    return out


# -- the reader ---------------------------------------------------------------------------------


def _tags_by_arn(client: Any, arns: list[str]) -> dict[str, dict[str, str]]:
    batches = [arns[i : i + TAG_BATCH] for i in range(0, len(arns), TAG_BATCH)]
    out: dict[str, dict[str, str]] = {}
    for batch in batches:
        for described in client.describe_tags(ResourceArns=batch).get("TagDescriptions") or ():
            out[str(described.get("ResourceArn"))] = provider_tags(described.get("Tags"))
    return out


def _gone(exc: BaseException) -> bool:
    return error_code(exc) in NOT_FOUND


def _capacity(client: Any, arn: str) -> Mapping[str, Any] | None:
    try:
        return dict(client.describe_capacity_reservation(LoadBalancerArn=arn))
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in NO_CAPACITY:
            return None
        raise


class ElbV2Reader(Reader):
    """Application, network and gateway load balancers, their listeners and target groups."""

    types: ClassVar[tuple[str, ...]] = (LB, LISTENER, TG, *ALIASES)
    service: ClassVar[str] = "elbv2"
    derived_types: ClassVar[frozenset[str]] = frozenset(ALIASES)
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Config-only: create/update timeouts; subnet_mapping is computed from AWS, kept.
        **{t: frozenset({"timeouts"}) for t in (LB, LISTENER, TG, *ALIASES)},
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"elbv2/{ctx.region}", "load balancers")
        client = ctx.client("elbv2")
        resources: list[LiveResource] = []
        try:
            lbs = paginate(client, "describe_load_balancers", "LoadBalancers")
        except AWS_ERRORS as exc:
            fails.add(exc, LB, LISTENER)
            lbs = []
        try:
            tgs = paginate(client, "describe_target_groups", "TargetGroups")
        except AWS_ERRORS as exc:
            fails.add(exc, TG)
            tgs = []

        def per_lb(lb: Mapping[str, Any]) -> tuple[Any, ...] | BaseException | None:
            arn = str(lb["LoadBalancerArn"])
            try:
                attrs = client.describe_load_balancer_attributes(LoadBalancerArn=arn)
                capacity = (
                    _capacity(client, arn) if lb.get("Type") in ("application", "network") else None
                )
                listeners = paginate(client, "describe_listeners", "Listeners", LoadBalancerArn=arn)
                listener_attrs = [
                    client.describe_listener_attributes(ListenerArn=str(x["ListenerArn"]))
                    for x in listeners
                ]
            except AWS_ERRORS as exc:
                return None if _gone(exc) else exc
            return lb, attrs.get("Attributes"), capacity, listeners, listener_attrs

        def per_tg(tg: Mapping[str, Any]) -> tuple[Any, ...] | BaseException | None:
            try:
                attrs = client.describe_target_group_attributes(
                    TargetGroupArn=str(tg["TargetGroupArn"])
                )
            except AWS_ERRORS as exc:
                return None if _gone(exc) else exc
            return tg, attrs.get("Attributes")

        lb_reads = pool_map(per_lb, lbs)
        tg_reads = pool_map(per_tg, tgs)
        arns = [str(lb["LoadBalancerArn"]) for lb in lbs] + [str(t["TargetGroupArn"]) for t in tgs]
        for found in lb_reads:
            if isinstance(found, tuple):
                arns.extend(str(x["ListenerArn"]) for x in found[3])
        try:
            tags = _tags_by_arn(client, arns)
        except AWS_ERRORS as exc:
            fails.add(exc, LB, LISTENER, TG)
            return ReadResult(errors=fails.errors(), incomplete_types=frozenset(fails.incomplete))

        def tags_of(arn: str) -> dict[str, str]:
            return tags.get(arn, {})

        for found in lb_reads:
            if isinstance(found, BaseException):
                fails.add(found, LB, LISTENER)
                continue
            if found is None:
                continue
            lb, lb_attrs, capacity, listeners, listener_attrs = found
            arn = str(lb["LoadBalancerArn"])
            attrs = load_balancer_attributes(lb, lb_attrs or (), capacity, tags_of(arn))
            resources.append(LiveResource(LB, arn, ctx.region, attrs))
            for listener, answer in zip(listeners, listener_attrs, strict=True):
                l_arn = str(listener["ListenerArn"])
                shaped = listener_attributes(
                    listener, answer.get("Attributes") or (), tags_of(l_arn)
                )
                resources.append(LiveResource(LISTENER, l_arn, ctx.region, shaped))
        for found in tg_reads:
            if isinstance(found, BaseException):
                fails.add(found, TG)
                continue
            if found is None:
                continue
            tg, tg_attrs = found
            arn = str(tg["TargetGroupArn"])
            shaped = target_group_attributes(tg, tg_attrs or (), tags_of(arn))
            resources.append(LiveResource(TG, arn, ctx.region, shaped))
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """The live object under its aws_lb* type (an aws_alb* alias owns that same object),
        read as the provider reads it given the prior state."""
        canonical = ALIASES.get(type_, type_)
        found = live.get(canonical, state_id)
        if found is None:
            return None
        view = provider_view(canonical, found.attributes, state_attributes)
        return LiveResource(
            found.type, found.id, found.region, view, account_default=found.account_default
        )


# -- classic load balancers ---------------------------------------------------------------------

CLASSIC = "aws_elb"
ARN_SERVICE = "elasticloadbalancing"
CLASSIC_TAG_BATCH = 20  # DescribeTags LoadBalancerNames maximum
DESYNC_KEY = "elb.http.desyncmitigationmode"


def classic_attributes(
    lb: Mapping[str, Any],
    attributes: Mapping[str, Any],
    tags: dict[str, str],
    *,
    arn: str,
    source_group_id: str | None,
) -> dict[str, JSON]:
    """aws_elb from DescribeLoadBalancers (elb), DescribeLoadBalancerAttributes and tags.

    Left out where the provider keeps the state's value: `health_check` when AWS reports no
    target, `desync_mitigation_mode` without its additional attribute, `access_logs` (its
    shape depends on state: see `classic_view`), and `source_security_group_id` when the
    security group lookup failed."""
    name = pstr(lb.get("LoadBalancerName"))
    source = lb.get("SourceSecurityGroup") or {}
    group = pstr(source.get("GroupName"))
    if source.get("OwnerAlias"):
        group = f"{source['OwnerAlias']}/{group}"
    draining = attributes.get("ConnectionDraining") or {}
    out: dict[str, JSON] = {
        "arn": arn,
        "availability_zones": sorted(str(z) for z in lb.get("AvailabilityZones") or ()),
        "connection_draining": bool(draining.get("Enabled")),
        "connection_draining_timeout": int(draining.get("Timeout") or 0),
        "cross_zone_load_balancing": bool(
            (attributes.get("CrossZoneLoadBalancing") or {}).get("Enabled")
        ),
        "dns_name": pstr(lb.get("DNSName")),
        "id": name,
        "idle_timeout": int((attributes.get("ConnectionSettings") or {}).get("IdleTimeout") or 0),
        "instances": sorted(pstr(i.get("InstanceId")) for i in lb.get("Instances") or ()),
        "internal": lb.get("Scheme") == "internal",
        "listener": [
            {
                "instance_port": int(x.get("InstancePort") or 0),
                "instance_protocol": pstr(x.get("InstanceProtocol")).lower(),
                "lb_port": int(x.get("LoadBalancerPort") or 0),
                "lb_protocol": pstr(x.get("Protocol")).lower(),
                "ssl_certificate_id": pstr(x.get("SSLCertificateId")),
            }
            for x in (d.get("Listener") or {} for d in lb.get("ListenerDescriptions") or ())
        ],
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "security_groups": sorted(str(g) for g in lb.get("SecurityGroups") or ()),
        "source_security_group": group if source else "",
        "subnets": sorted(str(s) for s in lb.get("Subnets") or ()),
        "tags": tags,
        "tags_all": dict(tags),
        "zone_id": pstr(lb.get("CanonicalHostedZoneNameID")),
    }
    if source_group_id is not None:
        out["source_security_group_id"] = source_group_id
    check = lb.get("HealthCheck") or {}
    if check.get("Target"):
        out["health_check"] = [
            {
                "healthy_threshold": int(check.get("HealthyThreshold") or 0),
                "interval": int(check.get("Interval") or 0),
                "target": pstr(check.get("Target")),
                "timeout": int(check.get("Timeout") or 0),
                "unhealthy_threshold": int(check.get("UnhealthyThreshold") or 0),
            }
        ]
    for extra in attributes.get("AdditionalAttributes") or ():
        if extra.get("Key") == DESYNC_KEY:
            out["desync_mitigation_mode"] = pstr(extra.get("Value"))
    logs = attributes.get("AccessLog")
    if logs is not None:
        out["access_logs"] = [
            {
                "bucket": pstr(logs.get("S3BucketName")),
                "bucket_prefix": pstr(logs.get("S3BucketPrefix")),
                "enabled": bool(logs.get("Enabled")),
                "interval": int(logs.get("EmitInterval") or 0),
            }
        ]
    return out


def classic_view(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    """The provider's refresh of an aws_elb given the prior state: what AWS did not say keeps
    the state's value, and disabled access logs are written as no block unless state had one
    (so a configuration without `access_logs` does not drift)."""
    out = dict(live)
    for name in ("health_check", "desync_mitigation_mode", "source_security_group_id"):
        if name not in out and name in state:
            out[name] = state[name]
    logs = out.get("access_logs")
    first = logs[0] if isinstance(logs, list) and logs else None
    if isinstance(first, Mapping) and not first.get("enabled") and not state.get("access_logs"):
        out["access_logs"] = []
    return out


def _source_group_ids(
    ec2: Any, lbs: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, str, str], str]:
    """(group name, VPC, owner) -> group id for the VPC load balancers' source groups: one
    filtered DescribeSecurityGroups listing instead of a lookup per load balancer."""
    names = sorted(
        {
            pstr((lb.get("SourceSecurityGroup") or {}).get("GroupName"))
            for lb in lbs
            if lb.get("VPCId") and lb.get("SourceSecurityGroup")
        }
    )
    if not names:
        return {}
    groups = paginate(
        ec2,
        "describe_security_groups",
        "SecurityGroups",
        Filters=[{"Name": "group-name", "Values": names}],
    )
    return {
        (pstr(g.get("GroupName")), pstr(g.get("VpcId")), pstr(g.get("OwnerId"))): pstr(
            g.get("GroupId")
        )
        for g in groups
    }


class ElbClassicReader(Reader):
    """Classic load balancers (aws_elb) of one region.

    Calls: DescribeLoadBalancers pages and DescribeTags for 20 names at a time (bulk), one
    filtered EC2 DescribeSecurityGroups listing for the source groups' ids (the provider looks
    each up by name), and DescribeLoadBalancerAttributes per load balancer in a bounded pool.
    moto hosts aws_elb for real Terraform only with a `health_check` block: without one it
    returns no HealthCheck and the provider's read crashes on it (AWS always returns one);
    it ignores the connection draining timeout and has no hosted zone id.
    """

    types: ClassVar[tuple[str, ...]] = (CLASSIC,)
    service: ClassVar[str] = "elb"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {CLASSIC: frozenset({"timeouts"})}

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"elb/{ctx.region}", "load balancers")
        client = ctx.client("elb")
        try:
            lbs = paginate(client, "describe_load_balancers", "LoadBalancerDescriptions")
            names = [str(lb["LoadBalancerName"]) for lb in lbs]
            tags: dict[str, dict[str, str]] = {}
            for i in range(0, len(names), CLASSIC_TAG_BATCH):
                batch = names[i : i + CLASSIC_TAG_BATCH]
                for found in (
                    client.describe_tags(LoadBalancerNames=batch).get("TagDescriptions") or ()
                ):
                    tags[str(found.get("LoadBalancerName"))] = provider_tags(found.get("Tags"))
        except AWS_ERRORS as exc:
            fails.add(exc, CLASSIC)
            return ReadResult(errors=fails.errors(), incomplete_types=frozenset(fails.incomplete))
        try:
            group_ids: dict[tuple[str, str, str], str] | None = _source_group_ids(
                ctx.client("ec2"), lbs
            )
        except AWS_ERRORS as exc:
            fails.add(exc)  # only the computed source_security_group_id goes unread
            group_ids = None

        def attributes(name: str) -> Mapping[str, Any] | BaseException | None:
            try:
                answer = client.describe_load_balancer_attributes(LoadBalancerName=name)
            except AWS_ERRORS as exc:
                return None if error_code(exc) == "LoadBalancerNotFound" else exc
            return dict(answer.get("LoadBalancerAttributes") or {})

        resources: list[LiveResource] = []
        for lb, found in zip(lbs, pool_map(attributes, names), strict=True):
            if isinstance(found, BaseException):
                fails.add(found, CLASSIC)
                continue
            if found is None:
                continue
            name = str(lb["LoadBalancerName"])
            source = lb.get("SourceSecurityGroup") or {}
            group_id: str | None = None
            if lb.get("VPCId") and source and group_ids is not None:
                key = (
                    pstr(source.get("GroupName")),
                    pstr(lb["VPCId"]),
                    pstr(source.get("OwnerAlias")),
                )
                group_id = group_ids.get(key, "")
            partition = partition_of(ctx.region)[0]
            arn = f"arn:{partition}:{ARN_SERVICE}:{ctx.region}:{ctx.account_id}:loadbalancer/{name}"
            shaped = classic_attributes(
                lb, found, tags.get(name, {}), arn=arn, source_group_id=group_id
            )
            resources.append(LiveResource(CLASSIC, name, ctx.region, shaped))
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        found = live.get(type_, state_id)
        if found is None:
            return None
        view = classic_view(found.attributes, state_attributes)
        return LiveResource(found.type, found.id, found.region, view)
