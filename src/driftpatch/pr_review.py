"""`driftpatch github pr-comment`: one sticky comment and suggestion reviews on a pull request.

- The report (Markdown, budgeted under GitHub's 65,536 characters) goes into ONE issue comment,
  found again on the next push by a hidden marker and edited in place, so a PR never collects a
  comment per push. The marker carries the SARIF category, so two stacks in one repository keep
  a comment each.
- Each patch that forms a standalone suggestion (report.markdown.standalone) becomes a review
  comment with a ```suggestion``` block, but only on lines the pull request changed: every line
  of the range inside one hunk of the PR's diff (right side) and at least one of them added.
  GitHub refuses comments outside the diff, and a reviewer should not be asked about code the PR
  did not touch. Suggestions already posted (same marker) are not posted again.
- Only patches of the default patch file are suggested (`in_default_patch`: verified at the
  strongest level available, destroying and replacing nothing).

The REST calls and payloads are GitHub's (issues comments, pulls files / comments / reviews,
API version 2022-11-28); the token comes from the environment, never from the command line.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftpatch.errors import DriftpatchError
from driftpatch.model import Patch, Report
from driftpatch.report.markdown import Suggestion, standalone
from driftpatch.report.markdown import render as render_markdown

API_VERSION = "2022-11-28"
PER_PAGE = 100
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


class GitHubError(DriftpatchError):
    """GitHub refused a call, or the pull request cannot be identified."""


def marker(category: str) -> str:
    return f"<!-- driftpatch:comment {category} -->"


def _suggestion_marker(patch: Patch) -> str:
    return f"<!-- driftpatch:suggestion {','.join(sorted(patch.finding_ids))} -->"


@dataclass(frozen=True)
class Target:
    api_url: str
    repo: str
    number: int
    token: str


def target_from_env(
    env: Mapping[str, str], repo: str | None, number: int | None, api_url: str | None
) -> Target:
    """The pull request: options first, then the Actions environment and event payload."""
    repo = repo or env.get("GITHUB_REPOSITORY", "")
    if not _REPO.fullmatch(repo):
        raise GitHubError("no repository: give --repo OWNER/NAME (or run in GitHub Actions)")
    if number is None:
        event = env.get("GITHUB_EVENT_PATH")
        try:
            doc = json.loads(Path(event).read_text(encoding="utf-8")) if event else {}
            found = doc.get("pull_request", {}).get("number")
        except (OSError, ValueError, AttributeError):
            found = None
        if not isinstance(found, int):
            raise GitHubError("no pull request: give --pr N (or run on a pull_request event)")
        number = found
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        raise GitHubError("GITHUB_TOKEN is not set (the job's token needs pull-requests: write)")
    url = (api_url or env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise GitHubError(f"--api-url {url!r}: https only (or a loopback address for tests)")
    return Target(url, repo, number, token)


Transport = Callable[[str, str, Mapping[str, str], bytes | None], tuple[int, bytes]]


def _urllib(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read() or b"")
    except (urllib.error.URLError, OSError) as exc:
        raise GitHubError(
            f"cannot reach {url.split('?')[0]}: {getattr(exc, 'reason', exc)}"
        ) from exc


class Client:
    def __init__(self, target: Target, transport: Transport = _urllib) -> None:
        self.target = target
        self._transport = transport

    def call(self, method: str, path: str, payload: object = None) -> Any:
        url = f"{self.target.api_url}/repos/{self.target.repo}{path}"
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.target.token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "driftpatch",
        }
        body = None
        if payload is not None:
            body = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        status, raw = self._transport(method, url, headers, body)
        if status >= 300:
            try:
                message = str(json.loads(raw).get("message", ""))
            except (ValueError, AttributeError):
                message = raw[:200].decode("utf-8", "replace")
            raise GitHubError(f"{method} {path.split('?')[0]}: HTTP {status}: {message}")
        return json.loads(raw) if raw else None

    def pages(self, path: str) -> list[Any]:
        out: list[Any] = []
        page = 1
        while True:
            sep = "&" if "?" in path else "?"
            batch = self.call("GET", f"{path}{sep}per_page={PER_PAGE}&page={page}")
            if not isinstance(batch, list):
                raise GitHubError(f"GET {path}: expected a list")
            out += batch
            if len(batch) < PER_PAGE:
                return out
            page += 1


def changed_lines(patch: str) -> list[tuple[set[int], set[int]]]:
    """Per hunk of a PR file's diff: (right-side lines in the hunk, added lines)."""
    hunks: list[tuple[set[int], set[int]]] = []
    line = 0
    for raw in patch.splitlines():
        m = _HUNK.match(raw)
        if m:
            line = int(m.group(1))
            hunks.append((set(), set()))
            continue
        if not hunks or raw.startswith("\\"):
            continue
        if raw.startswith("+"):
            hunks[-1][0].add(line)
            hunks[-1][1].add(line)
            line += 1
        elif raw.startswith(" ") or raw == "":
            hunks[-1][0].add(line)
            line += 1
    return hunks


def reviewable(sug: Suggestion, files: Mapping[str, str]) -> bool:
    """All lines of the suggestion in one hunk of the PR's diff, at least one of them added."""
    wanted = set(range(sug.start, sug.end + 1))
    return any(
        wanted <= right and wanted & added
        for right, added in changed_lines(files.get(sug.file, ""))
    )


@dataclass(frozen=True)
class Posted:
    comment_id: int
    created: bool  # False: the sticky comment was edited in place
    suggestions: int
    skipped: int  # suggestions not on changed lines, or already posted


def post(report: Report, client: Client, category: str, review: bool = True) -> Posted:
    tag = marker(category)
    body = f"{tag}\n{render_markdown(report)}"
    number = client.target.number
    existing = [
        c
        for c in client.pages(f"/issues/{number}/comments")
        if isinstance(c, dict) and tag in str(c.get("body", ""))
    ]
    if existing:
        comment_id = int(existing[0]["id"])
        client.call("PATCH", f"/issues/comments/{comment_id}", {"body": body})
        created = False
    else:
        comment_id = int(client.call("POST", f"/issues/{number}/comments", {"body": body})["id"])
        created = True
    if not review:
        return Posted(comment_id, created, 0, 0)
    return _review(report, client, comment_id, created)


def _review(report: Report, client: Client, comment_id: int, created: bool) -> Posted:
    number = client.target.number
    pr = client.call("GET", f"/pulls/{number}")
    head = str(pr["head"]["sha"])
    files = {
        str(f["filename"]): str(f.get("patch") or "")
        for f in client.pages(f"/pulls/{number}/files")
        if isinstance(f, dict)
    }
    posted = {
        m.group(0)
        for c in client.pages(f"/pulls/{number}/comments")
        if isinstance(c, dict)
        for m in re.finditer(r"<!-- driftpatch:suggestion [^>]* -->", str(c.get("body", "")))
    }
    comments: list[dict[str, object]] = []
    skipped = 0
    candidates: Sequence[tuple[Patch, Suggestion | None]] = list(
        zip(report.patches, standalone(report.patches), strict=True)
    )
    for patch, sug in candidates:
        if sug is None or not patch.in_default_patch:
            continue
        tag = _suggestion_marker(patch)
        if tag in posted or not reviewable(sug, files):
            skipped += 1
            continue
        text = "\n".join(
            [
                tag,
                f"**driftpatch** ({patch.action.value}): {patch.note}".rstrip(": "),
                "",
                "```suggestion",
                *sug.lines,
                "```",
            ]
        )
        comment: dict[str, object] = {
            "path": sug.file,
            "body": text,
            "line": sug.end,
            "side": "RIGHT",
        }
        if sug.start != sug.end:
            comment.update(start_line=sug.start, start_side="RIGHT")
        comments.append(comment)
    if comments:
        client.call(
            "POST",
            f"/pulls/{number}/reviews",
            {
                "commit_id": head,
                "event": "COMMENT",
                "body": f"driftpatch suggests {len(comments)} change(s) on lines this pull "
                "request touches; the full report is in the driftpatch comment.",
                "comments": comments,
            },
        )
    return Posted(comment_id, created, len(comments), skipped)
