"""The command line: options -> Config -> api -> reporters; errors -> exit codes.

Exit codes are a contract (DESIGN.md): 0 clean, 1 findings at or above --fail-on, 2 bad input
or usage (one line on stderr, never a traceback), 3 scan incomplete (some AWS reads failed).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import os
import sys
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from driftpatch import __version__
from driftpatch.config import (
    Config,
    FailOn,
    Include,
    Only,
    OutputSpec,
    Prefer,
    Selection,
    VerifyMode,
)
from driftpatch.errors import DriftpatchError, InputError
from driftpatch.model import PatchAction, Report, Severity
from driftpatch.shard import Shard

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

# The output formats' names, for the help text: the reporters themselves (rich among them)
# load only when a command writes (tests/cli/test_startup.py keeps this equal to REPORTERS).
FORMATS = ("console", "json", "sarif", "markdown", "html", "junit", "patch")
OutputOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT[:PATH]",
        help=f"Repeatable. FORMAT: {', '.join(FORMATS)}. Without PATH: stdout.",
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
HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--history",
        metavar="DB",
        help="Record this run in a SQLite history; findings get first_seen, last_seen and "
        "new/recurring.",
    ),
]
NotifyOpt = Annotated[
    str | None,
    typer.Option(
        "--notify",
        metavar="URL",
        help="POST new findings (at or above --notify-on) to this webhook (Slack-compatible).",
    ),
]
NotifyOnOpt = Annotated[
    FailOn, typer.Option("--notify-on", help="Lowest severity that is worth an alert.")
]
SarifCategoryOpt = Annotated[
    str | None,
    typer.Option(
        "--sarif-category",
        metavar="NAME",
        help="SARIF automationDetails.id (default: driftpatch/COMMAND[/SOURCE]); uploads of "
        "one category replace each other in code scanning.",
    ),
]
VerifyOpt = Annotated[
    VerifyMode,
    typer.Option(
        "--verify",
        help="How to verify patches: terraform (validate + plan on a copy), static (provider "
        "schema), or auto: terraform when a CLI and the providers are at hand.",
    ),
]
IncludeOpt = Annotated[
    str | None,
    typer.Option(
        "--patch-include",
        metavar="unverified,replacing",
        help="Also write these patches with -o patch (default: only verified, non-replacing).",
    ),
]
KindsOpt = Annotated[
    str | None,
    typer.Option(
        "--patch-kinds",
        metavar="codify,fix,import,remove,revert",
        help="Write only patches of these actions with -o patch.",
    ),
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
VarFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--var-file",
        metavar="FILE",
        help="Repeatable: a variables file, read after terraform.tfvars and *.auto.tfvars as "
        "Terraform reads -var-file (later wins); codify patches write where the value is set.",
    ),
]
NoCheckovOpt = Annotated[
    bool, typer.Option("--no-checkov", help="Do not run checkov, even when it is installed.")
]
OnlyOpt = Annotated[
    Only | None,
    typer.Option(
        "--only",
        help="Report only drift (drift, missing, unmanaged) or only misconfigurations.",
    ),
]
MinSeverityOpt = Annotated[
    Severity | None,
    typer.Option("--min-severity", help="Report only findings at least this severe."),
]
RuleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rule",
        metavar="ID_OR_GLOB",
        help="Repeatable: report only these rules (rule id or checkov id; * and ? wildcards).",
    ),
]
SkipRuleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--skip-rule",
        metavar="ID_OR_GLOB",
        help="Repeatable: do not report these rules (rule id or checkov id; * and ? wildcards).",
    ),
]
CompactOpt = Annotated[
    bool,
    typer.Option(
        "--compact", help="Console and markdown: one line per finding, no details or patches."
    ),
]


def _rule_patterns(values: list[str] | None, option: str) -> tuple[str, ...]:
    """--rule/--skip-rule values (repeatable, each may list several, comma-separated)."""
    out: list[str] = []
    for value in values or ():
        parts = [p.strip() for p in value.split(",")]
        if not all(parts):
            raise click.UsageError(f"{option}: empty rule id in {value!r}")
        out.extend(parts)
    return tuple(dict.fromkeys(out))


def _selection(
    only: Only | None,
    min_severity: Severity | None,
    rule: list[str] | None,
    skip_rule: list[str] | None,
) -> Selection:
    return Selection(
        only=only,
        min_severity=min_severity,
        rules=_rule_patterns(rule, "--rule"),
        skip_rules=_rule_patterns(skip_rule, "--skip-rule"),
    )


def _outputs(
    values: list[str] | None,
    *,
    states: list[str] | None = None,
    plan: Path | None = None,
    live: Path | None = None,
    ignore_file: Path | None = None,
    source: Path | None = None,
    history: Path | None = None,
    var_files: Sequence[Path] = (),
) -> tuple[OutputSpec, ...]:
    """The -o specs, refused (exit 2, before anything runs or is written) when two write the
    same file or one would replace an input of the run (driftpatch.outputs.refuse_inputs)."""
    from driftpatch.drift.ignore import DEFAULT_NAME
    from driftpatch.outputs import Inputs, refuse_all
    from driftpatch.report import REPORTERS
    from driftpatch.terraform.state import is_local_ref

    known = tuple(REPORTERS)
    specs = tuple(OutputSpec.parse(v, known) for v in values or ["console"])
    paths = [s.path.resolve() for s in specs if s.path]
    if len(paths) != len(set(paths)):
        raise click.UsageError("two -o options write to the same file")
    files: list[tuple[str, Path]] = []
    globs: list[str] = []
    for ref in states or ():
        if not is_local_ref(ref):  # s3://, terraform:DIR, https://, tfc://: nothing local
            continue
        files.append(("--state file", Path(ref)))
        if any(c in ref for c in "*?["):
            globs.append(ref)
    for what, path in (
        ("--plan", plan),
        ("--live snapshot", live),
        ("--ignore-file", ignore_file),
        ("--history database", history),
    ):
        if path is not None:
            files.append((what, path))
    files.extend(("--var-file", path) for path in var_files)
    if ignore_file is None:  # the defaults the run may read
        for base in (source, Path()):
            if base is not None:
                files.append(("ignore file", base / DEFAULT_NAME))
    refuse_all(specs, Inputs(tuple(files), tuple(globs)))
    return specs


def _endpoint_url(option: str | None) -> str | None:
    """--endpoint-url, else AWS_ENDPOINT_URL: an http(s) URL with a host, or a usage error
    (botocore would raise ValueError deep inside the first client it builds)."""
    name, value = "--endpoint-url", option
    if not value:
        name, value = "AWS_ENDPOINT_URL", os.environ.get("AWS_ENDPOINT_URL")
    if not value:
        return None
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not 0-65535
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or any(ch.isspace() for ch in value):
        shown = value.encode("unicode_escape").decode("ascii")[:120]
        raise click.UsageError(
            f"{name}: {shown!r} is not an http:// or https:// URL with a host "
            "(e.g. http://127.0.0.1:5000)"
        )
    return value


def _choices(raw: str | None, option: str, allowed: tuple[str, ...]) -> frozenset[str]:
    """A comma-separated option's values, each one of `allowed` (else bad usage)."""
    values = frozenset(v.strip() for v in (raw or "").split(",") if v.strip())
    unknown = sorted(values - set(allowed))
    if unknown:
        raise click.UsageError(
            f"{option}: unknown value {unknown[0]!r} (choose from {', '.join(allowed)})"
        )
    return values


def _patch_options(include: str | None, kinds: str | None) -> dict[str, Any]:
    actions = tuple(a.value for a in PatchAction)
    chosen = _choices(kinds, "--patch-kinds", actions)
    return {
        "patch_include": frozenset(
            Include(v) for v in _choices(include, "--patch-include", tuple(Include))
        ),
        "patch_kinds": frozenset(PatchAction(v) for v in chosen) if chosen else None,
    }


def _alert(url: str | None, threshold: FailOn) -> tuple[str, FailOn] | None:
    if url is None:
        return None
    from driftpatch.notify import check_url

    return check_url(url), threshold


def _category(given: str | None, command: str, source: Path | None) -> str:
    if given:
        return given
    where = source.as_posix().strip("/") if source is not None else ""
    return f"driftpatch/{command}" + (f"/{where}" if where and where != "." else "")


def _finish(
    report: Report,
    specs: tuple[OutputSpec, ...],
    fail_on: FailOn,
    category: str = "driftpatch/",
    history: tuple[Path, str] | None = None,
    alert: tuple[str, FailOn] | None = None,
    compact: bool = False,
) -> int:
    from driftpatch.github import blob_base
    from driftpatch.outputs import write_outputs

    report = dataclasses.replace(
        report,
        sarif_category=category,
        code_url=report.code_url or blob_base(os.environ),
        compact=compact,
    )
    if history is not None:
        from driftpatch.history import record

        report = dataclasses.replace(report, history=record(history[0], report, history[1]))

    write_outputs(report, specs)
    if alert is not None:
        from driftpatch.notify import notify

        sent = notify(alert[0], report, alert[1])
        typer.echo(f"driftpatch: note: {sent.message}", err=True)
    to_console = any(s.format == "console" and s.path is None for s in specs)
    if not to_console:
        for notice in report.notices:
            typer.echo(f"driftpatch: note: {notice}", err=True)
        for warning in report.warnings:  # read past: shown, never an exit code
            typer.echo(f"driftpatch: warning: {warning.scope}: {warning.message}", err=True)
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


def _shard(text: str | None) -> Shard | None:
    if text is None:
        return None
    try:
        return Shard.parse(text)
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("--shard "), param_hint="'--shard'") from exc


@app.command()
def scan(
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state",
            metavar="PATH|s3://B/KEY|terraform:DIR|https://URL|tfc://ORG/WS",
            help="Repeatable; globs are expanded. terraform:DIR runs 'terraform state pull' "
            "there; https:// is an HTTP backend's address (TF_HTTP_USERNAME/PASSWORD); tfc:// "
            "a Terraform Cloud/Enterprise workspace (TF_TOKEN_<host>).",
        ),
    ] = None,
    plan: PlanOpt = None,
    source: SourceOpt = None,
    var_file: VarFileOpt = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", metavar="R", help="Repeatable.")
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            metavar="P",
            help="Repeatable: one AWS profile per account to read; each state instance is "
            "compared in the account its ARNs (or its state file's) name.",
        ),
    ] = None,
    role_arn: Annotated[
        list[str] | None,
        typer.Option(
            "--role-arn",
            metavar="ARN",
            help="Repeatable: one IAM role per account to read, assumed (sts:AssumeRole) with "
            "the credentials of --profile or the default chain; each state instance is "
            "compared in the account its ARNs (or its state file's) name.",
        ),
    ] = None,
    external_id: Annotated[
        str | None,
        typer.Option("--external-id", metavar="ID", help="External id for every --role-arn."),
    ] = None,
    role_session_name: Annotated[
        str,
        typer.Option(
            "--role-session-name", metavar="NAME", help="Session name of every --role-arn."
        ),
    ] = "driftpatch",
    role_duration: Annotated[
        int,
        typer.Option(
            "--role-duration",
            metavar="SECONDS",
            help="How long the --role-arn credentials last (900-43200; not refreshed).",
        ),
    ] = 3600,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", metavar="URL")] = None,
    live: Annotated[
        Path | None,
        typer.Option("--live", metavar="SNAPSHOT.json", help="Use a saved inventory, not AWS."),
    ] = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.LOW,
    ignore_file: IgnoreOpt = None,
    no_checkov: NoCheckovOpt = False,
    sarif_category: SarifCategoryOpt = None,
    history: HistoryOpt = None,
    notify: NotifyOpt = None,
    notify_on: NotifyOnOpt = FailOn.HIGH,
    prefer: Annotated[
        Prefer,
        typer.Option("--prefer", help="Remedy for drift: follow the rules, or force one."),
    ] = Prefer.AUTO,
    verify: VerifyOpt = VerifyMode.AUTO,
    patch_include: IncludeOpt = None,
    patch_kinds: KindsOpt = None,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
    only: OnlyOpt = None,
    min_severity: MinSeverityOpt = None,
    rule: RuleOpt = None,
    skip_rule: SkipRuleOpt = None,
    compact: CompactOpt = False,
    terraform_refresh: Annotated[
        bool | None,
        typer.Option(
            "--terraform-refresh/--no-terraform-refresh",
            help="Read types driftpatch has no reader for with 'terraform plan -refresh-only' "
            "targeted at them (default: when --source is initialised and a Terraform CLI is "
            "present; forced, a failure is exit 3).",
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="I/N",
            help="Report only part I of N of the estate (by state, then state and region; "
            "'report merge' joins the N reports into the whole scan's).",
        ),
    ] = None,
) -> None:
    """State + live AWS (+ HCL, + plan): drift and misconfigurations. The nightly job."""
    from driftpatch import api

    specs = _outputs(
        output,
        states=state,
        plan=plan,
        live=live,
        ignore_file=ignore_file,
        source=source,
        history=history,
        var_files=var_file or (),
    )
    if not state and not plan:
        raise click.UsageError("scan needs --state (or --plan) to know what the code says")
    if var_file and source is None:
        raise click.UsageError("--var-file needs --source (variables belong to a root module)")
    config = Config(
        states=tuple(state or ()),
        plan=plan,
        source=source,
        var_files=tuple(var_file or ()),
        regions=tuple(region or ()),
        profiles=tuple(dict.fromkeys(profile or ())),
        role_arns=tuple(dict.fromkeys(role_arn or ())),
        external_id=external_id,
        role_session_name=role_session_name,
        role_duration_s=role_duration,
        endpoint_url=_endpoint_url(endpoint_url),
        live_snapshot=live,
        ignore_file=ignore_file,
        checkov=not no_checkov,
        prefer=prefer,
        verify=verify,
        terraform_refresh=terraform_refresh,
        **_patch_options(patch_include, patch_kinds),
        deadline_s=deadline,
        selection=_selection(only, min_severity, rule, skip_rule),
        shard=_shard(shard),
    )
    category = _category(sarif_category, "scan", source)
    recorded = (history, "scan") if history is not None else None
    alert = _alert(notify, notify_on)
    raise typer.Exit(_finish(api.scan(config), specs, fail_on, category, recorded, alert, compact))


@app.command()
def check(
    source: SourceOpt = None,
    plan: PlanOpt = None,
    var_file: VarFileOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.LOW,
    ignore_file: IgnoreOpt = None,
    no_checkov: NoCheckovOpt = False,
    sarif_category: SarifCategoryOpt = None,
    history: HistoryOpt = None,
    notify: NotifyOpt = None,
    notify_on: NotifyOnOpt = FailOn.HIGH,
    verify: VerifyOpt = VerifyMode.AUTO,
    patch_include: IncludeOpt = None,
    patch_kinds: KindsOpt = None,
    only: OnlyOpt = None,
    min_severity: MinSeverityOpt = None,
    rule: RuleOpt = None,
    skip_rule: SkipRuleOpt = None,
    compact: CompactOpt = False,
) -> None:
    """HCL + plan JSON, no AWS: misconfigurations and the plan's drift. The pull-request job."""
    from driftpatch import api

    if source is None and (plan is None or var_file):
        source = Path()
    specs = _outputs(
        output,
        plan=plan,
        ignore_file=ignore_file,
        source=source,
        history=history,
        var_files=var_file or (),
    )
    config = Config(
        plan=plan,
        source=source,
        var_files=tuple(var_file or ()),
        ignore_file=ignore_file,
        checkov=not no_checkov,
        offline=True,
        verify=verify,
        **_patch_options(patch_include, patch_kinds),
        selection=_selection(only, min_severity, rule, skip_rule),
    )
    category = _category(sarif_category, "check", source)
    recorded = (history, "check") if history is not None else None
    alert = _alert(notify, notify_on)
    raise typer.Exit(_finish(api.check(config), specs, fail_on, category, recorded, alert, compact))


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
    role_arn: Annotated[
        str | None,
        typer.Option(
            "--role-arn",
            metavar="ARN",
            help="Read the account of this IAM role, assumed with --profile's credentials.",
        ),
    ] = None,
    external_id: Annotated[
        str | None, typer.Option("--external-id", metavar="ID", help="For --role-arn.")
    ] = None,
    endpoint_url: Annotated[str | None, typer.Option("--endpoint-url", metavar="URL")] = None,
    deadline: DeadlineOpt = DEFAULT_DEADLINE,
) -> None:
    """Read every covered resource type from AWS (read-only) into a snapshot for `scan --live`."""
    from driftpatch import api
    from driftpatch.outputs import Inputs, refuse_inputs, write_atomic

    refuse_inputs(f"-o {output}", output, Inputs())
    wanted = {t.strip() for t in types.split(",") if t.strip()} if types else None
    config = Config(
        regions=tuple(region or ()),
        profiles=(profile,) if profile else (),
        role_arns=(role_arn,) if role_arn else (),
        external_id=external_id,
        endpoint_url=_endpoint_url(endpoint_url),
        deadline_s=deadline,
    )
    inv = api.inventory(config, wanted)
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
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="ID", help="Repeatable: only the patches of this finding."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", metavar="ID", help="Repeatable: leave this finding's patches."),
    ] = None,
) -> None:
    """Show a saved report's patches as one diff, or apply them (refused if files changed).

    Only existing .tf/.tfvars files inside the repository and new .tf files under --source are
    written, all or nothing, under a repository lock; a run interrupted by SIGKILL is rolled
    back by the next `patch` run (driftpatch.fix.journal)."""
    from driftpatch import api

    run = api.patch(report, source, apply=apply, only=only or (), exclude=exclude or ())
    for note in run.notes:
        typer.echo(f"driftpatch: note: {note}", err=True)
    if run.interrupted is not None:
        signum, message = run.interrupted
        typer.echo(f"driftpatch: {message}", err=True)
        raise typer.Exit(128 + signum)
    if not run.selected:
        typer.echo("driftpatch: the report has no patches", err=True)
        raise typer.Exit(EXIT_OK)
    if not apply:
        sys.stdout.write(run.diff)
        raise typer.Exit(EXIT_OK)
    typer.echo(
        f"driftpatch: patched {len(run.written)} file(s): {', '.join(run.written)}"
        + (
            f" ({run.unverified} patch(es) were not verified: review them)"
            if run.unverified
            else ""
        ),
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
    from driftpatch.outputs import Inputs, refuse_inputs, write_atomic
    from driftpatch.reportio import load_findings

    if output is not None:
        refuse_inputs(f"-o {output}", output, Inputs((("report", report),)))
    text = generate(load_findings(report))
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
    raise typer.Exit(EXIT_OK)


@app.command()
def rules(
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT[:PATH]",
            help="console (default) or json; without PATH: stdout.",
        ),
    ] = None,
) -> None:
    """The rule catalogue: ids, severities, CIS references, checkov equivalents, fixes."""
    from driftpatch.outputs import Inputs, refuse_all, write_atomic
    from driftpatch.rules.catalogue import catalogue

    spec = OutputSpec.parse(output or "console", ("console", "json"))
    refuse_all((spec,), Inputs())
    entries = catalogue()
    if spec.format == "json":
        text = json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
    else:
        text = _rules_table(entries, to_terminal=spec.path is None)
    if spec.path is None:
        sys.stdout.write(text)
    else:
        write_atomic(spec.path, text)
    raise typer.Exit(EXIT_OK)


def _rules_table(entries: list[dict[str, Any]], *, to_terminal: bool) -> str:
    import io

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
    buffer = io.StringIO()
    tty = to_terminal and sys.stdout.isatty()
    Console(file=buffer, width=Console().width if tty else 160, force_terminal=tty).print(table)
    return buffer.getvalue()


@app.command(name="history")
def history_command(
    db: Annotated[Path, typer.Argument(metavar="DB", help="A --history database.")],
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT[:PATH]",
            help="console (default), markdown or json; without PATH: stdout.",
        ),
    ] = None,
) -> None:
    """Open findings by age, what the latest run made new or resolved, MTTR and MTTD."""
    from driftpatch.history import render, summarize
    from driftpatch.outputs import Inputs, refuse_all, write_atomic

    spec = OutputSpec.parse(output or "console", ("console", "markdown", "json"))
    refuse_all((spec,), Inputs((("--history database", db),)))
    text = render(summarize(db), spec.format)
    if spec.path is None:
        sys.stdout.write(text)
    else:
        write_atomic(spec.path, text)
    raise typer.Exit(EXIT_OK)


report_app = typer.Typer(
    help="Merge saved JSON reports (a CI matrix) or render one in other formats.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")


def _render_saved(report: Report, output: list[str] | None, reads: list[Path]) -> None:
    """Write a loaded report in the requested formats; never over one of the reports read.
    In GitHub Actions file:line links to the commit, as in `scan`/`check` (code_url is not
    saved in the JSON)."""
    from driftpatch.github import blob_base
    from driftpatch.outputs import Inputs, refuse_all, write_outputs
    from driftpatch.report import REPORTERS

    known = tuple(REPORTERS)
    specs = tuple(OutputSpec.parse(v, known) for v in output or ["console"])
    refuse_all(specs, Inputs(tuple(("report", r) for r in reads)))
    report = dataclasses.replace(report, code_url=report.code_url or blob_base(os.environ))
    write_outputs(report, specs)


@report_app.command("render")
def report_render(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    output: OutputOpt = None,
) -> None:
    """Render a saved report in other formats (SARIF, Markdown, HTML, JUnit, patch, ...)."""
    from driftpatch.merge import combined_patch
    from driftpatch.reportio import load_full_report

    loaded = load_full_report(report)
    loaded = dataclasses.replace(loaded, combined_patch=combined_patch(loaded.patches))
    _render_saved(loaded, output, [report])
    raise typer.Exit(EXIT_OK)


@report_app.command("merge")
def report_merge(
    reports: Annotated[
        list[Path], typer.Argument(metavar="REPORT.json...", help="Saved JSON reports.")
    ],
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.LOW,
) -> None:
    """Merge the reports of a CI matrix: findings deduplicated, errors kept; exit codes as scan."""
    from driftpatch.merge import merge
    from driftpatch.reportio import load_full_report

    merged = merge([(str(r), load_full_report(r)) for r in reports])
    _render_saved(merged, output, list(reports))
    for notice in merged.notices:
        typer.echo(f"driftpatch: note: {notice}", err=True)
    if merged.errors:
        raise typer.Exit(EXIT_INCOMPLETE)
    tripped = any(fail_on.trips(f.severity) for f in merged.findings)
    raise typer.Exit(EXIT_FINDINGS if tripped else EXIT_OK)


github_app = typer.Typer(help="Pull-request reviews on GitHub.", no_args_is_help=True)
app.add_typer(github_app, name="github")


@github_app.command("pr-comment")
def github_pr_comment(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A saved JSON report.")],
    repo: Annotated[
        str | None,
        typer.Option("--repo", metavar="OWNER/NAME", help="Default: $GITHUB_REPOSITORY."),
    ] = None,
    pr: Annotated[
        int | None, typer.Option("--pr", metavar="N", help="Default: the pull_request event's.")
    ] = None,
    api_url: Annotated[
        str | None, typer.Option("--api-url", metavar="URL", help="Default: $GITHUB_API_URL.")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option("--category", metavar="NAME", help="One sticky comment per category."),
    ] = None,
    review: Annotated[
        bool, typer.Option("--review/--no-review", help="Suggestions on changed lines.")
    ] = True,
) -> None:
    """Create or update the PR's driftpatch comment; suggest verified patches on changed lines."""
    from driftpatch.merge import combined_patch
    from driftpatch.pr_review import Client, post, target_from_env
    from driftpatch.reportio import load_full_report

    loaded = load_full_report(report)
    loaded = dataclasses.replace(loaded, combined_patch=combined_patch(loaded.patches))
    target = target_from_env(os.environ, repo, pr, api_url)
    name = category or f"driftpatch/{loaded.inputs.source or '.'}"
    done = post(loaded, Client(target), name, review=review)
    verb = "created" if done.created else "updated"
    typer.echo(
        f"driftpatch: {verb} comment {done.comment_id} on {target.repo}#{target.number}; "
        f"{done.suggestions} suggestion(s) posted, {done.skipped} not (off the PR's changed "
        "lines or already posted)",
        err=True,
    )
    raise typer.Exit(EXIT_OK)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"driftpatch {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="Option defaults (default: ./driftpatch.toml, or [tool.driftpatch] in "
            "./pyproject.toml). The command line wins.",
        ),
    ] = None,
) -> None:
    """driftpatch: Terraform drift and misconfiguration checker."""
    from driftpatch import configfile

    path = config or configfile.find(Path.cwd())
    if path is None:
        return
    if config is not None and not config.is_file():
        raise configfile.ConfigFileError(f"--config {config}: no such file")
    commands: dict[str, dict[str, bool]] = {}
    for name, command in getattr(ctx.command, "commands", {}).items():
        commands[name] = {
            p.name: bool(getattr(p, "multiple", False)) for p in command.params if p.name
        }
    ctx.default_map = configfile.default_map(configfile.load(path), commands, path)


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
    # Input that got past the readers' own checks: still bad input, not a bug report.
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start : exc.start + 1].hex()
        typer.echo(
            f"driftpatch: error: an input file is not {exc.encoding} text "
            f"(byte 0x{byte} at offset {exc.start})",
            err=True,
        )
        code = EXIT_INPUT
    except RecursionError:
        typer.echo("driftpatch: error: an input is nested too deeply to process", err=True)
        code = EXIT_INPUT
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


def run() -> None:
    """The process entry point (`python -m driftpatch`, the `driftpatch` script): `main()`, then
    an exit without the interpreter's teardown.

    Why: after the report is written, CPython would free a scan's heap object by object (about a
    million dicts of botocore service models, the provider schema, the inventory) and collect it
    once more: ~0.4 s of a 1,000-resource scan's wall, for memory the OS takes back at once.
    The exit handlers still run and both streams are flushed first; with any other thread still
    alive (none is after a command returns) the ordinary exit runs instead. In-process callers
    (tests, tools) use `main()`, which raises SystemExit as before."""
    try:
        main()
    except SystemExit as exc:
        if threading.active_count() > 1 or not isinstance(exc.code, int):
            raise
        code = exc.code
    else:  # main() always exits; kept for the type checker
        code = 0
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code)
