"""An embedded AWS (moto's threaded server on 127.0.0.1) for the demo and the end-to-end tests.

boto3 and the Terraform AWS provider talk to it over real HTTP, exactly as they would to AWS.
moto is an optional dependency: importing this module never fails, starting the server does.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftpatch.errors import DriftpatchError

DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
# Services the Terraform AWS provider must be pointed at for the stacks driftpatch covers.
PROVIDER_ENDPOINT_SERVICES = (
    "cloudtrail",
    "cloudwatch",
    "cloudwatchlogs",
    "config",
    "ec2",
    "guardduty",
    "iam",
    "kms",
    "rds",
    "s3",
    "sts",
)


class EmbeddedAwsError(DriftpatchError):
    """The embedded AWS could not start (moto missing or no free port)."""


@dataclass
class EmbeddedAws:
    """A running moto server; use `embedded_aws()` to get one that is always stopped."""

    endpoint_url: str
    _server: Any

    def env(self, region: str = DEFAULT_REGION) -> dict[str, str]:
        """Environment for boto3 / Terraform / driftpatch pointing at this server only."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def moto_api(self, path: str, body: Mapping[str, Any] | bytes | None = None) -> bytes:
        """POST to moto's control API (`reset`, `seed?a=1`, `recorder/...`)."""
        data = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
        req = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/{path}",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=120) as resp:
            return bytes(resp.read())

    def reset(self) -> None:
        self.moto_api("reset")

    def stop(self) -> None:
        self._server.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def embedded_aws() -> Iterator[EmbeddedAws]:
    """Start moto on 127.0.0.1 on a free port; always stopped on exit."""
    # moto's request recorder (used by the benchmark) writes to ./moto_recording unless told
    # otherwise when moto is first imported: keep it out of the user's working directory.
    os.environ.setdefault(
        "MOTO_RECORDER_FILEPATH",
        str(Path(tempfile.gettempdir()) / f"driftpatch-moto-recording-{os.getpid()}"),
    )
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        raise EmbeddedAwsError(
            "the embedded AWS needs moto: pip install 'driftpatch[demo]' (or 'moto[server]')"
        ) from exc
    _mend_moto()
    # werkzeug logs every request to stderr; the demo and the tests have better things to say.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    aws = EmbeddedAws(f"http://127.0.0.1:{port}", server)
    try:
        yield aws
    finally:
        aws.stop()


def _mend_moto() -> None:
    """Make moto answer RDS's bulk DescribeOptionGroups as AWS does (idempotent).

    moto 5.2 fails the listing without OptionGroupName with a 500 (it reads the absent
    parameter as `kwargs["option_group_name"]`) and answers an empty one with
    OptionGroupNotFoundFault: every scan whose RDS reader lists option groups would fail on
    the embedded AWS. The server runs in this process; its backend's method is wrapped."""
    from moto.rds import models
    from moto.rds.exceptions import OptionGroupNotFoundFaultError

    describe = models.RDSBackend.describe_option_groups
    if getattr(describe, "driftpatch_mended", False):
        return

    def describe_option_groups(self: Any, kwargs: dict[str, Any]) -> Any:
        named = kwargs.get("option_group_name")
        try:
            return describe(self, {**kwargs, "option_group_name": named})
        except OptionGroupNotFoundFaultError:
            if named:
                raise
            return []

    describe_option_groups.driftpatch_mended = True  # type: ignore[attr-defined]
    setattr(models.RDSBackend, "describe_option_groups", describe_option_groups)  # noqa: B010


def provider_override(endpoint_url: str, region: str = DEFAULT_REGION) -> str:
    """An `*_override.tf` provider block that points hashicorp/aws at the embedded AWS.

    Terraform merges override files into the stack's own provider block, so the stack's HCL stays
    what a user would write for real AWS. Credentials come from the environment (`env()`), so
    the file holds no key for a secrets rule to flag.
    """
    endpoints = "\n".join(
        f"    {svc:<14} = {json.dumps(endpoint_url)}" for svc in PROVIDER_ENDPOINT_SERVICES
    )
    return (
        'provider "aws" {\n'
        f"  region                      = {json.dumps(region)}\n"
        "  skip_credentials_validation = true\n"
        "  skip_requesting_account_id  = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  s3_use_path_style           = true\n"
        "  endpoints {\n"
        f"{endpoints}\n"
        "  }\n"
        "}\n"
    )
