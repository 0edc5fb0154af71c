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

import bisect
import collections
import difflib
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import ClassVar, Final, overload

from driftpatch import seqs
from driftpatch.seqs import common_prefix, common_suffix

NO_NEWLINE = "\\ No newline at end of file\n"

Opcode = tuple[str, int, int, int, int]
# The longest stretch between the unchanged head and tail matched on its own; longer ones
# (a combined patch of many edits) go through difflib whole.
_SHORT = 200
# Files this small (both sides' lines) are matched whole: a few milliseconds.
_SMALL = 2_000


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unified(
    path: str, old: str | None, new: str, context: int = 3, lines_of: LineMap | None = None
) -> str:
    """Diff of one file; `old` None means the file is new. `lines_of`: which lines of `old`
    are still in `new` untouched (the edits that made `new`, see LineMap), so only the
    stretches between them are matched (a combined diff of many edits to a large file)."""
    a: Sequence[str]
    b: Sequence[str]
    windowed = _windowed(old, new, context) if old is not None and lines_of is None else None
    if windowed is not None:
        codes, a, b = windowed
    else:
        a = split_lines(old or "")
        b = split_lines(new)
        if lines_of is not None and len(a) + len(b) >= _SMALL:
            codes = _between(a, b, lines_of.equal_runs())
        else:
            codes = opcodes(a, b)
            _seed(new, b)
    lines = list(
        _unified_lines(
            codes,
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


_SPLIT_KEPT: Final = 2  # a file before and after an edit (each: its lines, several MB)
_split: list[tuple[str, tuple[str, ...]]] = []


def split_lines(text: str) -> tuple[str, ...]:
    """`text.splitlines(keepends=True)`, the last few texts' lines kept: verifying a patch to a
    file splits its text before and after the edit for the working copy's line map and again
    for the patch's diff, and the next patch's text before is this one's after (a 20,000-
    resource file: ~240,000 lines, several milliseconds per split)."""
    global _split
    kept = _split
    for seen, lines in kept:
        if seen is text or (len(seen) == len(text) and seen == text):
            return lines
    lines = tuple(text.splitlines(keepends=True))
    # Replaced, not mutated: another thread may be reading the old list.
    _split = [(text, lines), *kept[: _SPLIT_KEPT - 1]]
    return lines


def text_opcodes(old: str, new: str) -> list[Opcode]:
    """`opcodes` of the two texts' lines, from the lines around the edit where it can be
    (see `_windowed`)."""
    windowed = _windowed(old, new, 0)
    if windowed is not None:
        return windowed[0]
    b = split_lines(new)
    codes = opcodes(split_lines(old), b)
    _seed(new, b)
    return codes


# -- diffs from the lines around an edit -------------------------------------------------------
#
# Verifying P patches to one large file diffs each version against the one before (the patch,
# and the working copy's LineMap). Splitting both texts into lines each time made every patch
# cost the file: ~50 ms per split of a 1.4 MB file on a loaded machine. `_windowed` gets the same
# opcodes, and the lines the hunks show, from the edited stretch and the few lines around it:
# the unchanged head and tail are found on the characters (slice comparisons and counts of
# "\n", C speed), only the lines between them are split, and what difflib needs of the whole
# new file (how often each changed line occurs in it, for its "popular" lines) comes from a
# count of every line kept for the last version seen and moved along with each edit.
# tests/fix/test_linear_window.py compares it with the whole-file path on random edits.

# What str.splitlines also ends a line at, besides "\n" (and non-ASCII separators).
_OTHER_BREAKS: Final = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
_COUNT_LOCK = threading.Lock()
_counted: list[tuple[str, dict[str, int]]] = []  # [(text, how often each of its lines occurs)]


def _plain(text: str, was: str | None = None) -> bool:
    """Lines end only at "\n" (isascii is O(1); each `in` is a memchr). `was`: a text `text`
    is an edit of, whose answer is known: then only the edited stretch is searched."""
    if not text.isascii():
        return False
    if was is not None:
        known = _Newlines.kept(was)
        if known is not None and known.plain:
            prefix, suffix = _window(was, text)
            middle = text[prefix : len(text) - suffix]
            return not any(c in middle for c in _OTHER_BREAKS)
    return not any(c in text for c in _OTHER_BREAKS)


def _window(old: str, new: str) -> tuple[int, int]:
    """(prefix, suffix) the two texts share, not overlapping in either."""
    prefix, suffix = seqs.ends(old, new)
    shortest = min(len(old), len(new))
    prefix = min(prefix, shortest)
    return prefix, min(suffix, shortest - prefix)


class _Newlines:
    """Where a text's "\n"s are, coarsely: the count of them before every `_STRIDE`-th
    position (about), so that counting them before any position reads at most a stride of
    the text. Kept for the last few texts; a text that is an edit of a kept one gets its
    marks from that one's (the marks before the edit kept, those after it moved), so each
    patch to a large file counts the lines of the edit, not of the file."""

    __slots__ = ("marks", "plain", "positions", "text")

    _kept: ClassVar[list[_Newlines]] = []  # the last few, newest first; replaced, not mutated
    _KEPT: ClassVar[int] = 4

    def __init__(self, text: str, positions: list[int], marks: list[int], plain: bool) -> None:
        self.text = text
        self.positions = positions  # ascending, positions[0] == 0
        self.marks = marks  # "\n"s before each position
        self.plain = plain

    @classmethod
    def kept(cls, text: str) -> _Newlines | None:
        for known in cls._kept:
            if known.text is text:
                return known
        return None

    @classmethod
    def of(cls, text: str, was: str | None = None) -> _Newlines:
        known = cls.kept(text)
        if known is not None:
            return known
        before = cls.kept(was) if was is not None else None
        if before is not None:
            known = before._moved(text)
        else:
            positions = list(range(0, len(text), _STRIDE)) or [0]
            marks = [0]
            for at in positions[1:]:
                marks.append(marks[-1] + text.count("\n", at - _STRIDE, at))
            known = cls(text, positions, marks, _plain(text))
        cls._kept = [known, *cls._kept[: cls._KEPT - 1]]
        return known

    def _moved(self, text: str) -> _Newlines:
        old = self.text
        prefix, suffix = _window(old, text)
        old_stop, new_stop = len(old) - suffix, len(text) - suffix
        lines = text.count("\n", prefix, new_stop) - old.count("\n", prefix, old_stop)
        chars = len(text) - len(old)
        cut = bisect.bisect_right(self.positions, prefix)
        back = bisect.bisect_left(self.positions, old_stop)
        positions = self.positions[:cut]
        marks = self.marks[:cut]
        if prefix - positions[-1] > _STRIDE:  # edits near one place: a mark at this one
            marks.append(marks[-1] + text.count("\n", positions[-1], prefix))
            positions.append(prefix)
        positions += [p + chars for p in self.positions[back:]]
        marks += [m + lines for m in self.marks[back:]]
        return _Newlines(text, positions, marks, _plain(text, old))

    def before(self, pos: int) -> int:
        """How many "\n" are in text[:pos]."""
        k = bisect.bisect_right(self.positions, pos) - 1
        return self.marks[k] + self.text.count("\n", self.positions[k], pos)


_STRIDE: Final = 1 << 16


def _line_count(text: str, was: str | None = None) -> int:
    """Its lines (a last one without "\n" counts), from its `_Newlines`."""
    newlines = _Newlines.of(text, was).before(len(text))
    return newlines + (1 if text and not text.endswith("\n") else 0)


def _seed(text: str, lines: Sequence[str]) -> None:
    """Keep the line counts of `text` (split whole anyway) for the next edit of it."""
    if len(lines) * 2 < _SMALL or not _plain(text):
        return
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    with _COUNT_LOCK:
        _counted[:] = [(text, counts)]


def _counts_of(
    old: str, new: str, removed: Sequence[str], added: Sequence[str]
) -> dict[str, int] | None:
    """The line counts of `new`, moved along from those of `old` (the edit replaced the lines
    `removed` by `added`, every other line is the same), or None: neither text was seen."""
    with _COUNT_LOCK:
        if not _counted:
            return None
        text, counts = _counted[0]
        if text is new or (len(text) == len(new) and text == new):
            return counts
        if not (text is old or (len(text) == len(old) and text == old)):
            return None
        for line in removed:
            left = counts[line] - 1
            if left:
                counts[line] = left
            else:
                del counts[line]
        for line in added:
            counts[line] = counts.get(line, 0) + 1
        _counted[:] = [(new, counts)]
        return counts


class _Lines(Sequence[str]):
    """Lines first..first+len(lines)-1 (0-based) of a text of `total` lines: the part of it
    the hunks of a diff read."""

    __slots__ = ("_first", "_lines", "_total")

    def __init__(self, lines: list[str], first: int, total: int) -> None:
        self._lines, self._first, self._total = lines, first, total

    def __len__(self) -> int:
        return self._total

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        first, stop = self._first, self._first + len(self._lines)
        if isinstance(i, slice):
            lo, hi, step = i.indices(self._total)
            if step != 1 or (lo < hi and (lo < first or hi > stop)):
                raise IndexError(f"lines {lo}..{hi} are outside the window {first}..{stop}")
            return self._lines[lo - first : hi - first] if lo < hi else []
        if not first <= i < stop:
            raise IndexError(f"line {i} is outside the window {first}..{stop}")
        return self._lines[i - first]


def _windowed(
    old: str, new: str, n: int
) -> tuple[list[Opcode], Sequence[str], Sequence[str]] | None:
    """(`opcodes` of the texts' lines, the lines of `old` and of `new` as far as a diff with
    `n` lines of context reads them), found around the edit; None where `opcodes` is run on
    the whole files: small files, long changes, the head and tail overlapping, other line
    breaks than "\n", identical texts, a text whose line counts were not kept."""
    lines_old = _Newlines.of(old)
    lines_new = _Newlines.of(new, old)
    if not (lines_old.plain and lines_new.plain):
        return None
    size_old, size_new = len(old), len(new)
    chars = min(size_old, size_new)
    prefix = common_prefix(old, new, chars)
    if prefix == size_old == size_new:
        return None
    head = lines_old.before(prefix)  # whole lines in the common prefix
    start = old.rfind("\n", 0, prefix) + 1  # where line `head` starts, in both
    na, nb = _line_count(old), _line_count(new, old)
    if na + nb < _SMALL:
        return None
    shortest = min(na, nb)
    suffix = common_suffix(old, new, chars - start)
    tail_lines, first_old = _tail(old, new, suffix)
    tail = min(tail_lines, shortest - head)
    if max(na, nb) - head - tail > _SHORT:
        return None
    if tail == shortest - head:
        # The head and tail could overlap: as `opcodes`, only where no line before the tail
        # is shared too (else difflib over the whole files decides).
        whole, _ = _tail(old, new, common_suffix(old, new, chars))
        if min(whole, shortest) > tail:
            return None
    if tail < tail_lines:  # the shorter text's lines after the head are all tail
        if na <= nb:
            end_old = start
            end_new = size_new - (size_old - start)
        else:
            end_new = start
            end_old = size_old - (size_new - start)
    else:
        end_old = first_old
        end_new = size_new - (size_old - first_old)
    removed = old[start:end_old].splitlines(keepends=True)
    added = new[start:end_new].splitlines(keepends=True)
    a_end, b_end = na - tail, nb - tail
    if len(removed) != a_end - head or len(added) != b_end - head:
        return None  # not expected; the whole files decide
    counts = _counts_of(old, new, removed, added)
    if counts is None:
        return None
    out: list[Opcode] = []
    if head:
        out.append(("equal", 0, head, 0, head))
    if head < a_end or head < b_end:
        middle = _matcher(removed, added, nb, counts.get)
        for tag, i1, i2, j1, j2 in middle.get_opcodes():
            out.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        out.append(("equal", a_end, na, b_end, nb))
    codes = _merged(out)
    # The n lines before the change (the same in both) and after it in each.
    before = start
    for _ in range(min(n, head)):
        before = old.rfind("\n", 0, before - 1) + 1
    shared = old[before:start].splitlines(keepends=True)
    after_old = _lines_after(old, end_old, min(n, tail))
    after_new = _lines_after(new, end_new, min(n, tail))
    first = head - len(shared)
    a = _Lines([*shared, *removed, *after_old], first, na)
    b = _Lines([*shared, *added, *after_new], first, nb)
    return codes, a, b


def _tail(old: str, new: str, suffix: int) -> tuple[int, int]:
    """(How many whole lines the last `suffix` characters of both texts share, where the
    first of them starts in `old`): the lines that start inside that stretch in both."""
    if suffix <= 0:
        return 0, len(old)
    lo_old, lo_new = len(old) - suffix, len(new) - suffix
    newlines = _Newlines.of(old)
    inside = newlines.before(len(old) - 1) - newlines.before(lo_old)  # each starts a line after it
    at_start = (lo_old == 0 or old[lo_old - 1] == "\n") and (lo_new == 0 or new[lo_new - 1] == "\n")
    if at_start:
        return inside + 1, lo_old
    return inside, old.find("\n", lo_old) + 1 if inside else len(old)


def _lines_after(text: str, pos: int, count: int) -> list[str]:
    end = pos
    for _ in range(count):
        nl = text.find("\n", end)
        end = len(text) if nl < 0 else nl + 1
    return text[pos:end].splitlines(keepends=True)


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes turning `a` into `b`: the shared head and tail as one `equal`
    each, difflib's own opcodes for what lies between."""
    shortest = min(len(a), len(b))
    head = common_prefix(a, b, shortest)
    tail = common_suffix(a, b, shortest - head)
    if (
        len(a) + len(b) < _SMALL
        or max(len(a), len(b)) - head - tail > _SHORT
        or (tail == shortest - head and common_suffix(a, b, shortest) > tail)
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
        middle = _matcher(a[head:a_end], b[head:b_end], len(b), b.count)
        for tag, i1, i2, j1, j2 in middle.get_opcodes():
            out.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        out.append(("equal", a_end, len(a), b_end, len(b)))
    return _merged(out)


def _matcher(
    a: Sequence[str], part: Sequence[str], total: int, count: Callable[[str], int | None]
) -> difflib.SequenceMatcher[str]:
    """difflib's matcher of `a` against `part` (lines of a file `b` of `total` lines; `count`
    tells how often a line occurs in `b`), with the lines difflib would find popular in the
    whole of `b` (over 1% of 200 or more lines) never anchoring a match, as when it matches
    the whole files: counted only for the lines between, so the cost is that of the change,
    not the file."""
    matcher = difflib.SequenceMatcher(None, a, part, autojunk=False)
    if total >= 200 and a and part:
        most = total // 100 + 1
        # b2j (line -> its positions) is what the matcher anchors on; set_seq2 builds it,
        # and difflib's own autojunk pass removes the popular lines from it the same way.
        b2j: dict[str, list[int]] = vars(matcher)["b2j"]
        for line in set(part):
            if (count(line) or 0) > most:
                del b2j[line]
    return matcher


class LineMap:
    """The lines of a file as edits left it, by the original line each one is (PR
    suggestions map a patch's lines back to the original file with it; the working copy keeps
    one per edited file, so the combined diff knows which lines no edit touched).

    Slot k (1..size) stands for original line k: it holds that line while no patch removed it
    (`own`), followed by the lines patches wrote after it (`extra`); slot 0 holds lines
    written above the first. A Fenwick tree over the slots' line counts finds the slot of a
    current line and counts lines in a range in O(log size)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.own = [0] + [1] * size
        self.extra = [0] * (size + 1)
        self.tree = self._built([0, *self.own])  # counts, 1-based over slots 0..size
        self.owned = self._built([0, *self.own])

    @staticmethod
    def _built(values: list[int]) -> list[int]:
        tree = list(values)
        for i in range(1, len(tree)):
            parent = i + (i & -i)
            if parent < len(tree):
                tree[parent] += tree[i]
        return tree

    @staticmethod
    def _add(tree: list[int], slot: int, delta: int) -> None:
        i = slot + 1
        while i < len(tree):
            tree[i] += delta
            i += i & -i

    @staticmethod
    def _sum(tree: list[int], slot: int) -> int:
        """Total over slots 0..slot."""
        i, total = slot + 1, 0
        while i > 0:
            total += tree[i]
            i -= i & -i
        return total

    def _find(self, line: int) -> tuple[int, int]:
        """(slot holding current line `line`, its 1-based position in that slot)."""
        pos, left, step = 0, line, 1 << (len(self.tree) - 1).bit_length()
        while step:
            nxt = pos + step
            if nxt < len(self.tree) and self.tree[nxt] < left:
                pos, left = nxt, left - self.tree[nxt]
            step >>= 1
        return pos, left  # tree index pos + 1 is slot pos

    def original(self, line: int) -> int:
        """The original line number of current line `line`, or 0 (a patch wrote it)."""
        if line < 1 or line > self._sum(self.tree, self.size):
            return 0
        slot, at = self._find(line)
        return slot if self.own[slot] and at == 1 else 0

    def untouched(self, first: int, last: int) -> bool:
        """Original lines first..last are all still there, with nothing written between."""
        span = last - first
        owned = self._sum(self.owned, last) - self._sum(self.owned, first - 1)
        counted = self._sum(self.tree, last - 1) - self._sum(self.tree, first - 1)
        return owned == span + 1 and counted == span

    def replace(self, at: int, removed: int, added: int) -> None:
        """Current lines at..at+removed-1 replaced by `added` written lines."""
        for _ in range(removed):
            slot, pos = self._find(at)
            if self.own[slot] and pos == 1:
                self.own[slot] = 0
                self._add(self.owned, slot, -1)
            else:
                self.extra[slot] -= 1
            self._add(self.tree, slot, -1)
        if added:
            slot = self._find(at - 1)[0] if at > 1 else 0
            self.extra[slot] += added
            self._add(self.tree, slot, added)

    def equal_runs(self) -> list[Opcode]:
        """`equal` opcodes (0-based) of the runs of original lines that are still there, in
        order, with nothing written or removed inside them: one pass over the slots."""
        out: list[Opcode] = []
        pos = self.extra[0]  # current lines before the slot being read
        run: list[int] | None = None  # [i1, j1, length]
        for slot in range(1, self.size + 1):
            if self.own[slot]:
                if run is not None and run[0] + run[2] == slot - 1 and run[1] + run[2] == pos:
                    run[2] += 1
                else:
                    if run is not None:
                        out.append(("equal", run[0], run[0] + run[2], run[1], run[1] + run[2]))
                    run = [slot - 1, pos, 1]
                pos += 1
            if self.extra[slot]:
                if run is not None:
                    out.append(("equal", run[0], run[0] + run[2], run[1], run[1] + run[2]))
                    run = None
                pos += self.extra[slot]
        if run is not None:
            out.append(("equal", run[0], run[0] + run[2], run[1], run[1] + run[2]))
        return out

    def apply(self, a: Sequence[str], b: Sequence[str]) -> None:
        """Record an edit of the current lines `a` into `b`."""
        self.apply_codes(opcodes(a, b))

    def apply_texts(self, old: str, new: str) -> None:
        """Record an edit of the current text `old` into `new`."""
        self.apply_codes(text_opcodes(old, new))

    def apply_codes(self, codes: Sequence[Opcode]) -> None:
        shift = 0
        for tag, i1, i2, j1, j2 in codes:
            if tag == "equal":
                continue
            # Runs top to bottom: in the current lines, earlier runs already applied.
            self.replace(i1 + 1 + shift, i2 - i1, j2 - j1)
            shift += (j2 - j1) - (i2 - i1)


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


def _between(a: Sequence[str], b: Sequence[str], runs: list[Opcode]) -> list[Opcode]:
    """Opcodes from known `equal` runs: difflib matches each stretch between two of them (with
    the whole file's popular lines), as it does when those runs are its longest matches."""
    out: list[Opcode] = []
    i, j = 0, 0
    counts: dict[str, int] | None = None  # how often each line of `b` occurs, once counted
    for run in [*runs, ("equal", len(a), len(a), len(b), len(b))]:
        _, i1, i2, j1, j2 = run
        if i < i1 or j < j1:
            if counts is None:
                # Once for all the stretches (b.count per line read the whole file for each).
                counts = collections.Counter(b)
            matcher = _matcher(a[i:i1], b[j:j1], len(b), counts.get)
            for tag, x1, x2, y1, y2 in matcher.get_opcodes():
                out.append((tag, x1 + i, x2 + i, y1 + j, y2 + j))
        if i2 > i1:
            out.append(run)
        i, j = i2, j2
    return _merged(out)


def _unified_lines(
    codes: list[Opcode], a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int
) -> Iterator[str]:
    started = False
    for group in _grouped(codes, n):
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
