"""Worlds: a Terraform stack deployed to an embedded AWS, and console-style changes made to it.

A *world* is a moto server holding exactly what `terraform apply` of one stack created, plus the
workdir with that stack's HCL and the resulting `terraform.tfstate`. The demo and the end-to-end
tests scan worlds; `inject()` then changes them the way someone with console access would.

Two ways to build one, with the same result:

- **With Terraform** (the CLI, and hashicorp/aws from the mirror in $DRIFTPATCH_TF_PLUGIN_MIRROR
  when set): copy the stack and the local modules it calls into the workdir, add a provider
  override that points at the embedded AWS, `init`, `apply`.
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
  $MOTO_RECORDER_FILEPATH, read once at import), shared by every server in the process, and its
  replay ignores responses. Sending the requests ourselves touches no file and works the same
  against an out-of-process moto.

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.exceptions

from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws, provider_override
from driftpatch.errors import DriftpatchError
from driftpatch.terraform.binary import Terraform, plugin_mirror, write_mirror_cli_config

# Stacks that have recordings, by name, relative to the repository root.
STACKS: Mapping[str, str] = {
    "demo": "terraform",
    "large": "fixtures/stacks/large",
    "insecure": "fixtures/stacks/insecure",
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
    root = Path(__file__).resolve().parents[2]
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
        raise WorldError(f"replay against {endpoint_url} failed after {count} requests: {exc}")
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
    root = copy_stack(stack, workdir)
    write_overrides(root, aws.endpoint_url)
    tf = configured(terraform, aws, workdir)
    init(tf, root)
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
    """Copy creation times of replayed objects into the state (the seed cannot fix clocks)."""
    c = _clients(endpoint_url)
    for _address, rtype, attrs in managed_instances(state):
        try:
            if rtype == "aws_iam_role" and "create_date" in attrs:
                role = c.iam.get_role(RoleName=attrs["name"])["Role"]
                attrs["create_date"] = _rfc3339(role["CreateDate"])
            elif rtype == "aws_iam_instance_profile" and "create_date" in attrs:
                prof = c.iam.get_instance_profile(InstanceProfileName=attrs["name"])
                attrs["create_date"] = _rfc3339(prof["InstanceProfile"]["CreateDate"])
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
        elif rtype == "aws_iam_role" and roles.get(attrs.get("name", "")) != attrs.get(
            "unique_id"
        ):
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
