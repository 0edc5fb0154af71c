"""The command line: options -> Config -> api -> reporters; errors -> exit codes.

Exit codes are a contract (DESIGN.md): 0 clean, 1 findings at or above --fail-on, 2 bad input
or usage (one line on stderr, never a traceback), 3 scan incomplete (some AWS reads failed).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from driftpatch import __version__
from driftpatch.config import Config, FailOn, OutputSpec, Prefer
from driftpatch.errors import DriftpatchError
from driftpatch.model import Report
from driftpatch.report import REPORTERS

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
DEFAULT_DEADLINE = float(Config.deadline_s or 900)


def _click_exceptions() -> tuple[Any, ...]:
    """Click's exception modules: the click package's, and the copy newer typer vendors."""
    import importlib

    modules = [click.exceptions]
    with contextlib.suppress(ImportError):
        modules.append(importlib.import_module("typer._click.exceptions"))
    return tuple(modules)


_CX = _click_exceptions()
_EXIT = (typer.Exit, *(m.Exit for m in _CX if hasattr(m, "Exit")))
_ABORT = (typer.Abort, *(m.Abort for m in _CX if hasattr(m, "Abort")))
_CLICK_ERROR = tuple(m.ClickException for m in _CX)

app = typer.Typer(
    name="driftpatch",
    help="Find drift and misconfigurations between Terraform and AWS, and write the fix "
    "into your code.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

OutputOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT[:PATH]",
        help=f"Repeatable. FORMAT: {', '.join(REPORTERS)}. Without PATH: stdout.",
    ),
]
FailOnOpt = Annotated[
    FailOn,
    typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe."),
]
SourceOpt = Annotated[
    Path | None, typer.Option("--source", metavar="DIR", help="Terraform source directory.")
]
PlanOpt = Annotated[
    Path | None,
    typer.Option("--plan", metavar="PLAN", help="Plan JSON, or a binary plan (needs terraform)."),
]
IgnoreOpt = Annotated[
    Path | None,
    typer.Option("--ignore-file", metavar="F", help="Ignore file (default: .driftpatchignore)."),
]
DeadlineOpt = Annotated[
    float,
    typer.Option(
        "--deadline",
        metavar="SECONDS",
        min=1,
        help="Stop issuing AWS reads after this long; what was not read is reported (exit 3).",
    ),
]
NoCheckovOpt = Annotated[
    bool, typer.Option("--no-checkov", help="Do not run checkov, even when it is installed.")
]


def _outputs(values: list[str] | None) -> tuple[OutputSpec, ...]:
    known = tuple(REPORTERS)
    specs = tuple(OutputSpec.parse(v, known) for v in values or ["console"])
    paths = [s.path.resolve() for s in specs if s.path]
    if len(paths) != len(set(paths)):
        raise click.UsageError("two -o options write to the same file")
    return specs


def _finish(report: Report, specs: tuple[OutputSpec, ...], fail_on: FailOn) -> int:
    from driftpatch.outputs import write_outputs

    write_outputs(report, specs)
    to_console = any(s.format == "console" and s.path is None for s in specs)
    if not to_console:
        for notice in report.notices:
            typer.echo(f"driftpatch: note: {notice}", err=True)
    for problem in report.input_problems:
        typer.echo(f"driftpatch: {problem.scope}: {problem.message}", err=True)
    if report.input_problems:
        return EXIT_INPUT
    if report.errors:
        typer.echo(
            f"driftpatch: scan incomplete: {len(report.errors)} part(s) could not be read "
            "(see the report's errors)",
            err=True,
        )
        return EXIT_INCOMPLETE
    if any(fail_on.trips(f.severity) for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


@app.command()
def scan(
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state", metavar="PATH|s3://bucket/key", help="Repeatable; globs are expanded."
        ),
    ] = None,
    plan: PlanOpt = None,
    source: SourceOpt = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", metavar="R", help="Repeatable.")
    ] = None,
    profile: Annotated[str | None, typer.Option("--profile", metavar="P")] = None,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", metavar="URL")] = None,
    live: Annotated[
        Path | None,
        typer.Option("--live", metavar="SNAPSHOT.json", help="Use a saved inventory, not AWS."),
    ] = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.LOW,
    ignore_file: IgnoreOpt = None,
    no_checkov: NoCheckovOpt = False,
    prefer: Annotated[
        Prefer,
        typer.Option("--prefer", help="Remedy for drift: follow the rules, or force one."),
    ] = Prefer.AUTO,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
) -> None:
    """State + live AWS (+ HCL, + plan): drift and misconfigurations. The nightly job."""
    from driftpatch import api

    specs = _outputs(output)
    if not state and not plan:
        raise click.UsageError("scan needs --state (or --plan) to know what the code says")
    config = Config(
        states=tuple(state or ()),
        plan=plan,
        source=source,
        regions=tuple(region or ()),
        profile=profile,
        endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None,
        live_snapshot=live,
        ignore_file=ignore_file,
        checkov=not no_checkov,
        prefer=prefer,
        deadline_s=deadline,
    )
    raise typer.Exit(_finish(api.scan(config), specs, fail_on))


@app.command()
def check(
    source: SourceOpt = None,
    plan: PlanOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.LOW,
    ignore_file: IgnoreOpt = None,
    no_checkov: NoCheckovOpt = False,
) -> None:
    """HCL + plan JSON, no AWS: misconfigurations and the plan's drift. The pull-request job."""
    from driftpatch import api

    specs = _outputs(output)
    if source is None and plan is None:
        source = Path()
    config = Config(
        plan=plan, source=source, ignore_file=ignore_file, checkov=not no_checkov, offline=True
    )
    raise typer.Exit(_finish(api.check(config), specs, fail_on))


@app.command()
def inventory(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", metavar="SNAPSHOT.json", help="Where to write it."),
    ],
    region: Annotated[
        list[str] | None, typer.Option("--region", metavar="R", help="Repeatable.")
    ] = None,
    types: Annotated[
        str | None,
        typer.Option("--types", metavar="T,...", help="Only these Terraform types."),
    ] = None,
    profile: Annotated[str | None, typer.Option("--profile", metavar="P")] = None,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", metavar="URL")] = None,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
) -> None:
    """Read every covered resource type from AWS (read-only) into a snapshot for `scan --live`."""
    from driftpatch.api import session_for
    from driftpatch.aws.inventory import take_inventory
    from driftpatch.aws.readers import covered_types
    from driftpatch.outputs import write_atomic

    wanted = None
    if types:
        wanted = {t.strip() for t in types.split(",") if t.strip()}
        unknown = sorted(wanted - covered_types())
        if unknown:
            covered = ", ".join(sorted(covered_types()))
            raise click.UsageError(f"no reader for {', '.join(unknown)} (covered: {covered})")
    session = session_for(
        Config(
            regions=tuple(region or ()),
            profile=profile,
            endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None,
            deadline_s=deadline,
        )
    )
    regions = list(
        dict.fromkeys(region or ([session.default_region] if session.default_region else []))
    )
    inv = take_inventory(session, regions, types=wanted)
    write_atomic(output, json.dumps(inv.to_json(), indent=2, ensure_ascii=False) + "\n")
    typer.echo(
        f"driftpatch: {len(inv.resources)} resources in {', '.join(inv.regions)} "
        f"({sum(inv.calls.values())} API calls) -> {output}",
        err=True,
    )
    for err in inv.errors:
        typer.echo(f"driftpatch: skipped {err.scope}: {err.message}", err=True)
    raise typer.Exit(EXIT_INCOMPLETE if inv.errors else EXIT_OK)


@app.command()
def patch(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    source: SourceOpt = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the patches (all or nothing).")
    ] = False,
) -> None:
    """Show a saved report's patches as one diff, or apply them (refused if files changed)."""
    from driftpatch.fix.apply import plan_application, write_all
    from driftpatch.fix.diff import unified
    from driftpatch.reportio import load_patches
    from driftpatch.terraform.source import find_repo_root

    patches = load_patches(report)
    root = find_repo_root((source or Path.cwd()).resolve())
    if not patches:
        typer.echo("driftpatch: the report has no patches", err=True)
        raise typer.Exit(EXIT_OK)
    result = plan_application(patches, root)
    if not apply:
        for rel in sorted(result.files):
            path = root / rel
            old = path.read_text(encoding="utf-8") if path.is_file() else None
            sys.stdout.write(unified(rel, old, result.files[rel]))
        raise typer.Exit(EXIT_OK)
    written = write_all(result, root)
    unverified = sum(1 for p in patches if not p.verified)
    typer.echo(
        f"driftpatch: patched {len(written)} file(s): {', '.join(written)}"
        + (f" ({unverified} patch(es) were not verified: review them)" if unverified else ""),
        err=True,
    )
    raise typer.Exit(EXIT_OK)


@app.command()
def demo(
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DIR",
            help="Keep everything (stack copy, state, reports) in DIR.",
        ),
    ] = None,
) -> None:
    """Deploy the demo stack to an embedded AWS, change it by hand, scan, and show the fix."""
    from rich.console import Console

    from driftpatch.demo import run

    folder = keep or Path("driftpatch-demo")
    run(folder, Console(highlight=False), keep_world=keep is not None)
    raise typer.Exit(EXIT_OK)


@app.command()
def ignore(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="PATH", help="Write here (default: stdout)."),
    ] = None,
) -> None:
    """Write an ignore file that accepts every finding of a report (edit it, then commit it)."""
    from driftpatch.drift.ignore import generate
    from driftpatch.outputs import write_atomic
    from driftpatch.reportio import load_findings

    text = generate(load_findings(report))
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
    raise typer.Exit(EXIT_OK)


@app.command()
def rules(
    output: Annotated[
        str | None, typer.Option("-o", "--output", metavar="json", help="json for machines.")
    ] = None,
) -> None:
    """The rule catalogue: ids, severities, CIS references, checkov equivalents, fixes."""
    from driftpatch.rules.catalogue import catalogue

    entries = catalogue()
    if output not in (None, "json", "console"):
        raise click.UsageError("rules -o takes json (or console)")
    if output == "json":
        sys.stdout.write(json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_OK)
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"driftpatch rules ({len(entries)})", show_lines=False)
    for col in ("id", "severity", "title", "CIS", "checkov", "fix"):
        table.add_column(col, overflow="fold")
    for e in entries:
        refs = [r for r in e.get("references", []) if str(r).startswith("CIS")]
        table.add_row(
            str(e["id"]),
            str(e["severity"]),
            str(e["title"]),
            ", ".join(str(r).removeprefix("CIS AWS ") for r in refs),
            ", ".join(map(str, e.get("checkov") or [])),
            "yes" if e.get("fixable") else "",
        )
    Console().print(table)
    raise typer.Exit(EXIT_OK)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"driftpatch {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """driftpatch: Terraform drift and misconfiguration checker."""


def _one_line(message: str) -> str:
    return " ".join(message.split())


def main(argv: list[str] | None = None) -> None:
    """Entry point: every failure is one line on stderr and a contract exit code."""
    try:
        code = app(args=argv, standalone_mode=False)
    except _EXIT as exc:
        code = exc.exit_code
    except _ABORT:
        typer.echo("driftpatch: aborted", err=True)
        code = 130
    except _CLICK_ERROR as exc:  # usage errors: bad option, missing value, bad choice
        typer.echo(f"driftpatch: error: {_one_line(exc.format_message())}", err=True)
        code = EXIT_INPUT
    except DriftpatchError as exc:
        typer.echo(f"driftpatch: error: {_one_line(str(exc))}", err=True)
        code = EXIT_INPUT
    except KeyboardInterrupt:
        typer.echo("driftpatch: interrupted", err=True)
        code = 130
    except Exception as exc:  # a bug: still one line, a traceback only on request
        if os.environ.get("DRIFTPATCH_DEBUG"):
            raise
        typer.echo(
            f"driftpatch: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
            "(set DRIFTPATCH_DEBUG=1 for a traceback)",
            err=True,
        )
        code = EXIT_INPUT
    sys.exit(code if isinstance(code, int) else 0)
