"""--state from elsewhere: an HTTP backend, Terraform Cloud / Enterprise, `terraform state pull`.

The servers are real HTTP servers on 127.0.0.1 (plain http is accepted only for loopback
addresses), and `terraform:DIR` runs the real Terraform CLI; every document goes through the
same parser as a state file, and every failure is one line naming the source without its
credentials.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftpatch.errors import InputError, TerraformInputError
from driftpatch.terraform import remote
from driftpatch.terraform.state import (
    display_ref,
    is_local_ref,
    parse_state,
    read_states,
    source_kind,
)
from tests.terraform.servers import Route, Seen, Server, serve

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / "fixtures" / "inputs" / "recorded" / "state.tfstate"
STATE_BYTES = STATE.read_bytes()
ADDRESSES = [str(i.address) for i in parse_state(STATE_BYTES, "x").resources]
USER, PASSWORD, TOKEN = "ci", "s3cret-pw", "tfc-token-123"
BEARER = f"Bearer {TOKEN}"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.fixture
def backend() -> Iterator[Server]:
    """An HTTP backend: /state/prod with basic auth, and a few misbehaving addresses."""
    for server in serve():

        def state(seen: Seen) -> tuple[int, dict[str, str], bytes]:
            if seen.headers.get("authorization") != BASIC:
                return 401, {"WWW-Authenticate": 'Basic realm="tf"'}, b"unauthorized"
            return 200, {"Content-Type": "application/json"}, STATE_BYTES

        server.routes.update(
            {
                "/state/prod": state,
                "/state/open": lambda _: (200, {}, STATE_BYTES),
                "/state/chunked": lambda _: (200, {"Transfer-Encoding": "chunked"}, STATE_BYTES),
                "/state/empty": lambda _: (200, {}, b""),
                "/state/not-a-state": lambda _: (200, {}, b'{"format_version": "1.0"}'),
                "/state/broken": lambda _: (500, {}, b"boom"),
                "/state/moved": lambda _: (302, {"Location": "/state/open"}, b""),
                "/state/away": lambda _: (302, {"Location": "http://192.0.2.1/state"}, b""),
            }
        )
        yield server


@pytest.fixture
def http_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("TF_HTTP_USERNAME", "TF_HTTP_PASSWORD", "TFE_HOSTNAME", "TFE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"TF_HTTP_USERNAME": USER, "TF_HTTP_PASSWORD": PASSWORD}


# -- which source a reference names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "kind"),
    [
        ("terraform.tfstate", "file"),
        ("states/*.tfstate", "file"),
        ("s3://bucket/key", "s3"),
        ("terraform:infra/prod", "terraform"),
        ("terraform:", "terraform"),
        ("https://gitlab.example.com/api/v4/projects/1/terraform/state/prod", "http"),
        ("HTTP://127.0.0.1:8080/state", "http"),
        ("tfc://acme/prod", "tfc"),
        ("tfc://tfe.example.com/acme/prod", "tfc"),
        ("app.terraform.io/acme/prod-net", "tfc"),
        ("envs.d/prod/terraform.tfstate", "file"),  # a dot in the last part: a file name
        ("states/prod/net", "file"),  # no dotted host
    ],
)
def test_source_kind(ref: str, kind: str) -> None:
    assert source_kind(ref) == kind
    assert is_local_ref(ref) is (kind == "file")


def test_an_existing_path_shaped_like_a_workspace_is_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.terraform.io" / "acme").mkdir(parents=True)
    (tmp_path / "app.terraform.io" / "acme" / "prod").write_bytes(STATE_BYTES)
    monkeypatch.chdir(tmp_path)
    assert source_kind("app.terraform.io/acme/prod") == "file"
    (state,) = read_states(["app.terraform.io/acme/prod"])
    assert state.origin == "app.terraform.io/acme/prod"


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("https://u:p%40ss@state.example.com/x", "https://state.example.com/x"),
        (
            "https://state.example.com:8443/x?token=abc&lock",
            "https://state.example.com:8443/x?token=***&lock",
        ),
        ("https://[::1]:9/x", "https://[::1]:9/x"),
        ("terraform:infra", "terraform:infra"),
        ("tfc://acme/prod", "tfc://acme/prod"),
    ],
)
def test_display_ref_never_shows_credentials(ref: str, shown: str) -> None:
    assert display_ref(ref) == shown


# -- the HTTP backend --------------------------------------------------------------------------


def test_http_backend_with_basic_auth_from_terraform_variables(
    backend: Server, http_env: dict[str, str]
) -> None:
    (state,) = read_states([f"{backend.base}/state/prod"], env=http_env)
    assert [str(i.address) for i in state.resources] == ADDRESSES
    assert state.origin == f"{backend.base}/state/prod"
    assert state.raw == STATE_BYTES  # Terraform verification plans against this very document
    assert backend.requests[-1].headers["authorization"] == BASIC


def test_http_backend_credentials_in_the_url_are_used_and_never_shown(
    backend: Server, http_env: dict[str, str]
) -> None:
    host = backend.base.removeprefix("http://")
    (state,) = read_states([f"http://{USER}:{PASSWORD}@{host}/state/prod"], env={})
    assert state.origin == f"{backend.base}/state/prod"
    assert backend.requests[-1].headers["authorization"] == BASIC


@pytest.mark.parametrize(
    ("path", "env", "message"),
    [
        (
            "/state/prod",
            {"TF_HTTP_USERNAME": USER, "TF_HTTP_PASSWORD": "wrong"},
            "HTTP 401 Unauthorized: the credentials in TF_HTTP_USERNAME / TF_HTTP_PASSWORD "
            "were refused",
        ),
        (
            "/state/prod",
            {},
            "HTTP 401 Unauthorized: set TF_HTTP_USERNAME and TF_HTTP_PASSWORD",
        ),
        ("/state/missing", {}, "HTTP 404 Not Found: no state at this address"),
        ("/state/broken", {}, "HTTP 500 Internal Server Error"),
        ("/state/empty", {}, "the backend answered with an empty body (no state yet?)"),
        (
            "/state/not-a-state",
            {},
            "looks like 'terraform show -json' output, not a state file; pass the state file "
            "itself (or 'terraform state pull' output)",
        ),
        (
            "/state/away",
            {},
            "plain http:// is refused (the state and the credentials would cross the network "
            "in clear); use https://, or http:// only to a loopback address",
        ),
    ],
)
def test_http_backend_failures_are_one_line(
    backend: Server, http_env: dict[str, str], path: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(TerraformInputError) as exc:
        read_states([f"{backend.base}{path}"], env=env)
    assert str(exc.value) == f"{backend.base}{path}: {message}"
    assert "wrong" not in str(exc.value) and PASSWORD not in str(exc.value)


def test_http_backend_follows_a_redirect_without_the_credentials(
    backend: Server, http_env: dict[str, str]
) -> None:
    (state,) = read_states([f"{backend.base}/state/moved"], env=http_env)
    assert state.origin == f"{backend.base}/state/moved"
    first, second = backend.requests[-2:]
    assert (first.path, second.path) == ("/state/moved", "/state/open")
    assert first.headers["authorization"] == BASIC
    assert "authorization" not in second.headers


@pytest.mark.parametrize("path", ["/state/open", "/state/chunked"])
def test_http_backend_state_over_the_cap_is_refused(
    backend: Server, http_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setenv("DRIFTPATCH_MAX_INPUT_BYTES", "1K")
    with pytest.raises(InputError) as exc:
        read_states([f"{backend.base}{path}"], env=http_env)
    size = "is 17.2 KiB, " if path == "/state/open" else ""  # declared, or found by reading
    assert str(exc.value) == (
        f"{backend.base}{path}: {size}over the limit of 1 KiB for a state file "
        "(set DRIFTPATCH_MAX_INPUT_BYTES to raise it)"
    )


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "http://192.0.2.1/state",
            "plain http:// is refused (the state and the credentials would cross the network "
            "in clear); use https://, or http:// only to a loopback address",
        ),
        ("https:///state", "expected an https:// URL with a host"),
        ("https://host:99999/state", "not a valid URL: Port out of range 0-65535"),
    ],
)
def test_http_urls_refused_before_any_request(ref: str, message: str) -> None:
    with pytest.raises(TerraformInputError) as exc:
        read_states([ref], env={})
    assert str(exc.value) == f"{ref}: {message}"


def test_http_connection_refused_is_one_line(http_env: dict[str, str]) -> None:
    for server in serve():
        base = server.base
    with pytest.raises(TerraformInputError) as exc:
        read_states([f"{base}/state"], env=http_env)
    assert str(exc.value) == f"{base}/state: cannot connect: Connection refused"


@pytest.fixture
def tls_backend(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """The backend behind TLS with a self-signed certificate for 127.0.0.1 (openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl CLI to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    for server in serve(tls=context):
        server.routes["/state"] = lambda _: (200, {}, STATE_BYTES)
        yield server, cert


def test_https_verifies_the_certificate(
    tls_backend: tuple[Server, Path], http_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert = tls_backend
    ref = f"{server.base}/state"
    with pytest.raises(TerraformInputError) as exc:
        read_states([ref], env=http_env)
    assert str(exc.value) == (
        f"{ref}: cannot connect: TLS certificate verification failed (self-signed certificate)"
    )
    assert server.requests == []  # nothing was sent to a server that could not prove itself
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # a private CA, as OpenSSL takes it
    (state,) = read_states([ref], env=http_env)
    assert [str(i.address) for i in state.resources] == ADDRESSES


# -- Terraform Cloud / Enterprise --------------------------------------------------------------


@pytest.fixture
def tfc(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Server]]:
    """A fake TFC API on 127.0.0.1 (the API paths and JSON:API shapes of the real one), and a
    separate download host (`localhost`, another origin) like TFC's archivist."""
    for name in ("TFE_TOKEN", "TFE_HOSTNAME", "TF_TOKEN_127_0_0_1", "TF_TOKEN_app_terraform_io"):
        monkeypatch.delenv(name, raising=False)
    for api in serve("127.0.0.1"):
        for archivist in serve("localhost"):

            def guarded(body: dict[str, object]) -> Route:
                def route(seen: Seen) -> tuple[int, dict[str, str], bytes]:
                    if seen.headers.get("authorization") != BEARER:
                        return 401, {}, b'{"errors":[{"status":"401","title":"unauthorized"}]}'
                    assert seen.headers["accept"] == "application/vnd.api+json"
                    return (
                        200,
                        {"Content-Type": "application/vnd.api+json"},
                        json.dumps(body).encode(),
                    )

                return route

            def version(url: str) -> dict[str, object]:
                return {
                    "data": {
                        "id": "sv-abc",
                        "type": "state-versions",
                        "attributes": {"serial": 10, "hosted-state-download-url": url},
                    }
                }

            api.routes.update(
                {
                    "/api/v2/organizations/acme/workspaces/prod": guarded(
                        {"data": {"id": "ws-Prod123", "type": "workspaces"}}
                    ),
                    "/api/v2/workspaces/ws-Prod123/current-state-version": guarded(
                        version(f"{archivist.base}/v1/object/signed-abc")
                    ),
                    "/api/v2/organizations/acme/workspaces/local": guarded(
                        {"data": {"id": "ws-Local1", "type": "workspaces"}}
                    ),
                    "/api/v2/workspaces/ws-Local1/current-state-version": guarded(
                        version("/api/v2/state-versions/sv-abc/download")
                    ),
                    "/api/v2/state-versions/sv-abc/download": lambda seen: (
                        (200, {}, STATE_BYTES)
                        if seen.headers.get("authorization") == BEARER
                        else (401, {}, b"")
                    ),
                    "/api/v2/organizations/acme/workspaces/fresh": guarded(
                        {"data": {"id": "ws-Fresh1", "type": "workspaces"}}
                    ),
                    "/api/v2/organizations/acme/workspaces/processing": guarded(
                        {"data": {"id": "ws-Proc1", "type": "workspaces"}}
                    ),
                    "/api/v2/workspaces/ws-Proc1/current-state-version": guarded(
                        {"data": {"id": "sv-x", "attributes": {"hosted-state-download-url": None}}}
                    ),
                }
            )
            archivist.routes["/v1/object/signed-abc"] = lambda _: (200, {}, STATE_BYTES)
            yield api, archivist


def test_tfc_workspace_state_through_the_api(tfc: tuple[Server, Server]) -> None:
    api, archivist = tfc
    env = {"TFE_HOSTNAME": api.base, "TF_TOKEN_127_0_0_1": TOKEN}
    (state,) = read_states(["tfc://acme/prod"], env=env)
    assert [str(i.address) for i in state.resources] == ADDRESSES
    assert state.origin == "tfc://acme/prod" and state.raw == STATE_BYTES
    assert [r.path for r in api.requests] == [
        "/api/v2/organizations/acme/workspaces/prod",
        "/api/v2/workspaces/ws-Prod123/current-state-version",
    ]
    # The signed download URL is on another host: the token is not sent there.
    (download,) = archivist.requests
    assert download.path == "/v1/object/signed-abc" and "authorization" not in download.headers


def test_tfc_download_on_the_api_host_carries_the_token(tfc: tuple[Server, Server]) -> None:
    api, _ = tfc
    env = {"TFE_HOSTNAME": api.base, "TFE_TOKEN": TOKEN}
    (state,) = read_states(["tfc://acme/local"], env=env)
    assert [str(i.address) for i in state.resources] == ADDRESSES


@pytest.mark.parametrize(
    ("ref", "env", "message"),
    [
        (
            "tfc://acme/prod",
            {},
            "no API token: set TF_TOKEN_127_0_0_1 (or TFE_TOKEN), as for Terraform",
        ),
        (
            "tfc://acme/prod",
            {"TF_TOKEN_127_0_0_1": "nope"},
            "HTTP 401 Unauthorized: the token in TF_TOKEN_127_0_0_1 (or TFE_TOKEN) was refused",
        ),
        (
            "tfc://acme/nothere",
            {"TF_TOKEN_127_0_0_1": TOKEN},
            "HTTP 404 Not Found: workspace acme/nothere not found (or the token cannot read it)",
        ),
        (
            "tfc://acme/fresh",
            {"TF_TOKEN_127_0_0_1": TOKEN},
            "HTTP 404 Not Found: workspace acme/fresh has no state yet",
        ),
        (
            "tfc://acme/processing",
            {"TF_TOKEN_127_0_0_1": TOKEN},
            "workspace acme/processing: the current state version has no "
            "hosted-state-download-url (still being processed? try again)",
        ),
    ],
)
def test_tfc_failures_are_one_line_without_the_token(
    tfc: tuple[Server, Server], ref: str, env: dict[str, str], message: str
) -> None:
    api, _ = tfc
    with pytest.raises(TerraformInputError) as exc:
        read_states([ref], env={"TFE_HOSTNAME": api.base, **env})
    assert str(exc.value) == f"{ref}: {message}"
    assert TOKEN not in str(exc.value) and "nope" not in str(exc.value)


@pytest.mark.parametrize(
    ("ref", "env", "expected"),
    [
        ("tfc://acme/prod", {}, ("https://app.terraform.io", "app.terraform.io")),
        ("app.terraform.io/acme/prod", {}, ("https://app.terraform.io", "app.terraform.io")),
        (
            "tfc://tfe.my-corp.com:8443/acme/prod",
            {"TFE_HOSTNAME": "ignored.example.com"},
            ("https://tfe.my-corp.com:8443", "tfe.my-corp.com"),
        ),
        (
            "tfc://acme/prod",
            {"TFE_HOSTNAME": "tfe.example.com"},
            ("https://tfe.example.com", "tfe.example.com"),
        ),
        (
            "tfc://acme/prod",
            {"TFE_HOSTNAME": "http://[::1]:8080"},
            ("http://[::1]:8080", "::1"),
        ),
    ],
)
def test_tfc_host(ref: str, env: dict[str, str], expected: tuple[str, str]) -> None:
    parsed = remote.parse_tfc(ref, env)
    assert (parsed.base, parsed.host) == expected
    assert (parsed.organization, parsed.workspace) == ("acme", "prod")


@pytest.mark.parametrize(
    ("ref", "env", "message"),
    [
        (
            "tfc://acme",
            {},
            "expected tfc://ORGANIZATION/WORKSPACE or tfc://HOST/ORGANIZATION/WORKSPACE",
        ),
        (
            "tfc://acme/pr od",
            {},
            "workspace name 'pr od': expected letters, digits, '-' and '_'",
        ),
        (
            "tfc://acme/prod",
            {"TFE_HOSTNAME": "http://tfe.example.com"},
            "plain http:// is refused (the state and the credentials would cross the network "
            "in clear); use https://, or http:// only to a loopback address",
        ),
        (
            "tfc://acme/prod",
            {"TFE_HOSTNAME": "https://tfe.example.com/path"},
            "https://tfe.example.com/path is not a host name (TFE_HOSTNAME or the reference)",
        ),
    ],
)
def test_tfc_bad_references(ref: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(TerraformInputError) as exc:
        read_states([ref], env=env)
    assert str(exc.value) == f"{ref}: {message}"


@pytest.mark.parametrize(
    ("host", "variable"),
    [
        ("app.terraform.io", "TF_TOKEN_app_terraform_io"),
        ("tfe.my-corp.com", "TF_TOKEN_tfe_my__corp_com"),
    ],
)
def test_token_variable_follows_terraform(host: str, variable: str) -> None:
    assert remote.token_variable(host) == variable


# -- terraform state pull ----------------------------------------------------------------------

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="needs the Terraform CLI on PATH"
)


@needs_terraform
def test_terraform_state_pull_on_a_local_backend(tmp_path: Path) -> None:
    work = tmp_path / "stack"
    work.mkdir()
    (work / "main.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    init = subprocess.run(
        ["terraform", f"-chdir={work}", "init", "-input=false", "-no-color"],
        capture_output=True,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
        timeout=300,
    )
    # Initialised before the state arrives: no provider to install, so no network needed.
    assert init.returncode == 0, init.stderr
    (work / "terraform.tfstate").write_bytes(STATE_BYTES)
    (state,) = read_states([f"terraform:{work}"])
    assert [str(i.address) for i in state.resources] == ADDRESSES
    assert state.origin == f"terraform:{work}"
    assert json.loads(state.raw)["lineage"] == json.loads(STATE_BYTES)["lineage"]


@needs_terraform
def test_terraform_state_pull_failure_is_its_first_error_line(tmp_path: Path) -> None:
    work = tmp_path / "remote"
    work.mkdir()
    (work / "main.tf").write_text(
        'terraform {\n  backend "s3" {\n    bucket = "b"\n    key    = "k"\n'
        '    region = "us-east-1"\n  }\n}\n'
    )
    with pytest.raises(TerraformInputError) as exc:
        read_states([f"terraform:{work}"])
    assert str(exc.value) == (
        f"terraform:{work}: terraform state pull failed: Backend initialization required, "
        'please run "terraform init"'
    )


@needs_terraform
def test_terraform_state_pull_of_an_empty_workspace(tmp_path: Path) -> None:
    with pytest.raises(TerraformInputError) as exc:
        read_states([f"terraform:{tmp_path}"])
    assert str(exc.value) == (
        f"terraform:{tmp_path}: terraform state pull printed no state "
        "(nothing applied in this workspace?)"
    )


def test_terraform_source_without_a_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.delenv("DRIFTPATCH_TERRAFORM", raising=False)
    with pytest.raises(TerraformInputError) as exc:
        read_states([f"terraform:{tmp_path}"])
    assert str(exc.value) == (
        f"terraform:{tmp_path}: no Terraform CLI on PATH (terraform:DIR runs 'terraform state "
        "pull'; install Terraform or set DRIFTPATCH_TERRAFORM)"
    )


def test_terraform_source_directory_must_exist(tmp_path: Path) -> None:
    with pytest.raises(TerraformInputError) as exc:
        read_states([f"terraform:{tmp_path / 'nope'}"])
    assert str(exc.value) == (
        f"terraform:{tmp_path / 'nope'}: no such directory "
        "(terraform:DIR names a Terraform working directory)"
    )


def test_nothing_is_printed_or_left_in_the_environment(
    backend: Server, http_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = dict(os.environ)
    read_states([f"{backend.base}/state/prod"], env=http_env)
    assert capsys.readouterr() == ("", "")
    assert dict(os.environ) == before


CLI_CONFIG_WARNING = (
    "There are some problems with the CLI configuration:\n"
    "\u2577\n"
    "\u2502 Warning: Unable to open CLI configuration file\n"
    "\u2502\n"
    '\u2502 The CLI configuration file at "/root/.terraformrc" does not exist.\n'
    "\u2575\n\n"
)


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        (
            CLI_CONFIG_WARNING
            + "\x1b[31mFailed to refresh state: 2 problems:\n\n"
            + "- Unsupported state file format: The state file could not be parsed as JSON.\n"
            + "- Unsupported state file format: no version.\x1b[0m\x1b[0m\n",
            "Failed to refresh state: 2 problems: - Unsupported state file format: The state "
            "file could not be parsed as JSON.",
        ),
        (
            CLI_CONFIG_WARNING
            + "\x1b[31m\u2577\x1b[0m\n\x1b[31m\u2502\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m"
            + '\x1b[1mBackend initialization required, please run "terraform init"\x1b[0m\n'
            + "\x1b[31m\u2575\x1b[0m\n",
            'Backend initialization required, please run "terraform init"',
        ),
        (CLI_CONFIG_WARNING, "no error output"),
    ],
)
def test_terraform_error_line_past_warnings_and_colours(stderr: str, line: str) -> None:
    from driftpatch.terraform.binary import first_error_line

    assert first_error_line(stderr.encode()) == line
