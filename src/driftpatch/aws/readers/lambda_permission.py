"""Lambda permissions (per region): the statements of each function's resource policy, shaped as
hashicorp/aws 5.100.0 writes aws_lambda_permission to state after a refresh.

- Calls: ListFunctions pages (bulk), then GetPolicy once per function in a bounded pool (a
  function without a policy answers ResourceNotFoundException: no permissions). Each statement
  is one permission, found by its Sid (the state's id) within its function.
- Ids: a statement id is unique only within its function, so the live object's id is
  "<function name>/<statement id>"; `match` finds a state instance by the function its
  `function_name` names (a name or an ARN) and its statement id, and gives it the provider's
  id and the state's spelling of `function_name` (the provider writes it back in the form the
  configuration used: the unqualified ARN when it was an ARN, else the bare name).
- Condition-fed attributes are written by the provider only when the statement has that
  condition block: `event_source_token`, `function_url_auth_type`, `principal_org_id` and
  `source_account` from StringEquals ("" when the block lacks the key), `source_arn` from
  ArnLike. Without the block the provider keeps the state's value, and so does `match`.
- Permissions on a version or alias (`qualifier` set) live in that qualifier's own policy,
  which this reader does not ask for: such a state instance is `unread`, never "missing".
- Every permission is someone's grant: none is an account default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    name_prefix_from_name,
    paginate,
    pool_map,
    pstr,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

PERMISSION = "aws_lambda_permission"
# StringEquals condition key -> attribute.
STRING_EQUALS = {
    "lambda:EventSourceToken": "event_source_token",
    "lambda:FunctionUrlAuthType": "function_url_auth_type",
    "aws:PrincipalOrgID": "principal_org_id",
    "AWS:SourceAccount": "source_account",
}
CONDITIONAL = frozenset({*STRING_EQUALS.values(), "source_arn"})


def function_name_of(reference: str) -> str:
    """The function a `function_name` argument names: a name, a partial or a full ARN
    (`arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]`)."""
    parts = reference.split(":")
    if reference.startswith("arn:") and len(parts) >= 7:
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":  # partial ARN: account:function:name
        return parts[2]
    return reference


def _principal(value: Any) -> str:
    if isinstance(value, Mapping):
        return pstr(value["AWS"] if "AWS" in value else value.get("Service"))
    return pstr(value)


def _qualifier(resource: str) -> str:
    """The version or alias a statement's Resource ARN ends in ("" for the function)."""
    parts = resource.split(":")
    return parts[7] if resource.startswith("arn:") and len(parts) >= 8 else ""


def statement_attributes(statement: Mapping[str, Any]) -> dict[str, JSON]:
    """One policy statement as the provider's read sets it (before `match` adds the state's
    spelling of function_name and the condition values it keeps)."""
    sid = pstr(statement.get("Sid"))
    resource = pstr(statement.get("Resource"))
    qualifier = _qualifier(resource)
    action = statement.get("Action")
    attrs: dict[str, JSON] = {
        "action": pstr(action[0] if isinstance(action, list) and len(action) == 1 else action),
        "function_name": function_name_of(resource),
        "id": sid,
        "principal": _principal(statement.get("Principal")),
        "qualifier": qualifier,
        "statement_id": sid,
        "statement_id_prefix": name_prefix_from_name(sid),
    }
    condition = statement.get("Condition") or {}
    equals = condition.get("StringEquals")
    if isinstance(equals, Mapping):
        for key, name in STRING_EQUALS.items():
            attrs[name] = pstr(equals.get(key))
    like = condition.get("ArnLike")
    if isinstance(like, Mapping):
        attrs["source_arn"] = pstr(like.get("AWS:SourceArn"))
    return attrs


def policy_permissions(function: str, policy: str, region: str) -> list[LiveResource]:
    """Every unqualified statement of one function's policy document."""
    try:
        document = json.loads(policy) if policy else {}
    except ValueError:
        return []
    statements = document.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    out: list[LiveResource] = []
    for statement in statements:
        attrs = statement_attributes(statement)
        if attrs["qualifier"] or not attrs["statement_id"]:
            continue
        out.append(LiveResource(PERMISSION, f"{function}/{attrs['id']}", region, attrs))
    return out


class LambdaPermissionReader(Reader):
    """The resource-policy statements of the Lambda functions of one region."""

    types: ClassVar[tuple[str, ...]] = (PERMISSION,)
    service: ClassVar[str] = "lambda"

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"lambda/{ctx.region}", "functions")
        client = ctx.client("lambda")
        try:
            functions = paginate(client, "list_functions", "Functions")
        except AWS_ERRORS as exc:
            fails.add(exc, PERMISSION)
            return fails.result(())

        def policy(name: str) -> list[LiveResource] | BaseException:
            try:
                document = client.get_policy(FunctionName=name).get("Policy")
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return []  # no policy (or the function is gone): no permissions
                return exc
            except AWS_ERRORS as exc:
                return exc
            return policy_permissions(name, pstr(document), ctx.region)

        resources: list[LiveResource] = []
        names = [str(f["FunctionName"]) for f in functions]
        for found in pool_map(policy, names):
            if isinstance(found, BaseException):
                fails.add(found, PERMISSION)
            else:
                resources.extend(found)
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        if pstr(state_attributes.get("qualifier")):
            return None  # see `unread`
        reference = pstr(state_attributes.get("function_name"))
        function = function_name_of(reference)
        found = live.get(type_, f"{function}/{state_id}")
        if found is None:
            return None
        attrs = dict(found.attributes)
        if reference.startswith("arn:"):
            # The provider writes the statement's Resource (unqualified here) back.
            prefix = reference.split(":")[:6]
            attrs["function_name"] = ":".join([*prefix, function])
        for name in CONDITIONAL - attrs.keys():
            attrs[name] = state_attributes.get(name)
        return LiveResource(found.type, found.id, found.region, attrs, found.account_default)

    def unread_instance(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> bool:
        """A permission on a version or alias: its qualifier's policy is not read."""
        return bool(pstr(state_attributes.get("qualifier")))
