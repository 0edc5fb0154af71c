"""RDS DB subnet groups and DB parameter groups (per region), shaped as hashicorp/aws 5.100.0
writes aws_db_subnet_group and aws_db_parameter_group to state on refresh.

Calls: DescribeDBSubnetGroups and DescribeDBParameterGroups pages (bulk); per object, in a
bounded pool, what the listings leave out and the provider reads: ListTagsForResource (tags)
for each group, and DescribeDBParameters(Source=user) for each parameter group.

Shapes, from the provider's read functions:
- `aws_db_subnet_group`: arn, description, name, name_prefix (NamePrefixFromName), subnet_ids
  (a set), supported_network_types, vpc_id, tags = tags_all without `aws:` keys.
- `aws_db_parameter_group`: arn, description, family, name, name_prefix, and `parameter` = the
  parameters whose source is "user", each {apply_method, name, value} with apply_method and
  name lower-cased and a nil value written "" (flattenParameters). `skip_destroy` is
  configuration only.
  Not reproduced: when the configuration lists a parameter whose value equals the engine
  default (its source is then "system"/"engine-default", not "user"), the provider writes that
  parameter too, with its current value; knowing it takes the group's full parameter listing
  (hundreds per group), so such a parameter reads as absent here.

Account defaults: AWS's own groups, `default` (subnet group of the default VPC) and `default.*`
parameter groups; they cannot be changed and no code creates them.

Not read (yet): aws_db_option_group (moto 5.2 cannot list option groups: DescribeOptionGroups
without a name fails there) and aws_db_instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    name_prefix_from_name,
    paginate,
    pool_map,
    provider_tags,
)
from driftpatch.aws.readers.common import (
    pstr as _s,
)
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

SUBNET_GROUP = "aws_db_subnet_group"
PARAMETER_GROUP = "aws_db_parameter_group"
PAGE_SIZE = 100  # Describe* MaxRecords (RDS's maximum)
GONE_CODES = frozenset({"DBSubnetGroupNotFoundFault", "DBParameterGroupNotFound"})


def is_default_subnet_group(name: str) -> bool:
    return name == "default"


def is_default_parameter_group(name: str) -> bool:
    return name.startswith("default.")


def subnet_group_attributes(group: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, JSON]:
    name = str(group["DBSubnetGroupName"])
    subnets: list[JSON] = sorted(
        {
            str(s["SubnetIdentifier"])
            for s in group.get("Subnets") or ()
            if s.get("SubnetIdentifier")
        }
    )
    network_types: list[JSON] = sorted({str(t) for t in group.get("SupportedNetworkTypes") or ()})
    return {
        "arn": _s(group.get("DBSubnetGroupArn")),
        "description": _s(group.get("DBSubnetGroupDescription")),
        "id": name,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "subnet_ids": subnets,
        "supported_network_types": network_types,
        "tags": dict(tags),
        "tags_all": dict(tags),
        "vpc_id": _s(group.get("VpcId")),
    }


def parameter_attributes(parameters: list[Mapping[str, Any]]) -> list[JSON]:
    """flattenParameters: names and apply methods lower-cased, a nil value as ""."""
    out: list[JSON] = []
    for p in parameters:
        if p.get("ParameterName") is None:
            continue
        out.append(
            {
                "apply_method": _s(p.get("ApplyMethod")).lower(),
                "name": str(p["ParameterName"]).lower(),
                "value": _s(p.get("ParameterValue")),
            }
        )
    return out


def parameter_group_attributes(
    group: Mapping[str, Any], parameters: list[Mapping[str, Any]], tags: Mapping[str, str]
) -> dict[str, JSON]:
    name = str(group["DBParameterGroupName"])
    return {
        "arn": _s(group.get("DBParameterGroupArn")),
        "description": _s(group.get("Description")),
        "family": _s(group.get("DBParameterGroupFamily")),
        "id": name,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "parameter": parameter_attributes(parameters),
        "tags": dict(tags),
        "tags_all": dict(tags),
    }


def _tags(client: Any, arn: str) -> dict[str, str]:
    return provider_tags(client.list_tags_for_resource(ResourceName=arn).get("TagList"))


def _gone(exc: BaseException) -> bool:
    return error_code(exc) in GONE_CODES


def _read_subnet_groups(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("rds")
    try:
        listed = paginate(
            client, "describe_db_subnet_groups", "DBSubnetGroups", MaxRecords=PAGE_SIZE
        )
    except AWS_ERRORS as exc:
        fails.add(exc, SUBNET_GROUP)
        return []

    def read(group: Mapping[str, Any]) -> LiveResource | BaseException | None:
        try:
            tags = _tags(client, str(group.get("DBSubnetGroupArn")))
        except botocore.exceptions.ClientError as exc:
            return None if _gone(exc) else exc
        except AWS_ERRORS as exc:
            return exc
        attrs = subnet_group_attributes(group, tags)
        name = str(attrs["name"])
        default = is_default_subnet_group(name)
        return LiveResource(SUBNET_GROUP, name, ctx.region, attrs, account_default=default)

    return _collect(pool_map(read, listed), fails, SUBNET_GROUP)


def _read_parameter_groups(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("rds")
    try:
        listed = paginate(
            client, "describe_db_parameter_groups", "DBParameterGroups", MaxRecords=PAGE_SIZE
        )
    except AWS_ERRORS as exc:
        fails.add(exc, PARAMETER_GROUP)
        return []

    def read(group: Mapping[str, Any]) -> LiveResource | BaseException | None:
        name = str(group["DBParameterGroupName"])
        try:
            parameters = paginate(
                client,
                "describe_db_parameters",
                "Parameters",
                DBParameterGroupName=name,
                Source="user",
            )
            tags = _tags(client, str(group.get("DBParameterGroupArn")))
        except botocore.exceptions.ClientError as exc:
            return None if _gone(exc) else exc
        except AWS_ERRORS as exc:
            return exc
        attrs = parameter_group_attributes(group, parameters, tags)
        default = is_default_parameter_group(name)
        return LiveResource(PARAMETER_GROUP, name, ctx.region, attrs, account_default=default)

    return _collect(pool_map(read, listed), fails, PARAMETER_GROUP)


def _collect(
    results: list[LiveResource | BaseException | None], fails: Failures, type_: str
) -> list[LiveResource]:
    out: list[LiveResource] = []
    for result in results:
        if isinstance(result, BaseException):
            fails.add(result, type_)
        elif result is not None:
            out.append(result)
    return out


class RdsReader(Reader):
    """DB subnet groups and DB parameter groups."""

    types: ClassVar[tuple[str, ...]] = (SUBNET_GROUP, PARAMETER_GROUP)
    service: ClassVar[str] = "rds"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Config-only: whether `terraform destroy` keeps the group.
        PARAMETER_GROUP: frozenset({"skip_destroy"}),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        scope = f"rds/{ctx.region}"
        subnet_fails = Failures(scope, "subnet groups")
        parameter_fails = Failures(scope, "parameter groups")
        with ThreadPoolExecutor(max_workers=2) as pool:
            subnets = pool.submit(_read_subnet_groups, ctx, subnet_fails)
            parameters = pool.submit(_read_parameter_groups, ctx, parameter_fails)
            resources = (*subnets.result(), *parameters.result())
        return ReadResult(
            resources=resources,
            errors=(*subnet_fails.errors(), *parameter_fails.errors()),
            incomplete_types=frozenset(subnet_fails.incomplete | parameter_fails.incomplete),
        )
