"""The accuracy bar on the demo world, through real HTTP (a moto server) and the replayed world
(no Terraform needed): a clean deployment scans to zero drift; each console-style change is
reported exactly once, at the right address and attribute, with the right values; nothing else
drifts; the patches apply, verify, and are fmt-clean."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from driftpatch import api
from driftpatch.config import Config
from driftpatch.demo import run as run_demo
from driftpatch.demo import worlds
from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws
from driftpatch.model import Kind, PatchAction, Report

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scanned(
    moto_env: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[worlds.World, Report, tuple[worlds.Change, ...], Report]]:
    work = tmp_path_factory.mktemp("demo")
    world = worlds.deploy(moto_env, worlds.stack_path("demo"), work, terraform=None)
    config = Config(
        states=(str(world.state_path),),
        source=world.root,
        repo_root=world.workdir,
        regions=(DEFAULT_REGION,),
        endpoint_url=moto_env.endpoint_url,
        checkov=False,
    )
    clean = api.scan(config)
    changes = worlds.inject(world)
    drifted = api.scan(config)
    yield world, clean, changes, drifted


def _drift(report: Report) -> list[tuple[Kind, str | None, str | None]]:
    return sorted(
        ((f.kind, f.address, f.attribute) for f in report.findings if f.kind is not Kind.MISCONFIG),
        key=str,
    )


def test_clean_deployment_has_no_drift(scanned) -> None:  # type: ignore[no-untyped-def]
    _, clean, _, _ = scanned
    assert _drift(clean) == []
    assert clean.errors == ()
    assert not [r for r in clean.resources if r.status.value in ("drifted", "missing")]


def test_every_change_reported_once_and_nothing_else(scanned) -> None:  # type: ignore[no-untyped-def]
    _, _, changes, drifted = scanned
    expected = sorted(
        ((c.kind, c.address, c.attribute) for c in changes if c.kind is not Kind.UNMANAGED),
        key=str,
    )
    found = [d for d in _drift(drifted) if d[0] is not Kind.UNMANAGED]
    assert found == expected
    unmanaged = [f.resource_id for f in drifted.findings if f.kind is Kind.UNMANAGED]
    assert unmanaged == [c.resource_id for c in changes if c.kind is Kind.UNMANAGED]


def test_values_are_the_states_and_the_lives(scanned) -> None:  # type: ignore[no-untyped-def]
    _, _, changes, drifted = scanned
    by_key = {(f.address, f.attribute): f for f in drifted.findings if f.kind is Kind.DRIFT}
    for c in changes:
        if c.kind is Kind.DRIFT and c.expected is not None:
            f = by_key[(c.address, c.attribute)]
            assert (f.expected, f.actual) == (c.expected, c.actual), c.name


def test_security_regressions_are_drift_with_the_rule(scanned) -> None:  # type: ignore[no-untyped-def]
    _, _, _, drifted = scanned
    by_key = {(f.address, f.attribute): f for f in drifted.findings if f.kind is Kind.DRIFT}
    imds = by_key[("module.app.aws_instance.web[0]", "metadata_options[0].http_tokens")]
    assert "DP-EC2-001" in imds.also and imds.severity.value == "high"
    ssh = by_key[("module.network.aws_security_group.db", "ingress")]
    assert "DP-VPC-001" in ssh.also
    assert not [
        f
        for f in drifted.findings
        if f.rule_id == "DP-EC2-001" and f.address == "module.app.aws_instance.web[0]"
    ]


def test_findings_point_into_the_code(scanned) -> None:  # type: ignore[no-untyped-def]
    world, _, _, drifted = scanned
    for f in drifted.findings:
        if f.kind in (Kind.DRIFT, Kind.MISSING):
            assert f.location is not None, (f.address, f.attribute)
            path = world.workdir / f.location.file
            lines = path.read_text().splitlines()
            assert 1 <= f.location.start_line <= f.location.end_line <= len(lines)


def test_patches_apply_and_are_verified(scanned, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world, _, _, drifted = scanned
    assert drifted.patches
    assert all(p.verified for p in drifted.patches), [p.note for p in drifted.patches]
    unmanaged = {f.id for f in drifted.findings if f.kind is Kind.UNMANAGED}
    (adopt,) = [p for p in drifted.patches if p.action is PatchAction.IMPORT]
    assert (adopt.file, set(adopt.finding_ids)) == ("terraform/imported.tf", unmanaged)
    copy = tmp_path / "repo"
    shutil.copytree(world.workdir, copy, ignore=shutil.ignore_patterns(".terraform"))
    git = shutil.which("git")
    if git is None:
        pytest.skip("needs git")
    subprocess.run([git, "init", "-q"], cwd=copy, check=True)
    (copy / "fix.patch").write_text(drifted.combined_patch)
    result = subprocess.run(
        [git, "apply", "fix.patch"], cwd=copy, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    tf = shutil.which("terraform")
    if tf:
        fmt = subprocess.run(
            [tf, "fmt", "-check", "-recursive", "."],
            cwd=copy,
            capture_output=True,
            text=True,
            check=False,
        )
        assert fmt.returncode == 0, fmt.stdout


def test_demo_command_leaves_every_report(tmp_path: Path, moto_server: EmbeddedAws) -> None:
    out = tmp_path / "demo"
    result = run_demo(out, Console(file=io.StringIO(), width=120))
    assert sorted(p.name for p in out.iterdir()) == [
        "fix.patch",
        "junit.xml",
        "report.html",
        "report.json",
        "report.md",
        "report.sarif",
    ]
    assert _drift(result.clean) == []
