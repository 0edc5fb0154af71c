"""--notify: a real HTTP webhook on 127.0.0.1 receives the new findings; failures are retried,
then reported, and never change the exit code."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from driftpatch.config import FailOn
from driftpatch.errors import InputError
from driftpatch.model import (
    Category,
    Finding,
    FindingHistory,
    Inputs,
    Kind,
    Location,
    Report,
    Severity,
)
from driftpatch.notify import check_url, notify

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Hook:
    url: str
    statuses: list[int]  # answered in order; 200 once exhausted
    bodies: list[dict[str, object]] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook("", [])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.bodies.append(json.loads(self.rfile.read(length)))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/driftpatch"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _f(name: str, severity: Severity) -> Finding:
    return Finding(
        kind=Kind.MISCONFIG,
        rule_id="DP-S3-004",
        title="Bucket is not encrypted",
        severity=severity,
        category=Category.DATA,
        resource_type="aws_s3_bucket",
        address=f"aws_s3_bucket.{name}",
        resource_id=name,
        location=Location("terraform/s3.tf", 3, 9),
    )


HIGH, LOW, OLD = _f("new", Severity.HIGH), _f("minor", Severity.LOW), _f("old", Severity.CRITICAL)
REPORT = Report(
    "0",
    "2026-12-04T03:00:00+00:00",
    Inputs(),
    findings=(HIGH, LOW, OLD),
    history={
        HIGH.id: FindingHistory("2026-12-04T03:00:00+00:00", "2026-12-04T03:00:00+00:00", "new"),
        OLD.id: FindingHistory(
            "2026-12-01T03:00:00+00:00", "2026-12-04T03:00:00+00:00", "recurring"
        ),
    },
)


def _no_sleep(_: float) -> None:
    pass


def test_new_findings_at_or_above_the_threshold_are_posted(hook: Hook) -> None:
    result = notify(hook.url, REPORT, FailOn.HIGH, sleep=_no_sleep)
    assert (result.sent, result.new, result.message) == (True, 1, "notify: posted 1 new")
    [body] = hook.bodies
    assert body["text"] == (
        "driftpatch: 1 new finding(s) (2026-12-04T03:00:00+00:00)\n"
        "- [high] DP-S3-004 aws_s3_bucket.new: Bucket is not encrypted (terraform/s3.tf:3)"
    )
    assert [f["id"] for f in body["findings"]] == [HIGH.id]  # type: ignore[index, union-attr]


def test_nothing_new_posts_nothing(hook: Hook) -> None:
    result = notify(hook.url, REPORT, FailOn.CRITICAL, sleep=_no_sleep)  # OLD is recurring
    assert (result.sent, result.new) == (False, 0)
    assert hook.bodies == []


def test_server_errors_are_retried_with_backoff(hook: Hook) -> None:
    hook.statuses = [503, 500]
    waits: list[float] = []
    result = notify(hook.url, REPORT, FailOn.HIGH, sleep=waits.append)
    assert result.sent and len(hook.bodies) == 3
    assert waits == [1.0, 2.0]


def test_a_refusal_is_not_retried_and_is_reported(hook: Hook) -> None:
    hook.statuses = [403]
    result = notify(hook.url, REPORT, FailOn.HIGH, sleep=_no_sleep)
    assert not result.sent and len(hook.bodies) == 1
    assert result.message == "notify: could not post to 127.0.0.1: HTTP 403"


def test_bad_urls_are_input_errors() -> None:
    for url in ("ftp://x/y", "hooks.example", "http://"):
        with pytest.raises(InputError, match="expected an http"):
            check_url(url)


def test_through_the_cli_a_dead_hook_never_changes_the_exit_code(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "fixtures" / "inputs" / "stack", repo)
    (repo / ".git").mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "driftpatch",
            "check",
            "--source",
            "repo",
            "--no-checkov",
            "-o",
            "json:r.json",
            "--notify",
            "http://127.0.0.1:9/closed",
            "--notify-on",
            "low",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "driftpatch: note: notify: could not post to 127.0.0.1: " in proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["findings"]
