"""IAM roles, managed policies, inline role policies and role policy attachments (global).

Shaped as the hashicorp/aws 5.100.0 provider writes them to state after a refresh:

- Roles take no per-role call: ListRoles pages give each role's description and maximum
  session duration, and GetAccountAuthorizationDetails(Filter=[User, Group, Role]) pages give
  the rest (trust policy, tags, permissions boundary, inline policy documents, attached policy
  ARNs) for the whole account. The provider reads the same per role (GetRole,
  ListRolePolicies, GetRolePolicy per inline policy, ListAttachedRolePolicies: 3 + k calls).
  The details are read once per inventory and shared with the users reader (iam_users.py),
  which takes the users and groups from the same pages (`ReadContext.once`). A role the
  details list but ListRoles did not (made between the two) gets one GetRole.
- Customer-managed policies come from the same details (Filter LocalManagedPolicy: every
  version's document, description, attachment count); only their tags are in no listing, so
  GetPolicy per policy, in a bounded thread pool. The provider reads GetPolicy +
  GetPolicyVersion per policy.
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
  `managed_policy_arns` (every role's AttachedManagedPolicies in the authorization details).
- Account defaults: service-linked roles (path /aws-service-role/) and the roles IAM Identity
  Center reserves (path /aws-reserved/), with their inline policies. AWS-managed policies are
  never listed (Filter LocalManagedPolicy), so never emitted.
- Tags: `tags` = `tags_all` = the object's tags without `aws:` keys (the provider drops them).
"""

from __future__ import annotations

import dataclasses
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
    SharedReads,
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
PAGE_SIZE = 1000  # ListRoles MaxItems: IAM's largest (1,000 roles a page, not 100)
POOL_SIZE = 8  # per-object calls in flight; IAM's request rate is low, adaptive retries help


def is_aws_owned_role(path: str) -> bool:
    return path.startswith(AWS_OWNED_ROLE_PATHS)


# -- roles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleData:
    """Everything read about one role: its listing and details merged, inline documents,
    attached ARNs."""

    role: Mapping[str, Any]
    inline: tuple[tuple[str, str], ...]  # (policy name, normalised document)
    attached: tuple[str, ...]


@dataclass(frozen=True)
class AuthorizationDetails:
    """One GetAccountAuthorizationDetails read (all pages): users, groups and roles, each with
    its inline policy documents and attached policy ARNs."""

    users: tuple[Mapping[str, Any], ...]
    groups: tuple[Mapping[str, Any], ...]
    roles: tuple[Mapping[str, Any], ...]
    policies: tuple[Mapping[str, Any], ...]  # customer-managed, with their versions


DETAILS_KEY = "iam:GetAccountAuthorizationDetails"
DETAILS_FILTER = ["User", "Group", "Role", "LocalManagedPolicy"]
DETAILS_PAGE_SIZE = 1000  # IAM's largest MaxItems: an account of 1,000 principals in one page


def read_authorization_details(client: Any) -> AuthorizationDetails:
    users: list[Mapping[str, Any]] = []
    groups: list[Mapping[str, Any]] = []
    roles: list[Mapping[str, Any]] = []
    policies: list[Mapping[str, Any]] = []
    pages = client.get_paginator("get_account_authorization_details").paginate(
        Filter=DETAILS_FILTER, PaginationConfig={"PageSize": DETAILS_PAGE_SIZE}
    )
    for page in pages:
        users.extend(page.get("UserDetailList") or ())
        groups.extend(page.get("GroupDetailList") or ())
        roles.extend(page.get("RoleDetailList") or ())
        policies.extend(page.get("Policies") or ())
    return AuthorizationDetails(tuple(users), tuple(groups), tuple(roles), tuple(policies))


def authorization_details(ctx: ReadContext) -> AuthorizationDetails:
    """The account's authorization details, read once per inventory for both IAM readers
    (this one: roles; iam_users: users and groups), filtered by type by each."""
    return ctx.once(DETAILS_KEY, lambda: read_authorization_details(ctx.client("iam")))


def role_data(listed: Mapping[str, Any] | None, detail: Mapping[str, Any]) -> RoleData:
    """A role from its authorization-details entry (trust policy, tags, permissions boundary,
    inline documents, attached ARNs) and its ListRoles entry (the description and maximum
    session duration, which the details leave out)."""
    role = {**(listed or {}), **detail}
    inline = tuple(
        (str(p["PolicyName"]), iam_document(p.get("PolicyDocument")))
        for p in detail.get("RolePolicyList") or ()
    )
    attached = tuple(str(p["PolicyArn"]) for p in detail.get("AttachedManagedPolicies") or ())
    return RoleData(role, inline, attached)


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


def owned_policy_attributes(owner_key: str, owner: str, name: str, normal: str) -> dict[str, JSON]:
    """An inline policy as the provider writes it for its owner (`owner_key` "role", "user" or
    "group"): id "owner:name", and the normalised document with "Version" first."""
    return {
        "id": f"{owner}:{name}",
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "policy": version_first(normal),
        owner_key: owner,
    }


def role_policy_attributes(role: str, name: str, normal: str) -> dict[str, JSON]:
    return owned_policy_attributes("role", role, name, normal)


def _read_roles(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    """ListRoles pages and the shared authorization details: no per-role call, except GetRole
    for a role made between the two listings (the details know it, ListRoles did not)."""
    client = ctx.client("iam")
    role_types = (ROLE, ROLE_POLICY, ATTACHMENT)
    with ThreadPoolExecutor(max_workers=2) as pool:
        listing = pool.submit(
            paginate, client, "list_roles", "Roles", PaginationConfig={"PageSize": PAGE_SIZE}
        )
        details = pool.submit(authorization_details, ctx)
    failed = False
    for future in (listing, details):
        if isinstance(exc := future.exception(), AWS_ERRORS):
            fails.add(exc, *role_types)
            failed = True
    if failed:
        return []
    listed = {str(r["RoleName"]): r for r in listing.result()}
    detailed = details.result().roles

    def fetch(name: str) -> Mapping[str, Any] | BaseException | None:
        try:
            return dict(client.get_role(RoleName=name)["Role"])
        except botocore.exceptions.ClientError as exc:
            return None if is_not_found(exc) else exc  # gone again since the details
        except AWS_ERRORS as exc:
            return exc

    unlisted = [str(d["RoleName"]) for d in detailed if str(d["RoleName"]) not in listed]
    fetched = dict(zip(unlisted, pool_map(fetch, unlisted), strict=True))
    out: list[LiveResource] = []
    for detail in detailed:
        name = str(detail["RoleName"])
        entry = listed.get(name) or fetched.get(name)
        if entry is None:
            continue
        if isinstance(entry, BaseException):
            fails.add(entry, *role_types)
            continue
        data = role_data(entry, detail)
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


def default_document(policy: Mapping[str, Any]) -> Any:
    """The default version's document of an authorization-details policy entry."""
    for version in policy.get("PolicyVersionList") or ():
        if version.get("IsDefaultVersion") or version.get("VersionId") == policy.get(
            "DefaultVersionId"
        ):
            return version.get("Document")
    return None


def _read_policies(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    """Customer-managed policies from the shared authorization details (with every version's
    document), and GetPolicy per policy for the tags, which no listing carries (a policy in
    no state needs them too: the import its finding proposes writes them)."""
    client = ctx.client("iam")
    try:
        listed = authorization_details(ctx).policies
    except AWS_ERRORS as exc:
        fails.add(exc, POLICY)
        return []
    arns = [str(p["Arn"]) for p in listed]

    def get(arn: str) -> Mapping[str, Any] | BaseException | None:
        try:
            return dict(client.get_policy(PolicyArn=arn)["Policy"])
        except botocore.exceptions.ClientError as exc:
            return None if is_not_found(exc) else exc  # gone since the listing
        except AWS_ERRORS as exc:
            return exc

    got = dict(zip(arns, pool_map(get, arns), strict=True))
    out: list[LiveResource] = []
    for policy in listed:
        arn = str(policy["Arn"])
        found = got[arn]
        if found is None:
            continue
        if isinstance(found, BaseException):
            fails.add(found, POLICY)
            continue
        # The name from the ARN where the details leave it out (moto 5.2 sends no PolicyName
        # or PolicyId there; AWS does, and GetPolicy fills both in for a policy it reads).
        named = {"PolicyName": arn.rsplit("/", 1)[-1], **policy, **found}
        attrs = policy_attributes(named, iam_document(default_document(policy)))
        out.append(LiveResource(POLICY, arn, None, attrs))
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
        if ctx.shared is None:  # run on its own: its two halves still share one details read
            ctx = dataclasses.replace(ctx, shared=SharedReads())
        role_fails = Failures(SCOPE, "roles")
        policy_fails = Failures(SCOPE, "policies")
        # Roles and policies are independent listings: read them side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            roles = pool.submit(_read_roles, ctx, role_fails)
            policies = pool.submit(_read_policies, ctx, policy_fails)
            resources = (*roles.result(), *policies.result())
        return ReadResult(
            resources=resources,
            # A failed authorization-details read fails both halves: said once.
            errors=tuple(dict.fromkeys((*role_fails.errors(), *policy_fails.errors()))),
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
