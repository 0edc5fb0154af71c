"""S3: `aws_s3_bucket` and its split resources `aws_s3_bucket_versioning`,
`aws_s3_bucket_public_access_block`, `aws_s3_bucket_server_side_encryption_configuration` and
`aws_s3_bucket_policy`, shaped as hashicorp/aws 5.100.0 writes them after a refresh.

Scope and regions. ListBuckets is global, so the reader is `is_global` and runs once. Every
bucket carries its own region (ListBuckets' BucketRegion where AWS returns it, else
GetBucketLocation: "" / None is us-east-1, "EU" is eu-west-1), set on the LiveResource and used
for the per-bucket calls (one client per bucket region). Nothing is dropped here: a state
bucket in a region that was not scanned is still found (the listing is global), and unmanaged
detection keeps to the scanned regions by the LiveResource region (`detect` reports an
unmanaged object only when `region in inventory.regions`). `buckets_in_regions` does the same
for a caller that wants the inventory itself trimmed.

The provider reads the deprecated inline settings on every refresh of aws_s3_bucket (5.x still
has them Optional+Computed), so the bucket is emitted with all of them, in the provider's shape:
policy, grant (the ACL), cors_rule, website (+ website_domain/website_endpoint), versioning,
acceleration_status, request_payer, logging, lifecycle_rule, replication_configuration,
server_side_encryption_configuration, object_lock_configuration/object_lock_enabled, tags, and
the region-derived names. That lets v3-provider states (settings inline) and v4+ states (split
resources; reconcile skips the inline copy a split resource owns) be compared alike. `acl` is
never read back by the provider (it keeps the configured value), so it is `unreadable`.

Calls. ListBuckets pages (bulk). Regions: the listing's BucketRegion where AWS gives it; else
(moto) one ListBuckets filtered by BucketRegion per scanned region places every bucket there,
and only a bucket in none of them gets GetBucketLocation. Tags: GetResources pages of the
Resource Groups Tagging API per bucket region (`bulk_tags`: ~100 buckets a page), falling back
to GetBucketTagging per bucket when that API is refused, and asking it for a state bucket whose
page tags differ from the state's (`confirmed_tags`: that index is eventually consistent, so
S3 itself confirms a difference before it is drift). Then per bucket (no bulk form
exists) up to 13 more Get* calls (policy, ACL, CORS, website, versioning, accelerate, request
payment, logging, lifecycle, replication, encryption, object lock, public access block), all
in one bounded thread pool. The provider's refresh makes about the
same per bucket (HeadBucket, 12 Get* for the bucket, its region and tags) plus one per split
resource. A scan makes fewer (`call_plan`, from `ReadContext.needs`): per bucket only the calls
for what the state manages on it (its split resources; the inline settings it holds non-empty;
tags; default encryption) and, when the rules run, the six the S3 rules read (RULE_CALLS); a
bucket in no state gets its tags (for the import its finding proposes) and those six, or only
its tags with `--only drift`. Of the six, GetBucketAcl feeds only DP-S3-001, which on live
judges what an ACL exposes: nothing on a bucket whose public access block ignores public ACLs
(S3 then disregards every public ACL on the bucket and its objects). So, for the rules, the ACL
is asked right after the bucket's GetPublicAccessBlock answer, in the same pool task, and only
when that answer does not say IgnorePublicAcls (no block, the flag off, or the read failed:
unknown is never "ignored"); a bucket whose state manages its ACL (an aws_s3_bucket_acl, or a
canned ACL / extra grants inline) gets it regardless. An attribute no call
fed is left out of the bucket, so `match` keeps the state's value (not drift) and it is not
`unread` (nothing failed). An `inventory` snapshot has no state to go by: it reads all 14.
A "not configured" answer (NoSuchBucketPolicy, ServerSideEncryptionConfigurationNotFound,
NoSuchTagSet, ...) is the provider's empty value, not an error.

Failures. A failed ListBuckets makes every type incomplete. A failed per-bucket call (say
GetBucketPolicy denied by a bucket policy) is a ScanError naming the buckets; the bucket is still
emitted without the attributes that call feeds, and `match` keeps the state's values for them
(unknown is not drift); the bucket records what it could not read (`LiveResource.unread`: those
attributes and the split type the call lists), so that bucket's aws_s3_bucket_policy in state
is `unread` (its absence proves nothing) while other buckets' are compared, and rules treat
the setting as unknown.

Split resources: presence and "unmanaged". A split resource is emitted when the provider would
find it for that bucket:
- aws_s3_bucket_policy: GetBucketPolicy returns a policy;
- aws_s3_bucket_public_access_block: GetPublicAccessBlock returns a configuration (on AWS,
  buckets created since April 2023 get an all-true one by default);
- aws_s3_bucket_server_side_encryption_configuration: GetBucketEncryption returns one (on AWS
  every bucket has SSE-S3 by default since January 2023, so every bucket has one);
- aws_s3_bucket_versioning: the status is Enabled or Suspended. A never-versioned bucket has no
  emitted object, but the provider reads such a bucket as status "Disabled" (the v3-to-v4
  migration shape), so `match` derives that object from the bucket for a state that has one;
- aws_s3_bucket_acl (every bucket) and aws_s3_bucket_lifecycle_configuration (rules present),
  shaped in s3_extra.py from the GetBucketAcl / GetBucketLifecycleConfiguration answers above.
All split objects are `parts` of their bucket: never "unmanaged" on their own. An unmanaged
bucket is reported once, as the bucket, not as a bucket plus its AWS-default encryption and
public access block. For a managed bucket, a hand-made policy/versioning/encryption change
shows as drift on the bucket's inline copy (compared unless a split resource in state owns it);
a public access block has no inline copy, so a hand-made one on a managed bucket is not
reported as unmanaged (the public-access rule still evaluates it on live).

Ids: the bucket name; a split resource configured with expected_bucket_owner has the id
"bucket,owner": `match` looks the bucket up by name and writes the state's id and owner.
Policies are written as the provider stores them: Go's NormalizeJsonString of the document AWS
returns (keys sorted, compact, <>& escaped), or the state's text when it is the same policy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import name_prefix_from_name, pool_map
from driftpatch.aws.readers.common import pstr as _s
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    Needs,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.readers.s3_extra import (
    ACL,
    EXTRA_TYPES,
    LIFECYCLE,
    acl_state_id,
    extra_split_resources,
)
from driftpatch.aws.readers.s3_extra import UNREADABLE as EXTRA_UNREADABLE
from driftpatch.aws.session import AWS_ERRORS, describe_error, error_code
from driftpatch.drift.policy import policies_equal
from driftpatch.model import JSON, ScanError
from driftpatch.typed import conform_live, conform_state

BUCKET = "aws_s3_bucket"
VERSIONING = "aws_s3_bucket_versioning"
PUBLIC_ACCESS_BLOCK = "aws_s3_bucket_public_access_block"
ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration"
POLICY = "aws_s3_bucket_policy"
SPLIT_TYPES = (VERSIONING, PUBLIC_ACCESS_BLOCK, ENCRYPTION, POLICY, *EXTRA_TYPES)
# Split types whose id carries ",<expected_bucket_owner>" when one is configured.
OWNED_TYPES = frozenset({VERSIONING, ENCRYPTION, LIFECYCLE})

# Per-bucket calls run in this many threads (all buckets' calls share one pool).
# (as many as the session lets S3 have in flight: its adaptive limit, DEFAULT_CONCURRENCY).
MAX_WORKERS = 32
# ListBuckets page size; None lets AWS choose (it returns every bucket when not asked to page).
PAGE_SIZE: int | None = None
# Tags in bulk (`bulk_tags`) from this many buckets in a region on; GetResources page size.
BULK_TAGS_MIN = 2
TAG_PAGE_SIZE = 100

DEFAULT_REGION = "us-east-1"
# GetBucketLocation's legacy constraints.
LOCATION_ALIASES = {"": DEFAULT_REGION, "EU": "eu-west-1"}
VERSIONING_DISABLED = "Disabled"  # the provider's status for a never-versioned bucket
# The provider reads these as "the setting is absent" on any bucket call.
ABSENT_ANYWHERE = frozenset(
    {
        "MethodNotAllowed",
        "NotImplemented",
        "XNotImplemented",
        "UnsupportedArgument",
        "UnsupportedOperation",
    }
)
NO_SUCH_BUCKET = "NoSuchBucket"


@dataclass(frozen=True)
class Call:
    """One per-bucket Get* call: what it feeds and which errors mean "not configured"."""

    key: str
    method: str
    attributes: tuple[str, ...]  # aws_s3_bucket attributes computed from it
    types: tuple[str, ...] = ()  # split types it lists
    absent: frozenset[str] = frozenset()


CALLS = (
    Call("policy", "get_bucket_policy", ("policy",), (POLICY,), frozenset({"NoSuchBucketPolicy"})),
    Call("acl", "get_bucket_acl", ("grant",), (ACL,)),
    Call("cors", "get_bucket_cors", ("cors_rule",), (), frozenset({"NoSuchCORSConfiguration"})),
    Call(
        "website",
        "get_bucket_website",
        ("website", "website_domain", "website_endpoint"),
        (),
        frozenset({"NoSuchWebsiteConfiguration"}),
    ),
    Call("versioning", "get_bucket_versioning", ("versioning",), (VERSIONING,)),
    Call("accelerate", "get_bucket_accelerate_configuration", ("acceleration_status",)),
    Call("request_payment", "get_bucket_request_payment", ("request_payer",)),
    Call("logging", "get_bucket_logging", ("logging",)),
    Call(
        "lifecycle",
        "get_bucket_lifecycle_configuration",
        ("lifecycle_rule",),
        (LIFECYCLE,),
        frozenset({"NoSuchLifecycleConfiguration"}),
    ),
    Call(
        "replication",
        "get_bucket_replication",
        ("replication_configuration",),
        (),
        frozenset({"ReplicationConfigurationNotFoundError"}),
    ),
    Call(
        "encryption",
        "get_bucket_encryption",
        ("server_side_encryption_configuration",),
        (ENCRYPTION,),
        frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
    ),
    Call(
        "object_lock",
        "get_object_lock_configuration",
        ("object_lock_configuration", "object_lock_enabled"),
        (),
        frozenset({"ObjectLockConfigurationNotFoundError"}),
    ),
    Call("tagging", "get_bucket_tagging", ("tags", "tags_all"), (), frozenset({"NoSuchTagSet"})),
    Call(
        "public_access_block",
        "get_public_access_block",
        (),
        (PUBLIC_ACCESS_BLOCK,),
        frozenset({"NoSuchPublicAccessBlockConfiguration"}),
    ),
)
CALLS_BY_KEY = {c.key: c for c in CALLS}
TAGGING = CALLS_BY_KEY["tagging"]
# What the S3 rules read on a live bucket (rules/catalog/s3_*.py): policy and ACL (public
# policy / ACL), versioning, logging, default encryption, the public access block.
RULE_CALLS = frozenset(
    {"policy", "acl", "versioning", "logging", "encryption", "public_access_block"}
)
# Rule calls that can matter only where S3 honours public ACLs: asked after the bucket's
# public access block answer, and not when it has IgnorePublicAcls (`BucketPlan`).
ACL_RULE_CALLS = frozenset({"acl"})
# The call behind each split type (its presence in state means the setting is managed).
SPLIT_CALLS = {
    VERSIONING: "versioning",
    PUBLIC_ACCESS_BLOCK: "public_access_block",
    ENCRYPTION: "encryption",
    POLICY: "policy",
    ACL: "acl",
    LIFECYCLE: "lifecycle",
}


def _set(value: JSON) -> bool:
    """Whether a state value says the setting is configured: a non-empty, non-false value."""
    if isinstance(value, list):
        return any(_set(v) for v in value)
    if isinstance(value, Mapping):
        return any(_set(v) for v in value.values())
    return bool(value)


def _managed_inline(state: Mapping[str, JSON]) -> set[str]:
    """The inline settings (call keys) an aws_s3_bucket state instance manages.

    The 5.x provider writes every inline setting on refresh, configured or not, so "managed"
    is read off the values: a setting the state holds as empty / default is one the
    configuration leaves alone (Optional+Computed: `terraform plan` would not revert a change
    to it either). Tags are always managed (`tags` is not Computed: a tag added by hand is a
    planned change), and so is default encryption (AWS gives every bucket SSE-S3, and the
    rules read it anyway)."""
    keys = {"tagging", "encryption"}
    checks: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("policy", ("policy",)),
        ("cors", ("cors_rule",)),
        ("website", ("website",)),
        ("versioning", ("versioning",)),
        ("accelerate", ("acceleration_status",)),
        ("logging", ("logging",)),
        ("lifecycle", ("lifecycle_rule",)),
        ("replication", ("replication_configuration",)),
        ("object_lock", ("object_lock_configuration", "object_lock_enabled")),
    )
    keys.update(key for key, names in checks if any(_set(state.get(n)) for n in names))
    if state.get("request_payer") not in (None, "", "BucketOwner"):
        keys.add("request_payment")
    grants = state.get("grant")
    if _set(state.get("acl")) or (isinstance(grants, list) and len(grants) > 1):
        keys.add("acl")  # a canned ACL configured, or grants beyond the owner's own
    return keys


@dataclass(frozen=True)
class BucketPlan:
    """One bucket's per-bucket calls: `calls` are asked whatever happens; `unless_ignored` only
    after the bucket's GetPublicAccessBlock (one of `calls`) answered without IgnorePublicAcls
    true (`ignores_public_acls`): calls that feed only the public-ACL rule, which a block
    ignoring public ACLs makes moot."""

    calls: tuple[Call, ...]
    unless_ignored: tuple[Call, ...] = ()

    def __contains__(self, call: object) -> bool:
        return call in self.calls or call in self.unless_ignored


def call_plan(needs: Needs | None) -> Callable[[str], BucketPlan]:
    """Bucket name -> the per-bucket calls a scan needs for it (all of them without `needs`).

    A bucket in state: the calls for the inline settings it manages (`_managed_inline`) and
    for each split resource the state has on it. Any bucket, managed or not: its tags (the
    import an unmanaged bucket's finding proposes writes them) and, when the rules run, the
    calls they read (RULE_CALLS), the ACL among them only where public ACLs are not ignored
    (ACL_RULE_CALLS: `unless_ignored`) unless the state manages it. The state is indexed
    once (split ids are "bucket[,owner]"), so planning is linear in buckets plus state
    instances."""
    if needs is None:
        every = BucketPlan(CALLS)
        return lambda _name: every
    # Tags on every bucket: an unmanaged bucket's finding proposes an import, whose resource
    # block must carry them (`tags` is the one non-deprecated argument only a Get* call gives).
    base: frozenset[str] = frozenset({"tagging"})
    guarded: frozenset[str] = frozenset()
    if needs.rules:
        base |= RULE_CALLS - ACL_RULE_CALLS
        guarded = ACL_RULE_CALLS
    extra: dict[str, set[str]] = {}
    for name, state in needs.of_type(BUCKET).items():
        extra.setdefault(name, set()).update(_managed_inline(state))
    for type_, key in SPLIT_CALLS.items():
        for id_ in needs.of_type(type_):
            extra.setdefault(id_.partition(",")[0], set()).add(key)

    def plan(name: str) -> BucketPlan:
        keys = base | extra.get(name, set())
        later = guarded - keys  # a state-managed ACL is read whatever the block says
        if later and "public_access_block" not in keys:
            keys, later = keys | later, frozenset()  # nothing to wait for: ask it
        return BucketPlan(
            tuple(c for c in CALLS if c.key in keys), tuple(c for c in CALLS if c.key in later)
        )

    return plan


def ignores_public_acls(outcome: Outcome) -> bool:
    """Whether a GetPublicAccessBlock outcome says S3 ignores the bucket's public ACLs. No
    block (None) and a failed read (an exception: unknown) do not."""
    if not isinstance(outcome, Mapping):
        return False
    config = outcome.get("PublicAccessBlockConfiguration")
    return isinstance(config, Mapping) and config.get("IgnorePublicAcls") is True


# Route 53 hosted zones of the S3 website endpoints (the provider's hostedZoneIDsMap, from
# https://docs.aws.amazon.com/general/latest/gr/s3.html#s3_website_region_endpoints).
HOSTED_ZONE_IDS = {
    "af-south-1": "Z83WF9RJE8B12",
    "ap-east-1": "ZNB98KWMFR0R6",
    "ap-northeast-1": "Z2M4EHUR26P7ZW",
    "ap-northeast-2": "Z3W03O7B5YMIYP",
    "ap-northeast-3": "Z2YQB5RD63NC85",
    "ap-south-1": "Z11RGJOFQNVJUP",
    "ap-south-2": "Z02976202B4EZMXIPMXF7",
    "ap-southeast-1": "Z3O0J2DXBE1FTB",
    "ap-southeast-2": "Z1WCIGYICN2BYD",
    "ap-southeast-3": "Z01846753K324LI26A3VV",
    "ap-southeast-4": "Z0312387243XT5FE14WFO",
    "ca-central-1": "Z1QDHH18159H29",
    "ca-west-1": "Z03565811Z33SLEZTHOUL",
    "cn-north-1": "Z5CN8UMXT92WN",
    "cn-northwest-1": "Z282HJ1KT0DH03",
    "eu-central-1": "Z21DNDUVLTQW6Q",
    "eu-central-2": "Z030506016YDQGETNASS",
    "eu-north-1": "Z3BAZG2TWCNX0D",
    "eu-south-1": "Z30OZKI7KPW7MI",
    "eu-south-2": "Z0081959F7139GRJC19J",
    "eu-west-1": "Z1BKCTXD74EZPE",
    "eu-west-2": "Z3GKZC51ZF0DB4",
    "eu-west-3": "Z3R1K369G5AVDG",
    "il-central-1": "Z09640613K4A3MN55U7GU",
    "me-central-1": "Z06143092I8HRXZRUZROF",
    "me-south-1": "Z1MPMWCPA7YB62",
    "sa-east-1": "Z7KQH4QJS55SO",
    "us-east-1": "Z3AQBSTGFYJSTF",
    "us-east-2": "Z2O1EMRO9K5GLX",
    "us-gov-east-1": "Z2NIFVYYW2VKV1",
    "us-gov-west-1": "Z31GFT0UA1I2HV",
    "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M",
}
# Regions whose website endpoint is s3-website-<region> (dash), not s3-website.<region>.
DASH_WEBSITE_REGIONS = frozenset(
    {
        "ap-northeast-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "eu-west-1",
        "sa-east-1",
        "us-east-1",
        "us-gov-west-1",
        "us-west-1",
        "us-west-2",
    }
)
# Region prefix -> (partition, DNS suffix); anything else is the commercial partition.
PARTITIONS = (
    ("us-isob-", "aws-iso-b", "sc2s.sgov.gov"),
    ("us-isof-", "aws-iso-f", "csp.hci.ic.gov"),
    ("us-iso-", "aws-iso", "c2s.ic.gov"),
    ("eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"),
    ("eusc-", "aws-eusc", "amazonaws.eu"),
    ("cn-", "aws-cn", "amazonaws.com.cn"),
    ("us-gov-", "aws-us-gov", "amazonaws.com"),
)


# --------------------------------------------------------------------------- Go-compatible bits


def partition_of(region: str) -> tuple[str, str]:
    """(partition, DNS suffix) of a region, as the provider's names.PartitionForRegion."""
    for prefix, partition, suffix in PARTITIONS:
        if region.startswith(prefix):
            return partition, suffix
    return "aws", "amazonaws.com"


def normalize_region(constraint: str | None) -> str:
    """GetBucketLocation's LocationConstraint as a region name."""
    value = constraint or ""
    return LOCATION_ALIASES.get(value, value)


def _go_number(value: float) -> str:
    """encoding/json's text for a float64 (every JSON number decodes to one in Go): the
    shortest digits that round-trip, plain between 1e-6 and 1e21, else with an exponent."""
    if math.isinf(value) or math.isnan(value):
        raise ValueError(f"unsupported JSON number {value!r}")
    if value == 0:
        return "0"
    text = repr(value)  # Python's repr is also the shortest round-trip form
    if 1e-6 <= abs(value) < 1e21:
        plain = format(Decimal(text), "f")
        return plain.rstrip("0").rstrip(".") if "." in plain else plain
    mantissa, _, exponent = text.partition("e")
    sign = exponent[0] if exponent[:1] in ("+", "-") else "+"
    digits = exponent.lstrip("+-")
    if sign == "-" and len(digits) == 2 and digits[0] == "0":
        digits = digits[1:]  # Go writes e-7 where strconv gives e-07
    return f"{mantissa}e{sign}{digits}"


def _go_string(text: str) -> str:
    """encoding/json's string: UTF-8 kept, <, >, & and U+2028/2029 escaped."""
    out = json.dumps(text, ensure_ascii=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        out = out.replace(char, escaped)
    return out


def go_json(value: Any) -> str:
    """json.Marshal of decoded JSON in Go: compact, map keys sorted, Go's escapes and numbers."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _go_number(float(value))
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, Mapping):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f"{_go_string(k)}:{go_json(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    raise TypeError(f"not JSON: {type(value).__name__}")


def normalize_json(text: str) -> str:
    """The provider's structure.NormalizeJsonString: "" stays "", bad JSON stays as it is."""
    if not text:
        return ""
    try:
        return go_json(json.loads(text))
    except (ValueError, TypeError):
        return text


def policy_to_set(state_policy: JSON, live_policy: str) -> str:
    """verify.PolicyToSet: the state's text when it is the same policy, normalised."""
    if isinstance(state_policy, str) and state_policy and policies_equal(state_policy, live_policy):
        return normalize_json(state_policy)
    return normalize_json(live_policy)


def tag_map(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """AWS tags as the provider keeps them: a map without AWS-reserved `aws:` keys."""
    return {
        str(t["Key"]): _s(t.get("Value"))
        for t in tags or ()
        if not str(t.get("Key", "")).startswith("aws:")
    }


def _date(value: Any) -> str:
    """Go's Format("2006-01-02") of a timestamp (SDK times are UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d")
    return _s(value)[:10]


def redirect_url(host_name: str, protocol: str) -> str:
    """flattenBucketWebsite's redirect_all_requests_to: url.URL{Scheme, Host, Path, Query}."""
    if not protocol:
        return host_name
    rest, _, query = host_name.partition("?")
    rest = rest.partition("#")[0]
    host, path = "", rest
    if rest.startswith("//") or "://" in rest:
        netloc = rest.split("//", 1)[1]
        host, slash, tail = netloc.partition("/")
        path = slash + tail
    out = f"{protocol}:"
    if host or path:
        out += "//"
    out += host
    if path and not path.startswith("/") and host:
        out += "/"
    out += path
    if query:
        out += "?" + query
    return out


def routing_rules_json(rules: Sequence[Mapping[str, Any]]) -> str:
    """normalizeRoutingRules: the rules as JSON with Go field names, nil fields dropped."""
    clean: list[dict[str, Any]] = []
    for rule in rules:
        out: dict[str, Any] = {}
        for part in ("Condition", "Redirect"):
            value = rule.get(part)
            if isinstance(value, Mapping):
                out[part] = {k: v for k, v in value.items() if v not in (None, "")}
        clean.append(out)
    return go_json(clean)


# --------------------------------------------------------------------------- flatteners


def flatten_grants(acl: Mapping[str, Any]) -> list[dict[str, JSON]]:
    """flattenBucketGrants: one object per grantee, permissions collected in a set."""
    out: list[dict[str, Any]] = []
    for grant in acl.get("Grants") or ():
        grantee = grant.get("Grantee") or {}
        key = (_s(grantee.get("Type")), grantee.get("ID"), grantee.get("URI"))
        match = next((g for g in out if (g["type"], g["_id"], g["_uri"]) == key), None)
        if match is None:
            match = {"type": key[0], "_id": key[1], "_uri": key[2], "permissions": set()}
            out.append(match)
        match["permissions"].add(_s(grant.get("Permission")))
    return [
        {
            "id": _s(g["_id"]),
            "permissions": sorted(g["permissions"]),
            "type": g["type"],
            "uri": _s(g["_uri"]),
        }
        for g in out
    ]


def flatten_cors(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, JSON]]:
    return [
        {
            "allowed_headers": list(r.get("AllowedHeaders") or []),
            "allowed_methods": list(r.get("AllowedMethods") or []),
            "allowed_origins": list(r.get("AllowedOrigins") or []),
            "expose_headers": list(r.get("ExposeHeaders") or []),
            "max_age_seconds": int(r.get("MaxAgeSeconds") or 0),
        }
        for r in rules
    ]


def flatten_website(website: Mapping[str, Any]) -> list[dict[str, JSON]]:
    out: dict[str, str] = {}
    if website.get("IndexDocument") is not None:
        out["index_document"] = _s(website["IndexDocument"].get("Suffix"))
    if website.get("ErrorDocument") is not None:
        out["error_document"] = _s(website["ErrorDocument"].get("Key"))
    redirect = website.get("RedirectAllRequestsTo")
    if redirect is not None:
        out["redirect_all_requests_to"] = redirect_url(
            _s(redirect.get("HostName")), _s(redirect.get("Protocol"))
        )
    if website.get("RoutingRules") is not None:
        out["routing_rules"] = routing_rules_json(website["RoutingRules"])
    if not out:
        return []
    keys = ("error_document", "index_document", "redirect_all_requests_to", "routing_rules")
    return [{k: out.get(k, "") for k in keys}]


def website_endpoint(bucket: str, region: str) -> tuple[str, str]:
    """bucketWebsiteEndpointAndDomain: (endpoint, domain)."""
    region = region or DEFAULT_REGION
    if region in DASH_WEBSITE_REGIONS:
        domain = f"s3-website-{region}.amazonaws.com"
    else:
        domain = f"s3-website.{region}.{partition_of(region)[1]}"
    return f"{bucket}.{domain}", domain


def _expiration(exp: Mapping[str, Any]) -> dict[str, JSON]:
    return {
        "date": _date(exp["Date"]) if exp.get("Date") is not None else "",
        "days": int(exp.get("Days") or 0),
        "expired_object_delete_marker": bool(exp.get("ExpiredObjectDeleteMarker")),
    }


def flatten_lifecycle(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, JSON]]:
    """flattenBucketLifecycleRules (prefix and tags from whichever filter form AWS returns)."""
    out: list[dict[str, JSON]] = []
    for rule in rules:
        prefix, tags = "", {}
        flt = rule.get("Filter") or {}
        if flt.get("And") is not None:
            prefix = _s(flt["And"].get("Prefix"))
            tags = tag_map(flt["And"].get("Tags"))
        if flt.get("Prefix") is not None:
            prefix = _s(flt["Prefix"])
        if flt.get("Tag") is not None:
            tags = tag_map([flt["Tag"]])
        if rule.get("Prefix") is not None:
            prefix = _s(rule["Prefix"])
        abort = rule.get("AbortIncompleteMultipartUpload") or {}
        nve = rule.get("NoncurrentVersionExpiration")
        out.append(
            {
                "abort_incomplete_multipart_upload_days": int(
                    abort.get("DaysAfterInitiation") or 0
                ),
                "enabled": rule.get("Status") == "Enabled",
                "expiration": [_expiration(rule["Expiration"])] if rule.get("Expiration") else [],
                "id": _s(rule.get("ID")),
                "noncurrent_version_expiration": (
                    [{"days": int(nve.get("NoncurrentDays") or 0)}] if nve is not None else []
                ),
                "noncurrent_version_transition": [
                    {
                        "days": int(t.get("NoncurrentDays") or 0),
                        "storage_class": _s(t.get("StorageClass")),
                    }
                    for t in rule.get("NoncurrentVersionTransitions") or ()
                ],
                "prefix": prefix,
                "tags": tags,
                "transition": [
                    {
                        "date": _date(t["Date"]) if t.get("Date") is not None else "",
                        "days": int(t.get("Days") or 0),
                        "storage_class": _s(t.get("StorageClass")),
                    }
                    for t in rule.get("Transitions") or ()
                ],
            }
        )
    return out


def _destination(dest: Mapping[str, Any]) -> dict[str, JSON]:
    act = dest.get("AccessControlTranslation")
    metrics = dest.get("Metrics")
    rtc = dest.get("ReplicationTime")
    return {
        "access_control_translation": [{"owner": _s(act.get("Owner"))}] if act else [],
        "account_id": _s(dest.get("Account")),
        "bucket": _s(dest.get("Bucket")),
        "metrics": (
            [
                {
                    "minutes": int((metrics.get("EventThreshold") or {}).get("Minutes") or 0),
                    "status": _s(metrics.get("Status")),
                }
            ]
            if metrics
            else []
        ),
        "replica_kms_key_id": _s(
            (dest.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
        ),
        "replication_time": (
            [
                {
                    "minutes": int((rtc.get("Time") or {}).get("Minutes") or 0),
                    "status": _s(rtc.get("Status")),
                }
            ]
            if rtc
            else []
        ),
        "storage_class": _s(dest.get("StorageClass")),
    }


def _replication_filter(flt: Mapping[str, Any]) -> dict[str, JSON]:
    prefix, tags = "", {}
    if flt.get("And") is not None:
        prefix = _s(flt["And"].get("Prefix"))
        tags = tag_map(flt["And"].get("Tags"))
    if flt.get("Prefix") is not None:
        prefix = _s(flt["Prefix"])
    if flt.get("Tag") is not None:
        tags = tag_map([flt["Tag"]])
    return {"prefix": prefix, "tags": tags}


def flatten_replication(config: Mapping[str, Any]) -> list[dict[str, JSON]]:
    rules: list[dict[str, JSON]] = []
    for rule in config.get("Rules") or ():
        dmr = rule.get("DeleteMarkerReplication") or {}
        ssc = rule.get("SourceSelectionCriteria")
        kms_objects: list[dict[str, JSON]] = []
        if ssc and ssc.get("SseKmsEncryptedObjects") is not None:
            status = ssc["SseKmsEncryptedObjects"].get("Status")
            kms_objects = [{"enabled": status == "Enabled"}]
        rules.append(
            {
                "delete_marker_replication_status": (
                    "Enabled" if dmr.get("Status") == "Enabled" else ""
                ),
                "destination": (
                    [_destination(rule["Destination"])] if rule.get("Destination") else []
                ),
                "filter": (
                    [_replication_filter(rule["Filter"])] if rule.get("Filter") is not None else []
                ),
                "id": _s(rule.get("ID")),
                "prefix": _s(rule.get("Prefix")),
                "priority": int(rule.get("Priority") or 0),
                "source_selection_criteria": (
                    [{"sse_kms_encrypted_objects": kms_objects}] if ssc is not None else []
                ),
                "status": _s(rule.get("Status")),
            }
        )
    return [{"role": _s(config.get("Role")), "rules": rules}]


def encryption_rules(config: Mapping[str, Any]) -> list[dict[str, JSON]]:
    """A ServerSideEncryptionConfiguration's rules in the provider's shape (both resources)."""
    out: list[dict[str, JSON]] = []
    for rule in config.get("Rules") or ():
        sse = rule.get("ApplyServerSideEncryptionByDefault")
        out.append(
            {
                "apply_server_side_encryption_by_default": (
                    [
                        {
                            "kms_master_key_id": _s(sse.get("KMSMasterKeyID")),
                            "sse_algorithm": _s(sse.get("SSEAlgorithm")),
                        }
                    ]
                    if sse is not None
                    else []
                ),
                "bucket_key_enabled": bool(rule.get("BucketKeyEnabled")),
            }
        )
    return out


def flatten_object_lock(config: Mapping[str, Any]) -> list[dict[str, JSON]]:
    retention = (config.get("Rule") or {}).get("DefaultRetention")
    return [
        {
            "object_lock_enabled": _s(config.get("ObjectLockEnabled")),
            "rule": (
                [
                    {
                        "default_retention": [
                            {
                                "days": int(retention.get("Days") or 0),
                                "mode": _s(retention.get("Mode")),
                                "years": int(retention.get("Years") or 0),
                            }
                        ]
                    }
                ]
                if retention is not None
                else []
            ),
        }
    ]


# --------------------------------------------------------------------------- facts -> attributes

Outcome = Mapping[str, Any] | None | BaseException  # response, "not configured", or failure


@dataclass(frozen=True)
class BucketFacts:
    """One bucket's listing entry, region and per-call outcomes."""

    name: str
    region: str | None  # None: its location could not be read
    outcomes: Mapping[str, Outcome]

    def ok(self, key: str) -> bool:
        return not isinstance(self.outcomes.get(key), BaseException) and key in self.outcomes

    def get(self, key: str) -> Mapping[str, Any] | None:
        value = self.outcomes.get(key)
        return value if isinstance(value, Mapping) else None

    def unread(self) -> frozenset[str]:
        """Attributes and split types fed by calls that failed (unknown, not "absent")."""
        out: set[str] = set()
        for key, outcome in self.outcomes.items():
            if isinstance(outcome, BaseException):
                call = CALLS_BY_KEY[key]
                out.update(call.attributes, call.types)
        return frozenset(out)


def bucket_attributes(facts: BucketFacts, *, home_region: str) -> dict[str, JSON]:
    """aws_s3_bucket as resourceBucketRead sets it; attributes of failed calls are left out."""
    name = facts.name
    partition, suffix = partition_of(home_region)
    attrs: dict[str, JSON] = {
        "arn": f"arn:{partition}:s3:::{name}",
        "bucket": name,
        "bucket_domain_name": f"{name}.s3.{suffix}",
        "bucket_prefix": name_prefix_from_name(name),
        "id": name,
    }
    if facts.region is not None:
        attrs["region"] = facts.region
        attrs["bucket_regional_domain_name"] = (
            f"{name}.s3.{facts.region}.{partition_of(facts.region)[1]}"
        )
        attrs["hosted_zone_id"] = HOSTED_ZONE_IDS.get(facts.region)
    get = facts.get
    if facts.ok("policy"):
        policy = get("policy")
        attrs["policy"] = normalize_json(_s(policy.get("Policy"))) if policy else ""
    if facts.ok("acl"):
        acl = get("acl")
        attrs["grant"] = flatten_grants(acl) if acl else []
    if facts.ok("cors"):
        cors = get("cors")
        attrs["cors_rule"] = flatten_cors(cors.get("CORSRules") or ()) if cors else []
    if facts.ok("website"):
        site = get("website")
        website = flatten_website(site) if site else []
        attrs["website"] = website
        if website and facts.region is not None:
            endpoint, domain = website_endpoint(name, facts.region)
            attrs["website_domain"], attrs["website_endpoint"] = domain, endpoint
        elif not website:
            # Not set by the provider without a website: a fresh read has null.
            attrs["website_domain"] = attrs["website_endpoint"] = None
    if facts.ok("versioning"):
        ver = get("versioning") or {}
        attrs["versioning"] = [
            {
                "enabled": ver.get("Status") == "Enabled",
                "mfa_delete": ver.get("MFADelete") == "Enabled",
            }
        ]
    if facts.ok("accelerate"):
        attrs["acceleration_status"] = _s((get("accelerate") or {}).get("Status"))
    if facts.ok("request_payment"):
        attrs["request_payer"] = _s((get("request_payment") or {}).get("Payer"))
    if facts.ok("logging"):
        enabled = (get("logging") or {}).get("LoggingEnabled")
        attrs["logging"] = (
            [
                {
                    "target_bucket": _s(enabled.get("TargetBucket")),
                    "target_prefix": _s(enabled.get("TargetPrefix")),
                }
            ]
            if enabled is not None
            else []
        )
    if facts.ok("lifecycle"):
        lifecycle = get("lifecycle")
        attrs["lifecycle_rule"] = (
            flatten_lifecycle(lifecycle.get("Rules") or ()) if lifecycle else []
        )
    if facts.ok("replication"):
        repl = (get("replication") or {}).get("ReplicationConfiguration")
        attrs["replication_configuration"] = flatten_replication(repl) if repl else []
    if facts.ok("encryption"):
        sse = (get("encryption") or {}).get("ServerSideEncryptionConfiguration")
        attrs["server_side_encryption_configuration"] = (
            [{"rule": encryption_rules(sse)}] if sse is not None else []
        )
    if facts.ok("object_lock"):
        lock = (get("object_lock") or {}).get("ObjectLockConfiguration")
        attrs["object_lock_configuration"] = flatten_object_lock(lock) if lock is not None else []
        attrs["object_lock_enabled"] = bool(lock and lock.get("ObjectLockEnabled") == "Enabled")
    if facts.ok("tagging"):
        tags = tag_map((get("tagging") or {}).get("TagSet"))
        attrs["tags"], attrs["tags_all"] = tags, dict(tags)
    return attrs


def split_resources(facts: BucketFacts) -> list[LiveResource]:
    """The split resources the provider would find for this bucket (see module docstring)."""
    name, region, out = facts.name, facts.region, []
    versioning = facts.get("versioning") if facts.ok("versioning") else None
    if versioning and versioning.get("Status") in ("Enabled", "Suspended"):
        out.append(LiveResource(VERSIONING, name, region, versioning_attributes(name, versioning)))
    pab = facts.get("public_access_block")
    config = (pab or {}).get("PublicAccessBlockConfiguration")
    if facts.ok("public_access_block") and config is not None:
        out.append(
            LiveResource(
                PUBLIC_ACCESS_BLOCK,
                name,
                region,
                {
                    "block_public_acls": bool(config.get("BlockPublicAcls")),
                    "block_public_policy": bool(config.get("BlockPublicPolicy")),
                    "bucket": name,
                    "id": name,
                    "ignore_public_acls": bool(config.get("IgnorePublicAcls")),
                    "restrict_public_buckets": bool(config.get("RestrictPublicBuckets")),
                },
            )
        )
    sse = (facts.get("encryption") or {}).get("ServerSideEncryptionConfiguration")
    if facts.ok("encryption") and sse is not None:
        out.append(
            LiveResource(
                ENCRYPTION,
                name,
                region,
                {
                    "bucket": name,
                    "expected_bucket_owner": "",
                    "id": name,
                    "rule": encryption_rules(sse),
                },
            )
        )
    policy = _s((facts.get("policy") or {}).get("Policy"))
    if facts.ok("policy") and policy:
        out.append(
            LiveResource(
                POLICY, name, region, {"bucket": name, "id": name, "policy": normalize_json(policy)}
            )
        )
    acl = facts.get("acl") if facts.ok("acl") else None
    lifecycle = facts.get("lifecycle") if facts.ok("lifecycle") else None
    out.extend(extra_split_resources(name, region, acl, lifecycle))  # s3_extra.py
    return out


def versioning_attributes(name: str, versioning: Mapping[str, Any]) -> dict[str, JSON]:
    """aws_s3_bucket_versioning (a never-versioned bucket reads as status "Disabled")."""
    return {
        "bucket": name,
        "expected_bucket_owner": "",
        "id": name,
        "versioning_configuration": [
            {
                "mfa_delete": _s(versioning.get("MFADelete")),
                "status": _s(versioning.get("Status")) or VERSIONING_DISABLED,
            }
        ],
    }


def buckets_in_regions(
    resources: Iterable[LiveResource], regions: Iterable[str]
) -> tuple[LiveResource, ...]:
    """The S3 objects whose bucket is in one of `regions` (others untouched).

    For a caller that wants an inventory limited to the scanned regions; `detect` needs no such
    step (it reports unmanaged objects by region already)."""
    wanted = set(regions)
    return tuple(
        r
        for r in resources
        if r.type not in (BUCKET, *SPLIT_TYPES) or r.region is None or r.region in wanted
    )


# --------------------------------------------------------------------------- failures


@dataclass
class _Failures:
    """ScanErrors grouped by (scope, call, error), naming the buckets they hit."""

    errors: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    incomplete: set[str] = field(default_factory=set)

    def add(self, scope: str, exc: BaseException, types: Iterable[str], bucket: str = "") -> None:
        names = self.errors.setdefault((scope, describe_error(exc)), [])
        if bucket and bucket not in names:
            names.append(bucket)
        self.incomplete.update(types)

    def result(self, resources: Iterable[LiveResource]) -> ReadResult:
        errors = []
        for (scope, message), buckets in self.errors.items():
            if buckets:
                shown = ", ".join(sorted(buckets)[:5])
                more = f" and {len(buckets) - 5} more" if len(buckets) > 5 else ""
                message = f"{message} (bucket {shown}{more})"
            errors.append(ScanError(scope, message))
        return ReadResult(tuple(resources), tuple(errors), frozenset(self.incomplete))


def _absent(call: Call, exc: BaseException) -> bool:
    code = error_code(exc) or ""
    return code in call.absent or code in ABSENT_ANYWHERE


def _listed_in(ctx: ReadContext, region: str) -> list[str]:
    """The buckets ListBuckets names with BucketRegion=`region` (one call for every bucket
    there, where GetBucketLocation is one per bucket); [] when the filtered listing fails (the
    buckets are then located one by one: nothing is assumed)."""
    client = ctx.client("s3")
    try:
        return [
            str(b["Name"])
            for page in client.get_paginator("list_buckets").paginate(BucketRegion=region)
            for b in page.get("Buckets") or ()
        ]
    except AWS_ERRORS:
        return []


def bulk_tags(
    ctx: ReadContext, names: Sequence[str], regions: Mapping[str, str | None]
) -> dict[str, Outcome]:
    """Bucket -> its tags as GetBucketTagging answers them ({"TagSet": [...]}, or None for
    none), from the Resource Groups Tagging API: GetResources pages of a region (filtered to
    S3) name every tagged bucket there with its tags, so N buckets cost N/100 calls, not N.

    Only buckets whose region is known are answered, each from its own region's pages; a
    bucket the pages do not name has no tags (GetResources lists every tagged resource). A
    region whose pages fail answers nothing: its buckets get GetBucketTagging each, as before
    (never "no tags" on a failed read). On AWS the tagging index follows a tag change within
    moments, not at once: a tag changed seconds before the scan may be reported a scan later.
    """
    by_region: dict[str, list[str]] = {}
    for name in names:
        region = regions.get(name)
        if region is not None:
            by_region.setdefault(region, []).append(name)
    out: dict[str, Outcome] = {}
    for region, members in by_region.items():
        if len(members) < BULK_TAGS_MIN:
            continue  # a page costs what a bucket's own call does
        client = ctx.session.client("resourcegroupstaggingapi", region)
        try:
            found: dict[str, list[dict[str, str]]] = {}
            for page in client.get_paginator("get_resources").paginate(
                ResourceTypeFilters=["s3"], ResourcesPerPage=TAG_PAGE_SIZE
            ):
                for item in page.get("ResourceTagMappingList") or ():
                    found[str(item["ResourceARN"])] = [
                        {"Key": str(t["Key"]), "Value": str(t["Value"])}
                        for t in item.get("Tags") or ()
                    ]
        except AWS_ERRORS:
            continue
        partition = partition_of(region)[0]
        for name in members:
            tags = found.get(f"arn:{partition}:s3:::{name}")
            out[name] = {"TagSet": tags} if tags else None
    return out


def confirmed_tags(bulk: Mapping[str, Outcome], needs: Needs | None) -> dict[str, Outcome]:
    """The bulk tags a scan may take as read: those of buckets in no state, and those equal to
    what the state says the bucket carries (`tags_all`: its own and the provider's default
    tags). A bucket whose bulk tags differ from its state is asked with GetBucketTagging
    instead: the Tagging API is eventually consistent, so a difference it shows (a bucket
    tagged by an apply moments ago, not yet indexed) is confirmed by S3 itself before it can
    become drift. In sync, as most buckets are, it costs nothing more."""
    state = needs.of_type(BUCKET) if needs is not None else {}
    out: dict[str, Outcome] = {}
    for name, outcome in bulk.items():
        held = state.get(name)
        if held is not None:
            expected = held.get("tags_all")
            if not isinstance(expected, Mapping):
                expected = held.get("tags")
            got = tag_map((outcome or {}).get("TagSet") if isinstance(outcome, Mapping) else None)
            if dict(expected or {}) != got:
                continue
        out[name] = outcome
    return out


def _bucket_region_from_error(exc: BaseException) -> str | None:
    """S3 names the bucket's region in a header even on most errors."""
    if isinstance(exc, botocore.exceptions.ClientError):
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        region = headers.get("x-amz-bucket-region")
        return str(region) if region else None
    return None


# --------------------------------------------------------------------------- the reader


class S3Reader(Reader):
    types: ClassVar[tuple[str, ...]] = (BUCKET, *SPLIT_TYPES)
    service: ClassVar[str] = "s3"
    is_global: ClassVar[bool] = True
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        # acl: never read back (grant is its live form); force_destroy/timeouts: config only.
        BUCKET: frozenset({"acl", "force_destroy", "timeouts"}),
        VERSIONING: frozenset({"mfa"}),  # the MFA device and code used for the change
        **EXTRA_UNREADABLE,
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        failures = _Failures()
        client = ctx.client("s3")
        try:
            config = {"PageSize": PAGE_SIZE} if PAGE_SIZE else {}
            listed = [
                b
                for page in client.get_paginator("list_buckets").paginate(PaginationConfig=config)
                for b in page.get("Buckets") or ()
            ]
        except AWS_ERRORS as exc:
            failures.add(f"{self.service}/global", exc, self.types)
            return failures.result(())
        regions = self._regions(ctx, listed, failures)
        plan = call_plan(ctx.needs)
        tagged = [str(b["Name"]) for b in listed if TAGGING in plan(str(b["Name"]))]
        known = confirmed_tags(bulk_tags(ctx, tagged, regions), ctx.needs)
        facts = self._facts(ctx, listed, regions, failures, plan, known)
        out: list[LiveResource] = []
        for fact in facts:
            out.append(
                LiveResource(
                    BUCKET,
                    fact.name,
                    fact.region,
                    bucket_attributes(fact, home_region=ctx.region),
                    unread=fact.unread(),
                )
            )
            out.extend(split_resources(fact))
        return failures.result(out)

    def _regions(
        self, ctx: ReadContext, listed: Sequence[Mapping[str, Any]], failures: _Failures
    ) -> dict[str, str | None]:
        """Bucket -> region: from the listing when AWS gives it, else from one listing per
        scanned region filtered by BucketRegion (`_listed_in`; when that is fewer calls than
        the buckets to place), else GetBucketLocation."""
        regions: dict[str, str | None] = {
            str(b["Name"]): str(b["BucketRegion"]) for b in listed if b.get("BucketRegion")
        }
        scanned_regions = tuple(dict.fromkeys((ctx.region, *ctx.regions)))
        if len(listed) - len(regions) > len(scanned_regions):  # fewer calls than locating each
            for scanned in scanned_regions:
                for name in _listed_in(ctx, scanned):
                    regions.setdefault(name, scanned)
        missing = [str(b["Name"]) for b in listed if str(b["Name"]) not in regions]
        client = ctx.client("s3")

        def locate(name: str) -> str | BaseException:
            try:
                found = client.get_bucket_location(Bucket=name)
            except AWS_ERRORS as exc:
                return exc
            return normalize_region(found.get("LocationConstraint"))

        for name, outcome in zip(missing, pool_map(locate, missing, MAX_WORKERS), strict=True):
            if isinstance(outcome, BaseException):
                if error_code(outcome) == NO_SUCH_BUCKET:
                    regions[name] = None
                    continue
                region = _bucket_region_from_error(outcome)
                if region is None:
                    failures.add(f"{self.service}/global", outcome, (), name)
                regions[name] = region
            else:
                regions[name] = outcome
        return regions

    def _facts(
        self,
        ctx: ReadContext,
        listed: Sequence[Mapping[str, Any]],
        regions: Mapping[str, str | None],
        failures: _Failures,
        plan: Callable[[str], BucketPlan],
        known: Mapping[str, Outcome],
    ) -> list[BucketFacts]:
        """The per-bucket Get* calls `plan` names; tags already read in bulk (`known`: bucket
        -> its GetBucketTagging-shaped answer) are not asked again. A bucket's calls that wait
        for its public access block (`BucketPlan.unless_ignored`) run in the same pool task,
        right after GetPublicAccessBlock answers: no barrier across buckets, and those tasks
        are queued first so that no two-call task is left at the tail of the pool."""
        names = [str(b["Name"]) for b in listed]
        tasks: list[tuple[str, Call, tuple[Call, ...]]] = []
        for name in names:
            bucket_plan = plan(name)
            for call in bucket_plan.calls:
                if call.key == "tagging" and name in known:
                    continue
                then = bucket_plan.unless_ignored if call.key == "public_access_block" else ()
                tasks.append((name, call, then))
        tasks.sort(key=lambda task: not task[2])  # stable: chained tasks first

        def ask(name: str, call: Call) -> Outcome:
            client = ctx.session.client("s3", regions.get(name) or ctx.region)
            try:
                response: Mapping[str, Any] = getattr(client, call.method)(Bucket=name)
            except AWS_ERRORS as exc:
                return None if _absent(call, exc) else exc
            return response

        def run(task: tuple[str, Call, tuple[Call, ...]]) -> list[tuple[str, Outcome]]:
            name, call, then = task
            first = ask(name, call)
            out = [(call.key, first)]
            if then and not ignores_public_acls(first):
                out.extend((later.key, ask(name, later)) for later in then)
            return out  # an ACL nobody needs is left out: not read, as with `--only drift`

        outcomes: dict[str, dict[str, Outcome]] = {
            name: ({"tagging": known[name]} if name in known else {}) for name in names
        }
        for (name, _call, _then), answers in zip(
            tasks, pool_map(run, tasks, MAX_WORKERS), strict=True
        ):
            outcomes[name].update(answers)
        facts: list[BucketFacts] = []
        for name in names:
            got = outcomes[name]
            failed = [o for o in got.values() if isinstance(o, BaseException)]
            if any(error_code(o) == NO_SUCH_BUCKET for o in failed):
                continue  # deleted since the listing: gone, as the provider would say
            scope = f"{self.service}/{regions.get(name) or 'global'}"
            for outcome in got.values():
                if isinstance(outcome, BaseException):
                    # Recorded on the bucket (LiveResource.unread), not type-wide: another
                    # bucket's policy is still known present or absent.
                    failures.add(scope, outcome, (), name)
            facts.append(BucketFacts(name, regions.get(name), got))
        return facts

    def unread(self, type_: str, state_id: str, live: LiveIndex) -> bool:
        """A split resource whose bucket's call for it failed."""
        if type_ not in SPLIT_TYPES:
            return False
        bucket = live.get(BUCKET, state_id.partition(",")[0])
        return bucket is not None and type_ in bucket.unread

    def parts(self, resources: Iterable[LiveResource]) -> frozenset[tuple[str, str]]:
        """Split resources are parts of their bucket: never unmanaged on their own."""
        return frozenset((r.type, r.id) for r in resources if r.type in SPLIT_TYPES)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        if type_ == BUCKET:
            found = live.get(BUCKET, state_id)
            if found is None:
                return None
            attrs = match_bucket(
                conform_live(found, BUCKET_READS),
                conform_state(type_, state_attributes, BUCKET_READS),
            )
            return LiveResource(found.type, found.id, found.region, attrs, found.account_default)
        if type_ not in SPLIT_TYPES:
            return live.get(type_, state_id)
        bucket, _, owner = state_id.partition(",")
        if type_ == ACL:  # "bucket[,owner][,acl]"
            bucket, owner = acl_state_id(state_id, state_attributes)
        found = live.get(type_, bucket)
        if found is None and type_ == VERSIONING:
            found = _derived_versioning(bucket, live)
        if found is None:
            return None
        attrs = dict(found.attributes)
        attrs["id"] = state_id
        if type_ in OWNED_TYPES or type_ == ACL:
            attrs["expected_bucket_owner"] = owner
        if type_ == POLICY:
            state = conform_state(type_, state_attributes, ("policy",))
            policy = conform_live(found, ("policy",)).get("policy")
            attrs["policy"] = policy_to_set(state.get("policy"), _s(policy))
        return LiveResource(found.type, state_id, found.region, attrs, found.account_default)


def _derived_versioning(bucket: str, live: LiveIndex) -> LiveResource | None:
    """A never-versioned bucket's aws_s3_bucket_versioning: status "Disabled" (provider read)."""
    parent = live.get(BUCKET, bucket)
    if parent is None or "versioning" not in parent.attributes:
        return None  # no bucket, or its versioning could not be read
    return LiveResource(VERSIONING, bucket, parent.region, versioning_attributes(bucket, {}))


# What `match_bucket` reads, typed by the schema first on both sides (typed.py).
BUCKET_READS = ("policy", "tags", "tags_all")


def match_bucket(live: Mapping[str, JSON], state: Mapping[str, JSON]) -> dict[str, JSON]:
    """The state-dependent parts of resourceBucketRead, applied to a state-free read (both
    sides typed on BUCKET_READS by S3Reader.match)."""
    out = dict(live)
    # Unknown (a failed call) or not set by the provider: the state's value stays.
    for name, value in state.items():
        if name not in out:
            out[name] = value
    for name in ("website_domain", "website_endpoint", "hosted_zone_id"):
        if out.get(name) is None and name in state:
            out[name] = state[name]
    if isinstance(live.get("policy"), str) and live.get("policy"):
        out["policy"] = policy_to_set(state.get("policy"), str(live["policy"]))
    # Provider default_tags: keys the state keeps only in tags_all stay out of tags while
    # their value is the default's.
    state_tags = state.get("tags") if isinstance(state.get("tags"), Mapping) else {}
    state_all = state.get("tags_all") if isinstance(state.get("tags_all"), Mapping) else {}
    defaults = {k: v for k, v in (state_all or {}).items() if k not in (state_tags or {})}
    if defaults and isinstance(live.get("tags_all"), Mapping) and "tags" in live:
        out["tags"] = {
            k: v
            for k, v in dict(live["tags_all"]).items()
            if not (k in defaults and defaults[k] == v)
        }
    return out


READER = S3Reader()
