"""Worlds: a Terraform stack deployed to an embedded AWS, and console-style changes made to it.

A *world* is a moto server holding exactly what `terraform apply` of one stack created, plus the
workdir with that stack's HCL and the resulting `terraform.tfstate`. The demo and the end-to-end
tests scan worlds; `inject()` then changes them the way someone with console access would.

Two ways to build one, with the same result:

- **With Terraform** (the CLI, and hashicorp/aws from the mirror in $DRIFTPATCH_TF_PLUGIN_MIRROR
  when set): copy the stack and the local modules it calls into the workdir (keeping their
  relative layout: terraform/ + modules/ for the demo), add override files that point the
  provider at the embedded AWS and let it look up the account (so ARNs carry it, as on AWS),
  `init`, `apply`.
- **Without Terraform** (a machine with only Python): replay a recording of such an apply.
  `scripts/record_fixtures.py` resets moto, seeds its random generator (`/moto-api/seed`), and
  records every request of a `terraform apply -parallelism=1` with moto's recorder
  (`/moto-api/recorder/...`); it stores the requests (gzipped JSON lines in moto's own format)
  with the resulting state in `fixtures/worlds/<stack>/`. `deploy(..., terraform=None)` resets
  the server, seeds it identically and sends the same requests in the same order, so moto hands
  out the same ids (vpc-, subnet-, sg-, sgr-, i-, vol-, eni-, KMS key ids, IAM unique ids, even
  request ids): moto draws every id and request id from that one seeded generator, one request
  at a time. Then it writes the recorded state. What the seed cannot reproduce are creation
  timestamps (`aws_iam_role.create_date`, `aws_iam_instance_profile.create_date`,
  `aws_ebs_volume.create_time`): those are copied from the replayed objects into the state, as
  a refresh would. Finally every id in the state is looked up live; any mismatch (for example
  a recording made with another moto version) is an error, never a silently different world.

  The replay is sent from here rather than with moto's `upload-recording` + `replay-recording`:
  moto keeps the recording in a file in the *server's* working directory (or
  $MOTO_RECORDER_FILEPATH, read once at import), shared by every server in the process, so an
  upload would write into whatever directory the tests or the demo run from, and two processes
  there would overwrite each other's. Sending the same requests ourselves touches no file and
  works the same against an out-of-process moto.

Recordings depend on the exact moto version (ids come from the order of random draws);
`world.json` next to each recording names the moto that made it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.exceptions

from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws, provider_override
from driftpatch.errors import DriftpatchError
from driftpatch.model import Kind
from driftpatch.terraform.binary import Terraform, plugin_mirror, write_mirror_cli_config

# Stacks that have recordings, by name, relative to the repository root.
STACKS: Mapping[str, str] = {
    "demo": "terraform",
    "large": "fixtures/stacks/large",
    "insecure": "fixtures/stacks/insecure",
    # Lambda, RDS, an ALB, Route 53, DynamoDB: readers' end-to-end world (no inject targets;
    # its tests change it with boto3 themselves).
    "apps": "fixtures/stacks/apps",
}
WORLDS_DIR = "fixtures/worlds"
STATE_FILE = "terraform.tfstate"
RECORDING_FILE = "recording.jsonl.gz"
META_FILE = "world.json"
OVERRIDE_FILE = "driftpatch_override.tf"
# Loaded after driftpatch_override.tf (override files merge in lexical order): lets the provider
# ask moto's STS for the account, so ARNs carry it as they do on real AWS.
ACCOUNT_OVERRIDE_FILE = "driftpatch_zz_account_override.tf"
ACCOUNT_OVERRIDE = 'provider "aws" {\n  skip_requesting_account_id = false\n}\n'
DEFAULT_SEED = 20240601
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.MULTILINE)
_COPY_IGNORE = shutil.ignore_patterns(
    ".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*", "*_override.tf", "*.tfplan"
)
# Headers the replay must not resend verbatim (the connection sets its own).
_HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "expect", "accept-encoding"}
)


class WorldError(DriftpatchError):
    """A world could not be built, replayed or changed."""


@dataclass(frozen=True)
class World:
    """A stack deployed to an embedded AWS: the HCL and state in `workdir`, the AWS at the URL."""

    endpoint_url: str
    workdir: Path
    state_path: Path
    stack: Path
    used_terraform: bool

    @property
    def root(self) -> Path:
        """The copied root module (where Terraform runs), next to the copied modules."""
        return self.state_path.parent

    @property
    def name(self) -> str:
        return stack_name(self.stack)

    def state(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.state_path.read_text())
        return doc


# ----------------------------------------------------------------------------- stacks on disk


def repo_root() -> Path | None:
    """The source checkout this module runs from, if it has the fixtures (not in a wheel)."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / WORLDS_DIR).is_dir() else None


def stack_path(name: str, repo: Path | None = None) -> Path:
    """The directory of a named stack (`demo`, `large`, `insecure`)."""
    if name not in STACKS:
        raise WorldError(f"unknown stack {name!r}: one of {', '.join(STACKS)}")
    base = repo or repo_root()
    if base is None:
        raise WorldError("the stacks ship with the source repository, not with the package")
    return base / STACKS[name]


def stack_name(stack: Path) -> str:
    """`demo` for the top-level terraform/ stack, else the stack directory's name."""
    return "demo" if stack.name == "terraform" else stack.name


def module_dirs(stack: Path) -> list[Path]:
    """The stack and every local module it calls (transitively), resolved, stack first."""
    seen: list[Path] = []
    todo = [stack.resolve()]
    while todo:
        here = todo.pop(0)
        if here in seen:
            continue
        if not here.is_dir():
            raise WorldError(f"module directory not found: {here}")
        seen.append(here)
        for tf in sorted(here.glob("*.tf")):
            for source in _MODULE_SOURCE.findall(tf.read_text()):
                todo.append((here / source).resolve())
    return seen


def _layout(stack: Path) -> tuple[Path, list[Path]]:
    """The common ancestor to copy from (at least the stack's parent) and the dirs to copy."""
    dirs = module_dirs(stack)
    base = Path(os.path.commonpath([dirs[0].parent, *dirs]))
    return base, dirs


def stack_digest(stack: Path) -> str:
    """sha256 over the stack's and its modules' .tf/.tfvars files (paths relative to the base)."""
    base, dirs = _layout(stack)
    digest = hashlib.sha256()
    for here in dirs:
        for path in sorted([*here.glob("*.tf"), *here.glob("*.tfvars")]):
            if path.name.endswith("_override.tf"):
                continue
            digest.update(path.relative_to(base).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def copy_stack(stack: Path, workdir: Path) -> Path:
    """Copy the stack and its local modules into `workdir`, keeping their relative layout
    (terraform/ + modules/ for the demo); returns the copied root module."""
    base, dirs = _layout(stack)
    for here in dirs:
        dest = workdir / here.relative_to(base)
        # Nested modules are copied with their parent; copy each directory's own files only.
        dest.mkdir(parents=True, exist_ok=True)
        for item in here.iterdir():
            if item.is_file() and not _COPY_IGNORE(str(here), [item.name]):
                shutil.copy2(item, dest / item.name)
    return workdir / dirs[0].relative_to(base)


def write_overrides(root: Path, endpoint_url: str) -> None:
    """Point the stack's provider at the embedded AWS (override files; the HCL stays as is)."""
    (root / OVERRIDE_FILE).write_text(provider_override(endpoint_url))
    (root / ACCOUNT_OVERRIDE_FILE).write_text(ACCOUNT_OVERRIDE)


def recording_dir(stack: Path) -> Path:
    """`fixtures/worlds/<name>/` of the first ancestor of `stack` that has one."""
    name = stack_name(stack)
    for parent in stack.resolve().parents:
        candidate = parent / WORLDS_DIR / name
        if (candidate / META_FILE).is_file():
            return candidate
    raise WorldError(
        f"no recording of stack {name!r} (looked for {WORLDS_DIR}/{name}/{META_FILE} above "
        f"{stack}); record one with scripts/record_fixtures.py"
    )


# ----------------------------------------------------------------------------- deploying


def configured(terraform: Terraform, aws: EmbeddedAws, workdir: Path) -> Terraform:
    """The CLI pointed at the embedded AWS, installing hashicorp/aws from the mirror if one is
    named by $DRIFTPATCH_TF_PLUGIN_MIRROR (unless the caller already set a CLI config)."""
    tf = terraform.with_env(**aws.env())
    mirror = plugin_mirror()
    if "TF_CLI_CONFIG_FILE" not in terraform.env and mirror is not None:
        cfg = write_mirror_cli_config(mirror, workdir / ".terraformrc")
        tf = tf.with_env(TF_CLI_CONFIG_FILE=str(cfg))
    return tf


def init(terraform: Terraform, root: Path) -> None:
    """`terraform init` including the backend: a stack may declare a local one explicitly
    (`Terraform.init` passes -backend=false, after which such a stack refuses to plan)."""
    terraform.run(["init", "-input=false", "-no-color"], root)


def initialised(
    terraform: Terraform, aws: EmbeddedAws, stack: Path, workdir: Path
) -> tuple[Terraform, Path]:
    """The stack copied into `workdir`, pointed at `aws` and `terraform init`-ed: the CLI to
    plan or apply it with, and its root module."""
    root = copy_stack(stack, workdir)
    write_overrides(root, aws.endpoint_url)
    tf = configured(terraform, aws, workdir)
    init(tf, root)
    return tf, root


def deploy(
    aws: EmbeddedAws,
    stack: Path,
    workdir: Path,
    *,
    terraform: Terraform | None,
    recording: Path | None = None,
) -> World:
    """Make `aws` hold exactly the world of `stack` (the server is reset first).

    With `terraform`, apply the stack for real; without, replay its recording (from `recording`,
    default `fixtures/worlds/<name>/` above the stack) and write the recorded state.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    root = copy_stack(stack, workdir)
    write_overrides(root, aws.endpoint_url)
    state_path = root / STATE_FILE
    for stale in (state_path, root / f"{STATE_FILE}.backup"):
        stale.unlink(missing_ok=True)  # a workdir reused for a new world starts empty
    aws.reset()
    if terraform is not None:
        tf = configured(terraform, aws, workdir)
        init(tf, root)
        tf.apply(root)
    else:
        source = recording or recording_dir(stack)
        meta = read_meta(source)
        digest = stack_digest(stack)
        if meta.get("stack_sha256") != digest:
            raise WorldError(
                f"the recording in {source} was made from another version of stack "
                f"{stack_name(stack)!r}; re-record it with scripts/record_fixtures.py"
            )
        seed(aws, int(meta["seed"]))
        replay(aws.endpoint_url, read_recording(source / RECORDING_FILE))
        state = json.loads((source / STATE_FILE).read_text())
        fix_timestamps(aws.endpoint_url, state)
        state_path.write_text(json.dumps(state, indent=2) + "\n")
        problems = verify_ids(aws.endpoint_url, state)
        if problems:
            raise WorldError(
                f"replaying {source} did not rebuild the recorded world (recorded with moto "
                f"{meta.get('moto')}, this is moto {moto_version()}): {'; '.join(problems[:3])}"
            )
    return World(aws.endpoint_url, workdir, state_path, stack, terraform is not None)


def seed(aws: EmbeddedAws, value: int) -> None:
    """Seed moto's random generator: ids and request ids become a function of the requests."""
    aws.moto_api(f"seed?a={int(value)}", b"")


def read_meta(source: Path) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads((source / META_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise WorldError(f"cannot read {source / META_FILE}: {exc}") from exc
    return meta


def read_recording(path: Path) -> list[dict[str, Any]]:
    """Entries of a recording: moto's recorder format, one JSON object per line, gzipped."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        raise WorldError(f"cannot read recording {path}: {exc}") from exc


def write_recording(path: Path, raw: bytes) -> int:
    """Store moto's downloaded recording gzipped (reproducibly: no mtime); returns requests."""
    lines = [line for line in raw.decode("utf-8").splitlines() if line.strip()]
    for line in lines:
        json.loads(line)  # refuse to store something replay could not read
    with path.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(("\n".join(lines) + "\n").encode())
    return len(lines)


def replay(endpoint_url: str, entries: Iterable[Mapping[str, Any]]) -> int:
    """Send recorded requests to `endpoint_url` in order, as moto's replay would; returns the
    count. Error statuses are expected (Terraform's reads of absent configuration get 404s)."""
    target = urlsplit(endpoint_url)
    if target.hostname not in LOCAL_HOSTS:
        raise WorldError(f"refusing to replay against {endpoint_url}: not a local endpoint")
    count = 0
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
    try:
        for entry in entries:
            recorded = urlsplit(str(entry["url"]))
            path = recorded.path + (f"?{recorded.query}" if recorded.query else "")
            raw = entry.get("body") or ""
            body = base64.b64decode(raw) if entry.get("body_encoded") else str(raw).encode()
            headers = {
                str(k): str(v)
                for k, v in dict(entry.get("headers") or {}).items()
                if str(k).lower() not in _HOP_HEADERS
            }
            headers["Content-Length"] = str(len(body))
            for attempt in range(2):
                try:
                    conn.request(str(entry["method"]), path, body=body, headers=headers)
                    conn.getresponse().read()
                    break
                except (http.client.HTTPException, OSError):
                    # werkzeug's server closes connections; retry once on a fresh one.
                    conn.close()
                    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                    if attempt:
                        raise
            count += 1
    except (http.client.HTTPException, OSError) as exc:
        msg = f"replay against {endpoint_url} failed after {count} requests: {exc}"
        raise WorldError(msg) from exc
    finally:
        conn.close()
    return count


def record(
    aws: EmbeddedAws,
    stack: Path,
    workdir: Path,
    terraform: Terraform,
    *,
    seed_value: int = DEFAULT_SEED,
) -> tuple[World, bytes, float]:
    """Apply `stack` to a reset, seeded server while moto's recorder runs.

    Returns the world, the raw recording (moto's JSON lines) and the apply's wall time. The
    apply runs with -parallelism=1 so the order of requests, and so of ids, is reproducible.
    moto's recorder writes to $MOTO_RECORDER_FILEPATH (default `moto_recording` in the server's
    working directory): set it before moto is imported, as scripts/record_fixtures.py does.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tf, root = initialised(terraform, aws, stack, workdir)
    aws.reset()
    seed(aws, seed_value)
    aws.moto_api("recorder/reset-recording", b"")
    aws.moto_api("recorder/start-recording", b"")
    started = time.monotonic()
    try:
        tf.apply(root, parallelism=1)
    finally:
        aws.moto_api("recorder/stop-recording", b"")
    elapsed = time.monotonic() - started
    raw = aws.moto_api("recorder/download-recording", b"")
    aws.moto_api("recorder/reset-recording", b"")
    world = World(aws.endpoint_url, workdir, root / STATE_FILE, stack, True)
    return world, raw, elapsed


def moto_version() -> str:
    try:
        from importlib.metadata import version

        return version("moto")
    except Exception:  # any failure to find the distribution means "unknown"
        return "unknown"


# ----------------------------------------------------------------------------- state and ids


def _clients(endpoint_url: str, region: str = DEFAULT_REGION) -> _Clients:
    host = urlsplit(endpoint_url).hostname
    if host not in LOCAL_HOSTS:
        raise WorldError(f"refusing to touch {endpoint_url}: worlds live on 127.0.0.1 only")
    return _Clients(endpoint_url, region)


class _Clients:
    """boto3 clients for the embedded AWS (test credentials, never the user's)."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        session = boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=region,
        )
        self.ec2 = session.client("ec2", endpoint_url=endpoint_url)
        self.s3 = session.client("s3", endpoint_url=endpoint_url)
        self.iam = session.client("iam", endpoint_url=endpoint_url)
        self.kms = session.client("kms", endpoint_url=endpoint_url)
        self.lambda_ = session.client("lambda", endpoint_url=endpoint_url)


def managed_instances(state: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(address, type, attributes) of every managed resource instance in a v4 state."""
    for res in state.get("resources", []):
        if res.get("mode") != "managed":
            continue
        prefix = f"{res['module']}." if res.get("module") else ""
        for inst in res.get("instances", []):
            key = inst.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            yield f"{prefix}{res['type']}.{res['name']}{suffix}", res["type"], inst["attributes"]


def _rfc3339(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def fix_timestamps(endpoint_url: str, state: dict[str, Any]) -> None:
    """Copy creation (and Lambda modification) times of replayed objects into the state (the
    seed cannot fix clocks)."""
    c = _clients(endpoint_url)
    for _address, rtype, attrs in managed_instances(state):
        try:
            if rtype == "aws_iam_role" and "create_date" in attrs:
                role = c.iam.get_role(RoleName=attrs["name"])["Role"]
                attrs["create_date"] = _rfc3339(role["CreateDate"])
            elif rtype == "aws_iam_instance_profile" and "create_date" in attrs:
                prof = c.iam.get_instance_profile(InstanceProfileName=attrs["name"])
                attrs["create_date"] = _rfc3339(prof["InstanceProfile"]["CreateDate"])
            elif rtype == "aws_lambda_function" and "last_modified" in attrs:
                fn = c.lambda_.get_function(FunctionName=attrs["function_name"])
                attrs["last_modified"] = str(fn["Configuration"]["LastModified"])
            elif rtype == "aws_ebs_volume" and "create_time" in attrs:
                vols = c.ec2.describe_volumes(VolumeIds=[attrs["id"]])["Volumes"]
                attrs["create_time"] = _rfc3339(vols[0]["CreateTime"])
        except botocore.exceptions.ClientError:
            continue  # verify_ids reports the missing object


def verify_ids(endpoint_url: str, state: Mapping[str, Any]) -> list[str]:
    """Problems found looking up every id of the state live (empty when the world matches)."""
    c = _clients(endpoint_url)
    problems: list[str] = []
    vpcs = {v["VpcId"] for v in c.ec2.describe_vpcs()["Vpcs"]}
    subnets = {s["SubnetId"] for s in c.ec2.describe_subnets()["Subnets"]}
    groups = {g["GroupId"] for g in c.ec2.describe_security_groups()["SecurityGroups"]}
    rules = {
        r["SecurityGroupRuleId"]
        for r in c.ec2.describe_security_group_rules()["SecurityGroupRules"]
    }
    instances = {
        i["InstanceId"]
        for r in c.ec2.describe_instances()["Reservations"]
        for i in r.get("Instances", [])
    }
    volumes = {v["VolumeId"] for v in c.ec2.describe_volumes()["Volumes"]}
    keys = {k["KeyId"] for k in c.kms.list_keys()["Keys"]}
    buckets = {b["Name"] for b in c.s3.list_buckets().get("Buckets", [])}
    roles = {r["RoleName"]: r["RoleId"] for r in _paged(c.iam.list_roles, "Roles")}
    policies = {
        p["Arn"]: p["PolicyId"] for p in _paged(c.iam.list_policies, "Policies", Scope="Local")
    }
    simple: dict[str, set[str]] = {
        "aws_vpc": vpcs,
        "aws_subnet": subnets,
        "aws_security_group": groups,
        "aws_instance": instances,
        "aws_ebs_volume": volumes,
        "aws_kms_key": keys,
        "aws_s3_bucket": buckets,
    }
    for address, rtype, attrs in managed_instances(state):
        if rtype in simple and attrs.get("id") not in simple[rtype]:
            problems.append(f"{address}: {attrs.get('id')} not found")
        elif rtype == "aws_security_group_rule":
            rule_id = attrs.get("security_group_rule_id")
            if rule_id and rule_id not in rules:
                problems.append(f"{address}: {rule_id} not found")
        elif rtype == "aws_iam_role" and roles.get(attrs.get("name", "")) != attrs.get("unique_id"):
            problems.append(f"{address}: unique id {attrs.get('unique_id')} differs")
        elif rtype == "aws_iam_policy" and policies.get(attrs.get("arn", "")) != attrs.get(
            "policy_id"
        ):
            problems.append(f"{address}: policy id {attrs.get('policy_id')} differs")
    return problems


def _paged(call: Callable[..., Any], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        page = call(**kwargs, **({"Marker": marker} if marker else {}))
        out.extend(page.get(key, []))
        if not page.get("IsTruncated"):
            return out
        marker = page.get("Marker")


# ----------------------------------------------------------------------------- Terraform's view


@dataclass(frozen=True)
class Drift:
    """One entry of a plan's `resource_drift`: Terraform's refresh found the object changed
    (`paths`: attribute path -> (state value, refreshed value)) or gone (`deleted`)."""

    address: str
    deleted: bool
    paths: Mapping[str, tuple[Any, Any]]


def resource_drift(plan: Mapping[str, Any]) -> dict[str, Drift]:
    """The `resource_drift` of `terraform show -json PLAN`, as changed attribute paths.

    Paths follow driftpatch's attribute syntax: `tags.Env`, `versioning_configuration[0].status`;
    lists of several elements (rule sets, policy lists) are compared whole (`ingress`).
    """
    out: dict[str, Drift] = {}
    for entry in plan.get("resource_drift", []):
        change = entry.get("change", {})
        before, after = change.get("before"), change.get("after")
        deleted = "delete" in change.get("actions", []) and after is None
        paths = {} if deleted else changed_paths(before or {}, after or {})
        out[entry["address"]] = Drift(entry["address"], deleted, paths)
    return out


def changed_paths(before: Any, after: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """Leaf paths where two JSON values differ (absent counts as null)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: dict[str, tuple[Any, Any]] = {}
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            out.update(changed_paths(before.get(key), after.get(key), sub))
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after) == 1:
        return changed_paths(before[0], after[0], f"{path}[0]")
    return {} if before == after else {path: (before, after)}


def beyond(drift: Mapping[str, Drift], noise: Mapping[str, Drift]) -> dict[str, Drift]:
    """`drift` without what `noise` (a clean world's drift) already shows, value for value."""
    out: dict[str, Drift] = {}
    for address, entry in drift.items():
        base = noise.get(address)
        if base is None or entry.deleted:
            out[address] = entry
            continue
        paths = {p: v for p, v in entry.paths.items() if base.paths.get(p) != v}
        if paths:
            out[address] = Drift(address, False, paths)
    return out


# ----------------------------------------------------------------------------- drift injection


@dataclass(frozen=True)
class Change:
    """One console-style change to a world, and where Terraform (and driftpatch) should see it.

    `address` is the Terraform address it affects (None for an unmanaged resource), `attribute`
    the attribute path as driftpatch reports it (None for a whole resource), `expected` and
    `actual` the state's and AWS's values where they are scalars (else None).
    """

    name: str
    address: str | None
    attribute: str | None
    kind: Kind
    description: str
    resource_type: str
    resource_id: str
    expected: Any = None
    actual: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "attribute": self.attribute,
            "kind": self.kind.value,
            "description": self.description,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "expected": self.expected,
            "actual": self.actual,
        }


# Every change inject() knows, in the order it applies them.
CHANGES: tuple[str, ...] = (
    "bucket-tag",
    "bucket-versioning-suspended",
    "sg-ssh-open",
    "role-trust-widened",
    "instance-type",
    "imds-optional",
    "unmanaged-bucket",
    "bucket-deleted",
    "pab-deleted",
    "kms-rotation-off",
    "sg-rule-description",
    # Everyday console edits (the demo world only): tags, descriptions, settings the code is
    # silent on, a rule added to a group whose rules are separate resources, a volume grown.
    "kms-description",
    "kms-tag",
    "instance-tag",
    "vpc-dns-support",
    "subnet-tag",
    "volume-grown",
    "sg-rule-added",
    "role-description",
    "role-session",
    "policy-tag",
    "sse-algorithm",
)

# What each change touches in each recorded stack: an address (plus arguments for some).
# Targets are disjoint where one change would mask another (a deleted bucket is nobody else's).
# The insecure stack has no IMDSv2 instance and no rotating key to degrade.
TARGETS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "demo": {
        "bucket-tag": ('module.buckets["assets"].aws_s3_bucket.this', "DataClass", "restricted"),
        "bucket-versioning-suspended": ('module.buckets["logs"].aws_s3_bucket_versioning.this',),
        "sg-ssh-open": ("module.network.aws_security_group.db",),
        "role-trust-widened": ("module.app.aws_iam_role.web",),
        "instance-type": ("module.app.aws_instance.web[0]", "t3.large"),
        "imds-optional": ("module.app.aws_instance.web[0]",),
        "unmanaged-bucket": ("acme-shop-staging-export-tmp",),
        "bucket-deleted": ('module.buckets["backups"].aws_s3_bucket.this',),
        "pab-deleted": ('module.buckets["assets"].aws_s3_bucket_public_access_block.this',),
        "kms-rotation-off": ("aws_kms_key.data",),
        "sg-rule-description": ("module.network.aws_security_group_rule.https",),
        "kms-description": ("aws_kms_key.data", "acme-shop-staging data at rest (shared)"),
        "kms-tag": ("aws_kms_key.data", "Team", "data"),
        "instance-tag": ("module.app.aws_instance.web[0]", "Owner", "web-team"),
        "vpc-dns-support": ("module.network.aws_vpc.this",),
        "subnet-tag": ('module.network.aws_subnet.private["b"]', "Owner", "network-team"),
        "volume-grown": ("module.app.aws_ebs_volume.scratch[0]", "16"),
        "sg-rule-added": ("module.network.aws_security_group.web", "8080", "10.0.0.0/16"),
        "role-description": ("module.app.aws_iam_role.web", "Assumed by the web servers (v2)"),
        "role-session": ("module.app.aws_iam_role.web", "7200"),
        "policy-tag": ("module.app.aws_iam_policy.read_assets", "Review", "2026-q4"),
        "sse-algorithm": (
            'module.buckets["logs"].aws_s3_bucket_server_side_encryption_configuration.this',
        ),
    },
    "large": {
        "bucket-tag": (
            'module.env["shop.prod"].module.storage["static-assets"].aws_s3_bucket.this',
            "Name",
            "legacy-static",
        ),
        "bucket-versioning-suspended": (
            'module.env["shop.prod"].module.storage["logs.archive"].aws_s3_bucket_versioning.this',
        ),
        "sg-ssh-open": ('module.env["shop.staging"].module.network.aws_security_group.db',),
        "role-trust-widened": ('module.iam.aws_iam_role.this["read.only"]',),
        "instance-type": ('module.env["shop.prod"].aws_instance.app[0]', "t3.xlarge"),
        "imds-optional": ('module.env["shop.staging"].aws_instance.app[0]',),
        "unmanaged-bucket": ("data-lake-scratch-manual",),
        "bucket-deleted": ('module.env["data-lake"].module.storage["curated"].aws_s3_bucket.this',),
        "pab-deleted": (
            'module.env["shop.staging"].module.storage["static-assets"]'
            ".aws_s3_bucket_public_access_block.this",
        ),
        "kms-rotation-off": ("aws_kms_key.shared",),
        "sg-rule-description": (
            'module.env["shop.prod"].module.network.aws_security_group_rule.app["ssh.bastion"]',
        ),
    },
    "insecure": {
        "bucket-tag": ("aws_s3_bucket.uploads", "DataClass", "public"),
        "bucket-versioning-suspended": ("aws_s3_bucket_versioning.uploads",),
        "sg-ssh-open": ("aws_security_group.internal",),
        "role-trust-widened": ("aws_iam_role.app",),
        "instance-type": ("aws_instance.web", "t3.medium"),
        "unmanaged-bucket": ("insecure-shadow-copy",),
        "bucket-deleted": ("aws_s3_bucket.public",),
        "pab-deleted": ("aws_s3_bucket_public_access_block.uploads",),
        "sg-rule-description": ("aws_security_group_rule.rdp",),
    },
}


def available_changes(world: World) -> tuple[str, ...]:
    """The changes `inject()` can make to this world, in order."""
    targets = TARGETS.get(world.name, {})
    return tuple(name for name in CHANGES if name in targets)


def inject(world: World, changes: Sequence[str] | None = None) -> tuple[Change, ...]:
    """Change the world the way a console user would (plain boto3, local endpoints only).

    `changes` names entries of CHANGES (default: every change available for the stack); the
    result lists what each did and which Terraform address and attribute it affects (a deleted
    bucket yields one "missing" change per resource that went with it).
    """
    targets = TARGETS.get(world.name)
    if targets is None:
        raise WorldError(f"no drift targets for stack {world.name!r}")
    wanted = available_changes(world) if changes is None else tuple(changes)
    for name in wanted:
        if name not in CHANGES:
            raise WorldError(f"unknown change {name!r}: one of {', '.join(CHANGES)}")
        if name not in targets:
            raise WorldError(f"change {name!r} has no target in stack {world.name!r}")
    injector = _Injector(_clients(world.endpoint_url), world.state())
    out: list[Change] = []
    for name in wanted:
        out.extend(_INJECTIONS[name](injector, name, *targets[name]))
    return tuple(out)


class _Injector:
    def __init__(self, clients: _Clients, state: Mapping[str, Any]) -> None:
        self.c = clients
        self.index = {addr: (rtype, attrs) for addr, rtype, attrs in managed_instances(state)}

    def get(self, address: str, rtype: str) -> dict[str, Any]:
        found = self.index.get(address)
        if found is None or found[0] != rtype:
            raise WorldError(f"no {rtype} at {address} in the world's state")
        return found[1]

    def drift(self, name: str, address: str, attribute: str | None, text: str, **kw: Any) -> Change:
        rtype, attrs = self.index[address]
        return Change(name, address, attribute, Kind.DRIFT, text, rtype, str(attrs["id"]), **kw)

    # --- S3

    def bucket_tag(self, name: str, address: str, key: str, value: str) -> list[Change]:
        bucket = self.get(address, "aws_s3_bucket")["bucket"]
        try:
            tags = self.c.s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
        except botocore.exceptions.ClientError:
            tags = []
        old = next((t["Value"] for t in tags if t["Key"] == key), None)
        tags = [t for t in tags if t["Key"] != key] + [{"Key": key, "Value": value}]
        self.c.s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
        verb = "Changed" if old is not None else "Added"
        text = f"{verb} tag {key}={value} on bucket {bucket} in the S3 console (was {old!r})"
        return [self.drift(name, address, f"tags.{key}", text, expected=old, actual=value)]

    def versioning_suspended(self, name: str, address: str) -> list[Change]:
        attrs = self.get(address, "aws_s3_bucket_versioning")
        bucket = attrs["bucket"]
        self.c.s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
        )
        old = attrs["versioning_configuration"][0]["status"]
        text = f"Suspended versioning of bucket {bucket} in the S3 console"
        attr = "versioning_configuration[0].status"
        return [self.drift(name, address, attr, text, expected=old, actual="Suspended")]

    def unmanaged_bucket(self, name: str, bucket: str) -> list[Change]:
        self.c.s3.create_bucket(Bucket=bucket)
        self.c.s3.put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [{"Key": "CreatedBy", "Value": "console"}]}
        )
        text = f"Created bucket {bucket} by hand in the S3 console"
        return [Change(name, None, None, Kind.UNMANAGED, text, "aws_s3_bucket", bucket)]

    def bucket_deleted(self, name: str, address: str) -> list[Change]:
        bucket = self.get(address, "aws_s3_bucket")["bucket"]
        s3 = self.c.s3
        # Empty it first, every version and delete marker, as the console's "Empty" does.
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if doomed:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed})  # type: ignore[typeddict-item]
        s3.delete_bucket(Bucket=bucket)
        text = f"Emptied and deleted bucket {bucket} in the S3 console"
        out = [Change(name, address, None, Kind.MISSING, text, "aws_s3_bucket", bucket)]
        # Its versioning, access block, encryption and policy went with it.
        for addr, (rtype, attrs) in sorted(self.index.items()):
            if rtype.startswith("aws_s3_bucket_") and attrs.get("bucket") == bucket:
                sub = f"{text} ({rtype} went with it)"
                out.append(Change(name, addr, None, Kind.MISSING, sub, rtype, str(attrs["id"])))
        return out

    def pab_deleted(self, name: str, address: str) -> list[Change]:
        attrs = self.get(address, "aws_s3_bucket_public_access_block")
        self.c.s3.delete_public_access_block(Bucket=attrs["bucket"])
        text = f"Removed the public access block of bucket {attrs['bucket']} in the S3 console"
        rtype = "aws_s3_bucket_public_access_block"
        return [Change(name, address, None, Kind.MISSING, text, rtype, str(attrs["id"]))]

    def sse_algorithm(self, name: str, address: str) -> list[Change]:
        """Default encryption switched from the KMS key to S3-managed keys (SSE-S3)."""
        bucket = self.get(address, "aws_s3_bucket_server_side_encryption_configuration")["bucket"]
        self.c.s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        text = f"Switched default encryption of bucket {bucket} to SSE-S3 (AES256)"
        return [self.drift(name, address, "rule", text)]

    # --- EC2

    def ec2_tag(self, name: str, address: str, key: str, value: str) -> list[Change]:
        _, attrs = self.index[address]
        old = (attrs.get("tags") or {}).get(key)
        self.c.ec2.create_tags(Resources=[attrs["id"]], Tags=[{"Key": key, "Value": value}])
        text = f"Added tag {key}={value} to {attrs['id']} in the EC2 console"
        return [self.drift(name, address, f"tags.{key}", text, expected=old, actual=value)]

    def vpc_dns_support(self, name: str, address: str) -> list[Change]:
        attrs = self.get(address, "aws_vpc")
        old = bool(attrs["enable_dns_support"])
        self.c.ec2.modify_vpc_attribute(VpcId=attrs["id"], EnableDnsSupport={"Value": not old})
        text = (
            f"Turned DNS resolution {'off' if old else 'on'} for {attrs['id']} in the VPC console"
        )
        attr = "enable_dns_support"
        return [self.drift(name, address, attr, text, expected=old, actual=not old)]

    def volume_grown(self, name: str, address: str, size: str) -> list[Change]:
        attrs = self.get(address, "aws_ebs_volume")
        self.c.ec2.modify_volume(VolumeId=attrs["id"], Size=int(size))
        text = f"Grew volume {attrs['id']} from {attrs['size']} to {size} GiB"
        return [self.drift(name, address, "size", text, expected=attrs["size"], actual=int(size))]

    def sg_rule_added(self, name: str, address: str, port: str, cidr: str) -> list[Change]:
        group = self.get(address, "aws_security_group")["id"]
        self.c.ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": int(port),
                    "ToPort": int(port),
                    "IpRanges": [{"CidrIp": cidr, "Description": "health checks"}],
                }
            ],
        )
        text = f"Added an inbound rule tcp/{port} from {cidr} to {group} in the EC2 console"
        return [self.drift(name, address, "ingress", text)]

    def sg_ssh_open(self, name: str, address: str) -> list[Change]:
        group = self.get(address, "aws_security_group")["id"]
        self.c.ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        )
        text = f"Added an inbound rule SSH (tcp/22) from 0.0.0.0/0 to {group} in the EC2 console"
        return [self.drift(name, address, "ingress", text)]

    def sg_rule_description(self, name: str, address: str) -> list[Change]:
        attrs = self.get(address, "aws_security_group_rule")
        old = attrs.get("description") or ""
        new = f"{old} (temporary)".strip()
        perm: Any = {
            "IpProtocol": attrs["protocol"],
            "FromPort": attrs["from_port"],
            "ToPort": attrs["to_port"],
        }
        if attrs.get("cidr_blocks"):
            perm["IpRanges"] = [{"CidrIp": c, "Description": new} for c in attrs["cidr_blocks"]]
        if attrs.get("ipv6_cidr_blocks"):
            perm["Ipv6Ranges"] = [
                {"CidrIpv6": c, "Description": new} for c in attrs["ipv6_cidr_blocks"]
            ]
        if attrs.get("source_security_group_id"):
            perm["UserIdGroupPairs"] = [
                {"GroupId": attrs["source_security_group_id"], "Description": new}
            ]
        if attrs["type"] == "ingress":
            self.c.ec2.update_security_group_rule_descriptions_ingress(
                GroupId=attrs["security_group_id"], IpPermissions=[perm]
            )
        else:
            self.c.ec2.update_security_group_rule_descriptions_egress(
                GroupId=attrs["security_group_id"], IpPermissions=[perm]
            )
        text = f"Edited the description of a rule of {attrs['security_group_id']} to {new!r}"
        return [self.drift(name, address, "description", text, expected=old, actual=new)]

    def instance_type(self, name: str, address: str, new_type: str) -> list[Change]:
        attrs = self.get(address, "aws_instance")
        ec2, iid = self.c.ec2, attrs["id"]
        ec2.stop_instances(InstanceIds=[iid])
        ec2.get_waiter("instance_stopped").wait(
            InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        ec2.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": new_type})
        ec2.start_instances(InstanceIds=[iid])
        ec2.get_waiter("instance_running").wait(
            InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        old = attrs["instance_type"]
        text = f"Stopped {iid}, changed its type from {old} to {new_type}, started it again"
        return [self.drift(name, address, "instance_type", text, expected=old, actual=new_type)]

    def imds_optional(self, name: str, address: str) -> list[Change]:
        attrs = self.get(address, "aws_instance")
        reservations = self.c.ec2.describe_instances(InstanceIds=[attrs["id"]])["Reservations"]
        current: Any = reservations[0]["Instances"][0].get("MetadataOptions", {})
        # AWS keeps the options a call leaves out; moto resets them, so send them all as the
        # console does.
        kept = {
            k: current[k]
            for k in (
                "HttpEndpoint",
                "HttpPutResponseHopLimit",
                "HttpProtocolIpv6",
                "InstanceMetadataTags",
            )
            if current.get(k) is not None
        }
        self.c.ec2.modify_instance_metadata_options(
            InstanceId=attrs["id"], HttpTokens="optional", **kept
        )
        old = attrs["metadata_options"][0]["http_tokens"]
        text = f"Set the metadata service of {attrs['id']} to allow IMDSv1 (tokens optional)"
        attr = "metadata_options[0].http_tokens"
        return [self.drift(name, address, attr, text, expected=old, actual="optional")]

    # --- IAM and KMS

    def role_trust_widened(self, name: str, address: str) -> list[Change]:
        role = self.get(address, "aws_iam_role")["name"]
        doc = self.c.iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        policy: dict[str, Any] = json.loads(doc) if isinstance(doc, str) else dict(doc)
        statements = policy.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else list(statements)
        statements.append(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        )
        policy["Statement"] = statements
        self.c.iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(policy))
        text = f"Added a trust statement letting any AWS principal assume role {role}"
        return [self.drift(name, address, "assume_role_policy", text)]

    def role_description(self, name: str, address: str, description: str) -> list[Change]:
        attrs = self.get(address, "aws_iam_role")
        self.c.iam.update_role(RoleName=attrs["name"], Description=description)
        text = f"Edited the description of role {attrs['name']} in the IAM console"
        old = attrs["description"]
        return [self.drift(name, address, "description", text, expected=old, actual=description)]

    def role_session(self, name: str, address: str, seconds: str) -> list[Change]:
        attrs = self.get(address, "aws_iam_role")
        # AWS keeps the description a call leaves out; moto clears it, so send it as is.
        live = self.c.iam.get_role(RoleName=attrs["name"])["Role"].get("Description")
        self.c.iam.update_role(
            RoleName=attrs["name"],
            MaxSessionDuration=int(seconds),
            **({"Description": live} if live is not None else {}),
        )
        text = f"Raised the maximum session of role {attrs['name']} to {seconds} s"
        old, new = attrs["max_session_duration"], int(seconds)
        return [self.drift(name, address, "max_session_duration", text, expected=old, actual=new)]

    def policy_tag(self, name: str, address: str, key: str, value: str) -> list[Change]:
        attrs = self.get(address, "aws_iam_policy")
        self.c.iam.tag_policy(PolicyArn=attrs["arn"], Tags=[{"Key": key, "Value": value}])
        text = f"Tagged policy {attrs['name']} {key}={value} in the IAM console"
        old = (attrs.get("tags") or {}).get(key)
        return [self.drift(name, address, f"tags.{key}", text, expected=old, actual=value)]

    def kms_description(self, name: str, address: str, description: str) -> list[Change]:
        attrs = self.get(address, "aws_kms_key")
        self.c.kms.update_key_description(KeyId=attrs["key_id"], Description=description)
        text = f"Edited the description of KMS key {attrs['key_id']} in the KMS console"
        old = attrs["description"]
        return [self.drift(name, address, "description", text, expected=old, actual=description)]

    def kms_tag(self, name: str, address: str, key: str, value: str) -> list[Change]:
        attrs = self.get(address, "aws_kms_key")
        self.c.kms.tag_resource(KeyId=attrs["key_id"], Tags=[{"TagKey": key, "TagValue": value}])
        text = f"Tagged KMS key {attrs['key_id']} {key}={value} in the KMS console"
        old = (attrs.get("tags") or {}).get(key)
        return [self.drift(name, address, f"tags.{key}", text, expected=old, actual=value)]

    def kms_rotation_off(self, name: str, address: str) -> list[Change]:
        key = self.get(address, "aws_kms_key")["key_id"]
        self.c.kms.disable_key_rotation(KeyId=key)
        text = f"Disabled automatic rotation of KMS key {key} in the KMS console"
        attr = "enable_key_rotation"
        return [self.drift(name, address, attr, text, expected=True, actual=False)]


_INJECTIONS: Mapping[str, Callable[..., list[Change]]] = {
    "bucket-tag": _Injector.bucket_tag,
    "bucket-versioning-suspended": _Injector.versioning_suspended,
    "sg-ssh-open": _Injector.sg_ssh_open,
    "role-trust-widened": _Injector.role_trust_widened,
    "instance-type": _Injector.instance_type,
    "imds-optional": _Injector.imds_optional,
    "unmanaged-bucket": _Injector.unmanaged_bucket,
    "bucket-deleted": _Injector.bucket_deleted,
    "pab-deleted": _Injector.pab_deleted,
    "kms-rotation-off": _Injector.kms_rotation_off,
    "sg-rule-description": _Injector.sg_rule_description,
    "kms-description": _Injector.kms_description,
    "kms-tag": _Injector.kms_tag,
    "instance-tag": _Injector.ec2_tag,
    "vpc-dns-support": _Injector.vpc_dns_support,
    "subnet-tag": _Injector.ec2_tag,
    "volume-grown": _Injector.volume_grown,
    "sg-rule-added": _Injector.sg_rule_added,
    "role-description": _Injector.role_description,
    "role-session": _Injector.role_session,
    "policy-tag": _Injector.policy_tag,
    "sse-algorithm": _Injector.sse_algorithm,
}
