"""`driftpatch demo`: the whole loop on an embedded AWS, with no account.

Deploys the demo stack (terraform/ + modules/) to a moto server on 127.0.0.1 — with the real
Terraform CLI when it and a provider mirror are at hand, otherwise by replaying a recording of
that apply —, checks that a clean deployment scans to zero drift, makes console-style changes
behind Terraform's back, scans again, and leaves every report format and the patch in a folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from driftpatch import api
from driftpatch.config import Config, OutputSpec, VerifyMode
from driftpatch.demo import worlds
from driftpatch.embedded import DEFAULT_REGION, embedded_aws
from driftpatch.errors import DriftpatchError
from driftpatch.model import Kind, Report
from driftpatch.outputs import write_atomic
from driftpatch.report import REPORTERS
from driftpatch.terraform.binary import Terraform, plugin_mirror, write_mirror_cli_config

OUTPUTS = (
    OutputSpec("json", Path("report.json")),
    OutputSpec("sarif", Path("report.sarif")),
    OutputSpec("markdown", Path("report.md")),
    OutputSpec("html", Path("report.html")),
    OutputSpec("junit", Path("junit.xml")),
    OutputSpec("patch", Path("fix.patch")),
)


class DemoError(DriftpatchError):
    """The demo could not run (no demo stack next to this installation, moto missing...)."""


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    clean: Report
    drifted: Report
    changes: tuple[worlds.Change, ...]
    used_terraform: bool
    seconds: float


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """AWS_* pointing at the embedded AWS for the duration, restored afterwards."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _terraform(workdir: Path) -> Terraform | None:
    """Terraform only with a provider mirror: the demo never downloads anything."""
    tf, mirror = Terraform.find(), plugin_mirror()
    if tf is None or mirror is None:
        return None
    cfg = write_mirror_cli_config(mirror, workdir / "terraformrc")
    return tf.with_env(TF_CLI_CONFIG_FILE=str(cfg))


def run(folder: Path, console: Console, *, keep_world: bool = False) -> DemoResult:
    started = time.monotonic()
    stack = worlds.stack_path("demo")
    if not stack.is_dir():
        raise DemoError(f"the demo stack is not here ({stack}); run the demo from a checkout")
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / "world" if keep_world else Path(tempfile.mkdtemp(prefix="driftpatch-demo-"))
    try:
        with embedded_aws() as aws, _environment(aws.env()):
            tf = _terraform(work)
            how = f"Terraform {tf.version()}" if tf else "a recording of a Terraform apply"
            console.print(
                f"[bold]1.[/] Embedded AWS on {aws.endpoint_url}; deploying "
                f"terraform/ + modules/ with {how}..."
            )
            world = worlds.deploy(aws, stack, work, terraform=tf)
            config = Config(
                states=(str(world.state_path),),
                source=world.root,
                repo_root=world.workdir,
                regions=(DEFAULT_REGION,),
                endpoint_url=aws.endpoint_url,
                # The demo is the minute-long tour: its patches are checked by rule and schema;
                # `scan --verify terraform` on the kept world shows Terraform's verdict.
                verify=VerifyMode.STATIC,
            )
            clean = api.scan(config)
            drift = [f for f in clean.findings if f.kind is not Kind.MISCONFIG]
            console.print(
                f"[bold]2.[/] Clean deployment: {len(clean.resources)} resources, "
                f"[green]{len(drift)} drift findings[/], "
                f"{len(clean.findings) - len(drift)} misconfigurations already in the code."
            )
            changes = worlds.inject(world)
            console.print(f"[bold]3.[/] Someone changed things in the console ({len(changes)}):")
            for change in changes:
                console.print(f"     - {change.description}")
            drifted = api.scan(config)
    finally:
        if not keep_world:
            shutil.rmtree(work, ignore_errors=True)
    for spec in OUTPUTS:
        assert spec.path is not None
        write_atomic(folder / spec.path, REPORTERS[spec.format].render(drifted, False))
    console.print("[bold]4.[/] driftpatch scan:\n")
    console.print(
        REPORTERS["console"].render(drifted, console.is_terminal),
        end="",
        markup=False,
        highlight=False,
    )
    if drifted.combined_patch:
        console.print("\n[bold]5.[/] The fix, as a patch to the code (fix.patch):\n")
        console.print(drifted.combined_patch, markup=False, highlight=False)
    seconds = time.monotonic() - started
    console.print(
        f"Reports in {folder}/: {', '.join(str(s.path) for s in OUTPUTS)} "
        f"({seconds:.0f} s). Open report.html, or apply the patch with `git apply fix.patch`."
    )
    return DemoResult(folder, clean, drifted, changes, tf is not None, seconds)
