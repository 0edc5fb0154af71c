"""Unified diffs that `git apply` accepts: repo-relative paths with a/ and b/ prefixes,
/dev/null for new files, and the "no newline" marker where a file ends without one."""

from __future__ import annotations

import difflib
import hashlib

NO_NEWLINE = "\\ No newline at end of file\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unified(path: str, old: str | None, new: str, context: int = 3) -> str:
    """Diff of one file; `old` None means the file is new."""
    a = (old or "").splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    lines = list(
        difflib.unified_diff(
            a,
            b,
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile=f"b/{path}",
            n=context,
        )
    )
    if not lines:
        return ""
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:  # the last line of a file without a final newline
            out.append(line + "\n" + NO_NEWLINE)
    header = f"diff --git a/{path} b/{path}\n"
    if old is None:
        header += "new file mode 100644\n"
    return header + "".join(out)
