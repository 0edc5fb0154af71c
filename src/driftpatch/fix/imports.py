"""Import blocks for unmanaged live resources: Terraform 1.5+ `import {}` plus a resource block.

A live object no state manages becomes two pieces of HCL that `terraform plan` turns into an
import with no other change:

    import {
      to = aws_s3_bucket.scratch_data
      id = "scratch-data"
    }

    resource "aws_s3_bucket" "scratch_data" {
      bucket = "scratch-data"
    }

How the resource block is written
---------------------------------
Only arguments, never what the provider computes: the provider schema (terraform/schema.py) says
which attributes a user can write. On top of that, every type goes through the same steps, each
driven by data in `TYPES` (one entry per covered type, each choice with its reason) and `COMMON`
(what holds for every type, including the schema-driven fallback for types not in `TYPES`):

1. never `id`, `arn` (top level), `tags_all`, `timeouts` (any level);
2. what the type's entry omits (deprecated inline settings that a split resource now manages,
   values only a hash of is readable, values AWS assigns), with a note for the user when the
   live value is not empty;
3. deprecated optional+computed arguments are left out (leaving them out changes nothing);
4. empty values (null, false, "", 0, [], {}) and values equal to the provider's default are left
   out; a zero value is written only where the provider's default differs (`enable_logging =
   false` on a trail), and required arguments are always written;
5. of a conflicting pair only the preferred one is written (`name` over `name_prefix`);
6. settings valid only with certain sibling values (`iops` only for io1/io2/gp3) are dropped
   otherwise;
7. JSON policy documents are written as `jsonencode({...})` with the document as HCL;
8. a string equal to the id or ARN of a managed resource (`managed_ids`) or of a resource imported
   in the same batch becomes a reference (`aws_vpc.main.id`, `aws_kms_key.main.arn`).

Names, import ids and output order are functions of the input alone, so the same live world
always gives the same file.

`managed_ids` maps (type, value) to the config address of a managed root-module resource, e.g.
("aws_vpc", "vpc-123") -> "aws_vpc.main". A value starting with "arn:" is referred to as
`<address>.arn`, any other as `<address>.id`: to let ARN-valued arguments (`kms_key_id` on a
volume, `iam_role_arn` on a flow log, `log_destination`) refer to a managed resource, add it
under its ARN as well: ("aws_kms_key", "arn:aws:kms:...:key/...") -> "aws_kms_key.main".
"""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from driftpatch.errors import FixError
from driftpatch.fix.render import IDENT, MAX_INLINE
from driftpatch.model import JSON, LiveResource
from driftpatch.rules.interface import Expr
from driftpatch.terraform.schema import AttributeSchema, BlockSchema, aws_schema

__all__ = [
    "COMMON",
    "TYPES",
    "Conflict",
    "ImportPlan",
    "Omit",
    "OnlyWith",
    "TypeSpec",
    "generate_imports",
    "identifier",
    "probe_block",
    "rebuild",
    "render_import_file",
]


@dataclass(frozen=True)
class ImportPlan:
    address: str  # e.g. aws_s3_bucket.scratch_data (root module)
    import_block: str  # import {\n  to = ...\n  id = "..."\n}\n
    resource_block: str  # resource "aws_s3_bucket" "scratch_data" { ... }
    notes: tuple[str, ...]  # what was left out and why
    source: tuple[str, str] = ("", "")  # (type, id) of the live resource it adopts
    import_id: str = ""  # the `id` of the import block (not always the live id)


# -- The per-type table -------------------------------------------------------------------------
#
# Paths name arguments from the resource block down, without indices: "root_block_device.iops".


@dataclass(frozen=True)
class Omit:
    """Leave an argument out. `note`: tell the user when the live value is not empty."""

    why: str
    note: bool = False


@dataclass(frozen=True)
class Conflict:
    """When any of `keep` has a (non-empty) value, the arguments in `drop` are left out."""

    keep: tuple[str, ...]
    drop: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class OnlyWith:
    """Write `path` only when its sibling argument `sibling` has one of `values`."""

    path: str
    sibling: str
    values: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class TypeSpec:
    # Import id, from attributes: "{bucket}", "{role}:{name}"; "[...]" is left out when an
    # attribute in it is empty; "{id}" is the live resource's id. `import_doc` says where the
    # format comes from (the provider's import documentation).
    import_id: str = "{id}"
    import_doc: str = "the provider imports this type by its id"
    # Templates tried in order for the resource name; the first with all fields non-empty wins.
    # Text without fields is used as is.
    names: tuple[str, ...] = ("{tags.Name}", "{name}", "{bucket}", "{id}")
    omit: Mapping[str, Omit] = field(default_factory=dict)
    # The value the provider assumes when the argument is not written: equal live values are
    # left out, and a zero live value is written only when it differs from this.
    defaults: Mapping[str, JSON] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()
    only_with: tuple[OnlyWith, ...] = ()
    # Argument path -> resource types a value there may refer to (first match wins); an empty
    # tuple turns references off for that argument.
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # JSON documents written as jsonencode({...}).
    documents: tuple[str, ...] = ()
    # Object-list attributes written as nested blocks (SDK "attributes as blocks").
    as_blocks: tuple[str, ...] = ()
    # Deprecated optional+computed arguments written anyway (when they carry the only value).
    keep_deprecated: tuple[str, ...] = ()
    # Optional blocks written even when every value in them is the default: their presence
    # means something (a block of defaults is not the same as no block).
    keep_empty: tuple[str, ...] = ()
    # Omitted argument -> arguments whose changes the block ignores (lifecycle.ignore_changes)
    # when AWS has a value for it: the provider cannot compare it without the real value.
    ignore_changes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


_S3_SPLIT = "deprecated inline setting, left out: manage it with {0} (import that too)"

# Every type: conflicting pairs the provider rejects together, and reference targets by name.
COMMON = TypeSpec(
    conflicts=(
        Conflict(("name",), ("name_prefix",), "name_prefix only generated the name: keep it"),
        Conflict(("bucket",), ("bucket_prefix",), "bucket_prefix only generated the name"),
    ),
    references={
        "vpc_id": ("aws_vpc",),
        "subnet_id": ("aws_subnet",),
        "subnet_ids": ("aws_subnet",),
        "vpc_security_group_ids": ("aws_security_group",),
        "security_group_ids": ("aws_security_group",),
        "security_groups": ("aws_security_group",),
        "kms_key_id": ("aws_kms_key",),
        "kms_key_arn": ("aws_kms_key",),
        "kms_master_key_id": ("aws_kms_key",),
        "bucket": ("aws_s3_bucket",),
        "s3_bucket_name": ("aws_s3_bucket",),
        "target_bucket": ("aws_s3_bucket",),
        "role": ("aws_iam_role",),
        "role_arn": ("aws_iam_role",),
        "iam_role_arn": ("aws_iam_role",),
        "cloud_watch_logs_role_arn": ("aws_iam_role",),
        "deliver_cross_account_role": ("aws_iam_role",),
        "policy_arn": ("aws_iam_policy",),
        "permissions_boundary": ("aws_iam_policy",),
        "log_destination": ("aws_cloudwatch_log_group", "aws_s3_bucket"),
        "log_group_name": ("aws_cloudwatch_log_group",),
        "eni_id": ("aws_network_interface",),
        "snapshot_id": ("aws_ebs_snapshot",),
    },
    documents=("policy", "assume_role_policy"),
)

_EC2_VOLUME_IOPS = ("io1", "io2", "gp3")

TYPES: Mapping[str, TypeSpec] = {
    "aws_s3_bucket": TypeSpec(
        import_id="{bucket}",
        import_doc="import S3 buckets using the bucket name",
        omit={
            "acl": Omit(_S3_SPLIT.format("aws_s3_bucket_acl"), note=True),
            # No note: every bucket lists at least its owner's grant.
            "grant": Omit(_S3_SPLIT.format("aws_s3_bucket_acl")),
            "versioning": Omit(_S3_SPLIT.format("aws_s3_bucket_versioning"), note=True),
            "server_side_encryption_configuration": Omit(
                _S3_SPLIT.format("aws_s3_bucket_server_side_encryption_configuration"), note=True
            ),
            "policy": Omit(_S3_SPLIT.format("aws_s3_bucket_policy"), note=True),
            "logging": Omit(_S3_SPLIT.format("aws_s3_bucket_logging"), note=True),
            "lifecycle_rule": Omit(
                _S3_SPLIT.format("aws_s3_bucket_lifecycle_configuration"), note=True
            ),
            "website": Omit(_S3_SPLIT.format("aws_s3_bucket_website_configuration"), note=True),
            "cors_rule": Omit(_S3_SPLIT.format("aws_s3_bucket_cors_configuration"), note=True),
            "replication_configuration": Omit(
                _S3_SPLIT.format("aws_s3_bucket_replication_configuration"), note=True
            ),
            "object_lock_configuration": Omit(
                _S3_SPLIT.format("aws_s3_bucket_object_lock_configuration")
                + "; object_lock_enabled stays on the bucket",
                note=True,
            ),
            "request_payer": Omit(
                _S3_SPLIT.format("aws_s3_bucket_request_payment_configuration"), note=True
            ),
            "acceleration_status": Omit(
                _S3_SPLIT.format("aws_s3_bucket_accelerate_configuration"), note=True
            ),
        },
        defaults={"request_payer": "BucketOwner"},
    ),
    "aws_s3_bucket_versioning": TypeSpec(
        import_id="{bucket}[,{expected_bucket_owner}]",
        import_doc="import using the bucket, or bucket,expected_bucket_owner when it is set",
        names=("{bucket}",),
        omit={"mfa": Omit("write-only (the MFA serial and a code): AWS never returns it")},
        defaults={"versioning_configuration.mfa_delete": "Disabled"},
    ),
    "aws_s3_bucket_public_access_block": TypeSpec(
        import_id="{bucket}",
        import_doc="import using the bucket name",
        names=("{bucket}",),
    ),
    "aws_s3_bucket_server_side_encryption_configuration": TypeSpec(
        import_id="{bucket}[,{expected_bucket_owner}]",
        import_doc="import using the bucket, or bucket,expected_bucket_owner when it is set",
        names=("{bucket}",),
    ),
    "aws_s3_bucket_policy": TypeSpec(
        import_id="{bucket}",
        import_doc="import using the bucket name",
        names=("{bucket}",),
    ),
    "aws_vpc": TypeSpec(
        import_id="{id}",
        import_doc="import using the VPC id",
        omit={
            "ipv6_cidr_block": Omit(
                "assigned by AWS or by an IPAM pool whose id AWS does not return; "
                "optional+computed, so leaving it out changes nothing"
            ),
            "ipv6_cidr_block_network_border_group": Omit("chosen by AWS (the region)"),
        },
        defaults={"enable_dns_support": True, "instance_tenancy": "default"},
        conflicts=(
            Conflict(("cidr_block",), ("ipv4_netmask_length",), "an IPAM size, not a range"),
        ),
    ),
    "aws_subnet": TypeSpec(
        import_id="{id}",
        import_doc="import using the subnet id",
        defaults={"private_dns_hostname_type_on_launch": "ip-name"},
        conflicts=(
            Conflict(
                ("availability_zone",),
                ("availability_zone_id",),
                "the provider rejects both; the zone name is the readable one",
            ),
        ),
    ),
    "aws_security_group": TypeSpec(
        import_id="{id}",
        import_doc="import using the security group id",
        defaults={"description": "Managed by Terraform"},
        as_blocks=("ingress", "egress"),
    ),
    "aws_instance": TypeSpec(
        import_id="{id}",
        import_doc="import using the instance id",
        omit={
            "user_data": Omit(
                "only a hash is readable, so it is left out and ignored with "
                "user_data_replace_on_change (lifecycle.ignore_changes): remove that when you "
                "add the script",
                note=True,
            ),
            "user_data_base64": Omit("only a hash of the user data is readable", note=True),
            "private_ip": Omit(
                "assigned by AWS from the subnet unless chosen at launch; optional+computed"
            ),
        },
        defaults={
            "source_dest_check": True,
            "instance_initiated_shutdown_behavior": "stop",
            "tenancy": "default",
            "metadata_options.http_endpoint": "enabled",
            "metadata_options.http_protocol_ipv6": "disabled",
            "metadata_options.instance_metadata_tags": "disabled",
            "metadata_options.http_put_response_hop_limit": 1,
            "maintenance_options.auto_recovery": "default",
            "private_dns_name_options.hostname_type": "ip-name",
            "capacity_reservation_specification.capacity_reservation_preference": "open",
            "root_block_device.delete_on_termination": True,
            "ebs_block_device.delete_on_termination": True,
        },
        conflicts=(
            Conflict(
                ("network_interface",),
                (
                    "subnet_id",
                    "vpc_security_group_ids",
                    "security_groups",
                    "associate_public_ip_address",
                    "private_ip",
                    "secondary_private_ips",
                    "ipv6_address_count",
                    "ipv6_addresses",
                ),
                "an instance launched with its own network interface takes these from it",
            ),
            Conflict(
                ("vpc_security_group_ids", "subnet_id"),
                ("security_groups",),
                "security_groups (names) is for default-VPC/EC2-Classic launches; VPC instances "
                "use vpc_security_group_ids",
            ),
            Conflict(("subnet_id",), ("availability_zone",), "the subnet decides the zone"),
            Conflict(
                ("ipv6_address_count",),
                ("ipv6_addresses",),
                "the provider rejects both; the addresses were assigned for the count",
            ),
            Conflict(
                ("cpu_options",),
                ("cpu_core_count", "cpu_threads_per_core"),
                "deprecated forms of cpu_options",
            ),
            Conflict(("launch_template.id",), ("launch_template.name",), "one of id or name"),
        ),
        only_with=(
            OnlyWith(
                "root_block_device.iops",
                "volume_type",
                _EC2_VOLUME_IOPS,
                "AWS reports baseline IOPS for every type; the provider accepts iops only here",
            ),
            OnlyWith("root_block_device.throughput", "volume_type", ("gp3",), "only gp3 takes it"),
            OnlyWith(
                "ebs_block_device.iops",
                "volume_type",
                _EC2_VOLUME_IOPS,
                "AWS reports baseline IOPS for every type; the provider accepts iops only here",
            ),
            OnlyWith("ebs_block_device.throughput", "volume_type", ("gp3",), "only gp3 takes it"),
        ),
        references={"security_groups": ()},  # names here, not ids
        # Imported without the script, the provider hashes the stored hash again and plans a
        # user-data update (which stops and starts the instance), and with it sets the
        # Terraform-only user_data_replace_on_change (null -> false): ignore both instead.
        ignore_changes={"user_data": ("user_data", "user_data_replace_on_change")},
    ),
    "aws_ebs_volume": TypeSpec(
        import_id="{id}",
        import_doc="import using the volume id",
        only_with=(
            OnlyWith(
                "iops",
                "type",
                _EC2_VOLUME_IOPS,
                "AWS reports baseline IOPS for every type; the provider accepts iops only here",
            ),
            OnlyWith("throughput", "type", ("gp3",), "only gp3 takes it"),
        ),
    ),
    "aws_iam_role": TypeSpec(
        import_id="{name}",
        import_doc="import using the role name",
        omit={
            "managed_policy_arns": Omit(
                "deprecated, left out: attach each policy with aws_iam_role_policy_attachment",
                note=True,
            ),
            "inline_policy": Omit(
                "deprecated, left out: import each inline policy as aws_iam_role_policy",
                note=True,
            ),
        },
        defaults={"path": "/", "max_session_duration": 3600},
    ),
    "aws_iam_policy": TypeSpec(
        import_id="{arn}",
        import_doc="import using the policy ARN",
        defaults={"path": "/"},
    ),
    "aws_iam_role_policy": TypeSpec(
        import_id="{role}:{name}",
        import_doc="import using role_name:role_policy_name",
        names=("{role}_{name}", "{id}"),
    ),
    "aws_kms_key": TypeSpec(
        import_id="{id}",
        import_doc="import using the key id",
        omit={
            "deletion_window_in_days": Omit("used only when the key is destroyed; unreadable"),
            "bypass_policy_lockout_safety_check": Omit("a flag of the API call; unreadable"),
        },
        defaults={
            "key_usage": "ENCRYPT_DECRYPT",
            "customer_master_key_spec": "SYMMETRIC_DEFAULT",
            "is_enabled": True,
            "rotation_period_in_days": 365,
        },
    ),
    "aws_cloudtrail": TypeSpec(
        import_id="{name}",
        import_doc="import using the trail name",
        defaults={
            "enable_logging": True,
            "include_global_service_events": True,
            "event_selector.include_management_events": True,
            "event_selector.read_write_type": "All",
        },
        # A custom selector equal to AWS's default is still a custom selector.
        keep_empty=("event_selector",),
        conflicts=(
            Conflict(
                ("advanced_event_selector",),
                ("event_selector",),
                "the provider rejects both; AWS keeps one or the other",
            ),
        ),
    ),
    "aws_flow_log": TypeSpec(
        import_id="{id}",
        import_doc="import using the flow log id",
        defaults={
            "log_destination_type": "cloud-watch-logs",
            "max_aggregation_interval": 600,
            "log_format": (
                "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
                "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} "
                "${log-status}"
            ),
            "destination_options.file_format": "plain-text",
        },
        conflicts=(
            Conflict(
                ("log_destination",),
                ("log_group_name",),
                "log_group_name is the deprecated form of log_destination",
            ),
        ),
        # Kept only when AWS returned no log_destination (the conflict drops it otherwise).
        keep_deprecated=("log_group_name",),
    ),
    "aws_cloudwatch_log_group": TypeSpec(
        import_id="{name}",
        import_doc="import using the log group name",
        defaults={"log_group_class": "STANDARD"},
    ),
    "aws_guardduty_detector": TypeSpec(
        import_id="{id}",
        import_doc="import using the detector id",
        names=("{tags.Name}", "main"),
        omit={
            "datasources": Omit(
                "left out: superseded by aws_guardduty_detector_feature (one per feature)",
                note=True,
            ),
        },
        defaults={"enable": True, "finding_publishing_frequency": "SIX_HOURS"},
    ),
    "aws_config_configuration_recorder": TypeSpec(
        import_id="{name}",
        import_doc="import using the recorder name",
        defaults={
            "recording_group.all_supported": True,
            "recording_group.recording_strategy.use_only": "ALL_SUPPORTED_RESOURCE_TYPES",
            "recording_mode.recording_frequency": "CONTINUOUS",
        },
    ),
    "aws_iam_account_password_policy": TypeSpec(
        import_id="iam-account-password-policy",
        import_doc="import using the word iam-account-password-policy (one per account)",
        names=("account",),
        defaults={"allow_users_to_change_password": True, "minimum_password_length": 6},
    ),
}

# Never written, at the top level (`id`, `arn`) or anywhere (`tags_all`, `timeouts`).
_TOP_SKIP = frozenset({"id", "arn"})
_ANY_SKIP = frozenset({"tags_all", "timeouts"})
# Generic reference candidates: argument names that carry ids or ARNs of other resources.
_REF_SUFFIXES = ("_id", "_ids", "_arn", "_arns")
# Arguments written first, in this order; then the rest alphabetically, tags last.
_FIRST = ("name", "bucket", "role")


# -- Entry points -------------------------------------------------------------------------------


def generate_imports(
    resources: Sequence[LiveResource],
    managed_ids: Mapping[tuple[str, str], str],
    taken_names: Collection[str],
) -> tuple[ImportPlan, ...]:
    """Import and resource blocks for `resources`, sorted by address.

    `managed_ids` maps (type, id or ARN) of managed root-module resources to their config
    address; `taken_names` are the resource addresses the root module already uses. Raises
    FixError for a type the shipped provider schema does not know."""
    unique = {(r.type, r.id): r for r in resources}
    ordered = [unique[k] for k in sorted(unique)]
    schema = aws_schema()
    for r in ordered:
        if schema.resource(r.type) is None:
            raise FixError(f"cannot write an import for {r.type}: not a hashicorp/aws type")

    addresses = _assign_addresses(ordered, taken_names)
    targets = _Targets(managed_ids)
    for r in ordered:
        targets.add_imported(r, addresses[(r.type, r.id)])

    plans = []
    for r in ordered:
        address = addresses[(r.type, r.id)]
        builder = _Builder(r, address, targets)
        body = builder.build()
        name = address.split(".", 1)[1]
        import_id, id_note = _import_id(r)
        notes = builder.notes + ((id_note,) if id_note else ())
        plans.append(
            ImportPlan(
                address=address,
                import_block=_import_block(address, import_id),
                resource_block=_render_block("resource", (r.type, name), body, 0),
                notes=notes,
                source=(r.type, r.id),
                import_id=import_id,
            )
        )
    return tuple(sorted(plans, key=lambda p: p.address))


def rebuild(
    plans: Sequence[ImportPlan],
    live: Sequence[LiveResource],
    values: Mapping[str, tuple[Mapping[str, JSON], Collection[str]]],
    managed_ids: Mapping[tuple[str, str], str],
    defaults: Mapping[str, Mapping[str, JSON]] | None = None,
) -> tuple[ImportPlan, ...]:
    """`plans` with the resource block of each address in `values` rebuilt from those values
    (address -> (argument values, names of arguments written as JSON documents)): the
    configuration Terraform generated for the import, cleaned by the same rules as the own
    generator's (arguments only, no empty or default values, no conflicting pair, references
    to managed and co-imported resources). Addresses, import ids and the other plans stay.

    The values are Terraform's own read of the object (what `plan -generate-config-out`
    wrote), so every type the provider knows gets a block, including types driftpatch has no
    knowledge of; `live` (what the readers saw) only feeds the references between resources
    imported together (their ids and ARNs). `defaults`: type -> argument -> the value the
    provider gives an argument left out (measured by Terraform, fix/tfgen.py): equal values are
    left out, a zero value that differs is written."""
    targets = _Targets(managed_ids)
    by_source = {(r.type, r.id): r for r in live}
    for p in plans:
        r = by_source.get(p.source)
        if r is not None:
            targets.add_imported(r, p.address)
    out = []
    for p in plans:
        if p.address not in values:
            out.append(p)
            continue
        attributes, documents = values[p.address]
        type_, id_ = p.source
        region = by_source[p.source].region if p.source in by_source else None
        generated = LiveResource(type_, id_, region, attributes)
        known = (defaults or {}).get(type_)
        builder = _Builder(generated, p.address, targets, documents, known)
        body = builder.build()
        name = p.address.split(".", 1)[1]
        notes = tuple(dict.fromkeys((*p.notes, *builder.notes)))
        out.append(
            ImportPlan(
                address=p.address,
                import_block=p.import_block,
                resource_block=_render_block("resource", (type_, name), body, 0),
                notes=notes,
                source=p.source,
                import_id=p.import_id,
            )
        )
    return tuple(out)


def probe_block(type_: str, name: str, attributes: Mapping[str, JSON]) -> str | None:
    """A new resource of `type_` with only its required arguments (from `attributes`), for a
    plan that shows the provider's defaults of everything left out; None when the type needs a
    block or an argument `attributes` lacks."""
    rs = aws_schema().resource(type_)
    if rs is None or any(bt.min_items > 0 for bt in rs.block.block_types.values()):
        return None
    body = _Body()
    for attr_name, attr in sorted(rs.block.attributes.items()):
        if not attr.required:
            continue
        value = attributes.get(attr_name)
        if value is None:
            return None
        body.attributes.append((attr_name, value))
    return _render_block("resource", (type_, name), body, 0)


HEADER = (
    "# Resources found in AWS that no Terraform configuration manages, written by driftpatch\n"
    "# as Terraform 1.5+ import blocks. `terraform plan` should show one import per resource\n"
    "# and no other change: review each block, then apply.\n"
)


def render_import_file(plans: Sequence[ImportPlan]) -> str:
    """The content of `imported.tf`: a header comment, then each import block and its resource
    block (preceded by its notes as comments), as `terraform fmt` writes them."""
    parts = [HEADER]
    for plan in plans:
        notes = "".join(_comment(note) for note in plan.notes)
        parts.append(plan.import_block + "\n" + notes + plan.resource_block)
    return "\n".join(parts)


def _comment(note: str) -> str:
    """A note as `#` lines of at most 100 characters, continuation lines indented."""
    lines = textwrap.wrap(
        " ".join(note.split()), width=98, subsequent_indent="  ", break_on_hyphens=False
    )
    return "".join(f"# {line}\n" for line in lines or [""])


# -- Names --------------------------------------------------------------------------------------


def identifier(text: str, fallback: str = "resource") -> str:
    """`text` as a lower_snake_case Terraform identifier: "Audit Logs" -> "audit_logs",
    "MyVPC2" -> "my_vpc2", "10-net" -> "<fallback>_10_net"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", ascii_text)
    snake = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", snake)
    snake = re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").lower()
    if len(snake) > 64:
        snake = snake[:64].rsplit("_", 1)[0] if "_" in snake[:64] else snake[:64]
    if not snake:
        return fallback
    return f"{fallback}_{snake}" if snake[0].isdigit() else snake


def _assign_addresses(
    ordered: Sequence[LiveResource], taken: Collection[str]
) -> dict[tuple[str, str], str]:
    used = set(taken)
    out: dict[tuple[str, str], str] = {}
    for r in ordered:
        spec = TYPES.get(r.type, COMMON)
        fallback = r.type.rsplit("_", 1)[-1]
        base = identifier(_first_filled(spec.names, r) or r.id, fallback)
        name, n = base, 1
        while f"{r.type}.{name}" in used:
            n += 1
            name = f"{base}_{n}"
        used.add(f"{r.type}.{name}")
        out[(r.type, r.id)] = f"{r.type}.{name}"
    return out


_FIELD = re.compile(r"\{([A-Za-z0-9_.]+)\}")


def _field(r: LiveResource, name: str) -> str:
    if name == "id":
        return r.id
    value: Any = r.attributes
    for step in name.split("."):
        value = value.get(step) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) else ""


def _fill(template: str, r: LiveResource) -> str | None:
    """The template with its fields filled, or None when one of them is empty."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        value = _field(r, m.group(1))
        missing = missing or not value
        return value

    text = _FIELD.sub(sub, template)
    return None if missing else text


def _first_filled(templates: Iterable[str], r: LiveResource) -> str | None:
    return next((t for t in (_fill(x, r) for x in templates) if t), None)


def _import_id(r: LiveResource) -> tuple[str, str | None]:
    """The id `terraform import` expects, and a note when it had to fall back to the id."""
    spec = TYPES.get(r.type, COMMON)
    out = []
    for m in re.finditer(r"\[([^\]]*)\]|([^\[]+)", spec.import_id):
        optional, plain = m.group(1), m.group(2)
        filled = _fill(optional if optional is not None else plain, r)
        if filled is None and optional is None:
            return r.id, f"import id: {spec.import_id} not known from AWS; using the id"
        out.append(filled or "")
    return "".join(out), None


def _import_block(address: str, import_id: str) -> str:
    return f"import {{\n  to = {address}\n  id = {_quote(import_id)}\n}}\n"


# -- References ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    type: str
    address: str
    attribute: str  # "id" or "arn"
    imported: bool


class _Targets:
    """Values that name a resource (its id or ARN) -> where the resource is declared."""

    def __init__(self, managed_ids: Mapping[tuple[str, str], str]) -> None:
        self._by_value: dict[str, list[_Target]] = {}
        # Edges between resources imported together, to never write a reference cycle.
        self._edges: dict[str, set[str]] = {}
        for (type_, value), prefix in sorted(managed_ids.items()):
            attr = "arn" if value.startswith("arn:") else "id"
            self._add(value, _Target(type_, prefix, attr, imported=False))

    def _add(self, value: str, target: _Target) -> None:
        if value:
            self._by_value.setdefault(value, []).append(target)

    def add_imported(self, r: LiveResource, address: str) -> None:
        arn = r.attributes.get("arn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            self._add(arn, _Target(r.type, address, "arn", imported=True))
        if r.id != arn:  # aws_iam_policy: the id is the ARN, referred to as .arn
            self._add(r.id, _Target(r.type, address, "id", imported=True))

    def resolve(
        self, value: str, allowed: tuple[str, ...] | None, generic: bool, referrer: str
    ) -> Expr | None:
        """A reference for `value`: to one of the `allowed` types (in that order of preference),
        or when `allowed` is None and `generic`, to the only resource that has it."""
        found = [t for t in self._by_value.get(value, ()) if t.address != referrer]
        # A managed resource wins over one imported now under the same value.
        found.sort(key=lambda t: t.imported)
        chosen: _Target | None = None
        if allowed is not None:
            chosen = next((t for type_ in allowed for t in found if t.type == type_), None)
        elif generic and len({t.address for t in found}) == 1:
            chosen = found[0]
        if chosen is None:
            return None
        if chosen.imported:
            if self._reaches(chosen.address, referrer):
                return None  # the other way round already exists: keep the literal
            self._edges.setdefault(referrer, set()).add(chosen.address)
        return Expr(f"{chosen.address}.{chosen.attribute}")

    def _reaches(self, start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(self._edges.get(node, ()))
        return False


# -- Building the body --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    """A JSON document written as jsonencode(...)."""

    value: JSON


@dataclass
class _Body:
    attributes: list[tuple[str, Any]] = field(default_factory=list)
    blocks: list[tuple[str, _Body]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.attributes or self.blocks)


def _is_zero(value: JSON) -> bool:
    return value is None or value is False or value in ("", 0, [], {})


def _meaningful(value: JSON) -> bool:
    """Not empty at any depth (a block of false/empty values is empty)."""
    if isinstance(value, Mapping):
        return any(_meaningful(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_meaningful(v) for v in value)
    return not _is_zero(value)


def _object_type(type_: Any) -> Mapping[str, Any] | None:
    """The attribute types of list(object)/set(object), else None."""
    if (
        isinstance(type_, list)
        and len(type_) == 2
        and type_[0] in ("list", "set")
        and isinstance(type_[1], list)
        and type_[1][:1] == ["object"]
    ):
        attrs = type_[1][1]
        return attrs if isinstance(attrs, Mapping) else None
    return None


class _Builder:
    def __init__(
        self,
        r: LiveResource,
        address: str,
        targets: _Targets,
        documents: Collection[str] = (),
        defaults: Mapping[str, JSON] | None = None,
    ) -> None:
        self.r = r
        self.address = address
        self.targets = targets
        self.spec = TYPES.get(r.type, COMMON)
        self.generic = r.type not in TYPES
        self.notes: tuple[str, ...] = ()
        self._omit = dict(self.spec.omit)
        self._conflicts = COMMON.conflicts + (self.spec.conflicts if not self.generic else ())
        self._refs = {**COMMON.references, **self.spec.references}
        self._documents = set(COMMON.documents) | set(self.spec.documents) | set(documents)
        # The provider's defaults as Terraform showed them (fix/tfgen.py), under the table's.
        self._defaults = {**(defaults or {}), **self.spec.defaults}

    def note(self, text: str) -> None:
        self.notes = (*self.notes, text)

    def build(self) -> _Body:
        schema = aws_schema().resource(self.r.type)
        assert schema is not None  # checked by generate_imports
        body = self._block(schema.block, self.r.attributes, "")
        ignored = [
            Expr(p)
            for trigger, paths in self.spec.ignore_changes.items()
            if _meaningful(self.r.attributes.get(trigger))
            for p in paths
        ]
        if ignored:
            lifecycle = _Body(attributes=[("ignore_changes", ignored)])
            body.blocks.append(("lifecycle", lifecycle))
        return body

    # One block level: its attributes, then its nested blocks.
    def _block(self, schema: BlockSchema, values: Mapping[str, JSON], prefix: str) -> _Body:
        top = not prefix
        kept: dict[str, JSON] = {}
        for name, attr in schema.attributes.items():
            path = prefix + name
            value = values.get(name)
            if not self._wanted(name, path, attr, value, top):
                continue
            kept[name] = value
        for name, bt in schema.block_types.items():
            path = prefix + name
            value = values.get(name)
            if name in _ANY_SKIP or self._omitted(path, value):
                continue
            items = value if isinstance(value, list) else [value] if value else []
            bodies = [
                self._block(bt.block, item, path + ".")
                for item in items
                if isinstance(item, Mapping)
            ]
            if bt.min_items == 0 and path not in self.spec.keep_empty:
                bodies = [b for b in bodies if b]
            if bodies:
                kept[name] = bodies
        self._apply_conflicts(kept, prefix)
        self._apply_only_with(kept, prefix)

        body = _Body()
        for name in _ordered(kept, schema):
            value = kept[name]
            path = prefix + name
            spec = schema.attributes.get(name)
            if spec is None:  # nested blocks, already built
                body.blocks.extend((name, b) for b in value)
            elif path in self.spec.as_blocks and _object_type(spec.type) is not None:
                body.blocks.extend((name, b) for b in self._object_blocks(spec, value, path))
            else:
                body.attributes.append((name, self._value(name, path, spec, value)))
        return body

    def _omitted(self, path: str, value: JSON) -> bool:
        omit = self._omit.get(path)
        if omit is None:
            return False
        if omit.note and _meaningful(value):
            self.note(f"{path}: {omit.why}")
        return True

    def _wanted(self, name: str, path: str, attr: AttributeSchema, value: JSON, top: bool) -> bool:
        if not attr.is_argument or name in _ANY_SKIP or (top and name in _TOP_SKIP):
            return False
        if self._omitted(path, value):
            return False
        if attr.deprecated and attr.computed and path not in self.spec.keep_deprecated:
            if _meaningful(value):
                self.note(f"{path}: deprecated, left out (AWS keeps the value without it)")
            return False
        if name == "tags" and isinstance(value, Mapping):
            value = _tags(value)
        if attr.required:
            return value is not None
        default = self._defaults.get(path)
        if path in self._defaults and value == default:
            return False
        # A zero value is written only where leaving it out would give the provider's default:
        # an optional+computed argument left out keeps whatever AWS has.
        zero_matters = path in self._defaults and not attr.computed and value is not None
        if zero_matters and value == "":
            # "" is no valid setting where the provider has a default (enums): say so instead.
            self.note(f"{path}: AWS returned no value; the provider assumes {default!r}")
            return False
        return not _is_zero(value) or zero_matters

    def _apply_conflicts(self, kept: dict[str, JSON], prefix: str) -> None:
        for c in self._conflicts:
            keep = [p[len(prefix) :] for p in c.keep if _child_of(p, prefix)]
            if len(keep) != len(c.keep) or not any(_meaningful(kept.get(k)) for k in keep):
                continue
            for p in c.drop:
                if _child_of(p, prefix):
                    kept.pop(p[len(prefix) :], None)

    def _apply_only_with(self, kept: dict[str, JSON], prefix: str) -> None:
        for rule in self.spec.only_with:
            if _child_of(rule.path, prefix):
                name = rule.path[len(prefix) :]
                if name in kept and kept.get(rule.sibling) not in rule.values:
                    del kept[name]

    def _object_blocks(self, attr: AttributeSchema, value: JSON, path: str) -> list[_Body]:
        """Objects of an attributes-as-blocks set/list, as nested blocks without empty fields."""
        types = _object_type(attr.type) or {}
        out = []
        for item in value if isinstance(value, list) else []:
            if not isinstance(item, Mapping):
                continue
            body = _Body()
            for name in sorted(types):
                v = item.get(name)
                if _is_zero(v) and name not in ("from_port", "to_port", "protocol"):
                    continue
                sub = AttributeSchema(name, types[name], optional=True)
                body.attributes.append((name, self._value(name, f"{path}.{name}", sub, v)))
            out.append(body)
        if attr.is_set:
            out.sort(key=lambda b: _render_body(b, 0))
        return out

    def _value(self, name: str, path: str, attr: AttributeSchema, value: JSON) -> Any:
        if name == "tags" and isinstance(value, Mapping):
            return _tags(value)
        if name in self._documents and isinstance(value, str):
            doc = _parse_document(value)
            if doc is not None:
                return _Doc(doc)
        if isinstance(value, str):
            return self._ref(name, path, value) or value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            items: list[Any] = [self._ref(name, path, v) or v for v in value]
            if attr.is_set:
                items.sort(key=lambda v: (isinstance(v, Expr), _expr(v, 0)))
            return items
        if isinstance(value, list) and _object_type(attr.type) is not None:
            # Attribute syntax needs every field of every object: write them all.
            objects = [dict(sorted(v.items())) for v in value if isinstance(v, Mapping)]
            if attr.is_set:
                objects.sort(key=lambda v: json.dumps(v, sort_keys=True))
            return objects
        return value

    def _ref(self, name: str, path: str, value: str) -> Expr | None:
        allowed = self.spec.references.get(path, self._refs.get(name))
        if allowed is not None and not allowed:
            return None
        generic = allowed is None and name.endswith(_REF_SUFFIXES)
        return self.targets.resolve(value, allowed, generic, self.address)


def _child_of(path: str, prefix: str) -> bool:
    return path.startswith(prefix) and "." not in path[len(prefix) :]


def _tags(tags: Mapping[str, JSON]) -> dict[str, JSON]:
    """Live tags minus the ones AWS reserves (`aws:` keys cannot be set by anyone's code)."""
    return {k: tags[k] for k in sorted(tags) if not k.startswith("aws:")}


def _parse_document(text: str) -> JSON:
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _ordered(kept: Mapping[str, JSON], schema: BlockSchema) -> list[str]:
    attrs = [n for n in kept if n in schema.attributes]
    blocks = sorted(n for n in kept if n not in schema.attributes)
    first = [n for n in _FIRST if n in attrs]
    rest = sorted(n for n in attrs if n not in _FIRST and n != "tags")
    return first + rest + (["tags"] if "tags" in attrs else []) + blocks


# -- Rendering (terraform fmt style) ------------------------------------------------------------
#
# fmt aligns `=` across a run of consecutive attribute lines. A value that opens brackets on its
# first line (a multi-line list, object or jsonencode call) ends the run before it and starts a
# new one after it; a heredoc does not (its body is one token), so it joins the run.


def _render_block(type_: str, labels: Sequence[str], body: _Body, indent: int) -> str:
    pad = " " * indent
    head = " ".join([type_, *(_quote(label) for label in labels)])
    return f"{pad}{head} {{\n{_render_body(body, indent + 2)}{pad}}}\n"


def _render_body(body: _Body, indent: int) -> str:
    parts = []
    if body.attributes:
        parts.append(_items([(k, v) for k, v in body.attributes], indent))
    parts.extend(_render_block(name, (), b, indent) for name, b in body.blocks)
    return "\n".join(parts)


def _items(pairs: Sequence[tuple[str, Any]], indent: int) -> str:
    pad = " " * indent
    out: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in run), default=0)
        out.extend(f"{pad}{k.ljust(width)} = {v}\n" for k, v in run)
        run.clear()

    for k, v in pairs:
        text = _expr(v, indent)
        if "\n" in text and not text.startswith("<<"):
            flush()
            out.append(f"{pad}{_key(k)} = {text}\n")
        else:
            run.append((_key(k), text))
    flush()
    return "".join(out)


def _expr(value: Any, indent: int) -> str:
    """`value` as an HCL expression for a line indented by `indent`."""
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, _Doc):
        return f"jsonencode({_expr(value.value, indent)})"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return _heredoc(value, indent) or _quote(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{\n" + _items(list(value.items()), indent + 2) + " " * indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = [_expr(v, indent + 2) for v in value]
        flat = all(not isinstance(v, Mapping | list | tuple) for v in value)
        if flat and not any("\n" in t for t in inner):
            text = "[" + ", ".join(inner) + "]"
            if len(text) <= MAX_INLINE:
                return text
        pad = " " * (indent + 2)
        return "[\n" + "".join(f"{pad}{t},\n" for t in inner) + " " * indent + "]"
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


# Bare words that would not read back as a literal object key ({ for = 1 } starts a for
# expression): quoted like any other non-identifier.
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if"})


def _key(name: str) -> str:
    return name if IDENT.match(name) and name not in _KEYWORDS else _quote(name)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quote(text: str) -> str:
    """An HCL quoted string: HCL's escapes only (no \\b or \\f), template marks made literal."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def _heredoc(text: str, indent: int) -> str | None:
    """A `<<-EOT` heredoc for a multi-line string that Terraform reads back exactly, or None.

    `<<-` strips the smallest indentation of the non-empty lines, so the text must have a line
    that starts with no blank, must end with a newline (a heredoc always does), and must have no
    line of only blanks or a carriage return (their handling would change the value)."""
    if "\n" not in text or not text.endswith("\n") or "\r" in text:
        return None
    lines = text[:-1].split("\n")
    if any(ln and not ln.strip() for ln in lines):
        return None
    if any(ord(ch) < 0x20 and ch not in "\n\t" for ch in text):
        return None
    if not any(ln and ln[0] not in " \t" for ln in lines):
        return None
    marker = "EOT"
    while any(ln.strip() == marker for ln in lines):
        marker += "X"
    pad = " " * (indent + 2)
    body = "".join(
        (pad + ln.replace("${", "$${").replace("%{", "%%{") if ln else "") + "\n" for ln in lines
    )
    return f"<<-{marker}\n{body}{pad}{marker}"
