"""A small, optional wrapper around the Terraform CLI.

python-terraform is unmaintained and breaks on Terraform >= 0.15, so this talks to the binary
directly with `-chdir`. Only binary plans, `--state terraform:DIR` (`state pull`), patch
verification, `fmt` and the test oracle need it: every caller must cope with `Terraform.find()`
returning None.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from driftpatch.errors import DriftpatchError

MIRROR_ENV = "DRIFTPATCH_TF_PLUGIN_MIRROR"
BINARY_ENV = "DRIFTPATCH_TERRAFORM"


class TerraformCliError(DriftpatchError):
    """The Terraform CLI failed; the message carries the first line of its error."""


@dataclass(frozen=True)
class Terraform:
    executable: Path
    env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def find(cls, env: Mapping[str, str] | None = None) -> Terraform | None:
        """The CLI named by $DRIFTPATCH_TERRAFORM, else `terraform` on PATH, else None."""
        named = os.environ.get(BINARY_ENV)
        found = named if named and Path(named).is_file() else shutil.which("terraform")
        return cls(Path(found), dict(env or {})) if found else None

    def with_env(self, **extra: str) -> Terraform:
        return Terraform(self.executable, {**self.env, **extra})

    def run(
        self,
        args: Sequence[str],
        chdir: Path | None = None,
        *,
        timeout: float = 600,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        cmd = [str(self.executable)]
        if chdir is not None:
            cmd.append(f"-chdir={chdir}")
        cmd.extend(args)
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", **self.env}
        try:
            proc = subprocess.run(cmd, capture_output=True, env=env, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TerraformCliError(f"terraform {args[0] if args else ''} failed: {exc}") from exc
        if check and proc.returncode != 0:
            raise TerraformCliError(
                f"terraform {' '.join(args[:1])} failed: {first_error_line(proc.stderr)}"
            )
        return proc

    def version(self) -> str:
        out = self.run(["version", "-json"], timeout=60).stdout
        return str(json.loads(out)["terraform_version"])

    def show_json(self, plan_or_state: Path, chdir: Path | None = None) -> bytes:
        """`terraform show -json FILE`; a binary plan needs the initialised config dir."""
        return self.run(["show", "-json", str(plan_or_state.resolve())], chdir).stdout

    def init(self, chdir: Path) -> None:
        self.run(["init", "-input=false", "-no-color", "-backend=false"], chdir)

    def apply(self, chdir: Path, *, parallelism: int = 10) -> None:
        self.run(
            ["apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={parallelism}"],
            chdir,
        )

    def plan(self, chdir: Path, out: Path, *, refresh_only: bool = False) -> None:
        args = ["plan", "-input=false", "-no-color", f"-out={out.resolve()}"]
        if refresh_only:
            args.append("-refresh-only")
        self.run(args, chdir)

    def fmt(self, text: str) -> str:
        """Format HCL text with `terraform fmt -` (stdin to stdout)."""
        cmd = [str(self.executable), "fmt", "-no-color", "-"]
        env = {**os.environ, "CHECKPOINT_DISABLE": "1", **self.env}
        try:
            proc = subprocess.run(
                cmd, input=text.encode(), capture_output=True, env=env, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TerraformCliError(f"terraform fmt failed: {exc}") from exc
        if proc.returncode != 0:
            raise TerraformCliError(f"terraform fmt failed: {first_error_line(proc.stderr)}")
        return proc.stdout.decode()


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BOX = "\u2502\u2577\u2575"  # the frame Terraform draws around a diagnostic


def first_error_line(stderr: bytes) -> str:
    """The first meaningful line of Terraform's error output: the `Error:` summary of a boxed
    diagnostic, else the first line that is not a warning (a broken CLI configuration prints a
    boxed warning, with a line introducing it, before every error), colours stripped."""
    text = _ANSI.sub("", stderr.decode(errors="replace"))
    lines = [raw.strip().lstrip(_BOX).strip() for raw in text.splitlines()]
    for line in lines:
        if line.startswith("Error: "):
            return line[len("Error: ") :]
    kept: list[str] = []
    box: list[str] | None = None
    for raw, line in zip(text.splitlines(), lines, strict=True):
        opener = raw.strip()[:1]
        if opener == "\u2577":  # a diagnostic starts
            box = []
        elif opener == "\u2575" and box is not None:  # and ends
            contents = [ln for ln in box if ln]
            if contents and contents[0].startswith("Warning:"):
                while kept and not kept[-1]:
                    kept.pop()
                if kept and kept[-1].endswith(":"):  # "There are some problems with ...:"
                    kept.pop()
            else:
                kept.extend(box)
            box = None
        elif box is not None:
            box.append(line)
        else:
            kept.append(line)
    kept.extend(box or ())
    meaningful = [ln for ln in kept if ln]
    if not meaningful:
        return "no error output"
    if meaningful[0].endswith(":") and len(meaningful) > 1:  # "2 problems:" then the first
        return f"{meaningful[0]} {meaningful[1]}"
    return meaningful[0]


def plugin_mirror() -> Path | None:
    """The hashicorp/aws filesystem mirror named by $DRIFTPATCH_TF_PLUGIN_MIRROR, if usable."""
    raw = os.environ.get(MIRROR_ENV)
    if not raw:
        return None
    path = Path(raw)
    return path if (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir() else None


def write_mirror_cli_config(mirror: Path, dest: Path) -> Path:
    """A CLI config that installs hashicorp/aws from the mirror and never goes online for it."""
    dest.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )
    return dest
