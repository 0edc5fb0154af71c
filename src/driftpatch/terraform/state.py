"""Terraform state (format version 4: Terraform 0.12 to 1.x) from disk, globs, S3, `terraform
state pull`, an HTTP backend or Terraform Cloud / Enterprise.

The state is what `scan` compares live AWS against, so it is read strictly: anything that is not
a v4 state becomes a `TerraformInputError` whose one line starts with where it came from, rather
than a half-read state that would report phantom drift. Attribute values are never logged or
printed: state holds secrets in clear text, and `sensitive_paths` says where they are.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from driftpatch import limits
from driftpatch.errors import TerraformInputError
from driftpatch.model import JSON, Address
from driftpatch.terraform import _input as inp
from driftpatch.terraform import remote
from driftpatch.terraform._input import bad
from driftpatch.terraform.binary import Terraform, TerraformCliError, first_error_line

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SUPPORTED_VERSION = 4
AttrPath = tuple[str | int, ...]

# A region name as it appears in ARNs and availability zones: us-east-1, us-gov-west-1, ...
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")
_GLOB_MAGIC = re.compile(r"[*?[]")


@dataclass(frozen=True)
class StateInstance:
    """One current object of a resource instance (deposed objects are left out)."""

    address: Address
    provider: str
    schema_version: int
    attributes: Mapping[str, JSON]
    sensitive_paths: tuple[AttrPath, ...]
    dependencies: tuple[str, ...]
    origin: str

    @property
    def type(self) -> str:
        return self.address.type

    @property
    def id(self) -> str | None:
        value = self.attributes.get("id")
        return value if isinstance(value, str) and value else None

    @property
    def region(self) -> str | None:
        """`region` (provider 6.x, some 3.x types), else the ARN's, else the AZ's; None if unknown.

        S3 and IAM ARNs carry no region, so those fall through to None rather than a guess.
        """
        region = self.attributes.get("region")
        if isinstance(region, str) and _REGION.fullmatch(region):
            return region
        arn = self.attributes.get("arn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            parts = arn.split(":", 5)
            if len(parts) > 3 and _REGION.fullmatch(parts[3]):
                return parts[3]
        zone = self.attributes.get("availability_zone")
        if isinstance(zone, str):
            match = _REGION.match(zone)
            if match and re.fullmatch(r"[a-z]|-[a-z0-9-]+", zone[match.end() :]):
                return match.group(0)
        return None


@dataclass(frozen=True)
class State:
    origin: str
    version: int
    terraform_version: str
    serial: int
    lineage: str
    resources: tuple[StateInstance, ...]  # managed only
    data_sources: tuple[StateInstance, ...]  # mode == "data"
    outputs: Mapping[str, JSON]  # root module output values
    sensitive_outputs: frozenset[str] = frozenset()  # names of outputs marked sensitive
    # The document as read, kept only for a state that cannot be read again cheaply or
    # identically (`terraform state pull`, HTTP, Terraform Cloud): Terraform verification plans
    # against the very state the scan compared.
    raw: bytes = field(default=b"", repr=False, compare=False)


def parse_state(data: bytes, origin: str) -> State:
    """Parse a tfstate document; raises TerraformInputError (one line) for anything else."""
    doc = inp.load_json(data, origin, "Terraform state")
    if not isinstance(doc, dict):
        raise bad(origin, f"not a Terraform state: the JSON is {inp.kind(doc)}, expected an object")
    if "version" not in doc:
        _not_a_state(doc, origin)
    version = doc["version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad(origin, f'not a Terraform state: "version" is {inp.kind(version)}, expected 4')
    if version < SUPPORTED_VERSION:
        raise bad(
            origin,
            f"state format version {version} is not supported (written by Terraform < 0.12); "
            "run 'terraform state pull' with Terraform >= 0.12 to upgrade it",
        )
    if version > SUPPORTED_VERSION:
        raise bad(
            origin,
            f"state format version {version} is not supported (driftpatch reads version 4, "
            "written by Terraform 0.12 to 1.x); upgrade driftpatch",
        )
    if "resources" not in doc:
        raise bad(origin, 'not a Terraform state: no "resources" list')
    managed: list[StateInstance] = []
    data_sources: list[StateInstance] = []
    seen: set[Address] = set()
    for i, raw in enumerate(inp.lst(doc["resources"], origin, "resources")):
        for inst in _resource(raw, origin, f"resources[{i}]"):
            if inst.address in seen:
                raise bad(origin, f"{inst.address} appears more than once")
            seen.add(inst.address)
            (managed if inst.address.mode == "managed" else data_sources).append(inst)
    outputs, sensitive = _outputs(doc.get("outputs"), origin)
    return State(
        origin=origin,
        version=version,
        terraform_version=inp.opt_str(doc.get("terraform_version"), origin, "terraform_version")
        or "",
        serial=inp.natural(doc.get("serial", 0), origin, "serial"),
        lineage=inp.opt_str(doc.get("lineage"), origin, "lineage") or "",
        resources=tuple(managed),
        data_sources=tuple(data_sources),
        outputs=outputs,
        sensitive_outputs=sensitive,
    )


def _not_a_state(doc: Mapping[str, JSON], origin: str) -> None:
    if "planned_values" in doc or "resource_changes" in doc or "configuration" in doc:
        raise bad(origin, "looks like a plan ('terraform show -json' of a plan), not a state file")
    if "format_version" in doc or "values" in doc:
        raise bad(
            origin,
            "looks like 'terraform show -json' output, not a state file; "
            "pass the state file itself (or 'terraform state pull' output)",
        )
    raise bad(origin, 'not a Terraform state: no "version"')


def _resource(raw: JSON, origin: str, where: str) -> list[StateInstance]:
    res = inp.obj(raw, origin, where)
    mode = inp.mode(res.get("mode"), origin, f"{where}.mode")
    rtype = inp.ident(res.get("type"), origin, f"{where}.type")
    name = inp.ident(res.get("name"), origin, f"{where}.name")
    module = inp.module_address(res.get("module"), origin, f"{where}.module")
    provider = inp.string(res.get("provider"), origin, f"{where}.provider")
    # 0.12 states record how instances are keyed; later versions leave it out.
    each = inp.opt_str(res.get("each"), origin, f"{where}.each") or ""
    if each not in ("", "list", "map"):
        raise bad(origin, f'{where}.each: expected "list" or "map"')
    label = str(Address(rtype, name, module, None, mode))
    out: list[StateInstance] = []
    for j, item in enumerate(inp.lst(res.get("instances"), origin, f"{label}.instances")):
        iw = f"{label}.instances[{j}]"
        inst = inp.obj(item, origin, iw)
        key = inp.index_key(inst.get("index_key"), origin, f"{iw}.index_key")
        if (each == "list" and not isinstance(key, int)) or (
            each == "map" and not isinstance(key, str)
        ):
            raise bad(origin, f"{iw}.index_key: does not fit the resource's each = {each!r}")
        attributes = _attributes(inst, origin, iw)
        deposed = inp.opt_str(inst.get("deposed"), origin, f"{iw}.deposed")
        if deposed:
            # A leftover of a failed create_before_destroy, pending deletion: not what the
            # configuration describes, and it shares the address of the current object.
            continue
        deps = inst.get("dependencies", inst.get("depends_on"))  # depends_on: Terraform 0.12
        out.append(
            StateInstance(
                address=Address(rtype, name, module, key, mode),
                provider=provider,
                schema_version=inp.natural(
                    inst.get("schema_version", 0), origin, f"{iw}.schema_version"
                ),
                attributes=attributes,
                sensitive_paths=sensitive_paths(
                    inst.get("sensitive_attributes"), origin, f"{iw}.sensitive_attributes"
                ),
                dependencies=inp.strings(deps, origin, f"{iw}.dependencies"),
                origin=origin,
            )
        )
    return out


def _attributes(inst: Mapping[str, JSON], origin: str, where: str) -> Mapping[str, JSON]:
    if "attributes" in inst:
        return inp.obj(inst["attributes"], origin, f"{where}.attributes")
    if "attributes_flat" in inst:
        raise bad(
            origin,
            f"{where}: attributes are in the pre-0.12 flat format; run "
            "'terraform apply -refresh-only' with Terraform >= 0.12 to rewrite the state",
        )
    raise bad(origin, f"{where}: no attributes")


def _outputs(raw: JSON, origin: str) -> tuple[dict[str, JSON], frozenset[str]]:
    values: dict[str, JSON] = {}
    sensitive: set[str] = set()
    for name, item in inp.opt_obj(raw, origin, "outputs").items():
        out = inp.obj(item, origin, f"outputs.{name}")
        values[name] = out.get("value")
        if inp.boolean(out.get("sensitive"), origin, f"outputs.{name}.sensitive"):
            sensitive.add(name)
    return values, frozenset(sensitive)


# -- sensitive paths ---------------------------------------------------------------------------


def sensitive_paths(raw: JSON, origin: str, where: str) -> tuple[AttrPath, ...]:
    """`sensitive_attributes` as path tuples: ("password",), ("tags", "Secret"), ("x", 0).

    Terraform >= 0.14 writes a list of cty paths, each step `{"type": "get_attr", "value":
    "tags"}` or `{"type": "index", "value": {"value": "Secret", "type": "string"}}`. Also taken:
    bare steps ("tags", 0), index values without the cty type wrapper, and a plan-style mask
    object ({"tags": {"Secret": true}}). A step that cannot be a simple key (a set element, an
    unknown step type) ends the path there, so the whole enclosing value counts as sensitive:
    over-redacting is the safe mistake.
    """
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple(mask_paths(raw))
    paths: list[AttrPath] = []
    for i, item in enumerate(inp.lst(raw, origin, where)):
        steps = inp.lst(item, origin, f"{where}[{i}]")
        path: list[str | int] = []
        for step in steps:
            key = _step(step)
            if key is None:
                break
            path.append(key)
        if tuple(path) not in paths:
            paths.append(tuple(path))
    return tuple(paths)


def _step(step: JSON) -> str | int | None:
    if isinstance(step, str) or (isinstance(step, int) and not isinstance(step, bool)):
        return step
    if not isinstance(step, dict):
        return None
    value = step.get("value")
    if step.get("type") == "get_attr":
        return value if isinstance(value, str) else None
    if step.get("type") == "index":
        if isinstance(value, dict) and "value" in value:
            value = value["value"]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return value
    return None


def mask_paths(mask: JSON, prefix: AttrPath = ()) -> list[AttrPath]:
    """Paths of a Terraform sensitive mask (`true` where a value is sensitive)."""
    if mask is True:
        return [prefix]
    out: list[AttrPath] = []
    if isinstance(mask, dict):
        for key, value in mask.items():
            out.extend(mask_paths(value, (*prefix, str(key))))
    elif isinstance(mask, list):
        for index, value in enumerate(mask):
            out.extend(mask_paths(value, (*prefix, index)))
    return out


# -- reading -----------------------------------------------------------------------------------


StateSource = Literal["file", "s3", "terraform", "http", "tfc"]
TERRAFORM_PREFIX = "terraform:"
PULL_TIMEOUT_S = 300.0


def source_kind(ref: str) -> StateSource:
    """What a `--state` value names: `s3://b/k`, `terraform:DIR`, `https://...` (an HTTP
    backend's address), `tfc://ORG/WS` or `HOST/ORG/WS` (Terraform Cloud / Enterprise), else
    a path or glob. A path that exists is a path, whatever it looks like."""
    if ref.startswith("s3://"):
        return "s3"
    if ref.startswith(TERRAFORM_PREFIX):
        return "terraform"
    if remote.is_http_ref(ref):
        return "http"
    if remote.is_tfc_ref(ref) and (ref[:6].lower() == "tfc://" or not Path(ref).exists()):
        return "tfc"
    return "file"


def is_local_ref(ref: str) -> bool:
    """True for a path or glob: a file the run reads (and an output must never replace)."""
    return source_kind(ref) == "file"


def display_ref(ref: str) -> str:
    """A `--state` value as reports show it: an HTTP address without its credentials."""
    return remote.display_ref(ref)


def read_states(
    refs: Sequence[str],
    s3_client: Callable[[], S3Client] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> tuple[State, ...]:
    """Read every `--state` value (see `source_kind`); each document goes through
    `parse_state`, so a remote state is held to the same rules as a file.

    `s3_client` is called once, on the first S3 reference; without it a boto3 client is built
    from the AWS_* environment (endpoint, profile, region) as every AWS tool does. `env` (default
    os.environ) holds the HTTP backend's and Terraform Cloud's variables.
    """
    states: list[State] = []
    client: S3Client | None = None
    seen: set[str] = set()
    for ref in refs:
        kind = source_kind(ref)
        if kind == "s3":
            bucket, key = _split_s3(ref)
            if client is None:
                client = _s3_client(s3_client or default_s3_client, ref)
            states.append(parse_state(_read_s3(client, ref, bucket, key), ref))
            continue
        if kind != "file":
            origin = display_ref(ref)
            if kind == "terraform":
                data = pull(ref)
            elif kind == "http":
                data = remote.read_http(ref, env)
            else:
                data = remote.read_tfc(ref, env)
            states.append(dataclasses.replace(parse_state(data, origin), raw=data))
            continue
        for origin in _expand(ref):
            real = os.path.realpath(origin)
            if real in seen:
                continue
            seen.add(real)
            states.append(parse_state(read_local(Path(origin), origin, "state"), origin))
    return tuple(states)


def pull(ref: str, terraform: Terraform | None = None) -> bytes:
    """`terraform -chdir=DIR state pull` for `terraform:DIR`: whatever backend DIR is
    initialised for (S3, azurerm, gcs, Terraform Cloud, ...), with the user's own credentials
    and CLI configuration; the selected workspace (TF_WORKSPACE) as Terraform picks it."""
    directory = ref[len(TERRAFORM_PREFIX) :] or "."
    path = Path(directory)
    if not path.is_dir():
        why = "no such directory" if not path.exists() else "not a directory"
        raise bad(ref, f"{why} (terraform:DIR names a Terraform working directory)")
    tf = terraform or Terraform.find()
    if tf is None:
        raise bad(
            ref,
            "no Terraform CLI on PATH (terraform:DIR runs 'terraform state pull'; "
            "install Terraform or set DRIFTPATCH_TERRAFORM)",
        )
    try:
        proc = tf.run(["state", "pull", "-no-color"], path, timeout=PULL_TIMEOUT_S, check=False)
    except TerraformCliError as exc:
        raise bad(ref, str(exc)) from exc
    if proc.returncode != 0:
        raise bad(ref, f"terraform state pull failed: {first_error_line(proc.stderr)}")
    limit = limits.max_input_bytes()
    if len(proc.stdout) > limit:
        raise TerraformInputError(limits.too_large(ref, "state", len(proc.stdout), limit))
    if not proc.stdout.strip():
        raise bad(ref, "terraform state pull printed no state (nothing applied in this workspace?)")
    return proc.stdout


def _expand(ref: str) -> list[str]:
    if not _GLOB_MAGIC.search(ref) or Path(ref).exists():
        return [ref]
    # glob.glob, not Path.glob: the pattern may be absolute.
    matches = sorted(m for m in glob.glob(ref, recursive=True) if Path(m).is_file())  # noqa: PTH207
    if not matches:
        raise bad(ref, "no files match this pattern")
    return matches


def read_local(path: Path, origin: str, what: str) -> bytes:
    """A regular file's bytes, at most DRIFTPATCH_MAX_INPUT_BYTES of them, or one line
    saying why not (a FIFO or a device is refused before it is opened: see `limits`)."""
    try:
        return limits.read_bytes(path, origin, what, error=TerraformInputError)
    except FileNotFoundError as exc:
        raise bad(origin, f"no such {what} file") from exc
    except IsADirectoryError as exc:
        raise bad(origin, f"is a directory, expected a {what} file") from exc
    except OSError as exc:
        raise bad(origin, f"cannot read: {exc.strerror or exc}") from exc


def _split_s3(ref: str) -> tuple[str, str]:
    bucket, _, key = ref[len("s3://") :].partition("/")
    if not bucket or not key:
        raise bad(ref, "expected s3://BUCKET/KEY")
    return bucket, key


def _read_s3(client: S3Client, ref: str, bucket: str, key: str) -> bytes:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    limit = limits.max_input_bytes()
    try:
        # One byte past the cap is enough to know it is over.
        data = client.get_object(Bucket=bucket, Key=key)["Body"].read(limit + 1)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code") or "error"
        message = error.get("Message") or str(exc)
        raise bad(ref, f"{code}: {message}") from exc
    except (BotoCoreError, ResponseParserError, OSError) as exc:
        raise bad(ref, f"cannot read: {exc}") from exc
    if len(data) > limit:
        raise TerraformInputError(limits.too_large(ref, "state", len(data), limit, grew=True))
    return data


def _s3_client(factory: Callable[[], S3Client], ref: str) -> S3Client:
    from botocore.exceptions import BotoCoreError

    try:
        return factory()
    except BotoCoreError as exc:  # unknown profile, no credentials configuration, ...
        raise bad(ref, f"cannot create an S3 client: {exc}") from exc


def default_s3_client() -> S3Client:
    """An S3 client from the AWS_* environment (AWS_REGION is honoured, unlike in botocore)."""
    import boto3

    from driftpatch.aws.allowlist import guard

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    session = boto3.session.Session(region_name=region)
    client = session.client("s3", region_name=session.region_name or "us-east-1")
    guard(client)
    return client
