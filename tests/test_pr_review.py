"""`driftpatch github pr-comment` end to end against a local GitHub (127.0.0.1) that speaks the
REST endpoints it uses, with GitHub's validation of review comments (a line outside the PR's
diff is refused with 422), pagination and auth; the pull request is a real git diff."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from driftpatch.pr_review import changed_lines

REPO = Path(__file__).resolve().parents[1]
TOKEN = "ghs_test_token"
OWNER_REPO = "acme/infra"
NUMBER = 7


@dataclass
class FakeGitHub:
    url: str = ""
    head: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    issue_comments: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    next_id: int = 1000


def _in_diff(patch: str, line: int, start: int | None) -> bool:
    lines = set(range(start if start is not None else line, line + 1))
    return any(lines <= right for right, _ in changed_lines(patch))


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    gh = FakeGitHub()
    base = f"/repos/{OWNER_REPO}"

    class Handler(http.server.BaseHTTPRequestHandler):
        def _send(self, status: int, doc: object) -> None:
            raw = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _page(self, items: list[Any]) -> None:
            query = parse_qs(urlsplit(self.path).query)
            per, page = int(query["per_page"][0]), int(query.get("page", ["1"])[0])
            self._send(200, items[(page - 1) * per : page * per])

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, {"message": "Bad credentials"})
                return False
            if self.headers.get("X-GitHub-Api-Version") != "2022-11-28":
                self._send(400, {"message": "unsupported API version"})
                return False
            return True

        def _body(self) -> dict[str, Any]:
            return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

        def do_GET(self) -> None:
            gh.calls.append(f"GET {urlsplit(self.path).path}")
            if not self._authorised():
                return None
            path = urlsplit(self.path).path
            if path == f"{base}/issues/{NUMBER}/comments":
                return self._page(gh.issue_comments)
            if path == f"{base}/pulls/{NUMBER}":
                return self._send(200, {"number": NUMBER, "head": {"sha": gh.head}})
            if path == f"{base}/pulls/{NUMBER}/files":
                return self._page(gh.files)
            if path == f"{base}/pulls/{NUMBER}/comments":
                return self._page(gh.review_comments)
            return self._send(404, {"message": "Not Found"})

        def do_POST(self) -> None:
            gh.calls.append(f"POST {self.path}")
            if not self._authorised():
                return None
            body = self._body()
            if self.path == f"{base}/issues/{NUMBER}/comments":
                if not isinstance(body.get("body"), str):
                    return self._send(422, {"message": "body is required"})
                gh.next_id += 1
                gh.issue_comments.append({"id": gh.next_id, "body": body["body"]})
                return self._send(201, gh.issue_comments[-1])
            if self.path == f"{base}/pulls/{NUMBER}/reviews":
                return self._review(body)
            return self._send(404, {"message": "Not Found"})

        def _review(self, body: dict[str, Any]) -> None:
            if body.get("event") not in ("APPROVE", "REQUEST_CHANGES", "COMMENT"):
                return self._send(422, {"message": "event is invalid"})
            if body.get("commit_id") != gh.head:
                return self._send(422, {"message": "commit_id is not the head"})
            patches = {f["filename"]: f.get("patch", "") for f in gh.files}
            for c in body.get("comments", []):
                ok = (
                    isinstance(c.get("path"), str)
                    and isinstance(c.get("body"), str)
                    and isinstance(c.get("line"), int)
                    and c.get("side") in ("LEFT", "RIGHT")
                    and ("start_line" not in c or c["start_line"] < c["line"])
                )
                if not ok:
                    return self._send(422, {"message": "Invalid request"})
                if not _in_diff(patches.get(c["path"], ""), c["line"], c.get("start_line")):
                    return self._send(
                        422, {"message": "pull_request_review_thread.line must be part of the diff"}
                    )
            gh.reviews.append(body)
            for c in body.get("comments", []):
                gh.next_id += 1
                gh.review_comments.append({"id": gh.next_id, **c})
            return self._send(200, {"id": len(gh.reviews), "state": "COMMENTED"})

        def do_PATCH(self) -> None:
            gh.calls.append(f"PATCH {self.path}")
            if not self._authorised():
                return None
            m = re.fullmatch(rf"{base}/issues/comments/(\d+)", self.path)
            found = [c for c in gh.issue_comments if m and c["id"] == int(m.group(1))]
            if not found:
                return self._send(404, {"message": "Not Found"})
            found[0]["body"] = self._body()["body"]
            return self._send(200, found[0])

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gh.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield gh
    server.shutdown()
    server.server_close()


def _git(repo: Path, *args: str) -> str:
    git = shutil.which("git")
    assert git
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
    }
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    return subprocess.run(
        [git, *args], cwd=repo, check=True, capture_output=True, text=True, env=env
    ).stdout


def _pull_request(tmp_path: Path, gh: FakeGitHub) -> Path:
    """base: the stack without its logs bucket; head (the PR): the bucket added."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "fixtures" / "inputs" / "stack", repo)
    _git(repo, "init", "-q")
    main = repo / "main.tf"
    head_text = main.read_text()
    start = head_text.index('resource "aws_s3_bucket" "logs" {')
    end = head_text.index('resource "aws_vpc_dhcp_options"')
    main.write_text(head_text[:start] + head_text[end:])
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    main.write_text(head_text)
    _git(repo, "commit", "-qam", "add a logs bucket")
    gh.head = _git(repo, "rev-parse", "HEAD").strip()
    for name in _git(repo, "diff", "--name-only", base, gh.head).split():
        diff = _git(repo, "diff", base, gh.head, "--", name)
        gh.files.append({"filename": name, "status": "modified", "patch": diff[diff.index("@@") :]})
    # 150 earlier comments by people: the sticky one must be found past the first page
    gh.issue_comments += [{"id": i, "body": f"looks good {i}"} for i in range(1, 151)]
    return repo


def _cli(*args: str, cwd: Path, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "GITHUB_TOKEN": token}
    for key in ("GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "GITHUB_API_URL", "GITHUB_SHA"):
        env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "driftpatch", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def test_sticky_comment_and_suggestions_on_changed_lines_only(
    tmp_path: Path, github: FakeGitHub
) -> None:
    repo = _pull_request(tmp_path, github)
    checked = _cli("check", "--source", ".", "--no-checkov", "-o", "json:../r.json", cwd=repo)
    assert checked.returncode == 1, checked.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    on_main = [p for p in report["patches"] if p["file"] == "main.tf"]
    elsewhere = [p for p in report["patches"] if p["file"] != "main.tf"]
    assert on_main and elsewhere  # the module's bucket is not in this PR

    args = ("github", "pr-comment", "r.json", "--repo", OWNER_REPO, "--pr", str(NUMBER))
    first = _cli(*args, "--api-url", github.url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert len(github.issue_comments) == 151
    sticky = github.issue_comments[-1]
    assert sticky["body"].startswith("<!-- driftpatch:comment driftpatch/. -->\n## driftpatch: ")
    [review] = github.reviews
    assert review["event"] == "COMMENT" and review["commit_id"] == github.head
    assert {c["path"] for c in review["comments"]} == {"main.tf"}
    assert len(review["comments"]) == len(on_main)
    for c in review["comments"]:
        assert "```suggestion\n" in c["body"] and c["side"] == "RIGHT"
    assert first.stderr.strip() == (
        f"driftpatch: created comment {sticky['id']} on {OWNER_REPO}#{NUMBER}; "
        f"{len(on_main)} suggestion(s) posted, {len(elsewhere)} not (off the PR's changed "
        "lines or already posted)"
    )

    # the next push: the same comment is edited, no suggestion is posted twice
    second = _cli(*args, "--api-url", github.url, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert len(github.issue_comments) == 151
    assert f"PATCH /repos/{OWNER_REPO}/issues/comments/{sticky['id']}" in github.calls
    assert len(github.reviews) == 1
    assert "updated comment" in second.stderr and "0 suggestion(s) posted" in second.stderr


def test_bad_token_and_missing_pull_request_are_one_line(
    tmp_path: Path, github: FakeGitHub
) -> None:
    from tests.report.sample import REPORT

    (tmp_path / "r.json").write_text(json.dumps(REPORT.to_json()))
    args = ("github", "pr-comment", "r.json", "--repo", OWNER_REPO)
    bad = _cli(*args, "--pr", "7", "--api-url", github.url, cwd=tmp_path, token="wrong")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        f"driftpatch: error: GET /issues/{NUMBER}/comments: HTTP 401: Bad credentials"
    )
    no_pr = _cli(*args, "--api-url", github.url, cwd=tmp_path)
    assert no_pr.stderr.strip() == (
        "driftpatch: error: no pull request: give --pr N (or run on a pull_request event)"
    )
    insecure = _cli(*args, "--pr", "7", "--api-url", "http://example.com", cwd=tmp_path)
    assert "https only" in insecure.stderr
