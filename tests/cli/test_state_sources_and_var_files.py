"""The CLI with remote --state sources and --var-file: the real CLI in a subprocess against real
servers on 127.0.0.1; exit codes and the one stderr line are the contract."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftpatch.terraform.state import parse_state
from tests.clirun import one_error_line, run_cli, write_empty_snapshot
from tests.terraform.servers import Seen, Server, serve

REPO = Path(__file__).resolve().parents[2]
STATE_BYTES = (REPO / "fixtures" / "inputs" / "recorded" / "state.tfstate").read_bytes()
ADDRESSES = sorted(str(i.address) for i in parse_state(STATE_BYTES, "x").resources)
USER, PASSWORD, TOKEN = "ci", "s3cret-pw", "tfc-token-123"
SECRET_VARS = ("TF_HTTP_USERNAME", "TF_HTTP_PASSWORD", "TFE_HOSTNAME", "TFE_TOKEN")


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env, drop=SECRET_VARS)


one_line = one_error_line


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """An empty --live snapshot: the scan needs no AWS (every state resource is missing)."""
    return write_empty_snapshot(tmp_path / "live.json")


@pytest.fixture
def servers() -> Iterator[Server]:
    """One server as an HTTP backend (basic auth) and a Terraform Cloud API (bearer token)."""
    for server in serve():

        def backend(seen: Seen) -> tuple[int, dict[str, str], bytes]:
            import base64

            want = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if seen.headers.get("authorization") != want:
                return 401, {}, b""
            return 200, {}, STATE_BYTES

        def api(body: dict[str, object]):  # type: ignore[no-untyped-def]
            def route(seen: Seen) -> tuple[int, dict[str, str], bytes]:
                if seen.headers.get("authorization") != f"Bearer {TOKEN}":
                    return 401, {}, b""
                return 200, {}, json.dumps(body).encode()

            return route

        server.routes.update(
            {
                "/state/prod": backend,
                "/api/v2/organizations/acme/workspaces/prod": api({"data": {"id": "ws-P1"}}),
                "/api/v2/workspaces/ws-P1/current-state-version": api(
                    {"data": {"attributes": {"hosted-state-download-url": "/dl/sv-1"}}}
                ),
                "/dl/sv-1": lambda seen: (200, {}, STATE_BYTES),
            }
        )
        yield server


SCAN = ("scan", "--no-checkov", "--fail-on", "none", "--verify", "static")


def test_scan_an_http_backend_reports_the_address_without_credentials(
    servers: Server, live: Path, tmp_path: Path
) -> None:
    host = servers.base.removeprefix("http://")
    ref = f"http://{USER}:{PASSWORD}@{host}/state/prod?lock=x"
    proc = run(*SCAN, "--state", ref, "--live", str(live), "-o", "json:r.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "r.json").read_text()
    report = json.loads(text)
    assert report["inputs"]["states"] == [f"{servers.base}/state/prod?lock=***"]
    assert sorted(r["address"] for r in report["resources"]) == ADDRESSES  # the state was read
    assert PASSWORD not in text and PASSWORD not in proc.stderr


def test_scan_an_http_backend_with_the_terraform_variables(
    servers: Server, live: Path, tmp_path: Path
) -> None:
    env = {"TF_HTTP_USERNAME": USER, "TF_HTTP_PASSWORD": PASSWORD}
    ref = f"{servers.base}/state/prod"
    proc = run(
        *SCAN, "--state", ref, "--live", str(live), "-o", "json:r.json", cwd=tmp_path, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["inputs"]["states"] == [ref]


def test_wrong_http_credentials_are_one_line_and_exit_2(
    servers: Server, live: Path, tmp_path: Path
) -> None:
    env = {"TF_HTTP_USERNAME": USER, "TF_HTTP_PASSWORD": "wrong-pw"}
    ref = f"{servers.base}/state/prod"
    proc = run(
        *SCAN, "--state", ref, "--live", str(live), "-o", "json:r.json", cwd=tmp_path, env=env
    )
    assert one_line(proc) == (
        f"driftpatch: error: {ref}: HTTP 401 Unauthorized: the credentials in "
        "TF_HTTP_USERNAME / TF_HTTP_PASSWORD were refused"
    )
    assert not (tmp_path / "r.json").exists()


def test_an_oversize_http_state_is_one_line_and_exit_2(
    servers: Server, live: Path, tmp_path: Path
) -> None:
    env = {
        "TF_HTTP_USERNAME": USER,
        "TF_HTTP_PASSWORD": PASSWORD,
        "DRIFTPATCH_MAX_INPUT_BYTES": "4K",
    }
    ref = f"{servers.base}/state/prod"
    proc = run(*SCAN, "--state", ref, "--live", str(live), cwd=tmp_path, env=env)
    assert one_line(proc) == (
        f"driftpatch: error: {ref}: is 17.2 KiB, over the limit of 4 KiB for a state file "
        "(set DRIFTPATCH_MAX_INPUT_BYTES to raise it)"
    )


def test_scan_a_terraform_cloud_workspace(servers: Server, live: Path, tmp_path: Path) -> None:
    env = {"TFE_HOSTNAME": servers.base, "TF_TOKEN_127_0_0_1": TOKEN}
    proc = run(
        *SCAN, "--state", "tfc://acme/prod", "--live", str(live), "-o", "json:r.json",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "r.json").read_text()
    assert json.loads(text)["inputs"]["states"] == ["tfc://acme/prod"]
    assert TOKEN not in text and TOKEN not in proc.stderr
    bad = run(
        *SCAN, "--state", "tfc://acme/prod", "--live", str(live),
        cwd=tmp_path, env={**env, "TF_TOKEN_127_0_0_1": "stale"},
    )  # fmt: skip
    assert one_line(bad) == (
        "driftpatch: error: tfc://acme/prod: HTTP 401 Unauthorized: the token in "
        "TF_TOKEN_127_0_0_1 (or TFE_TOKEN) was refused"
    )


def test_no_terraform_cli_for_terraform_dir(live: Path, tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path / "no-bin"), "DRIFTPATCH_TERRAFORM": ""}
    proc = run(
        *SCAN, "--state", f"terraform:{tmp_path}", "--live", str(live), cwd=tmp_path, env=env
    )
    assert one_line(proc) == (
        f"driftpatch: error: terraform:{tmp_path}: no Terraform CLI on PATH (terraform:DIR runs "
        "'terraform state pull'; install Terraform or set DRIFTPATCH_TERRAFORM)"
    )


# -- --var-file ------------------------------------------------------------------------------

MAIN = """\
variable "env" {
  type    = string
  default = "dev"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"

  tags = {
    Name = "main"
    Env  = var.env
  }
}
"""
VPC_ID = "vpc-0123456789abcdef0"


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    """A repository whose VPC was applied with -var-file=envs/staging.tfvars (Env = staging)
    and was since retagged by hand (Env = qa)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra" / "envs").mkdir(parents=True)
    (repo / "infra" / "main.tf").write_text(MAIN)
    (repo / "infra" / "terraform.tfvars").write_text('env = "prod"\n')
    (repo / "infra" / "envs" / "common.tfvars").write_text('env = "common"\n')
    (repo / "infra" / "envs" / "staging.tfvars").write_text('# staging\nenv = "staging"\n')
    attrs = {
        "id": VPC_ID,
        "arn": f"arn:aws:ec2:us-east-1:123456789012:vpc/{VPC_ID}",
        "cidr_block": "10.0.0.0/16",
        "tags": {"Name": "main", "Env": "staging"},
        "tags_all": {"Name": "main", "Env": "staging"},
        "enable_dns_support": True,
        "enable_dns_hostnames": False,
        "instance_tenancy": "default",
    }
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "x",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "aws_vpc",
                "name": "main",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [{"schema_version": 1, "attributes": attrs}],
            }
        ],
    }
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state))
    changed = {
        **attrs,
        "tags": {"Name": "main", "Env": "qa"},
        "tags_all": {"Name": "main", "Env": "qa"},
    }
    (tmp_path / "drifted.json").write_text(
        json.dumps(
            {
                "kind": "driftpatch-inventory",
                "version": 1,
                "regions": ["us-east-1"],
                "resources": [
                    {"type": "aws_vpc", "id": VPC_ID, "region": "us-east-1", "attributes": changed}
                ],
                "errors": [],
            }
        )
    )
    return tmp_path


VAR_SCAN = (
    *SCAN, "--state", "terraform.tfstate", "--live", "drifted.json", "--source", "repo/infra",
)  # fmt: skip


def _drift(report: dict[str, object]) -> tuple[dict[str, object], list[dict[str, object]]]:
    findings = [f for f in report["findings"] if f["rule_id"] == "DRIFT"]  # type: ignore[attr-defined,index]
    (finding,) = findings
    return finding, [p for p in report["patches"] if finding["id"] in p["finding_ids"]]  # type: ignore[attr-defined,index]


def test_without_var_file_codify_writes_into_terraform_tfvars(stack: Path) -> None:
    proc = run(*VAR_SCAN, "-o", "json:r.json", cwd=stack)
    assert proc.returncode == 0, proc.stderr
    finding, (patch,) = _drift(json.loads((stack / "r.json").read_text()))
    assert (finding["attribute"], finding["expected"], finding["actual"]) == (
        "tags.Env",
        "staging",
        "qa",
    )
    assert patch["file"] == "infra/terraform.tfvars"
    assert "terraform apply -target='aws_vpc.main'" in str(finding["remediation"])


def test_var_files_in_terraform_order_and_the_patch_lands_in_the_one_that_set_the_value(
    stack: Path,
) -> None:
    proc = run(
        *VAR_SCAN, "--var-file", "repo/infra/envs/common.tfvars",
        "--var-file", "repo/infra/envs/staging.tfvars",
        "-o", "json:r.json", "-o", "patch:fix.patch", cwd=stack,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    finding, (patch,) = _drift(json.loads((stack / "r.json").read_text()))
    assert (patch["file"], patch["action"], patch["verified"]) == (
        "infra/envs/staging.tfvars",
        "codify",
        True,
    )
    assert (stack / "fix.patch").read_text() == (
        "diff --git a/infra/envs/staging.tfvars b/infra/envs/staging.tfvars\n"
        "--- a/infra/envs/staging.tfvars\n"
        "+++ b/infra/envs/staging.tfvars\n"
        "@@ -1,2 +1,2 @@\n"
        " # staging\n"
        '-env = "staging"\n'
        '+env = "qa"\n'
    )
    assert finding["remediation"] == (
        "Keep the live value by writing it into the code (driftpatch's codify patch), or "
        "restore the code's value with: terraform apply -var-file=envs/common.tfvars "
        "-var-file=envs/staging.tfvars -target='aws_vpc.main'"
    )
    # Later wins: the other order puts the value in common.tfvars.
    proc = run(
        *VAR_SCAN, "--var-file", "repo/infra/envs/staging.tfvars",
        "--var-file", "repo/infra/envs/common.tfvars", "-o", "json:r2.json", cwd=stack,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    _, (patch,) = _drift(json.loads((stack / "r2.json").read_text()))
    assert patch["file"] == "infra/envs/common.tfvars"
    assert '-env = "common"\n+env = "qa"\n' in str(patch["diff"])


def test_the_patch_applies_to_the_var_file(stack: Path) -> None:
    proc = run(
        *VAR_SCAN, "--var-file", "repo/infra/envs/staging.tfvars", "-o", "json:r.json", cwd=stack
    )
    assert proc.returncode == 0, proc.stderr
    applied = run("patch", "r.json", "--source", "repo/infra", "--apply", cwd=stack)
    assert applied.returncode == 0, applied.stderr
    assert (stack / "repo/infra/envs/staging.tfvars").read_text() == '# staging\nenv = "qa"\n'
    assert (stack / "repo/infra/terraform.tfvars").read_text() == 'env = "prod"\n'


def test_var_file_from_the_configuration_file(stack: Path) -> None:
    (stack / "driftpatch.toml").write_text(
        '[scan]\nvar-file = ["repo/infra/envs/staging.tfvars"]\n'
    )
    proc = run(*VAR_SCAN, "-o", "json:r.json", cwd=stack)
    assert proc.returncode == 0, proc.stderr
    _, (patch,) = _drift(json.loads((stack / "r.json").read_text()))
    assert patch["file"] == "infra/envs/staging.tfvars"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (*VAR_SCAN, "--var-file", "repo/infra/envs/nope.tfvars"),
            "repo/infra/envs/nope.tfvars: no such var file (--var-file)",
        ),
        (
            (*VAR_SCAN, "--var-file", "repo/infra/envs"),
            "repo/infra/envs: is a directory, expected a var file",
        ),
        (
            (*VAR_SCAN, "--var-file", "outside.tfvars"),
            "outside.tfvars: outside the repository ({repo}); driftpatch names and patches "
            "files by their path in the repository, so keep var files there",
        ),
        (
            (*VAR_SCAN, "--var-file", "repo/infra/prod.tfvars.json"),
            "repo/infra/prod.tfvars.json: JSON variable files are not read yet; give the HCL "
            "form (.tfvars) with --var-file",
        ),
        (
            (*SCAN, "--state", "terraform.tfstate", "--var-file", "repo/infra/envs/staging.tfvars"),
            "--var-file needs --source (variables belong to a root module)",
        ),
        (
            ("check", "--source", "repo/infra", "--var-file", "missing.tfvars"),
            "missing.tfvars: no such var file (--var-file)",
        ),
    ],
)
def test_unusable_var_files_are_one_line(stack: Path, args: tuple[str, ...], message: str) -> None:
    (stack / "outside.tfvars").write_text('env = "x"\n')
    (stack / "repo" / "infra" / "prod.tfvars.json").write_text('{"env": "x"}\n')
    expected = message.format(repo=stack / "repo")
    assert one_line(run(*args, cwd=stack)) == f"driftpatch: error: {expected}"


def test_check_takes_var_files(stack: Path) -> None:
    proc = run(
        "check", "--source", "repo/infra", "--no-checkov", "--fail-on", "none",
        "--var-file", "repo/infra/envs/staging.tfvars", "-o", "json:c.json", cwd=stack,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads((stack / "c.json").read_text())["errors"] == []
