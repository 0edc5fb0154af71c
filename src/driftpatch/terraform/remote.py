"""State over HTTP: an HTTP backend's address, and Terraform Cloud / Enterprise's API.

Both are read with GET only, as Terraform itself reads them, so a team can point a nightly scan
at the state it already has without copying it anywhere:

- an **HTTP backend** (`https://...`): the `address` of Terraform's `http` backend (GitLab's
  managed state, Artifactory, a home-grown server). Basic auth comes from TF_HTTP_USERNAME /
  TF_HTTP_PASSWORD, Terraform's own variables for that backend (or the URL's user:password);
  like Terraform, it is sent only when a user name is set.
- **Terraform Cloud / Enterprise** (`tfc://ORG/WORKSPACE`, `tfc://HOST/ORG/WORKSPACE` or
  `HOST/ORG/WORKSPACE`): the workspace, then its current state version, then that version's
  `hosted-state-download-url`. The token is Terraform's: `TF_TOKEN_<host>` with dots as `_`
  and dashes as `__` (TF_TOKEN_app_terraform_io), else TFE_TOKEN. The host is
  app.terraform.io unless the reference names one or TFE_HOSTNAME does.

Every request verifies TLS; plain `http://` is accepted only for a loopback address (a server
on the same machine, and the test suite's). Answers are read at most one byte past
DRIFTPATCH_MAX_INPUT_BYTES, with a timeout on every socket operation. Credentials never reach a
message, a log or the report: errors and `display_ref` name the URL without its user info and
with query values masked, and the Authorization header is never forwarded by a redirect (nor
sent to the state download host when it differs from the API's).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import json
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from driftpatch import limits
from driftpatch.errors import TerraformInputError
from driftpatch.terraform._input import bad

TIMEOUT_S: Final = 30.0
MAX_REDIRECTS: Final = 5
DEFAULT_TFC_HOST: Final = "app.terraform.io"
# API documents (workspace, state version) are small; a state is capped by the input limit.
_API_DOCUMENT_BYTES: Final = 4 * 2**20
_NAME = re.compile(r"[A-Za-z0-9_-]+")  # organization and workspace names in TFC/TFE
_HOST = re.compile(r"(?:(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
# `app.terraform.io/acme/prod`: a host with a dot, then an organization and a workspace.
_BARE_TFC = re.compile(r"((?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d{1,5})?)/([^/]+)/([^/]+)")
_WORKSPACE_ID = re.compile(r"ws-[A-Za-z0-9]+")


# -- references --------------------------------------------------------------------------------


def is_http_ref(ref: str) -> bool:
    return ref[:8].lower().startswith(("http://", "https://"))


def is_tfc_ref(ref: str) -> bool:
    """`tfc://...`, or `HOST/ORG/WORKSPACE` with a dotted host and names TFC allows (a local
    path of that shape that exists is a path: the caller checks that first)."""
    if ref[:6].lower() == "tfc://":
        return True
    match = _BARE_TFC.fullmatch(ref)
    return bool(match and _NAME.fullmatch(match.group(2)) and _NAME.fullmatch(match.group(3)))


def display_ref(ref: str) -> str:
    """The reference as reports and messages show it: no user info, query values masked."""
    if not is_http_ref(ref):
        return ref
    try:
        parts = urllib.parse.urlsplit(ref)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return ref.split("@", 1)[-1] if "@" in ref else ref
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    query = "&".join(
        f"{name}=***" if value else name
        for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    return urllib.parse.urlunsplit((parts.scheme.lower(), host + port, parts.path, query, ""))


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _checked(url: str, origin: str) -> urllib.parse.SplitResult:
    """The URL split, if driftpatch may fetch it: https, or http to a loopback address."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port that is not 0-65535
    except ValueError as exc:
        raise bad(origin, f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        raise bad(origin, "expected an https:// URL with a host")
    if scheme == "http" and not _is_loopback(host):
        raise bad(
            origin,
            "plain http:// is refused (the state and the credentials would cross the network "
            "in clear); use https://, or http:// only to a loopback address",
        )
    return parts


# -- fetching ----------------------------------------------------------------------------------


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a few redirects, each to a URL `_checked` accepts (never https -> remote http).

    Headers added with `add_unredirected_header` (Authorization) are not carried over: urllib
    copies only the others, so a redirect to another host never receives the credentials."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        _checked(newurl, self.origin)
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes


def _get(
    url: str,
    origin: str,
    *,
    what: str,
    limit: int,
    authorization: str | None = None,
    accept: str = "application/json",
) -> _Answer:
    """GET `url`: its status and body (at most `limit` bytes, else one line), or one line for
    a failure to connect. 4xx/5xx answers are returned, not raised, for the caller to word."""
    parts = _checked(url, origin)
    handlers: list[urllib.request.BaseHandler] = [
        _Redirects(origin),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
    ]
    if _is_loopback(parts.hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # a proxy cannot reach our loopback
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, method="GET", headers={"Accept": accept})
    request.add_header("User-Agent", "driftpatch")
    if authorization is not None:
        request.add_unredirected_header("Authorization", authorization)
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            return _Answer(response.status, _read(response, origin, what, limit))
    except urllib.error.HTTPError as exc:
        with exc:
            body = b""
            with contextlib.suppress(OSError, http.client.HTTPException):
                body = exc.read(_API_DOCUMENT_BYTES)
            return _Answer(exc.code, body)
    except urllib.error.URLError as exc:
        raise bad(origin, f"cannot connect: {_reason(exc.reason)}") from exc
    except TimeoutError as exc:
        raise bad(origin, f"no answer within {TIMEOUT_S:g} s") from exc
    except (http.client.HTTPException, OSError) as exc:
        raise bad(origin, f"the connection broke: {_reason(exc)}") from exc


def _reason(reason: object) -> str:
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed ({reason.verify_message})"
    if isinstance(reason, TimeoutError):
        return f"no answer within {TIMEOUT_S:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return " ".join(str(reason).split()) or type(reason).__name__


def _read(response: http.client.HTTPResponse, origin: str, what: str, limit: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise TerraformInputError(limits.too_large(origin, what, int(declared), limit))
    parts: list[bytes] = []
    total = 0
    while total <= limit:
        part = response.read(min(1 << 20, limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    if total > limit:
        raise TerraformInputError(limits.too_large(origin, what, total, limit, grew=True))
    return b"".join(parts)


def _status_line(status: int) -> str:
    try:
        from http import HTTPStatus

        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


# -- the HTTP backend --------------------------------------------------------------------------


def read_http(ref: str, env: Mapping[str, str] | None = None) -> bytes:
    """The state at an HTTP backend's address (GET, as `terraform state pull` does)."""
    env = os.environ if env is None else env
    origin = display_ref(ref)
    parts = _checked(ref, origin)
    user = urllib.parse.unquote(parts.username or "") or env.get("TF_HTTP_USERNAME", "")
    password = urllib.parse.unquote(parts.password or "") or env.get("TF_HTTP_PASSWORD", "")
    url = ref
    if parts.username is not None or parts.password is not None:  # never on the wire as is
        netloc = parts.netloc.rpartition("@")[2]
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    authorization = None
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        authorization = f"Basic {token}"
    answer = _get(
        url, origin, what="state", limit=limits.max_input_bytes(), authorization=authorization
    )
    if answer.status == 200:
        if not answer.body.strip():
            raise bad(origin, "the backend answered with an empty body (no state yet?)")
        return answer.body
    if answer.status in (204, 404):
        raise bad(origin, f"{_status_line(answer.status)}: no state at this address")
    if answer.status in (401, 403):
        hint = (
            "the credentials in TF_HTTP_USERNAME / TF_HTTP_PASSWORD were refused"
            if user
            else "set TF_HTTP_USERNAME and TF_HTTP_PASSWORD"
        )
        raise bad(origin, f"{_status_line(answer.status)}: {hint}")
    raise bad(origin, _status_line(answer.status))


# -- Terraform Cloud / Enterprise --------------------------------------------------------------


@dataclass(frozen=True)
class TfcRef:
    """A workspace: where its API is (`base`: scheme://host[:port]) and its names."""

    base: str
    host: str  # without the port: what TF_TOKEN_<host> names
    organization: str
    workspace: str


def parse_tfc(ref: str, env: Mapping[str, str] | None = None) -> TfcRef:
    """`tfc://ORG/WS`, `tfc://HOST/ORG/WS` or `HOST/ORG/WS` -> the workspace, or one line.

    The host is the reference's, else TFE_HOSTNAME (a host, or a URL: `http://` only for a
    loopback address, which is how the test suite points it at a local server), else
    app.terraform.io."""
    env = os.environ if env is None else env
    rest = ref[len("tfc://") :] if ref[:6].lower() == "tfc://" else ref
    segments = rest.split("/")
    if len(segments) == 2:
        host = (env.get("TFE_HOSTNAME") or "").strip() or DEFAULT_TFC_HOST
    elif len(segments) == 3:
        host = segments[0]
    else:
        raise bad(ref, "expected tfc://ORGANIZATION/WORKSPACE or tfc://HOST/ORGANIZATION/WORKSPACE")
    organization, workspace = segments[-2], segments[-1]
    for kind, name in (("organization", organization), ("workspace", workspace)):
        if not _NAME.fullmatch(name):
            raise bad(ref, f"{kind} name {name[:80]!r}: expected letters, digits, '-' and '_'")
    base = host if "://" in host else f"https://{host}"
    parts = _checked(base, ref)
    if (
        parts.path not in ("", "/")
        or parts.query
        or parts.username
        or not _HOST.fullmatch(parts.netloc)
    ):
        raise bad(ref, f"{display_ref(base)} is not a host name (TFE_HOSTNAME or the reference)")
    return TfcRef(
        base=f"{parts.scheme.lower()}://{parts.netloc}",
        host=(parts.hostname or "").lower(),
        organization=organization,
        workspace=workspace,
    )


def token_variable(host: str) -> str:
    """Terraform's variable for a host's API token: TF_TOKEN_app_terraform_io."""
    return "TF_TOKEN_" + host.replace("-", "__").replace(".", "_")


def read_tfc(ref: str, env: Mapping[str, str] | None = None) -> bytes:
    """The current state of a Terraform Cloud / Enterprise workspace (three GETs)."""
    env = os.environ if env is None else env
    tfc = parse_tfc(ref, env)
    variable = token_variable(tfc.host)
    token = env.get(variable) or env.get("TFE_TOKEN")
    if not token:
        raise bad(ref, f"no API token: set {variable} (or TFE_TOKEN), as for Terraform")
    bearer = f"Bearer {token}"
    name = f"{tfc.organization}/{tfc.workspace}"
    # The names are checked against TFC's alphabet: nothing in them needs quoting.
    workspace = _api(
        f"{tfc.base}/api/v2/organizations/{tfc.organization}/workspaces/{tfc.workspace}",
        ref,
        bearer,
        variable,
        missing=f"workspace {name} not found (or the token cannot read it)",
    )
    data = workspace.get("data")
    workspace_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(workspace_id, str) or not _WORKSPACE_ID.fullmatch(workspace_id):
        raise bad(ref, "the workspace answer has no workspace id (is this a TFC/TFE API?)")
    version = _api(
        f"{tfc.base}/api/v2/workspaces/{workspace_id}/current-state-version",
        ref,
        bearer,
        variable,
        missing=f"workspace {name} has no state yet",
    )
    vdata = version.get("data")
    attributes = vdata.get("attributes") if isinstance(vdata, dict) else None
    url = attributes.get("hosted-state-download-url") if isinstance(attributes, dict) else None
    if not isinstance(url, str) or not url:
        raise bad(
            ref,
            f"workspace {name}: the current state version has no hosted-state-download-url "
            "(still being processed? try again)",
        )
    url = urllib.parse.urljoin(tfc.base + "/", url)
    target = _checked(url, ref)
    same_origin = f"{target.scheme.lower()}://{target.netloc.lower()}" == tfc.base.lower()
    answer = _get(
        url,
        ref,
        what="state",
        limit=limits.max_input_bytes(),
        authorization=bearer if same_origin else None,  # a signed URL elsewhere needs none
        accept="application/json",
    )
    if answer.status != 200:
        raise bad(ref, f"downloading the state: {_status_line(answer.status)}")
    if not answer.body.strip():
        raise bad(ref, "downloading the state: an empty body")
    return answer.body


def _api(url: str, ref: str, bearer: str, variable: str, *, missing: str) -> dict[str, object]:
    answer = _get(
        url,
        ref,
        what="API answer",
        limit=_API_DOCUMENT_BYTES,
        authorization=bearer,
        accept="application/vnd.api+json",
    )
    if answer.status == 401:
        raise bad(ref, f"{_status_line(401)}: the token in {variable} (or TFE_TOKEN) was refused")
    if answer.status == 404:
        raise bad(ref, f"{_status_line(404)}: {missing}")
    if answer.status != 200:
        raise bad(ref, _status_line(answer.status))
    try:
        doc = json.loads(answer.body)
    except (ValueError, RecursionError) as exc:
        raise bad(ref, "the API answered with something that is not JSON") from exc
    if not isinstance(doc, dict):
        raise bad(ref, "the API answered with JSON that is not an object")
    return doc
