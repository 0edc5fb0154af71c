"""Precision and recall of driftpatch's rules on labelled resources, written three ways.

    python benchmarks/rule_recall.py [--checkov] [--verbose]

Issue 11 scored the rules against checkov's own labelled unit tests for the checks they map
to. Those tests are not part of the checkov package (only its checks are installed in
.venv-checkov), so this script carries its own labelled corpus in their style: for each rule
with a checkov equivalent (and the others with a clear meaning), resources that must fail and
resources that must pass, labelled by what the rule and its checkov check mean.

Each resource is rendered three ways, and every way must give the same answers:
- literal: values written in the resource block, as checkov's examples are;
- for_each: the values in a `variable` default map, the block expanded with `for_each` and
  read through `each.value` (nested blocks through `dynamic`), references by `[each.key]`;
- count: the values in `locals` fed by terraform.tfvars, the block with `count = 1`.

The goal (issue 11, "Done when"): recall on the for_each and count variants equals recall on
the literal one. `--checkov` also runs the isolated checkov on the three variants for the
mapped checks, to compare (it takes ~10 s a variant).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from driftpatch.model import Address  # noqa: E402
from driftpatch.rules import all_rules  # noqa: E402
from driftpatch.rules.engine import evaluate  # noqa: E402
from driftpatch.rules.subjects import from_code  # noqa: E402
from driftpatch.terraform.source import index_source  # noqa: E402

KEY = "k"  # the one for_each key of every expanded resource


@dataclass(frozen=True)
class Ref:
    """A reference to another corpus resource's attribute."""

    type: str
    name: str
    attr: str = "id"


@dataclass(frozen=True)
class Json:
    """A policy document written with jsonencode()."""

    doc: Mapping[str, Any]


@dataclass(frozen=True)
class Block:
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Res:
    type: str
    name: str
    attrs: Mapping[str, Any]
    fails: tuple[str, ...] = ()  # rules that must fire on it
    passes: tuple[str, ...] = ()  # rules that must not
    extra: Mapping[str, Any] = field(default_factory=dict)


PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::public-site/*",
        }
    ],
}
ORG_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        }
    ],
}
ANY_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}},
        }
    ],
}
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
TRUST_ANY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}
TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _sg_rule(port: int, cidr: str, protocol: str = "tcp") -> Block:
    return Block({"from_port": port, "to_port": port, "protocol": protocol, "cidr_blocks": [cidr]})


ENCRYPTED_ROOT = {"root_block_device": Block({"encrypted": True})}
IMDS2 = {"metadata_options": Block({"http_tokens": "required"})}

CORPUS: tuple[Res, ...] = (
    # -- EC2 ------------------------------------------------------------------------------
    Res(
        "aws_instance",
        "public",
        {"ami": "ami-1", "associate_public_ip_address": True, **ENCRYPTED_ROOT, **IMDS2},
        fails=("DP-EC2-002",),
        passes=("DP-EC2-001", "DP-EC2-004"),
    ),
    Res(
        "aws_instance",
        "private",
        {"ami": "ami-1", "associate_public_ip_address": False, **ENCRYPTED_ROOT, **IMDS2},
        passes=("DP-EC2-002", "DP-EC2-001", "DP-EC2-004"),
    ),
    Res(
        "aws_instance",
        "imdsv1",
        {
            "ami": "ami-1",
            "metadata_options": Block({"http_tokens": "optional"}),
            **ENCRYPTED_ROOT,
        },
        fails=("DP-EC2-001",),
        passes=("DP-EC2-002", "DP-EC2-004"),
    ),
    Res(
        "aws_instance",
        "plain_disk",
        {"ami": "ami-1", "root_block_device": Block({"encrypted": False}), **IMDS2},
        fails=("DP-EC2-004",),
        passes=("DP-EC2-001",),
    ),
    Res("aws_ebs_volume", "clear", {"size": 10, "encrypted": False}, fails=("DP-EC2-003",)),
    Res("aws_ebs_volume", "sealed", {"size": 10, "encrypted": True}, passes=("DP-EC2-003",)),
    Res("aws_ebs_encryption_by_default", "off", {"enabled": False}, fails=("DP-EC2-005",)),
    # -- S3 -------------------------------------------------------------------------------
    Res(
        "aws_s3_bucket",
        "site",
        {"bucket": "public-site"},
        fails=("DP-S3-003", "DP-S3-005", "DP-S3-006"),
    ),
    Res(
        "aws_s3_bucket_acl",
        "site",
        {"bucket": Ref("aws_s3_bucket", "site"), "acl": "public-read"},
        fails=("DP-S3-001",),
    ),
    Res(
        "aws_s3_bucket_policy",
        "site",
        {"bucket": Ref("aws_s3_bucket", "site"), "policy": Json(PUBLIC_READ)},
        fails=("DP-S3-002",),
    ),
    Res(
        "aws_s3_bucket",
        "shared",
        {"bucket": "shared"},
        passes=("DP-S3-003", "DP-S3-005", "DP-S3-006"),
    ),
    Res(
        "aws_s3_bucket_policy",
        "shared",
        {"bucket": Ref("aws_s3_bucket", "shared"), "policy": Json(ORG_ONLY)},
        passes=("DP-S3-002",),
    ),
    Res(
        "aws_s3_bucket_acl",
        "shared",
        {"bucket": Ref("aws_s3_bucket", "shared"), "acl": "private"},
        passes=("DP-S3-001",),
    ),
    Res(
        "aws_s3_bucket_public_access_block",
        "shared",
        {
            "bucket": Ref("aws_s3_bucket", "shared"),
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
        passes=("DP-S3-003",),
    ),
    Res(
        "aws_s3_bucket_versioning",
        "shared",
        {
            "bucket": Ref("aws_s3_bucket", "shared"),
            "versioning_configuration": Block({"status": "Enabled"}),
        },
        passes=("DP-S3-005",),
    ),
    Res(
        "aws_s3_bucket_logging",
        "shared",
        {
            "bucket": Ref("aws_s3_bucket", "shared"),
            "target_bucket": Ref("aws_s3_bucket", "logs"),
            "target_prefix": "shared/",
        },
    ),
    Res("aws_s3_bucket", "logs", {"bucket": "acme-logs"}, passes=("DP-S3-006",)),
    Res(
        "aws_s3_bucket_public_access_block",
        "logs",
        {
            "bucket": Ref("aws_s3_bucket", "logs"),
            "block_public_acls": True,
            "block_public_policy": False,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
        fails=("DP-S3-003",),
    ),
    Res(
        "aws_s3_bucket_versioning",
        "logs",
        {
            "bucket": Ref("aws_s3_bucket", "logs"),
            "versioning_configuration": Block({"status": "Suspended"}),
        },
        fails=("DP-S3-005",),
    ),
    Res("aws_s3_bucket", "lake", {"bucket": "lake"}),
    Res(
        "aws_s3_bucket_policy",
        "lake",
        {"bucket": Ref("aws_s3_bucket", "lake"), "policy": Json(ANY_ACCOUNT)},
        fails=("DP-S3-002",),
    ),
    # -- VPC ------------------------------------------------------------------------------
    Res(
        "aws_security_group",
        "ssh",
        {"name": "ssh", "ingress": [_sg_rule(22, "0.0.0.0/0")]},
        fails=("DP-VPC-001",),
        passes=("DP-VPC-002", "DP-VPC-004"),
    ),
    Res(
        "aws_security_group",
        "rdp",
        {"name": "rdp", "ingress": [_sg_rule(3389, "0.0.0.0/0")]},
        fails=("DP-VPC-002",),
        passes=("DP-VPC-001",),
    ),
    Res(
        "aws_security_group",
        "office",
        {"name": "office", "ingress": [_sg_rule(22, "203.0.113.0/24")]},
        passes=("DP-VPC-001", "DP-VPC-002", "DP-VPC-004"),
    ),
    Res(
        "aws_security_group",
        "wide",
        {"name": "wide", "ingress": [_sg_rule(0, "0.0.0.0/0", "-1")]},
        fails=("DP-VPC-004",),
    ),
    Res(
        "aws_security_group_rule",
        "ssh",
        {
            "type": "ingress",
            "security_group_id": Ref("aws_security_group", "office"),
            "from_port": 22,
            "to_port": 22,
            "protocol": "tcp",
            "cidr_blocks": ["0.0.0.0/0"],
        },
        fails=("DP-VPC-001",),
    ),
    Res("aws_vpc", "main", {"cidr_block": "10.0.0.0/16"}, passes=("DP-VPC-101",)),
    Res("aws_vpc", "dark", {"cidr_block": "10.1.0.0/16"}, fails=("DP-VPC-101",)),
    Res(
        "aws_flow_log",
        "main",
        {"vpc_id": Ref("aws_vpc", "main"), "traffic_type": "ALL", "log_destination": "arn:x"},
    ),
    Res(
        "aws_default_security_group",
        "main",
        {"vpc_id": Ref("aws_vpc", "main"), "egress": [_sg_rule(0, "0.0.0.0/0", "-1")]},
        fails=("DP-VPC-005",),
    ),
    Res(
        "aws_default_security_group",
        "dark",
        {"vpc_id": Ref("aws_vpc", "dark")},
        passes=("DP-VPC-005",),
    ),
    Res(
        "aws_subnet",
        "public",
        {"vpc_id": Ref("aws_vpc", "main"), "map_public_ip_on_launch": True},
        fails=("DP-VPC-006",),
    ),
    Res(
        "aws_subnet",
        "private",
        {"vpc_id": Ref("aws_vpc", "main"), "map_public_ip_on_launch": False},
        passes=("DP-VPC-006",),
    ),
    # -- RDS, KMS, logs -------------------------------------------------------------------
    Res(
        "aws_db_instance",
        "open",
        {
            "engine": "postgres",
            "publicly_accessible": True,
            "storage_encrypted": False,
            "backup_retention_period": 0,
            "deletion_protection": False,
        },
        fails=("DP-RDS-001", "DP-RDS-002", "DP-RDS-003", "DP-RDS-004"),
    ),
    Res(
        "aws_db_instance",
        "closed",
        {
            "engine": "postgres",
            "publicly_accessible": False,
            "storage_encrypted": True,
            "backup_retention_period": 7,
            "deletion_protection": True,
        },
        passes=("DP-RDS-001", "DP-RDS-002", "DP-RDS-003", "DP-RDS-004"),
    ),
    Res("aws_kms_key", "static", {"enable_key_rotation": False}, fails=("DP-KMS-001",)),
    Res("aws_kms_key", "rotated", {"enable_key_rotation": True}, passes=("DP-KMS-001",)),
    Res(
        "aws_cloudwatch_log_group",
        "forever",
        {"name": "forever", "retention_in_days": 0},
        fails=("DP-CW-001", "DP-CW-002"),
    ),
    Res(
        "aws_cloudwatch_log_group",
        "kept",
        {"name": "kept", "retention_in_days": 365, "kms_key_id": "arn:aws:kms:eu-west-1:1:key/k"},
        passes=("DP-CW-001", "DP-CW-002"),
    ),
    Res(
        "aws_cloudtrail",
        "partial",
        {
            "name": "partial",
            "s3_bucket_name": "trail",
            "is_multi_region_trail": False,
            "enable_log_file_validation": False,
        },
        fails=("DP-CT-001", "DP-CT-002", "DP-CT-003"),
    ),
    # -- IAM ------------------------------------------------------------------------------
    Res("aws_iam_policy", "admin", {"name": "admin", "policy": Json(ADMIN)}, fails=("DP-IAM-001",)),
    Res("aws_iam_policy", "read", {"name": "read", "policy": Json(READ)}, passes=("DP-IAM-001",)),
    Res(
        "aws_iam_role",
        "open",
        {"name": "open", "assume_role_policy": Json(TRUST_ANY)},
        fails=("DP-IAM-002",),
    ),
    Res(
        "aws_iam_role",
        "ops",
        {
            "name": "ops",
            "assume_role_policy": Json(TRUST_EC2),
            "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
        },
        fails=("DP-IAM-005",),
        passes=("DP-IAM-002",),
    ),
    Res(
        "aws_iam_role_policy_attachment",
        "admin",
        {"role": "ops", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        fails=("DP-IAM-005",),
    ),
    Res(
        "aws_iam_role_policy_attachment",
        "read",
        {"role": "ops", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        passes=("DP-IAM-005",),
    ),
    Res(
        "aws_iam_user_policy_attachment",
        "direct",
        {"user": "alice", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        fails=("DP-IAM-004",),
    ),
)


# -- rendering ----------------------------------------------------------------------------


def _lit(value: Any) -> str:
    if isinstance(value, Ref):
        return f"{value.type}.{value.name}.{value.attr}"
    if isinstance(value, Json):
        return f"jsonencode({json.dumps(value.doc)})"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_lit(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    return json.dumps(value)


def _blocks(value: Any) -> list[Block] | None:
    if isinstance(value, Block):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, Block) for v in value):
        return list(value)
    return None


def literal(res: Res) -> str:
    lines = [f'resource "{res.type}" "{res.name}" {{']
    for name, value in res.attrs.items():
        found = _blocks(value)
        if found is None:
            lines.append(f"  {name} = {_lit(value)}")
            continue
        for block in found:
            lines.append(f"  {name} {{")
            lines.extend(f"    {k} = {_lit(v)}" for k, v in block.body.items())
            lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _data(value: Any) -> Any:
    """A value as data for a variable or local (blocks as objects, policies as objects)."""
    if isinstance(value, Block):
        return dict(value.body)
    if isinstance(value, Json):
        return value.doc
    if isinstance(value, list):
        return [_data(v) for v in value]
    return value


def _through(res: Res, source: str, ref_key: str) -> list[str]:
    """The block's body with every value read from `source` (each.value, local.x[0])."""
    lines: list[str] = []
    for name, value in res.attrs.items():
        if isinstance(value, Ref):
            lines.append(f"  {name} = {value.type}.{value.name}{ref_key}.{value.attr}")
        elif isinstance(value, Json):
            lines.append(f"  {name} = jsonencode({source}.{name})")
        elif isinstance(value, Block):
            lines.append(f"  {name} {{")
            lines.extend(f"    {k} = {source}.{name}.{k}" for k in value.body)
            lines.append("  }")
        elif (found := _blocks(value)) is not None:
            keys = list(found[0].body)
            lines.append(f'  dynamic "{name}" {{')
            lines.append(f"    for_each = {source}.{name}")
            lines.append("    content {")
            lines.extend(f"      {k} = {name}.value.{k}" for k in keys)
            lines.append("    }")
            lines.append("  }")
        else:
            lines.append(f"  {name} = {source}.{name}")
    return lines


def _config(res: Res) -> dict[str, Any]:
    return {k: _data(v) for k, v in res.attrs.items() if not isinstance(v, Ref)}


def for_each(res: Res) -> tuple[str, str]:
    var = f"{res.type}_{res.name}"
    decl = f'variable "{var}" {{\n  default = {_hcl_data({KEY: _config(res)})}\n}}\n'
    body = _through(res, "each.value", "[each.key]")
    block = "\n".join(
        [f'resource "{res.type}" "{res.name}" {{', f"  for_each = var.{var}", *body, "}"]
    )
    return decl, block + "\n"


def count(res: Res) -> tuple[str, str, str]:
    name = f"{res.type}_{res.name}"
    decl = f'variable "{name}" {{}}\nlocals {{\n  {name} = var.{name}\n}}\n'
    tfvars = f"{name} = {_hcl_data(_config(res))}\n"
    body = _through(res, f"local.{name}", "[count.index]")
    block = "\n".join([f'resource "{res.type}" "{res.name}" {{', "  count = 1", *body, "}"])
    return decl, block + "\n", tfvars


def _hcl_data(value: Any) -> str:
    if isinstance(value, Mapping):
        inner = ", ".join(f"{json.dumps(k)} = {_hcl_data(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_data(v) for v in value) + "]"
    return json.dumps(value)


VARIANTS = ("literal", "for_each", "count")


def write(variant: str, directory: Path, corpus: Sequence[Res] = CORPUS) -> None:
    main: list[str] = []
    tfvars: list[str] = []
    for res in corpus:
        if variant == "literal":
            main.append(literal(res))
        elif variant == "for_each":
            decl, block = for_each(res)
            main += [decl, block]
        else:
            decl, block, values = count(res)
            main += [decl, block]
            tfvars.append(values)
    (directory / "main.tf").write_text("\n".join(main))
    if tfvars:
        (directory / "terraform.tfvars").write_text("".join(tfvars))


# -- scoring ------------------------------------------------------------------------------


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def labels(corpus: Sequence[Res] = CORPUS) -> dict[tuple[str, str], bool]:
    """(rule, block address) -> must fire."""
    out: dict[tuple[str, str], bool] = {}
    for res in corpus:
        for rule in res.fails:
            out[(rule, f"{res.type}.{res.name}")] = True
        for rule in res.passes:
            out[(rule, f"{res.type}.{res.name}")] = False
    return out


def ours(directory: Path) -> set[tuple[str, str]]:
    index = index_source(directory, root=directory)
    result = evaluate(from_code(index), all_rules())
    return {
        (f.rule_id, Address.parse(f.address).config_address) for f in result.findings if f.address
    }


def score(found: set[tuple[str, str]], truth: Mapping[tuple[str, str], bool]) -> Score:
    s = Score()
    for key, fires in sorted(truth.items()):
        hit = key in found
        if fires and hit:
            s.tp += 1
        elif fires:
            s.fn += 1
            s.misses.append(f"{key[0]} {key[1]}")
        elif hit:
            s.fp += 1
            s.false.append(f"{key[0]} {key[1]}")
    return s


def run(variants: Sequence[str] = VARIANTS) -> dict[str, Score]:
    truth = labels()
    out: dict[str, Score] = {}
    for variant in variants:
        with tempfile.TemporaryDirectory(prefix=f"rule-recall-{variant}-") as tmp:
            write(variant, Path(tmp))
            out[variant] = score(ours(Path(tmp)), truth)
    return out


def checkov_scores(variants: Sequence[str] = VARIANTS) -> dict[str, Score] | None:
    """checkov on the same corpora, for the checks our rules map to (None if not installed)."""
    from driftpatch.rules.checkov import checkov_env, find_checkov

    exe = find_checkov(ROOT)  # $DRIFTPATCH_CHECKOV, .venv-checkov, PATH
    if not isinstance(exe, Path):
        return None
    mapping = {c: r.meta.id for r in all_rules() for c in r.meta.checkov}
    truth = labels()
    out: dict[str, Score] = {}
    for variant in variants:
        with tempfile.TemporaryDirectory(prefix=f"rule-recall-ck-{variant}-") as tmp:
            write(variant, Path(tmp))
            proc = subprocess.run(
                [str(exe), "-d", tmp, "-o", "json", "--quiet", "--framework", "terraform"],
                capture_output=True,
                text=True,
                check=False,
                env=checkov_env(),
            )
            try:
                doc = json.loads(proc.stdout or "{}")
            except json.JSONDecodeError:
                return None
            reports = doc if isinstance(doc, list) else [doc]
            found = set()
            for report in reports:
                for check in report.get("results", {}).get("failed_checks", []):
                    rule = mapping.get(check["check_id"])
                    if rule is None:
                        continue
                    try:
                        address = Address.parse(check["resource"]).config_address
                    except ValueError:
                        continue
                    found.add((rule, address))
            # Only the labels of rules that have a checkov equivalent.
            mapped = {k: v for k, v in truth.items() if any(m == k[0] for m in mapping.values())}
            out[variant] = score(found, mapped)
    return out


def _print(title: str, scores: Mapping[str, Score], verbose: bool) -> None:
    print(title)
    for variant, s in scores.items():
        print(
            f"  {variant:9} precision {s.precision:.2f}  recall {s.recall:.2f}  "
            f"(tp {s.tp}, fp {s.fp}, fn {s.fn})"
        )
        if verbose:
            for m in s.misses:
                print(f"      missed: {m}")
            for f in s.false:
                print(f"      false:  {f}")


def main(argv: Sequence[str]) -> int:
    verbose = "--verbose" in argv
    scores = run()
    _print(
        f"driftpatch rules on {len(labels())} labels ({len(CORPUS)} resources):", scores, verbose
    )
    if "--checkov" in argv:
        theirs = checkov_scores()
        if theirs is None:
            print("checkov: not found (set DRIFTPATCH_CHECKOV or run `make checkov`)")
        else:
            _print("checkov, mapped checks only:", theirs, verbose)
    literal_recall = scores["literal"].recall
    same = all(s.recall == literal_recall for s in scores.values())
    print("recall on for_each/count code equals recall on literal code:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
