"""SSM parameters (per region), shaped as hashicorp/aws 5.100.0 writes aws_ssm_parameter to
state after a refresh.

- Calls: DescribeParameters pages (50 a page: name, type, version, description, key id, tier,
  data type, allowed pattern, ARN); GetParameters in batches of ten for the values of String and
  StringList parameters only; ListTagsForResource per parameter, in a bounded pool.
- SecureString values are never read (no GetParameter(s) call names them, nothing decrypts):
  such a parameter carries no `value`, so its value is never compared, and the secret never
  enters a LiveResource, a snapshot or a report.
- Where the state has `insecure_value`, the provider writes the value there and keeps `value`
  as it was; `match` does the same.
- Unreadable (config-only): `overwrite`, the write-only `value_wo` / `value_wo_version`, and
  `has_value_wo`.
- No parameter is created by AWS itself, so none is an account default (AWS's public
  parameters under /aws/ are not listed by DescribeParameters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    paginate,
    provider_tags,
    pstr,
    read_each,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.model import JSON

PARAMETER = "aws_ssm_parameter"
SECURE = "SecureString"
VALUE_BATCH = 10  # GetParameters takes at most 10 names
PAGE_SIZE = 50  # DescribeParameters MaxResults


def parameter_arn(meta: Mapping[str, Any], region: str, account_id: str) -> str:
    """The parameter's ARN: DescribeParameters says it; older answers do not, and then it is
    built as SSM builds it (a name's leading slash is not doubled)."""
    if meta.get("ARN"):
        return str(meta["ARN"])
    name = pstr(meta.get("Name")).removeprefix("/")
    return f"arn:aws:ssm:{region}:{account_id}:parameter/{name}"


def parameter_attributes(
    meta: Mapping[str, Any], arn: str, value: str | None, tags: dict[str, str]
) -> dict[str, JSON]:
    """The provider's read of one parameter; `value` is None for a SecureString (never read)."""
    attrs: dict[str, JSON] = {
        "allowed_pattern": pstr(meta.get("AllowedPattern")),
        "arn": arn,
        "data_type": pstr(meta.get("DataType")),
        "description": pstr(meta.get("Description")),
        "id": pstr(meta.get("Name")),
        "key_id": pstr(meta.get("KeyId")),
        "name": pstr(meta.get("Name")),
        "tags": tags,
        "tags_all": dict(tags),
        "tier": pstr(meta.get("Tier")),
        "type": pstr(meta.get("Type")),
        "version": int(meta.get("Version") or 0),
    }
    if value is not None:
        attrs["value"] = value
    return attrs


def _values(client: Any, names: list[str]) -> dict[str, str]:
    """Values of non-SecureString parameters, ten names a call, never decrypted."""
    out: dict[str, str] = {}
    for start in range(0, len(names), VALUE_BATCH):
        answer = client.get_parameters(
            Names=names[start : start + VALUE_BATCH], WithDecryption=False
        )
        for param in answer.get("Parameters") or ():
            if param.get("Type") != SECURE:
                out[str(param["Name"])] = pstr(param.get("Value"))
    return out


class SsmReader(Reader):
    """SSM parameters of one region."""

    types: ClassVar[tuple[str, ...]] = (PARAMETER,)
    service: ClassVar[str] = "ssm"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        PARAMETER: frozenset({"has_value_wo", "overwrite", "value_wo", "value_wo_version"})
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"ssm/{ctx.region}", "parameters")
        client = ctx.client("ssm")
        try:
            listed = paginate(
                client,
                "describe_parameters",
                "Parameters",
                PaginationConfig={"PageSize": PAGE_SIZE},
            )
            plain = [str(p["Name"]) for p in listed if p.get("Type") != SECURE]
            values = _values(client, plain)
        except AWS_ERRORS as exc:
            fails.add(exc, PARAMETER)
            return fails.result(())

        def read(meta: Mapping[str, Any]) -> LiveResource | None:
            name = str(meta["Name"])
            if meta.get("Type") != SECURE and name not in values:
                return None  # deleted since the listing
            answer = client.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
            arn = parameter_arn(meta, ctx.region, ctx.account_id)
            value = None if meta.get("Type") == SECURE else values[name]
            attrs = parameter_attributes(meta, arn, value, provider_tags(answer.get("TagList")))
            return LiveResource(PARAMETER, name, ctx.region, attrs)

        return fails.result(read_each(fails, listed, read, PARAMETER))

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """By name; a value read goes to `insecure_value` where the state uses that."""
        found = live.get(type_, state_id)
        if found is None:
            return None
        attrs = dict(found.attributes)
        if state_attributes.get("insecure_value") and "value" in attrs:
            attrs["insecure_value"] = attrs.pop("value")
            if "value" in state_attributes:
                attrs["value"] = state_attributes["value"]
        elif "insecure_value" in state_attributes:
            attrs["insecure_value"] = state_attributes["insecure_value"]  # not set by the read
        return replace(found, attributes=attrs)
