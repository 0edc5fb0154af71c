"""Unified diffs that `git apply` accepts: repo-relative paths with a/ and b/ prefixes,
/dev/null for new files, and the "no newline" marker where a file ends without one.

A patch usually changes a few lines of a large file, and difflib's matcher walks every line of
both sides in Python (a 15,000-line file: ~70 ms per diff, once per patch). So the lines the
two sides share at the head and at the tail are cut off first (slice comparisons, C speed) and
difflib only matches what is left between them; the hunks are then written with their context
taken from the full files. Where the head and tail could overlap (a run inserted or removed
next to identical lines: `}`, a blank line), the head is kept whole, so the change is placed
after the longest unchanged head, as `diff` does.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator, Sequence

NO_NEWLINE = "\\ No newline at end of file\n"

Opcode = tuple[str, int, int, int, int]
# The longest stretch between the unchanged head and tail matched on its own; longer ones
# (a combined patch of many edits) go through difflib whole.
_SHORT = 200
# Files this small (both sides' lines) are matched whole: a few milliseconds.
_SMALL = 2_000


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unified(path: str, old: str | None, new: str, context: int = 3) -> str:
    """Diff of one file; `old` None means the file is new."""
    a = (old or "").splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    lines = list(
        _unified_lines(
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


def common_head(a: Sequence[str], b: Sequence[str], limit: int) -> int:
    """How many leading lines `a` and `b` share, at most `limit`: a binary search over slice
    comparisons, so its cost is C-speed comparisons, never a Python loop over lines."""
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_tail(a: Sequence[str], b: Sequence[str], limit: int) -> int:
    """How many trailing lines `a` and `b` share, at most `limit`."""
    lo, hi = 0, limit
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes turning `a` into `b`: the shared head and tail as one `equal`
    each, difflib's own opcodes for what lies between."""
    shortest = min(len(a), len(b))
    head = common_head(a, b, shortest)
    tail = common_tail(a, b, shortest - head)
    if (
        len(a) + len(b) < _SMALL
        or max(len(a), len(b)) - head - tail > _SHORT
        or (tail == shortest - head and common_tail(a, b, shortest) > tail)
    ):
        # Small files; a long stretch of change (the combined patch of many edits); and a
        # run inserted or removed next to lines like it (a block after a block), where the
        # head and tail overlap and which of them difflib keeps whole depends on the longest
        # run of rare lines anywhere in the file: difflib over the whole files.
        whole = difflib.SequenceMatcher(None, a, b).get_opcodes()
        return [(str(tag), i1, i2, j1, j2) for tag, i1, i2, j1, j2 in whole]
    a_end, b_end = len(a) - tail, len(b) - tail
    out: list[Opcode] = []
    if head:
        out.append(("equal", 0, head, 0, head))
    if head < a_end or head < b_end:
        middle = _matcher(a[head:a_end], b, head, b_end)
        for tag, i1, i2, j1, j2 in middle.get_opcodes():
            out.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        out.append(("equal", a_end, len(a), b_end, len(b)))
    return _merged(out)


def _matcher(a: Sequence[str], b: Sequence[str], lo: int, hi: int) -> difflib.SequenceMatcher[str]:
    """difflib's matcher of `a` against b[lo:hi], with the lines difflib would find popular in
    the whole of `b` (over 1% of 200 or more lines) never anchoring a match, as when it
    matches the whole files: counted only for the lines between, so the cost is that of the
    change, not the file."""
    part = b[lo:hi]
    matcher = difflib.SequenceMatcher(None, a, part, autojunk=False)
    if len(b) >= 200 and len(a) > 1 and len(part) > 1:
        most = len(b) // 100 + 1
        # b2j (line -> its positions) is what the matcher anchors on; set_seq2 builds it,
        # and difflib's own autojunk pass removes the popular lines from it the same way.
        b2j: dict[str, list[int]] = vars(matcher)["b2j"]
        for line in set(part):
            if b.count(line) > most:
                del b2j[line]
    return matcher


def _merged(codes: list[Opcode]) -> list[Opcode]:
    """Adjacent `equal` runs joined (the middle's first or last run touching the head or
    tail), as difflib reports them."""
    out: list[Opcode] = []
    for code in codes:
        if out and code[0] == "equal" and out[-1][0] == "equal":
            tag, i1, _, j1, _ = out[-1]
            out[-1] = (tag, i1, code[2], j1, code[4])
        else:
            out.append(code)
    return out


def _grouped(codes: list[Opcode], n: int) -> Iterator[list[Opcode]]:
    """The opcodes cut into hunks with up to `n` lines of context (difflib's grouping)."""
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = (tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2)
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = (tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n))
    wide = n + n
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > wide:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    """A hunk header's `start,length` (1-based; an empty range names the line before it)."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _unified_lines(
    a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int
) -> Iterator[str]:
    started = False
    for group in _grouped(opcodes(a, b), n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            if tag in ("replace", "delete"):
                for line in a[i1:i2]:
                    yield "-" + line
            if tag in ("replace", "insert"):
                for line in b[j1:j2]:
                    yield "+" + line
