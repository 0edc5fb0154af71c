"""IAM users, groups, their inline policies, attachments and memberships, access keys and
instance profiles (global), shaped as hashicorp/aws 5.100.0 writes them to state on refresh.

Calls (every one a bulk listing but the two per-object reads the state needs):
- GetAccountAuthorizationDetails(Filter=[User, Group, Role]), paged, read once per inventory
  and shared with the roles reader (iam.py), which takes the roles from it: every user with
  its path, id, tags, permissions boundary, inline policy documents, attached policy ARNs and
  groups, and every group with its inline documents and attached ARNs, in one listing. The
  provider reads the same facts with GetUser / GetGroup / GetUserPolicy /
  ListAttachedUserPolicies / ListGroupsForUser per object; the listing answers them for the
  whole account at once.
- ListAccessKeys per user (access keys are in no account-wide listing), in a bounded pool.
- ListInstanceProfiles, paged, + GetInstanceProfile per profile: IAM's listings leave tags out
  (AWS documents this for ListInstanceProfiles), and the provider reads tags from
  GetInstanceProfile.

Shapes, from the provider's read functions:
- `aws_iam_user`: arn, name, path, permissions_boundary (nil -> ""), unique_id, tags = tags_all
  without `aws:` keys; `force_destroy` is configuration only.
- `aws_iam_user_policy` / `aws_iam_group_policy`: id "owner:name", name, name_prefix
  (NamePrefixFromName), the owner, and the document as for role policies: Go-normalised with
  "Version" moved first (LegacyPolicyNormalize; see iam.py).
- `aws_iam_access_key`: the provider reads only id, user, status and create_date (RFC 3339)
  from ListAccessKeys; secret, ses_smtp_password_v4, their PGP-encrypted forms, the key
  fingerprint and pgp_key exist only at creation and stay in state from then on. Secrets never
  enter a LiveResource: those attributes are `unreadable`.
- `aws_iam_instance_profile`: arn, create_date, name, name_prefix, path, role (the first role's
  name; null without one: the provider sets nil), unique_id, tags.
- `aws_iam_group`: arn, name, path, unique_id (groups have no tags).
- Derived types (their ids are random or user-chosen, so `match` finds them from state):
  `aws_iam_user_policy_attachment` / `aws_iam_group_policy_attachment` by (owner, policy_arn)
  among the owner's attached policies; `aws_iam_group_membership` = every user of the state's
  group (the provider writes GetGroup's whole member list, not just the configured users);
  `aws_iam_user_group_membership` = the state's groups the user is still in (the provider
  intersects). `read` does not emit them (a live object with an id of its own would become a
  second rule subject beside the matched one); the facts they need ride on their owners, as
  `LINK_*` attributes no Terraform schema has: compare looks only at the state's attributes,
  the import generator only at schema arguments, so they reach nothing but `match` and rules.

moto (5.2) differences: users' permissions boundaries are not stored
(PutUserPermissionsBoundary is unimplemented and CreateUser drops it), so the oracle stack sets
none; the reader reads PermissionsBoundary from the listing as AWS returns it.

Account defaults: instance profiles under the paths AWS reserves for itself
(/aws-service-role/, /aws-reserved/). Users and groups are never made by AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
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
)
from driftpatch.aws.readers.common import (
    pstr as _s,
)
from driftpatch.aws.readers.iam import (
    AWS_OWNED_ROLE_PATHS,
    authorization_details,
    owned_policy_attributes,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.model import JSON
from driftpatch.typed import AttributeTypeError, TypeMismatch, coerce, conform_state

USER = "aws_iam_user"
USER_POLICY = "aws_iam_user_policy"
USER_ATTACHMENT = "aws_iam_user_policy_attachment"
ACCESS_KEY = "aws_iam_access_key"
PROFILE = "aws_iam_instance_profile"
GROUP = "aws_iam_group"
GROUP_POLICY = "aws_iam_group_policy"
GROUP_ATTACHMENT = "aws_iam_group_policy_attachment"
GROUP_MEMBERSHIP = "aws_iam_group_membership"
USER_GROUPS = "aws_iam_user_group_membership"
SCOPE = "iam/global"
# Link facts on users and groups for the derived types (not provider attributes; see above).
LINK_POLICIES = "_attached_policy_arns"  # user, group: attached managed policy ARNs
LINK_GROUPS = "_groups"  # user: the groups it is a member of
LINK_USERS = "_users"  # group: its members
LINKS = frozenset({LINK_POLICIES, LINK_GROUPS, LINK_USERS})
PAGE_SIZE = 1000  # ListInstanceProfiles MaxItems: IAM's largest

# What the authorization-details listing feeds: if it fails, none of these is known.
DETAIL_TYPES = (
    USER,
    USER_POLICY,
    USER_ATTACHMENT,
    GROUP,
    GROUP_POLICY,
    GROUP_ATTACHMENT,
    GROUP_MEMBERSHIP,
    USER_GROUPS,
    ACCESS_KEY,  # listed per user: no users, no keys
)


# -- value shaping (pure functions of API responses) --------------------------------------------


def user_attributes(user: Mapping[str, Any]) -> dict[str, JSON]:
    name = str(user["UserName"])
    tags = provider_tags(user.get("Tags"))
    boundary = (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return {
        "arn": _s(user.get("Arn")),
        "id": name,
        "name": name,
        "path": _s(user.get("Path")),
        "permissions_boundary": _s(boundary),
        "tags": tags,
        "tags_all": dict(tags),
        "unique_id": _s(user.get("UserId")),
    }


def group_attributes(group: Mapping[str, Any]) -> dict[str, JSON]:
    name = str(group["GroupName"])
    return {
        "arn": _s(group.get("Arn")),
        "id": name,
        "name": name,
        "path": _s(group.get("Path")),
        "unique_id": _s(group.get("GroupId")),
    }


def inline_policy_attributes(
    owner_key: str, owner: str, policy: Mapping[str, Any]
) -> dict[str, JSON]:
    """An aws_iam_user_policy (owner_key "user") or aws_iam_group_policy ("group")."""
    normal = iam_document(policy.get("PolicyDocument"))
    return owned_policy_attributes(owner_key, owner, str(policy["PolicyName"]), normal)


def access_key_attributes(key: Mapping[str, Any]) -> dict[str, JSON]:
    """Only what the provider reads back; never a secret (ListAccessKeys has none anyway)."""
    return {
        "create_date": rfc3339(key.get("CreateDate")) if key.get("CreateDate") else "",
        "id": str(key["AccessKeyId"]),
        "status": _s(key.get("Status")),
        "user": _s(key.get("UserName")),
    }


def profile_attributes(profile: Mapping[str, Any]) -> dict[str, JSON]:
    name = str(profile["InstanceProfileName"])
    tags = provider_tags(profile.get("Tags"))
    roles = profile.get("Roles") or []
    return {
        "arn": _s(profile.get("Arn")),
        "create_date": rfc3339(profile.get("CreateDate")),
        "id": name,
        "name": name,
        "name_prefix": name_prefix_from_name(name),
        "path": _s(profile.get("Path")),
        "role": _s(roles[0].get("RoleName")) if roles else None,
        "tags": tags,
        "tags_all": dict(tags),
        "unique_id": _s(profile.get("InstanceProfileId")),
    }


def detail_resources(
    users: list[Mapping[str, Any]], groups: list[Mapping[str, Any]]
) -> list[LiveResource]:
    """Everything the authorization-details listing says, as live resources (keys aside)."""
    out: list[LiveResource] = []
    members: dict[str, set[str]] = {}
    for user in users:
        attrs = user_attributes(user)
        name = str(attrs["name"])
        member_of = sorted({str(g) for g in user.get("GroupList") or ()})
        for group_name in member_of:
            members.setdefault(group_name, set()).add(name)
        attrs[LINK_POLICIES] = _attached(user)
        attrs[LINK_GROUPS] = list[JSON](member_of)
        out.append(LiveResource(USER, name, None, attrs))
        for policy in user.get("UserPolicyList") or ():
            up = inline_policy_attributes("user", name, policy)
            out.append(LiveResource(USER_POLICY, str(up["id"]), None, up))
    for group in groups:
        attrs = group_attributes(group)
        name = str(attrs["name"])
        attrs[LINK_POLICIES] = _attached(group)
        attrs[LINK_USERS] = list[JSON](sorted(members.get(name, set())))
        out.append(LiveResource(GROUP, name, None, attrs))
        for policy in group.get("GroupPolicyList") or ():
            gp = inline_policy_attributes("group", name, policy)
            out.append(LiveResource(GROUP_POLICY, str(gp["id"]), None, gp))
    return out


def _attached(detail: Mapping[str, Any]) -> list[JSON]:
    return sorted({str(p["PolicyArn"]) for p in detail.get("AttachedManagedPolicies") or ()})


# -- calls --------------------------------------------------------------------------------------


def _read_keys(ctx: ReadContext, user_names: list[str], fails: Failures) -> list[LiveResource]:
    client = ctx.client("iam")

    def read(name: str) -> list[Mapping[str, Any]] | BaseException:
        try:
            return paginate(client, "list_access_keys", "AccessKeyMetadata", UserName=name)
        except botocore.exceptions.ClientError as exc:
            return [] if is_not_found(exc) else exc  # the user went since the listing
        except AWS_ERRORS as exc:
            return exc

    out: list[LiveResource] = []
    for keys in pool_map(read, user_names):
        if isinstance(keys, BaseException):
            fails.add(keys, ACCESS_KEY)
            continue
        for key in keys:
            attrs = access_key_attributes(key)
            out.append(LiveResource(ACCESS_KEY, str(attrs["id"]), None, attrs))
    return out


def _read_users_and_groups(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    try:
        details = authorization_details(ctx)  # shared with the roles reader (iam.py)
    except AWS_ERRORS as exc:
        fails.add(exc, *DETAIL_TYPES)
        return []
    names = [str(u["UserName"]) for u in details.users]
    users, groups = list(details.users), list(details.groups)
    return [*detail_resources(users, groups), *_read_keys(ctx, names, fails)]


def _read_profiles(ctx: ReadContext, fails: Failures) -> list[LiveResource]:
    client = ctx.client("iam")
    try:
        listed = paginate(
            client,
            "list_instance_profiles",
            "InstanceProfiles",
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
    except AWS_ERRORS as exc:
        fails.add(exc, PROFILE)
        return []

    def read(name: str) -> Mapping[str, Any] | BaseException | None:
        try:
            return dict(client.get_instance_profile(InstanceProfileName=name)["InstanceProfile"])
        except botocore.exceptions.ClientError as exc:
            return None if is_not_found(exc) else exc
        except AWS_ERRORS as exc:
            return exc

    out: list[LiveResource] = []
    for profile in pool_map(read, [str(p["InstanceProfileName"]) for p in listed]):
        if isinstance(profile, BaseException):
            fails.add(profile, PROFILE)
        elif profile is not None:
            attrs = profile_attributes(profile)
            owned = str(attrs["path"]).startswith(AWS_OWNED_ROLE_PATHS)
            out.append(LiveResource(PROFILE, str(attrs["id"]), None, attrs, account_default=owned))
    return out


# -- the reader ---------------------------------------------------------------------------------


class IamUsersReader(Reader):
    """Users, groups and what hangs off them (policies, attachments, memberships, access keys),
    and instance profiles."""

    types: ClassVar[tuple[str, ...]] = (
        USER,
        USER_POLICY,
        USER_ATTACHMENT,
        ACCESS_KEY,
        PROFILE,
        GROUP,
        GROUP_POLICY,
        GROUP_ATTACHMENT,
        GROUP_MEMBERSHIP,
        USER_GROUPS,
    )
    service: ClassVar[str] = "iam"
    is_global: ClassVar[bool] = True
    derived_types: ClassVar[frozenset[str]] = frozenset(
        {USER_ATTACHMENT, GROUP_ATTACHMENT, GROUP_MEMBERSHIP, USER_GROUPS}
    )
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # Config-only: whether `terraform destroy` removes keys, MFA devices, login profile.
        USER: frozenset({"force_destroy"}),
        # Returned once by CreateAccessKey and never again; secrets stay out of live data.
        ACCESS_KEY: frozenset(
            {
                "encrypted_secret",
                "encrypted_ses_smtp_password_v4",
                "key_fingerprint",
                "pgp_key",
                "secret",
                "ses_smtp_password_v4",
            }
        ),
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        detail_fails = Failures(SCOPE, "users")
        profile_fails = Failures(SCOPE, "instance profiles")
        with ThreadPoolExecutor(max_workers=2) as pool:
            details = pool.submit(_read_users_and_groups, ctx, detail_fails)
            profiles = pool.submit(_read_profiles, ctx, profile_fails)
            resources = (*details.result(), *profiles.result())
        return ReadResult(
            resources=resources,
            errors=(*detail_fails.errors(), *profile_fails.errors()),
            incomplete_types=frozenset(detail_fails.incomplete | profile_fails.incomplete),
        )

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        if type_ == USER_ATTACHMENT:
            return _match_attachment(type_, USER, state_id, state_attributes, live)
        if type_ == GROUP_ATTACHMENT:
            return _match_attachment(type_, GROUP, state_id, state_attributes, live)
        if type_ == GROUP_MEMBERSHIP:
            return _match_group_membership(state_id, state_attributes, live)
        if type_ == USER_GROUPS:
            return _match_user_groups(state_id, state_attributes, live)
        return live.get(type_, state_id)


def _links(owner: LiveResource, name: str) -> set[str]:
    """A link attribute of a live user or group as names; from a `--live` snapshot it may be
    anything, and a wrong type is refused as the schema's attributes are."""
    try:
        value = coerce(owner.attributes.get(name), ["set", "string"], (name,))
    except TypeMismatch as exc:
        raise AttributeTypeError(
            exc.steps, exc.wanted, exc.got, f"{owner.type} {owner.id}"
        ) from None
    return {str(v) for v in value} if isinstance(value, list) else set()


def _match_attachment(
    type_: str,
    owner_type: str,
    state_id: str,
    state_attributes: Mapping[str, JSON],
    live: LiveIndex,
) -> LiveResource | None:
    """Found while the state's owner still has the state's policy attached; the provider
    writes back exactly id, owner and policy_arn."""
    owner_key = "user" if owner_type == USER else "group"
    state = conform_state(type_, state_attributes, (owner_key, "policy_arn"))
    name = str(state.get(owner_key) or "")
    arn = str(state.get("policy_arn") or "")
    owner = live.get(owner_type, name)
    if owner is None or arn not in _links(owner, LINK_POLICIES):
        return None
    attrs: dict[str, JSON] = {"id": state_id, "policy_arn": arn, owner_key: name}
    return LiveResource(type_, state_id, None, attrs)


def _match_group_membership(
    state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
) -> LiveResource | None:
    """Gone with its group; otherwise every member of the group (GetGroup's list)."""
    state = conform_state(GROUP_MEMBERSHIP, state_attributes, ("group", "name"))
    name = str(state.get("group") or "")
    group = live.get(GROUP, name)
    if group is None:
        return None
    attrs: dict[str, JSON] = {
        "group": name,
        "id": state_id,
        "name": str(state.get("name") or ""),
        "users": list[JSON](sorted(_links(group, LINK_USERS))),
    }
    return LiveResource(GROUP_MEMBERSHIP, state_id, None, attrs)


def _match_user_groups(
    state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
) -> LiveResource | None:
    """Gone with its user; otherwise the state's groups the user is still a member of."""
    state = conform_state(USER_GROUPS, state_attributes, ("user", "groups"))
    name = str(state.get("user") or "")
    user = live.get(USER, name)
    if user is None:
        return None
    wanted = state.get("groups")
    configured = {str(g) for g in wanted} if isinstance(wanted, list) else set()
    groups = list[JSON](sorted(configured & _links(user, LINK_GROUPS)))
    attrs: dict[str, JSON] = {"groups": groups, "id": state_id, "user": name}
    return LiveResource(USER_GROUPS, state_id, None, attrs)
