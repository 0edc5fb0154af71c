"""Terraform as the judge: plan each patch on a copy of the code, against the scan's state.

driftpatch's own re-evaluation only proves that its rule stops firing; `terraform plan` proves
what the next apply would do. The sandbox:

- **One copy, initialised once.** The directories of the configuration (root module, local
  modules and the directories between them and the repository root) are mirrored into a
  temporary directory: Terraform files are copied (patches are written into them), everything
  else is a symlink to the original (templates, lambda zips, `path.module` files), and
  `.terraform`, state files and `.git` are left out. `terraform init` then runs once, with the
  providers the user's directory already has: when `<source>/.terraform/providers` exists it is
  used as an (unpacked) filesystem mirror, so init links the same binaries and needs no
  network; installed remote modules (`.terraform/modules`) are copied. Without those, init uses
  the user's own CLI configuration (mirror, plugin cache or registry).
- **The scan's state, locally.** An override file (`driftpatch_verify_backend_override.tf`) sets
  `backend "local" {}` (overrides replace any `backend` or `cloud` block), so nothing touches
  the team's remote state or its lock, and the state the scan read is written next to it.
- **Refreshed once, where it matters.** The patch's promises are about the world the scan saw:
  a codified value is the live value, so with the recorded (pre-drift) state every codify would
  plan as an update. When the scan read live AWS, one `terraform apply -refresh-only` brings
  the sandbox's *local copy* of the state up to date (a refresh-only apply writes only that
  state file: no AWS call beyond the reads a refresh makes). The scan already knows which
  instances differ from their recorded state (its findings): verification targets the refresh
  at those and at the patches' addresses (`-target`, with what they depend on), since
  refreshing an instance that matches its record changes nothing yet costs as much as
  `terraform plan -refresh-only` of the whole world. Every later plan runs
  with `-refresh=false -lock=false`: the state is then exactly the scan's view, and N patches
  cost one refresh, not N. Without live AWS (`--live SNAPSHOT`, `check`) the state is used as
  recorded and a codify cannot be judged by the plan (see `fix/verification.py`).
- **One working copy per candidate**, made from the initialised one: its Terraform files are
  copied, everything else (including `.terraform`, so providers are shared) is a symlink. The
  candidates (the unpatched baseline, layers of patches on disjoint addresses combined
  (fix/batch.py) or single patches, all default patches together) are planned in a pool bounded
  by the cores: each plan is a provider process and ~1 CPU.
- **One per scan.** `SharedSandbox` builds it at first use: the long-tail refresh plans on it
  against the recorded state, verification then refreshes it (`ensure_refreshed`), so a scan
  runs `terraform init` once.

A successful `plan` implies `validate`: Terraform validates the whole configuration before it
plans; `validate -json` runs on its own only where no plan can (no state) or to tell a
configuration error from a planning one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftpatch.model import Effect
from driftpatch.terraform.binary import (
    Terraform,
    TerraformCliError,
    first_error_line,
    plugin_mirror,
    write_mirror_cli_config,
)

if TYPE_CHECKING:  # annotations only: the HCL parser (lark) loads when a scan reads --source
    from driftpatch.terraform.source import SourceIndex

BACKEND_OVERRIDE = "driftpatch_verify_backend_override.tf"
STATE_NAME = "terraform.tfstate"
GENERATE_IMPORTS = "driftpatch_generate_imports.tf"
GENERATE_OUT = "driftpatch_generated.tf"
PROBE_FILE = "driftpatch_default_probe.tf"
_HCL_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".terraform.lock.hcl")
_SKIP_NAMES = frozenset({".terraform", ".git", ".hg", ".svn"})
_CLI_CONFIG = "driftpatch.tfrc"


@dataclass(frozen=True)
class Change:
    """One `resource_changes` entry of a plan, as the judge needs it."""

    address: str
    actions: tuple[str, ...]
    importing: bool
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    after_unknown: Mapping[str, Any]

    @property
    def effect(self) -> Effect:
        return effect_of(self.actions, self.importing)


def effect_of(actions: Sequence[str], importing: bool) -> Effect:
    """Terraform's action list as one effect word; an import wins over the update it carries."""
    acts = tuple(actions)
    if importing:
        return Effect.IMPORT
    if acts in (("no-op",), ("read",)):
        return Effect.NONE
    if acts == ("update",):
        return Effect.UPDATE
    if acts == ("create",):
        return Effect.CREATE
    if acts == ("delete",):
        return Effect.DESTROY
    if acts == ("forget",):
        return Effect.FORGET
    if "delete" in acts or "forget" in acts:  # delete+create, create+delete, create+forget
        return Effect.REPLACE
    return Effect.UPDATE


@dataclass(frozen=True)
class Outcome:
    """What Terraform said about one candidate: `error` is empty when it planned (or, where no
    plan could run, validated); `planned` says a plan ran."""

    validated: bool
    planned: bool
    error: str = ""
    changes: Mapping[str, Change] = field(default_factory=dict)


def parse_changes(plan: Mapping[str, Any]) -> dict[str, Change]:
    out: dict[str, Change] = {}
    for rc in plan.get("resource_changes") or ():
        if not isinstance(rc, Mapping) or rc.get("mode", "managed") != "managed":
            continue
        change = rc.get("change") or {}
        before, after = change.get("before"), change.get("after")
        unknown = change.get("after_unknown")
        address = str(rc.get("address"))
        out[address] = Change(
            address=address,
            actions=tuple(change.get("actions") or ()),
            importing=bool(change.get("importing")),
            before=before if isinstance(before, Mapping) else {},
            after=after if isinstance(after, Mapping) else {},
            after_unknown=unknown if isinstance(unknown, Mapping) else {},
        )
    return out


def default_workers() -> int:
    """Concurrent Terraform runs: each plan is a Terraform process plus a provider process
    that keep about one core busy, so one per core (more only queue for the CPU)."""
    return max(1, os.cpu_count() or 1)


class SandboxError(Exception):
    """The sandbox could not be built or initialised (the message says why, for a reason)."""


class Sandbox:
    """An initialised copy of the configuration that plans candidate file sets."""

    def __init__(
        self,
        terraform: Terraform,
        index: SourceIndex,
        *,
        state: bytes | None,
        refresh: bool,
        env: Mapping[str, str] | None = None,
        workers: int = 0,
    ) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="driftpatch-verify-"))
        self.root = index.root.resolve()
        self.index = index
        self.source_rel = index.source_dir.resolve().relative_to(self.root)
        self.has_state = state is not None
        self.workers = max(1, workers or default_workers())
        # The local backend keeps a non-default workspace's state elsewhere: the sandbox has one.
        self.tf = terraform.with_env(**{**dict(env or {}), "TF_WORKSPACE": "default"})
        self._counter = 0
        self._lock = threading.Lock()
        self.judged = 0  # candidates planned or validated, for the report's stats
        # Seconds spent per kind of Terraform run (init, refresh, plan, show, validate...),
        # summed over threads, and how many ran: where verification's time goes.
        self.timings: dict[str, float] = {}
        self.runs: dict[str, int] = {}
        self.refreshed = False
        self.refresh_targets: int | None = None  # how many the refresh targeted (None: all)
        self.base = self._tmp / "base"
        try:
            self._mirror_tree(self.base)
            self._init(index.source_dir.resolve())
            if state is not None:
                (self.base_source / STATE_NAME).write_bytes(state)
        except SandboxError:
            self.close()
            raise
        except (OSError, TerraformCliError) as exc:  # a file we cannot copy, a CLI timeout
            self.close()
            raise SandboxError(str(exc)) from exc
        if refresh:
            self.ensure_refreshed()

    def _run(
        self, label: str, args: Sequence[str], chdir: Path
    ) -> subprocess.CompletedProcess[bytes]:
        """`terraform ARGS` (never raising on a non-zero exit), timed under `label`."""
        started = time.monotonic()
        try:
            return self.tf.run(args, chdir, check=False)
        finally:
            self._count(label, time.monotonic() - started)

    def _show(self, plan: Path, chdir: Path) -> bytes:
        started = time.monotonic()
        try:
            return self.tf.show_json(plan, chdir)
        finally:
            self._count("show", time.monotonic() - started)

    def _count(self, label: str, seconds: float) -> None:
        with self._lock:
            self.timings[label] = self.timings.get(label, 0.0) + seconds
            self.runs[label] = self.runs.get(label, 0) + 1

    def ensure_refreshed(self, targets: Sequence[str] | None = None) -> None:
        """Bring the local state copy up to date once (see the module docstring); a sandbox
        shared by the long-tail refresh (which plans against the recorded state) and by
        verification is refreshed only when verification first needs it. `targets` (config
        addresses in the state) limits the refresh to them and what they depend on; None
        refreshes everything."""
        if self.refreshed or not self.has_state:
            return
        if targets is not None and not targets:  # nothing differs from its record
            self.refreshed, self.refresh_targets = True, 0
            return
        try:
            self._refresh(targets)
        except TerraformCliError as exc:
            raise SandboxError(str(exc)) from exc
        self.refreshed = True

    @property
    def base_source(self) -> Path:
        return self.base / self.source_rel

    # -- building ------------------------------------------------------------------------------

    def _real_dirs(self) -> set[Path]:
        dirs = {self.index.source_dir.resolve()}
        dirs.update(m.directory.resolve() for m in self.index.modules.values())
        # -var-file files are copied (a codify may write into one), never linked.
        dirs.update((self.root / rel).parent.resolve() for rel in self.index.var_files)
        out: set[Path] = set()
        for d in dirs:
            if d != self.root and self.root not in d.parents:
                continue  # outside the repository (installed remote modules): copied by init
            out.add(d)
            out.update(p for p in d.parents if p == self.root or self.root in p.parents)
        return out

    def _mirror_tree(self, dest: Path) -> None:
        real = self._real_dirs()
        texts = self.index.texts

        def mirror(src: Path, dst: Path) -> None:
            dst.mkdir(parents=True, exist_ok=True)
            try:
                entries = sorted(src.iterdir())
            except OSError as exc:
                raise SandboxError(f"cannot list {src}: {exc.strerror}") from exc
            for entry in entries:
                name = entry.name
                if name in _SKIP_NAMES or ".tfstate" in name or name.endswith(".tfplan"):
                    continue
                target = dst / name
                if entry.is_dir() and entry.resolve() in real:
                    mirror(entry, target)
                elif entry.is_file() and name.endswith(_HCL_SUFFIXES):
                    rel = entry.relative_to(self.root).as_posix()
                    if rel in texts:
                        target.write_text(texts[rel], encoding="utf-8", newline="")
                    else:
                        shutil.copyfile(entry, target)
                else:
                    target.symlink_to(entry.resolve())

        mirror(self.root, dest)

    def _init(self, user_source: Path) -> None:
        base = self.base_source
        (base / BACKEND_OVERRIDE).write_text('terraform {\n  backend "local" {}\n}\n')
        modules = user_source / ".terraform" / "modules"
        get = True
        if modules.is_dir():
            shutil.copytree(modules, base / ".terraform" / "modules", symlinks=True)
            get = False
        args = ["init", "-input=false", "-no-color", "-lock=false"]
        if not get:
            args.append("-get=false")
        providers = user_source / ".terraform" / "providers"
        errors: list[str] = []
        if providers.is_dir():
            cfg = self._tmp / _CLI_CONFIG
            cfg.write_text(
                "provider_installation {\n  filesystem_mirror {\n"
                f"    path = {json.dumps(str(providers.resolve()))}\n  }}\n}}\n"
            )
            mirrored = self.tf.with_env(TF_CLI_CONFIG_FILE=str(cfg))
            started = time.monotonic()
            proc = mirrored.run(args, base, check=False)
            self._count("init", time.monotonic() - started)
            if proc.returncode == 0:
                self.tf = mirrored
                return
            errors.append(first_error_line(proc.stderr))
        mirror = plugin_mirror()
        if mirror is not None and not _configured(self.tf):
            # The mirror driftpatch's own tests and CI name ($DRIFTPATCH_TF_PLUGIN_MIRROR).
            cfg = write_mirror_cli_config(mirror, self._tmp / "mirror.tfrc")
            self.tf = self.tf.with_env(TF_CLI_CONFIG_FILE=str(cfg))
        proc = self._run("init", args, base)
        if proc.returncode != 0:
            errors.append(first_error_line(proc.stderr))
            raise SandboxError(f"terraform init failed: {errors[-1]}")

    def _var_file_args(self, copy: Path) -> list[str]:
        """`-var-file=` for each of the scan's var files, as they are in `copy`."""
        return [f"-var-file={(copy / rel).resolve()}" for rel in self.index.var_files]

    def _refresh(self, targets: Sequence[str] | None = None) -> None:
        """One `apply -refresh-only` into the sandbox's local copy of the state (see above)."""
        self.refresh_targets = None if targets is None else len(targets)
        proc = self._run(
            "refresh",
            [
                "apply",
                "-refresh-only",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-lock=false",
                *(f"-target={t}" for t in targets or ()),
                *self._var_file_args(self.base),
            ],
            self.base_source,
        )
        if proc.returncode != 0:
            raise SandboxError(f"refreshing the state copy failed: {first_error_line(proc.stderr)}")

    def refresh_plan(self, targets: Sequence[str]) -> bytes:
        """`plan -refresh-only` of `targets` on the base copy, as `show -json` bytes: what the
        provider reads for types driftpatch has no reader of. Reads only; the plan file stays
        in the sandbox."""
        out = self.base_source / "refresh.tfplan"
        proc = self._run(
            "refresh-plan",
            [
                "plan",
                "-refresh-only",
                "-input=false",
                "-no-color",
                "-lock=false",
                f"-out={out}",
                *(f"-target={t}" for t in targets),
                *self._var_file_args(self.base),
            ],
            self.base_source,
        )
        if proc.returncode != 0:
            raise SandboxError(
                f"terraform plan -refresh-only failed: {first_error_line(proc.stderr)}"
            )
        try:
            return self._show(out, self.base_source)
        except TerraformCliError as exc:
            raise SandboxError(str(exc)) from exc

    def _working_copy(self) -> Path:
        """A copy of the base: Terraform files copied, the rest (and `.terraform`) linked."""
        with self._lock:  # tfgen makes two copies from two threads
            self._counter += 1
            dest = self._tmp / f"c{self._counter}"

        def copy(src: Path, dst: Path) -> None:
            dst.mkdir(parents=True, exist_ok=True)
            for entry in src.iterdir():
                target = dst / entry.name
                if entry.is_symlink():
                    target.symlink_to(entry.readlink())
                elif entry.is_dir():
                    if entry.name == ".terraform":
                        target.symlink_to(entry.resolve())
                    else:
                        copy(entry, target)
                elif entry.name == STATE_NAME or entry.name.endswith(".tfplan"):
                    target.symlink_to(entry.resolve())
                else:
                    shutil.copyfile(entry, target)

        copy(self.base, dest)
        return dest

    # -- judging -------------------------------------------------------------------------------

    def judge(self, candidates: Mapping[str, Mapping[str, str]]) -> dict[str, Outcome]:
        """Plan every candidate (key -> {repo-relative file: full text}) concurrently."""
        jobs = [(key, files, self._working_copy()) for key, files in candidates.items()]
        self.judged += len(jobs)
        with ThreadPoolExecutor(max_workers=min(self.workers, max(len(jobs), 1))) as pool:
            results = list(pool.map(lambda job: (job[0], self._one(job[2], job[1])), jobs))
        return dict(results)

    def _one(self, copy: Path, files: Mapping[str, str]) -> Outcome:
        for rel, text in files.items():
            path = copy / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                path.unlink()
            path.write_text(text, encoding="utf-8", newline="")
        here = copy / self.source_rel
        try:
            if not self.has_state:
                return self._validate(here)
            out = here / "candidate.tfplan"
            proc = self._run(
                "plan",
                [
                    "plan",
                    "-input=false",
                    "-no-color",
                    "-lock=false",
                    "-refresh=false",
                    f"-out={out}",
                    *self._var_file_args(copy),
                ],
                here,
            )
            if proc.returncode != 0:
                valid = self._validate(here)
                if valid.error:
                    return valid
                return Outcome(
                    True, False, f"terraform plan failed: {first_error_line(proc.stderr)}"
                )
            doc = json.loads(self._show(out, here))
            return Outcome(True, True, "", parse_changes(doc))
        except (TerraformCliError, json.JSONDecodeError) as exc:
            return Outcome(False, False, str(exc))
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    def generate_config(self, import_blocks: str) -> tuple[str, str]:
        """(the file `terraform plan -generate-config-out` writes for `import_blocks`, the first
        error line of the run or ""), on one working copy: one run for every import.

        The run fails when a generated block does not validate, yet the file is written: both
        are returned (fix/tfgen.py cleans the file; the judge then plans the result)."""
        copy = self._working_copy()
        here = copy / self.source_rel
        try:
            (here / GENERATE_IMPORTS).write_text(import_blocks, encoding="utf-8")
            proc = self._run(
                "generate-config",
                [
                    "plan",
                    "-input=false",
                    "-no-color",
                    "-lock=false",
                    "-refresh=false",
                    f"-generate-config-out={GENERATE_OUT}",
                    *self._var_file_args(copy),
                ],
                here,
            )
            out = here / GENERATE_OUT
            text = out.read_text(encoding="utf-8") if out.is_file() else ""
            error = "" if proc.returncode == 0 else first_error_line(proc.stderr)
            return text, error
        except (TerraformCliError, OSError) as exc:
            return "", str(exc)
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    def plan_new(self, blocks: str, addresses: Sequence[str]) -> dict[str, Change] | str:
        """The planned creation of `addresses` (resources declared in `blocks`, added to one
        working copy, planned alone with -target): their `after` values are what the provider
        makes of the arguments left out. Never applied. A string says why no plan came."""
        copy = self._working_copy()
        here = copy / self.source_rel
        try:
            (here / PROBE_FILE).write_text(blocks, encoding="utf-8")
            out = here / "probe.tfplan"
            proc = self._run(
                "probe-plan",
                [
                    "plan",
                    "-input=false",
                    "-no-color",
                    "-lock=false",
                    "-refresh=false",
                    f"-out={out}",
                    *(f"-target={a}" for a in addresses),
                    *self._var_file_args(copy),
                ],
                here,
            )
            if proc.returncode != 0:
                return first_error_line(proc.stderr)
            changes = parse_changes(json.loads(self._show(out, here)))
            return {a: c for a, c in changes.items() if a in addresses}
        except (TerraformCliError, json.JSONDecodeError, OSError) as exc:
            return str(exc)
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    def _validate(self, here: Path) -> Outcome:
        proc = self._run("validate", ["validate", "-json", "-no-color"], here)
        try:
            doc = json.loads(proc.stdout or b"{}")
        except json.JSONDecodeError:
            doc = {}
        if proc.returncode == 0 and doc.get("valid", True):
            return Outcome(True, False)
        message = _first_diagnostic(doc.get("diagnostics") or ()) or first_error_line(proc.stderr)
        return Outcome(False, False, f"terraform validate: {message}")

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


class SharedSandbox:
    """One initialised sandbox per scan, built at first use and shared: the long-tail refresh
    (`refresh_plan`, against the recorded state) and patch verification (after
    `ensure_refreshed`) would otherwise each copy the configuration and run `terraform init`.
    A failure to build is remembered (the second user gets the same reason, not a second
    attempt). The scan that made it closes it."""

    def __init__(self) -> None:
        self._sandbox: Sandbox | None = None
        self._error: SandboxError | None = None
        self._lock = threading.Lock()

    def get(
        self,
        terraform: Terraform,
        index: SourceIndex,
        *,
        state: bytes | None,
        env: Mapping[str, str] | None = None,
        workers: int = 0,
    ) -> Sandbox:
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._sandbox is None:
                try:
                    self._sandbox = Sandbox(
                        terraform, index, state=state, refresh=False, env=env, workers=workers
                    )
                except SandboxError as exc:
                    self._error = exc
                    raise
            return self._sandbox

    def close(self) -> None:
        with self._lock:
            if self._sandbox is not None:
                self._sandbox.close()
                self._sandbox = None


def _configured(tf: Terraform) -> bool:
    """The CLI already has a configuration that says where providers come from."""
    path = tf.env.get("TF_CLI_CONFIG_FILE") or os.environ.get("TF_CLI_CONFIG_FILE")
    if not path:
        return False
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "provider_installation" in text or "plugin_cache_dir" in text


def _first_diagnostic(diagnostics: Iterable[Any]) -> str:
    for d in diagnostics:
        if isinstance(d, Mapping) and d.get("severity") == "error":
            summary, detail = str(d.get("summary") or ""), str(d.get("detail") or "")
            rng = d.get("range") if isinstance(d.get("range"), Mapping) else None
            where = ""
            if rng is not None:
                start = rng.get("start") or {}
                where = f" ({rng.get('filename')}:{start.get('line')})"
            return (f"{summary}: {detail}" if detail else summary) + where
    return ""
