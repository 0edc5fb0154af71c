"""The read-only guard is an allow-list: each entry a real read of its service, nothing else
callable, and the readers call nothing outside it."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

from driftpatch.aws.allowlist import ALLOWED, CREDENTIAL_CALLS, READ_ONLY_PREFIXES, is_allowed
from driftpatch.aws.session import AwsSession
from driftpatch.errors import ReadOnlyViolation
from driftpatch.terraform.state import default_s3_client

SRC = Path(__file__).resolve().parents[2] / "src" / "driftpatch"
# Seeding the embedded AWS for the demo and tests writes on purpose, through its own clients.
# (the demo package: the demo command and the world builder, driftpatch/demo/).
NOT_SCANNING = {"embedded.py", "demo"}
# Terraform arguments spelled like an AWS operation, never called.
NOT_CALLS = {"get_password_data"}
# Operations that read nothing but mint credentials or tokens: named like reads, refused.
MINTING = [
    ("sts", "get_session_token", {}),
    ("sts", "get_federation_token", {"Name": "driftpatch"}),
    ("iam", "get_credential_report", {}),
]
WRITES = [
    ("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"x"}),
    ("ec2", "authorize_security_group_ingress", {"GroupId": "sg-1"}),
    ("iam", "delete_role", {"RoleName": "r"}),
    ("kms", "enable_key_rotation", {"KeyId": "k"}),
]
# A closed port: a request that got past the guard fails with a connection error instead.
CLOSED = "http://127.0.0.1:9"


def _models() -> dict[str, dict[str, str]]:
    """service -> snake_case name -> operation name, for the services driftpatch reads."""
    session = botocore.session.get_session()
    return {
        svc: {xform_name(op): op for op in session.get_service_model(svc).operation_names}
        for svc in ALLOWED
    }


def test_every_allowed_operation_is_a_real_read_of_its_service() -> None:
    models = _models()
    for service, operations in ALLOWED.items():
        real = set(models[service].values())
        for op in operations:
            assert op in real, f"{service}:{op} is not an operation of {service}"
            if op in CREDENTIAL_CALLS.get(service, ()):
                continue  # sts:AssumeRole (`scan --role-arn`): the one named exception
            assert op.startswith(READ_ONLY_PREFIXES), f"{service}:{op} is not named as a read"
            assert "Token" not in op and "Credential" not in op, f"{service}:{op} mints"


def _referenced() -> set[str]:
    """Every snake_case read-prefixed word in the scanning code (calls, paginators, tables)."""
    words: set[str] = set()
    pattern = re.compile(r"\b((?:describe|list|get|head|lookup)_[a-z0-9_]+)\b")
    for path in SRC.rglob("*.py"):
        if not _scanning(path):
            continue
        words |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return words - NOT_CALLS


def test_the_code_calls_only_allowed_operations_and_every_allowed_one_is_used() -> None:
    models = _models()
    referenced = _referenced()
    called: set[tuple[str, str]] = set()
    for word in referenced:
        services = [svc for svc, ops in models.items() if word in ops]
        if not services:
            continue  # not an operation of any service we read (a Python or HCL name)
        ops = {(svc, models[svc][word]) for svc in services}
        allowed = {pair for pair in ops if is_allowed(*pair)}
        assert allowed, f"{word} is called but allowed for no service: add it or drop the call"
        called |= allowed
    for svc, ops in CREDENTIAL_CALLS.items():  # not read-prefixed: looked for by name
        called |= {(svc, op) for op in ops if xform_name(op) in _all_words()}
    listed = {(svc, op) for svc, ops in ALLOWED.items() for op in ops}
    assert listed - called == set(), "allowed but never called: keep the list minimal"


def test_the_only_non_read_is_assume_role() -> None:
    assert {"sts": frozenset({"AssumeRole"})} == CREDENTIAL_CALLS
    assert is_allowed("sts", "AssumeRole")
    for op in ("AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetSessionToken"):
        assert not is_allowed("sts", op)


def _scanning(path: Path) -> bool:
    return not {path.name, path.relative_to(SRC).parts[0]} & NOT_SCANNING


def _all_words() -> set[str]:
    words: set[str] = set()
    for path in SRC.rglob("*.py"):
        if _scanning(path):
            words |= set(re.findall(r"\b[a-z][a-z0-9_]*\b", path.read_text(encoding="utf-8")))
    return words


@pytest.mark.parametrize(("service", "op", "kwargs"), MINTING + WRITES)
def test_the_session_refuses_before_any_request(
    service: str, op: str, kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(region="us-east-1", endpoint_url=CLOSED, max_attempts=1)
    client = session.client(service, "us-east-1")
    with pytest.raises(ReadOnlyViolation, match=f"refused {service}:"):
        getattr(client, op)(**kwargs)
    assert session.calls() == {}


def test_an_allowed_read_goes_through_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.exceptions

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(region="us-east-1", endpoint_url=CLOSED, max_attempts=1)
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        session.client("sts", "us-east-1").get_caller_identity()


def test_the_state_backend_client_is_guarded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", CLOSED)
    client = default_s3_client()
    with pytest.raises(ReadOnlyViolation, match="refused s3:PutObject"):
        client.put_object(Bucket="b", Key="k", Body=b"x")
