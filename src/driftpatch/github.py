"""Facts about the GitHub Actions run driftpatch is in, read from its environment.

Only what reports need: where a file of the commit under review can be linked. A pull request's
head commit is the one reviewers see (GITHUB_SHA is a merge commit there), so the event payload
wins over GITHUB_SHA.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SHA = re.compile(r"[0-9a-f]{40}")


def _head_sha(env: Mapping[str, str]) -> str:
    event = env.get("GITHUB_EVENT_PATH")
    if event:
        try:
            doc = json.loads(Path(event).read_text(encoding="utf-8"))
            sha = doc.get("pull_request", {}).get("head", {}).get("sha", "")
            if isinstance(sha, str) and _SHA.fullmatch(sha):
                return sha
        except (OSError, ValueError, AttributeError):
            pass
    sha = env.get("GITHUB_SHA", "")
    return sha if _SHA.fullmatch(sha) else ""


def blob_base(env: Mapping[str, str]) -> str:
    """`https://github.com/OWNER/REPO/blob/SHA/` for the commit under review, or ""."""
    repo = env.get("GITHUB_REPOSITORY", "")
    sha = _head_sha(env)
    if not _REPO.fullmatch(repo) or not sha:
        return ""
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    if not server.startswith("https://"):
        return ""
    return f"{server}/{repo}/blob/{sha}/"
