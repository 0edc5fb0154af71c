"""`--notify URL`: tell a chat or incident webhook about findings that are new since last run.

The payload is compact JSON with a Slack-compatible `text` (Slack, Mattermost, Teams workflows
and most webhook relays show it as is) and the new findings as data. New means `history: new`
under `--history`; without a history every finding counts as new. A failed post is retried
with backoff, then reported as a notice: an alert that could not be sent never changes the
scan's exit code, since the scan itself succeeded.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from driftpatch.config import FailOn
from driftpatch.errors import InputError
from driftpatch.model import JSON, Finding, Report

ATTEMPTS = 3
BACKOFF_SECONDS = 1.0
TIMEOUT_SECONDS = 10.0
MAX_LISTED = 20  # findings named in the text; the rest are counted


@dataclass(frozen=True)
class NotifyResult:
    sent: bool
    new: int
    message: str  # what happened, for a notice


def check_url(url: str) -> str:
    """The URL, if it is one a webhook can have (http/https with a host)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--notify {url!r}: expected an http(s) URL with a host")
    return url


def new_findings(report: Report, threshold: FailOn) -> list[Finding]:
    return [
        f
        for f in report.findings
        if threshold.trips(f.severity)
        and (f.id not in report.history or report.history[f.id].status == "new")
    ]


def payload(report: Report, findings: list[Finding]) -> dict[str, JSON]:
    lines = [f"driftpatch: {len(findings)} new finding(s) ({report.scanned_at})"]
    for f in findings[:MAX_LISTED]:
        subject = f.address or f"{f.resource_type} {f.resource_id or ''}".strip()
        where = f" ({f.location})" if f.location else ""
        lines.append(f"- [{f.severity.value}] {f.rule_id} {subject}: {f.title}{where}")
    if len(findings) > MAX_LISTED:
        lines.append(f"... and {len(findings) - MAX_LISTED} more")
    return {
        "text": "\n".join(lines),
        "scanned_at": report.scanned_at,
        "findings": [
            {
                "id": f.id,
                "rule_id": f.rule_id,
                "severity": f.severity.value,
                "kind": f.kind.value,
                "address": f.address,
                "resource_id": f.resource_id,
                "attribute": f.attribute,
                "title": f.title,
                "location": f.location.to_json() if f.location else None,
            }
            for f in findings
        ],
    }


def _post(url: str, body: bytes) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def notify(
    url: str,
    report: Report,
    threshold: FailOn,
    *,
    post: Callable[[str, bytes], None] = _post,
    sleep: Callable[[float], None] = time.sleep,
) -> NotifyResult:
    findings = new_findings(report, threshold)
    if not findings:
        return NotifyResult(False, 0, "notify: no new findings at or above the threshold")
    body = json.dumps(payload(report, findings), ensure_ascii=False).encode("utf-8")
    last = ""
    for attempt in range(ATTEMPTS):
        try:
            post(url, body)
            return NotifyResult(True, len(findings), f"notify: posted {len(findings)} new")
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:  # the hook refuses: retrying will not help
                break
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            last = " ".join(str(getattr(exc, "reason", exc)).split())
        if attempt + 1 < ATTEMPTS:
            sleep(BACKOFF_SECONDS * 2**attempt)
    host = urlsplit(url).hostname
    return NotifyResult(False, len(findings), f"notify: could not post to {host}: {last}")
