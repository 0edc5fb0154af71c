"""An embedded AWS (moto's threaded server on 127.0.0.1) for the demo and the end-to-end tests.

boto3 and the Terraform AWS provider talk to it over real HTTP, exactly as they would to AWS.
moto is an optional dependency: importing this module never fails, starting the server does.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftpatch.errors import DriftpatchError

DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account


class EmbeddedAwsError(DriftpatchError):
    """The embedded AWS could not start (moto missing or no free port)."""


@dataclass
class EmbeddedAws:
    """A running moto server; use `embedded_aws()` to get one that is always stopped."""

    endpoint_url: str
    _server: Any
    _warmed: bool = field(default=False, repr=False)

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
        """Make the server as fresh as a new one: every service's backend is gone.

        moto's own reset is not, once its Auto Scaling backend exists: resetting a backend
        re-runs its constructor, and Auto Scaling's looks up the EC2, ELB and ELBv2 backends of
        its region. When EC2 was used before Auto Scaling (the usual order: a stack, then a
        scan), EC2 has already been reset and dropped by then, so the lookup builds a new EC2
        backend, its default VPC, subnets and security group drawing ids from the random
        generator, and moto no longer tracks it for the next reset. A replay seeded after such
        a reset (`worlds.deploy`) then finds those objects made *before* its seed, every id
        differs from the recording, and the world is refused. Here the backends re-made during
        the reset are dropped too, so `reset` + `seed` always starts from the same point.
        """
        self.warm()  # before the reset, which drops the EC2 backend this makes
        if self._in_process():
            from moto.core.base_backend import BackendDict, backend_lock

            # Every backend moto tracks now; after its reset each must be empty again. (The
            # lock is moto's; its server thread takes it for the reset, so not held across.)
            with backend_lock:
                tracked: list[Any] = list(BackendDict._instances)  # type: ignore[misc]
            self.moto_api("reset")
            with backend_lock:
                for backends in tracked:
                    backends.clear()  # those a dependent's constructor re-made (see above)
            return
        # Another process's moto: let Auto Scaling be the first backend moto tracks, so its
        # next reset finds the backends its constructor looks up still there (re-made by the
        # first reset, or made now), and the same reset then drops them after it.
        self.moto_api("reset")
        self._call("autoscaling", b"Action=DescribeAutoScalingGroups&Version=2011-01-01")
        self.moto_api("reset")

    def warm(self) -> None:
        """Answer one DescribeKeyPairs before anything else can run beside it (once a server).

        moto's first DescribeKeyPairs in a process adds an entry to a dict that every EC2
        answer's serializer iterates (its response transformers, shared by the class): an EC2
        answer being written at that moment fails with a 500, and a scan reads EC2 from
        several threads at once. Later DescribeKeyPairs only replace the entry's value.
        """
        if not self._warmed:
            self._call("ec2", b"Action=DescribeKeyPairs&Version=2016-11-15")
            self._warmed = True

    def _in_process(self) -> bool:
        """Whether the server's backends live in this process (`embedded_aws()`'s server)."""
        server_module = sys.modules.get("moto.server")
        threaded = getattr(server_module, "ThreadedMotoServer", None)
        return threaded is not None and isinstance(self._server, threaded)

    def _call(self, service: str, body: bytes) -> None:
        """One query-protocol call to `service` (moto checks no signature, only the credential
        scope that names the service and region)."""
        req = urllib.request.Request(
            self.endpoint_url,
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": (
                    "AWS4-HMAC-SHA256 Credential=testing/20240101/"
                    f"{DEFAULT_REGION}/{service}/aws4_request, "
                    "SignedHeaders=host, Signature=0"
                ),
            },
        )
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()

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
        aws.warm()
        yield aws
    finally:
        aws.stop()


def _mend_moto() -> None:
    """Make moto answer RDS's bulk DescribeOptionGroups as AWS does (idempotent), and list its
    package directory once.

    moto 5.2's server finds the service of every request by listing its package directory
    (`backends.list_of_moto_modules`: ~180 stat calls under a server-wide lock, twice a
    request); the directory does not change while the server runs. Listed once, moto's CPU per
    S3 Get* request drops by about a third (2.07 -> 1.27 ms measured): the demo, every test
    and the benchmarks share that server. No answer changes.

    moto 5.2 fails the listing without OptionGroupName with a 500 (it reads the absent
    parameter as `kwargs["option_group_name"]`) and answers an empty one with
    OptionGroupNotFoundFault: every scan whose RDS reader lists option groups would fail on
    the embedded AWS. The server runs in this process; its backend's method is wrapped."""
    from moto import backends
    from moto.rds import models
    from moto.rds.exceptions import OptionGroupNotFoundFaultError

    if not getattr(backends.list_of_moto_modules, "driftpatch_mended", False):
        modules = tuple(backends.list_of_moto_modules())

        def list_of_moto_modules() -> tuple[str, ...]:
            return modules

        list_of_moto_modules.driftpatch_mended = True  # type: ignore[attr-defined]
        backends.list_of_moto_modules = list_of_moto_modules

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
    what a user would write for real AWS. Credentials and the endpoint come from the environment
    (`env()`: `AWS_ENDPOINT_URL`, which the provider's SDK honours for every service), so the
    file holds no key for a secrets rule to flag. Why no `endpoints {}` block: the provider
    validates that block (hundreds of optional service names) on every configure, which costs
    about 5 s of CPU per `terraform plan` -- two thirds of a small stack's plan.
    """
    del endpoint_url  # the endpoint travels in AWS_ENDPOINT_URL; kept for the call sites
    return (
        'provider "aws" {\n'
        f"  region                      = {json.dumps(region)}\n"
        "  skip_credentials_validation = true\n"
        "  skip_requesting_account_id  = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  s3_use_path_style           = true\n"
        "}\n"
    )
