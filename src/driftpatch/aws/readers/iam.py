"""IAM roles, managed policies, inline role policies and role policy attachments (global).

Shaped as the hashicorp/aws 5.100.0 provider writes them to state after a refresh:

- Listing is bulk: ListRoles and ListPolicies(Scope=Local) pages. What those listings leave out
  (tags, permissions boundary, descriptions, policy documents) IAM only returns per object, as
  the provider reads it, so per-object calls run in a bounded thread pool:
  per role   GetRole + ListRolePolicies + GetRolePolicy per inline policy + ListAttachedRolePolicies
             (3 + k calls; the list calls page past 100 items);
  per policy GetPolicy + GetPolicyVersion(default version) (2 calls).
- Policy documents come URL-encoded from IAM. The provider decodes them (url.QueryUnescape)
  and stores them re-marshalled by Go's encoding/json: compact, object keys sorted, `<`, `>`,
  `&` escaped as \\u003c, \\u003e, \\u0026, numbers as float64 (`normalize_json`). botocore
  hands the document over already decoded and parsed, which re-marshals to the same string
  (`iam_document`). Inline policies (`aws_iam_role_policy.policy`, and
  `aws_iam_role.inline_policy[].policy`, which 5.100.0 writes the same way) get the provider's
  "legacy" form on top: `"Version":"2012-10-17"` moved first (`legacy_policy_normalize`).
  On refresh the provider keeps the state's string instead when it is an equivalent policy; a
  live read has no state, so it writes the normalised AWS document, and the comparer compares
  policies semantically.
- `aws_iam_role_policy`: one per inline policy of every role, id "role:name".
- `aws_iam_role_policy_attachment` is derived: the provider gives it a random id
  (PrefixedUniqueId), so `match` finds it from the state's (role, policy_arn) in the live role's
  `managed_policy_arns` (read on every role from ListAttachedRolePolicies).
- Account defaults: service-linked roles (path /aws-service-role/) and the roles IAM Identity
  Center reserves (path /aws-reserved/), with their inline policies. AWS-managed policies are
  never listed (Scope=Local), so never emitted.
- Tags: `tags` = `tags_all` = the object's tags without `aws:` keys (the provider drops them).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    iam_document,
    is_not_found,
    name_prefix_from_name,
    paginate,
    pool_map,
    provider_tags,
    rfc3339,
    version_first,
)
from driftpatch.aws.readers.common import (
    pstr as _s,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.model import JSON
from driftpatch.typed import conform_live, conform_state

ROLE = "aws_iam_role"
POLICY = "aws_iam_policy"
ROLE_POLICY = "aws_iam_role_policy"
ATTACHMENT = "aws_iam_role_policy_attachment"
SCOPE = "iam/global"
# Roles AWS creates and owns: service-linked roles, and IAM Identity Center's reserved roles.
AWS_OWNED_ROLE_PATHS = ("/aws-service-role/", "/aws-reserved/")
PAGE_SIZE = 100  # ListRoles / ListPolicies MaxItems (IAM allows up to 1000)
POOL_SIZE = 8  # per-object calls in flight; IAM's request rate is low, adaptive retries help


def is_aws_owned_role(path: str) -> bool:
    return path.startswith(AWS_OWNED_ROLE_PATHS)


# -- roles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleData:
    """Everything read about one role: GetRole's role, inline documents, attached ARNs."""

    role: Mapping[str, Any]
    inline: tuple[tuple[str, str], ...]  # (policy name, normalised document)
    attached: tuple[str, ...]


def _read_role(client: Any, name: str) -> RoleData | None:
    """None when the role vanished since the listing (NoSuchEntity); raises other errors."""
    try:
        role = client.get_role(RoleName=name)["Role"]
        names = paginate(client, "list_role_policies", "PolicyNames", RoleName=name)
        inline: list[tuple[str, str]] = []
        for policy_name in names:
            try:
                doc = client.get_role_policy(RoleName=name, PolicyName=policy_name)
            except botocore.exceptions.ClientError as exc:
                if is_not_found(exc):  # deleted since ListRolePolicies
                    continue
                raise
            inline.append((str(policy_name), iam_document(doc.get("PolicyDocument"))))
        attached = paginate(
            client, "list_attached_role_policies", "AttachedPolicies", RoleName=name
        )
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc):
            return None
        raise
    return RoleData(role, tuple(inline), tuple(str(p["PolicyArn"]) for p in attached))


def role_attributes(data: RoleData) -> dict[str, JSON]:
    role = data.role
    name = str(role["RoleName"])
    tags = provider_tags(role.get("Tags"))
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return {
        "arn": _s(role.get("Arn")),
        "assume_role_policy": iam_document(role.get("AssumeRolePolicyDocument")),
        "create_date": rfc3339(role.get("CreateDate")),
        "description": _s(role.get("Description")),
        "id": name,
        "inline_policy": [
            {"name": n, "policy": version_first(doc)} for n, doc in sorted(data.inline)
        ],
        "managed_policy_arns": sorted(set(data.attached)),
        "max_session_duration": int(role.get("MaxSessionDuration") or 0),
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "path": _s(role.get("Path")),
        "permissions_boundary": _s(boundary),
        "tags": tags,
        "tags_all": dict(tags),
        "unique_id": _s(role.get("RoleId")),
    }


def role_policy_attributes(role: str, name: str, normal: str) -> dict[str, JSON]:
    return {
        "id": f"{role}:{name}",
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "policy": version_first(normal),
        "role": role,
    }


def _read_roles(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("iam")
    role_types = (ROLE, ROLE_POLICY, ATTACHMENT)
    try:
        listed = paginate(client, "list_roles", "Roles", PaginationConfig={"PageSize": PAGE_SIZE})
    except AWS_ERRORS as exc:
        fails.add(exc, *role_types)
        return []

    def read(name: str) -> RoleData | BaseException | None:
        try:
            return _read_role(client, name)
        except AWS_ERRORS as exc:
            return exc

    out: list[LiveResource] = []
    names = [str(r["RoleName"]) for r in listed]
    for data in pool_map(read, names):
        if data is None:
            continue
        if isinstance(data, BaseException):
            fails.add(data, *role_types)
            continue
        attrs = role_attributes(data)
        name = str(attrs["name"])
        owned = is_aws_owned_role(str(attrs["path"]))
        out.append(LiveResource(ROLE, name, None, attrs, account_default=owned))
        for policy_name, doc in data.inline:
            rp = role_policy_attributes(name, policy_name, doc)
            out.append(LiveResource(ROLE_POLICY, str(rp["id"]), None, rp, account_default=owned))
    return out


# -- managed policies ---------------------------------------------------------------------------


def policy_attributes(policy: Mapping[str, Any], normal: str) -> dict[str, JSON]:
    arn = str(policy["Arn"])
    name = _s(policy.get("PolicyName"))
    tags = provider_tags(policy.get("Tags"))
    return {
        "arn": arn,
        "attachment_count": int(policy.get("AttachmentCount") or 0),
        "description": _s(policy.get("Description")),
        "id": arn,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "path": _s(policy.get("Path")),
        "policy": normal,
        "policy_id": _s(policy.get("PolicyId")),
        "tags": tags,
        "tags_all": dict(tags),
    }


def _read_policy(client: Any, arn: str) -> dict[str, JSON] | None:
    """GetPolicy (description, tags) + the default version's document; None if it vanished."""
    try:
        policy = client.get_policy(PolicyArn=arn)["Policy"]
        version = client.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])[
            "PolicyVersion"
        ]
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc):
            return None
        raise
    return policy_attributes(policy, iam_document(version.get("Document")))


def _read_policies(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("iam")
    try:
        listed = paginate(
            client,
            "list_policies",
            "Policies",
            Scope="Local",
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
    except AWS_ERRORS as exc:
        fails.add(exc, POLICY)
        return []

    def read(arn: str) -> dict[str, JSON] | BaseException | None:
        try:
            return _read_policy(client, arn)
        except AWS_ERRORS as exc:
            return exc

    out: list[LiveResource] = []
    for attrs in pool_map(read, [str(p["Arn"]) for p in listed]):
        if isinstance(attrs, BaseException):
            fails.add(attrs, POLICY)
        elif attrs is not None:
            out.append(LiveResource(POLICY, str(attrs["id"]), None, attrs))
    return out


# -- the reader ---------------------------------------------------------------------------------


class IamReader(Reader):
    """Roles (with their inline policies and attachments) and customer-managed policies."""

    types: ClassVar[tuple[str, ...]] = (ROLE, POLICY, ROLE_POLICY, ATTACHMENT)
    service: ClassVar[str] = "iam"
    is_global: ClassVar[bool] = True
    derived_types: ClassVar[frozenset[str]] = frozenset({ATTACHMENT})
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Config-only: whether `terraform destroy` detaches policies first.
        ROLE: frozenset({"force_detach_policies"}),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        role_fails = Failures(SCOPE, "roles")
        policy_fails = Failures(SCOPE, "policies")
        # Roles and policies are independent listings: read them side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            roles = pool.submit(_read_roles, ctx, role_fails)
            policies = pool.submit(_read_policies, ctx, policy_fails)
            resources = (*roles.result(), *policies.result())
        return ReadResult(
            resources=resources,
            errors=(*role_fails.errors(), *policy_fails.errors()),
            incomplete_types=frozenset(role_fails.incomplete | policy_fails.incomplete),
        )

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        if type_ != ATTACHMENT:
            return live.get(type_, state_id)
        return match_attachment(state_id, state_attributes, live)


def match_attachment(
    state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
) -> LiveResource | None:
    """The provider reads an attachment by (role, policy_arn) among the role's attached
    policies and writes back exactly its id, role and policy_arn; gone if either is gone."""
    state = conform_state(ATTACHMENT, state_attributes, ("role", "policy_arn"))
    role_name = str(state.get("role") or "")
    arn = str(state.get("policy_arn") or "")
    role = live.get(ROLE, role_name)
    if role is None:
        return None
    attached = conform_live(role, ("managed_policy_arns",)).get("managed_policy_arns") or ()
    if arn not in attached:
        return None
    attrs: dict[str, JSON] = {"id": state_id, "policy_arn": arn, "role": role_name}
    return LiveResource(ATTACHMENT, state_id, None, attrs, account_default=role.account_default)
