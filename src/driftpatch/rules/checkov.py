"""checkov, out of process: run it from its own virtualenv, read its JSON, map it to Findings.

checkov cannot share our environment: 3.x pins boto3 and packaging, and installs a forked
module named `hcl2` over python-hcl2's files. So it is never imported here; it runs as a
subprocess (`make checkov` builds `.venv-checkov`), offline, and its failures become notices,
never exceptions. It takes seconds to start, so `start_checkov` launches it at once and the
caller collects the result after the AWS reads (`CheckovJob.result()`).

Mapping (documented in the module so reports stay explainable):
- rule_id = the check id (CKV_AWS_20), title = the check name, kind = misconfig.
- severity: checkov's own when it reports one (the open-source build mostly does not), else
  `DEFAULT_SEVERITY` for common ids, else medium.
- category: from the resource type of the failing resource (`CATEGORY_BY_PREFIX`), else from
  words in the check name, else data.
- address: checkov's `resource`, which is the address as Terraform prints it
  (`module.net.aws_vpc.this`, `aws_cloudwatch_log_group.svc["api"]`).
- location: the .tf file (repo-relative, forward slashes) and line range. Plan results are
  enriched (`--repo-root-for-plan-enrichment`) so they point into .tf files too; a result that
  still points into the plan JSON gets no location.
- references: the guideline link when it is https (absent offline with --skip-download).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from driftpatch.model import JSON, Address, Category, Finding, Kind, Location, Severity

CHECKOV_ENV = "DRIFTPATCH_CHECKOV"
CHECKOV_VENV = ".venv-checkov"
DEFAULT_TIMEOUT = 300.0
UNAVAILABLE_NOTICE = (
    "checkov not found (run `make checkov` or set DRIFTPATCH_CHECKOV); its checks were skipped"
)

# Environment for the subprocess: no platform account, no downloads, no update check.
_DROP_ENV = ("BC_API_KEY", "BC_API_URL", "PRISMA_API_URL", "BC_SOURCE", "CKV_CHECK")
_OFFLINE_ENV = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",  # banner's PyPI version check, at import time
    "BC_SKIP_MAPPING": "TRUE",  # no guideline/mapping download
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "CKV_GITHUB_CONFIG_FETCH_DATA": "false",
    "CKV_GITLAB_CONFIG_FETCH_DATA": "false",
    "DOWNLOAD_EXTERNAL_MODULES": "false",
    "BC_ENABLE_PERSIST_GRAPHS": "false",
    "PYTHONWARNINGS": "ignore",
}
_COMMON_ARGS = (
    "-o",
    "json",
    "--quiet",
    "--compact",
    "--skip-download",
    "--download-external-modules",
    "false",
)

# Severity for common checks when checkov reports none (its OSS build leaves it null).
DEFAULT_SEVERITY: Mapping[str, Severity] = {
    # IAM
    "CKV_AWS_1": Severity.HIGH,  # IAM policy allows *:* admin
    "CKV_AWS_9": Severity.LOW,  # password policy: expire within 90 days
    "CKV_AWS_10": Severity.MEDIUM,  # password policy: min length 14
    "CKV_AWS_11": Severity.LOW,  # password policy: lowercase
    "CKV_AWS_12": Severity.LOW,  # password policy: number
    "CKV_AWS_13": Severity.MEDIUM,  # password policy: no reuse
    "CKV_AWS_14": Severity.LOW,  # password policy: symbol
    "CKV_AWS_15": Severity.LOW,  # password policy: uppercase
    "CKV_AWS_40": Severity.LOW,  # policies attached to users
    "CKV_AWS_274": Severity.HIGH,  # AdministratorAccess attached
    # network
    "CKV_AWS_23": Severity.LOW,  # security group rule description
    "CKV_AWS_24": Severity.HIGH,  # SSH open to the world
    "CKV_AWS_25": Severity.HIGH,  # RDP open to the world
    "CKV_AWS_260": Severity.HIGH,  # HTTP open to the world
    "CKV_AWS_277": Severity.HIGH,  # all ports open to the world
    "CKV_AWS_88": Severity.MEDIUM,  # instance with public IP
    "CKV_AWS_130": Severity.MEDIUM,  # subnet assigns public IPs
    "CKV2_AWS_5": Severity.LOW,  # security group not attached
    "CKV2_AWS_11": Severity.MEDIUM,  # VPC flow logs
    "CKV2_AWS_12": Severity.MEDIUM,  # default security group restricts all traffic
    # data
    "CKV_AWS_3": Severity.MEDIUM,  # EBS encryption
    "CKV_AWS_16": Severity.MEDIUM,  # RDS encryption
    "CKV_AWS_17": Severity.HIGH,  # RDS publicly accessible
    "CKV_AWS_18": Severity.LOW,  # S3 access logging
    "CKV_AWS_19": Severity.MEDIUM,  # S3 encryption
    "CKV_AWS_20": Severity.HIGH,  # S3 public read ACL
    "CKV_AWS_21": Severity.LOW,  # S3 versioning
    "CKV_AWS_53": Severity.HIGH,  # S3 block public ACLs
    "CKV_AWS_54": Severity.HIGH,  # S3 block public policy
    "CKV_AWS_55": Severity.HIGH,  # S3 ignore public ACLs
    "CKV_AWS_56": Severity.HIGH,  # S3 restrict public buckets
    "CKV_AWS_57": Severity.CRITICAL,  # S3 public write ACL
    "CKV_AWS_7": Severity.MEDIUM,  # KMS rotation
    "CKV_AWS_144": Severity.LOW,  # S3 cross-region replication
    "CKV_AWS_145": Severity.LOW,  # S3 encrypted with KMS by default
    "CKV_AWS_189": Severity.LOW,  # EBS encrypted with a customer key
    "CKV2_AWS_6": Severity.HIGH,  # S3 public access block
    "CKV2_AWS_61": Severity.LOW,  # S3 lifecycle configuration
    "CKV2_AWS_62": Severity.LOW,  # S3 event notifications
    # compute
    "CKV_AWS_8": Severity.MEDIUM,  # launch configuration EBS encryption
    "CKV_AWS_79": Severity.HIGH,  # IMDSv1 enabled
    "CKV_AWS_126": Severity.LOW,  # detailed monitoring
    "CKV_AWS_135": Severity.LOW,  # EBS optimized
    # logging
    "CKV_AWS_35": Severity.MEDIUM,  # CloudTrail KMS encryption
    "CKV_AWS_36": Severity.MEDIUM,  # CloudTrail log file validation
    "CKV_AWS_66": Severity.LOW,  # log group retention specified
    "CKV_AWS_67": Severity.HIGH,  # CloudTrail in all regions
    "CKV_AWS_158": Severity.LOW,  # log group KMS encryption
    "CKV_AWS_252": Severity.LOW,  # CloudTrail SNS topic
    "CKV_AWS_338": Severity.LOW,  # log group retention >= 1 year
    "CKV2_AWS_10": Severity.LOW,  # CloudTrail with CloudWatch Logs
}

# Category by the failing resource's type (longest prefix wins).
CATEGORY_BY_PREFIX: Mapping[str, Category] = {
    "aws_iam_": Category.IAM,
    "aws_kms_": Category.DATA,
    "aws_s3_": Category.DATA,
    "aws_ebs_": Category.DATA,
    "aws_db_": Category.DATA,
    "aws_rds_": Category.DATA,
    "aws_dynamodb_": Category.DATA,
    "aws_efs_": Category.DATA,
    "aws_elasticache_": Category.DATA,
    "aws_sqs_": Category.DATA,
    "aws_sns_": Category.DATA,
    "aws_secretsmanager_": Category.DATA,
    "aws_redshift_": Category.DATA,
    "aws_backup_": Category.DATA,
    "aws_ecr_": Category.DATA,
    "aws_security_group": Category.NETWORK,
    "aws_vpc": Category.NETWORK,
    "aws_default_security_group": Category.NETWORK,
    "aws_default_vpc": Category.NETWORK,
    "aws_subnet": Category.NETWORK,
    "aws_network_acl": Category.NETWORK,
    "aws_default_network_acl": Category.NETWORK,
    "aws_route": Category.NETWORK,
    "aws_lb": Category.NETWORK,
    "aws_alb": Category.NETWORK,
    "aws_elb": Category.NETWORK,
    "aws_cloudfront_": Category.NETWORK,
    "aws_api_gateway": Category.NETWORK,
    "aws_apigatewayv2_": Category.NETWORK,
    "aws_wafv2_": Category.NETWORK,
    "aws_instance": Category.COMPUTE,
    "aws_launch_": Category.COMPUTE,
    "aws_autoscaling_": Category.COMPUTE,
    "aws_lambda_": Category.COMPUTE,
    "aws_ecs_": Category.COMPUTE,
    "aws_eks_": Category.COMPUTE,
    "aws_cloudtrail": Category.LOGGING,
    "aws_cloudwatch_": Category.LOGGING,
    "aws_flow_log": Category.LOGGING,
    "aws_config_": Category.LOGGING,
    "aws_guardduty_": Category.LOGGING,
}
_CATEGORY_WORDS: tuple[tuple[str, Category], ...] = (
    ("log", Category.LOGGING),
    ("trail", Category.LOGGING),
    ("encrypt", Category.DATA),
    ("kms", Category.DATA),
    ("iam", Category.IAM),
    ("polic", Category.IAM),
    ("ingress", Category.NETWORK),
    ("public", Category.NETWORK),
    ("port", Category.NETWORK),
)


@dataclass(frozen=True)
class CheckovUnavailable:
    """No checkov to run: the scan goes on without its checks and says so once."""

    notice: str = UNAVAILABLE_NOTICE


@dataclass(frozen=True)
class CheckovResult:
    findings: tuple[Finding, ...] = ()
    notices: tuple[str, ...] = ()  # one line each, for the report's input problems
    duration: float = 0.0


def find_checkov(
    repo_root: Path | None = None, env: Mapping[str, str] | None = None
) -> Path | CheckovUnavailable:
    """$DRIFTPATCH_CHECKOV, else .venv-checkov next to the repo root, cwd or this checkout,
    else `checkov` on PATH."""
    environ = os.environ if env is None else env
    named = environ.get(CHECKOV_ENV)
    if named:
        path = Path(named).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        return CheckovUnavailable(
            f"{CHECKOV_ENV}={named} is not an executable file; checkov's checks were skipped"
        )
    roots: list[Path] = []
    if repo_root is not None:
        roots.append(repo_root)
    roots.append(Path.cwd())
    checkout = Path(__file__).resolve().parents[3]  # src/driftpatch/rules/checkov.py
    if (checkout / "pyproject.toml").is_file():
        roots.append(checkout)
    for root in roots:
        for rel in ("bin/checkov", "Scripts/checkov.exe"):
            candidate = root / CHECKOV_VENV / rel
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    on_path = shutil.which("checkov", path=environ.get("PATH"))
    return Path(on_path) if on_path else CheckovUnavailable()


def checkov_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The subprocess environment: the caller's, minus platform credentials, plus offline."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _DROP_ENV}
    env.update(_OFFLINE_ENV)
    return env


@dataclass(frozen=True)
class _Run:
    """One checkov process (HCL directory or plan file) writing to temporary files."""

    label: str  # "HCL" | "plan"
    scan_root: Path  # what its file_path values are relative to
    process: subprocess.Popen[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]


@dataclass
class CheckovJob:
    """Running checkov process(es); `result()` waits (bounded) and maps their output."""

    repo_root: Path
    timeout: float = DEFAULT_TIMEOUT
    started: float = field(default_factory=time.monotonic)
    _runs: list[_Run] = field(default_factory=list)
    _notices: list[str] = field(default_factory=list)
    _result: CheckovResult | None = None

    def result(self) -> CheckovResult:
        if self._result is not None:
            return self._result
        findings: list[Finding] = []
        notices = list(self._notices)
        deadline = self.started + self.timeout
        for run in self._runs:
            text = _wait(run, deadline, notices, self.timeout)
            if text is not None:
                found, problems = parse_output(text, scan_root=run.scan_root, repo=self.repo_root)
                findings.extend(found)
                notices.extend(f"checkov ({run.label}): {p}" for p in problems)
        self._result = CheckovResult(
            findings=dedupe(findings),
            notices=tuple(notices),
            duration=time.monotonic() - self.started,
        )
        return self._result

    def cancel(self) -> None:
        """Stop any process still running (e.g. the scan failed before collecting)."""
        for run in self._runs:
            _kill(run.process)
            run.stdout.close()
            run.stderr.close()
        self._result = self._result or CheckovResult(notices=("checkov run cancelled",))


def start_checkov(
    source_dir: Path | None,
    plan_json: Path | None,
    repo_root: Path,
    *,
    executable: Path | CheckovUnavailable | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> CheckovJob:
    """Start checkov on the HCL directory and/or the plan JSON, one process each, now.

    Two processes rather than one with both frameworks: a combined run loses the plan's
    enrichment (its results point at plan.json line 0) and scans the plan's directory as HCL.
    """
    job = CheckovJob(repo_root=repo_root.resolve(), timeout=timeout)
    exe = find_checkov(repo_root, env) if executable is None else executable
    if isinstance(exe, CheckovUnavailable):
        job._notices.append(exe.notice)
        return job
    penv = checkov_env(env)
    if source_dir is not None:
        root = source_dir.resolve()
        args = ["-d", str(root), "--framework", "terraform"]
        _spawn(job, "HCL", root, [str(exe), *args, *_COMMON_ARGS], penv)
    if plan_json is not None:
        plan = plan_json.resolve()
        args = ["-f", str(plan), "--framework", "terraform_plan"]
        root = plan.parent
        if source_dir is not None:
            root = source_dir.resolve()
            args += ["--repo-root-for-plan-enrichment", str(root)]
        _spawn(job, "plan", root, [str(exe), *args, *_COMMON_ARGS], penv)
    return job


def run_checkov(
    source_dir: Path | None,
    plan_json: Path | None,
    repo_root: Path,
    *,
    executable: Path | CheckovUnavailable | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckovResult:
    """Run checkov and wait for it: `start_checkov(...).result()`."""
    return start_checkov(
        source_dir, plan_json, repo_root, executable=executable, timeout=timeout
    ).result()


def _spawn(job: CheckovJob, label: str, root: Path, cmd: list[str], env: dict[str, str]) -> None:
    # Files, not pipes: nothing blocks while the caller is busy; closed by _wait or cancel.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    err = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=job.repo_root,
            env=env,
            # Its own process group, so a timeout also ends the workers it forks.
            start_new_session=sys.platform != "win32",
        )
    except OSError as exc:
        out.close()
        err.close()
        job._notices.append(f"checkov ({label}) could not start: {exc.strerror or exc}")
        return
    job._runs.append(_Run(label, root, proc, out, err))


def _wait(run: _Run, deadline: float, notices: list[str], timeout: float) -> str | None:
    try:
        try:
            code = run.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill(run.process)
            notices.append(f"checkov ({run.label}) timed out after {timeout:g} s; skipped")
            return None
        run.stdout.seek(0)
        text = run.stdout.read().decode("utf-8", errors="replace")
        # 0: no failed check, 1: failed checks; anything else is a crash or a usage error.
        if code not in (0, 1):
            run.stderr.seek(0)
            why = _last_line(run.stderr.read().decode("utf-8", errors="replace"))
            notices.append(f"checkov ({run.label}) exited with {code}: {why}; skipped")
            return None
        return text
    finally:
        run.stdout.close()
        run.stderr.close()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no error output"


# -- output -> findings -------------------------------------------------------------------------


def parse_output(text: str, *, scan_root: Path, repo: Path) -> tuple[list[Finding], list[str]]:
    """Findings and problems from one checkov `-o json` output.

    Shapes: a report dict for one framework, a list of them for several, or a bare summary
    dict when nothing was scanned. Anything else is a problem, not an exception.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return [], [f"output is not JSON ({_last_line(text) or 'empty'}); its checks skipped"]
    reports = doc if isinstance(doc, list) else [doc]
    findings: list[Finding] = []
    problems: list[str] = []
    for report in reports:
        if not isinstance(report, dict):
            problems.append("unexpected output shape; its checks skipped")
            continue
        summary = report.get("summary", report)
        parse_errors = summary.get("parsing_errors") if isinstance(summary, dict) else None
        if isinstance(parse_errors, int) and parse_errors > 0:
            problems.append(f"could not parse {parse_errors} file(s)")
        results = report.get("results")
        if results is None:
            continue  # summary only: nothing to scan
        failed = results.get("failed_checks") if isinstance(results, dict) else None
        if not isinstance(failed, list):
            problems.append("unexpected output shape; its checks skipped")
            continue
        for entry in failed:
            finding = to_finding(entry, scan_root=scan_root, repo=repo)
            if finding is None:
                problems.append("a failed check without id or resource was ignored")
            else:
                findings.append(finding)
    return findings, problems


def to_finding(entry: Mapping[str, Any], *, scan_root: Path, repo: Path) -> Finding | None:
    check_id = entry.get("check_id")
    resource = entry.get("resource")
    if not isinstance(check_id, str) or not isinstance(resource, str) or not check_id:
        return None
    try:
        address: str | None = str(Address.parse(resource))
        resource_type = Address.parse(resource).type
    except ValueError:
        address = None
        resource_type = resource.split(".", 1)[0]
    title = str(entry.get("check_name") or check_id)
    guideline = entry.get("guideline")
    references = (
        (guideline,) if isinstance(guideline, str) and guideline.startswith("https://") else ()
    )
    return Finding(
        kind=Kind.MISCONFIG,
        rule_id=check_id,
        title=title,
        severity=severity_of(check_id, entry.get("severity")),
        category=category_of(resource_type, title),
        resource_type=resource_type,
        address=address,
        location=location_of(entry, scan_root=scan_root, repo=repo),
        description=f"checkov {check_id} failed on {resource}: {title}.",
        remediation=(
            f"See {references[0]}" if references else f"See checkov's documentation of {check_id}."
        ),
        references=references,
    )


def severity_of(check_id: str, reported: JSON) -> Severity:
    if isinstance(reported, str):
        with contextlib.suppress(ValueError):
            return Severity(reported.lower())
    return DEFAULT_SEVERITY.get(check_id, Severity.MEDIUM)


def category_of(resource_type: str, check_name: str) -> Category:
    prefixes = [p for p in CATEGORY_BY_PREFIX if resource_type.startswith(p)]
    if prefixes:
        return CATEGORY_BY_PREFIX[max(prefixes, key=len)]
    name = check_name.lower()
    return next((cat for word, cat in _CATEGORY_WORDS if word in name), Category.DATA)


def location_of(entry: Mapping[str, Any], *, scan_root: Path, repo: Path) -> Location | None:
    """The .tf span; `file_path` is relative to the scanned directory (HCL) or to the
    enrichment root (plan), with or without a leading slash."""
    file_path = entry.get("file_path")
    lines = entry.get("file_line_range")
    if not isinstance(file_path, str) or not file_path.endswith(".tf"):
        return None
    if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) for n in lines)):
        return None
    start, end = lines
    if start < 1:
        return None
    absolute = scan_root / file_path.lstrip("/\\")
    try:
        rel = absolute.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        rel = absolute.as_posix()
    return Location(file=rel, start_line=start, end_line=max(start, end))


def dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One finding per (check, address): HCL and plan runs report the same failures."""
    seen: set[tuple[str, str, str | None]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule_id, f.address or f.resource_type, None if f.address else str(f.location))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return tuple(out)


# -- merging with our own rules -----------------------------------------------------------------


def equivalents_from_registry() -> dict[str, tuple[str, ...]]:
    """checkov id -> our rule ids (resource and source rules) that declare it in `meta.checkov`."""
    from driftpatch.rules import all_checks

    out: dict[str, list[str]] = {}
    for rule in all_checks():
        for check in rule.meta.checkov:
            out.setdefault(check, []).append(rule.meta.id)
    return {k: tuple(v) for k, v in out.items()}


def scopes_from_registry() -> dict[tuple[str, str], tuple[str, ...]]:
    """(checkov id, our rule id) -> the attributes of our findings the check stands for, where
    a rule narrows it (`meta.checkov_attributes`)."""
    from driftpatch.rules import all_checks

    return {
        (check, rule.meta.id): attributes
        for rule in all_checks()
        for check, attributes in rule.meta.checkov_attributes.items()
    }


def merge(
    ours: Sequence[Finding],
    theirs: Sequence[Finding],
    equivalents: Mapping[str, Sequence[str]],
    scopes: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> tuple[Finding, ...]:
    """Our findings (with `also` naming merged checkov ids) then checkov's that we don't cover.

    A checkov finding is merged when one of our findings on the same resource comes from a rule
    that lists that checkov id (and, where `scopes` narrows the pair, is on one of its
    attributes); the same resource means the same address, or the same block when one side has
    no instance key (CODE findings name the block, checkov the instance).
    """
    merged = list(ours)
    kept: list[Finding] = []
    narrowed = scopes or {}

    def covers(f: Finding, check: str) -> bool:
        scope = narrowed.get((check, f.rule_id))
        return scope is None or f.attribute in scope

    for theirs_f in theirs:
        rule_ids = set(equivalents.get(theirs_f.rule_id, ()))
        hits = [
            i
            for i, f in enumerate(merged)
            if f.rule_id in rule_ids
            and _same_resource(f.address, theirs_f.address)
            and covers(f, theirs_f.rule_id)
        ]
        if not hits:
            kept.append(theirs_f)
            continue
        for i in hits:
            if theirs_f.rule_id not in merged[i].also:
                merged[i] = replace(merged[i], also=(*merged[i].also, theirs_f.rule_id))
    return (*merged, *kept)


def _same_resource(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    if a == b:
        return True
    try:
        pa, pb = Address.parse(a), Address.parse(b)
    except ValueError:
        return False
    if pa.config_address != pb.config_address:
        return False
    # One side names the block itself (no keys anywhere): it covers every instance.
    return str(pa) == pa.config_address or str(pb) == pb.config_address


__all__ = [
    "CATEGORY_BY_PREFIX",
    "CHECKOV_ENV",
    "DEFAULT_SEVERITY",
    "CheckovJob",
    "CheckovResult",
    "CheckovUnavailable",
    "category_of",
    "checkov_env",
    "dedupe",
    "equivalents_from_registry",
    "find_checkov",
    "merge",
    "parse_output",
    "run_checkov",
    "scopes_from_registry",
    "severity_of",
    "start_checkov",
    "to_finding",
]
