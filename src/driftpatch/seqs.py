"""Common ends of two sequences (texts or lists of lines), found by binary search.

Why: patch verification compares each edited version of a file with the original (a 150 KB
file, once per patch); slice comparisons run at C speed, a Python loop over characters or
lines does not. One copy serves the reparse splice, the kept code subjects and the diffs.
For large texts the answer is kept for the last few pairs, and an edit that says where it
changed the text (`note_edit`, fix/hcl_edit.apply_edits) is not compared outside of it: per
patch, the cost is the edit's, not the file's (benchmarks/patch_scale.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, overload

# The common ends of the last few pairs of texts (by identity, both ways round): each edit of
# a working copy compares the same two versions in several places (the reparse splice, the
# kept code subjects, the patch's diff, the line map), each a pass over the whole file. An
# edit that knows what it changed (`note_edit`) finds them from the edit instead.
_ENDS_KEPT = 4
_ends: list[tuple[Any, Any, int, int]] = []  # (a, b, prefix, suffix), unlimited
_ENDS_LOCK = threading.Lock()


def note_edit(old: str, new: str, start: int, old_stop: int, new_stop: int) -> None:
    """`new` is `old` with old[start:old_stop] replaced by new[start:new_stop]: their common
    ends are found from there, in the time of the edit rather than of the texts."""
    if len(old) <= _LARGE:
        return  # small texts are compared on every ask (and must not push large ones out)
    if not (0 <= start <= old_stop <= len(old) and start <= new_stop <= len(new)):
        return
    if len(old) - old_stop != len(new) - new_stop:
        return
    shortest = min(len(old), len(new))
    prefix = start + grown_prefix(old, new, start, shortest)
    tail = len(old) - old_stop
    suffix = tail + grown_suffix(old, new, tail, shortest)
    _keep(old, new, prefix, suffix)


def _keep(a: Any, b: Any, prefix: int, suffix: int) -> None:
    global _ends
    with _ENDS_LOCK:
        kept = [e for e in _ends if not (e[0] is a and e[1] is b)]
        _ends = [(a, b, prefix, suffix), *kept[: _ENDS_KEPT - 1]]  # replaced, not mutated


def _known(a: Any, b: Any) -> tuple[int, int] | None:
    for x, y, prefix, suffix in _ends:
        if (x is a and y is b) or (x is b and y is a):
            return prefix, suffix
    return None


def ends(a: str, b: str) -> tuple[int, int]:
    """(common prefix, common suffix) of two texts, each unlimited (they may overlap), kept
    for the next ask about the same two."""
    return _ends_of(a, b)


def _ends_of(a: Sequence[Any], b: Sequence[Any]) -> tuple[int, int]:
    """The unlimited common prefix and suffix of two texts, kept for the next ask."""
    known = _known(a, b)
    if known is None:
        shortest = min(len(a), len(b))
        prefix = _searched_prefix(a, b, shortest)
        known = prefix, _searched_suffix(a, b, shortest)
        _keep(a, b, *known)
    return known


def grown_prefix(a: Sequence[Any], b: Sequence[Any], start: int, limit: int) -> int:
    """How many items after `start` the two share as well (at most `limit - start`): steps
    that double, then a binary search within the last, so the cost is that of the answer."""
    step = 64
    lo = start
    while lo < limit:
        hi = min(limit, lo + step)
        if a[lo:hi] != b[lo:hi]:
            break
        lo = hi
        step *= 2
    else:
        return lo - start
    while lo < hi:  # a[:lo] == b[:lo], a[:hi] != b[:hi]
        mid = (lo + hi) // 2
        if a[lo : mid + 1] == b[lo : mid + 1]:
            lo = mid + 1
        else:
            hi = mid
    return lo - start


def grown_suffix(a: Sequence[Any], b: Sequence[Any], start: int, limit: int) -> int:
    """`_grown_prefix` from the ends: how many more of the last items the two share beyond
    the `start` last ones, at most `limit - start`."""
    la, lb = len(a), len(b)
    step = 64
    lo = start
    while lo < limit:
        hi = min(limit, lo + step)
        if a[la - hi : la - lo] != b[lb - hi : lb - lo]:
            break
        lo = hi
        step *= 2
    else:
        return lo - start
    while lo < hi:
        mid = (lo + hi) // 2
        if a[la - mid - 1 : la - lo] == b[lb - mid - 1 : lb - lo]:
            lo = mid + 1
        else:
            hi = mid
    return lo - start


def common_prefix(a: Sequence[Any], b: Sequence[Any], limit: int) -> int:
    """How many leading items `a` and `b` share, at most `limit`."""
    if isinstance(a, str) and len(a) > _LARGE:
        return min(_ends_of(a, b)[0], limit)
    return _searched_prefix(a, b, limit)


def common_suffix(a: Sequence[Any], b: Sequence[Any], limit: int) -> int:
    """How many trailing items `a` and `b` share, at most `limit`."""
    if isinstance(a, str) and len(a) > _LARGE:
        return min(_ends_of(a, b)[1], limit)
    return _searched_suffix(a, b, limit)


# Texts shorter than this are compared on every ask (as cheap as the lookup).
_LARGE = 4096


def _searched_prefix(a: Sequence[Any], b: Sequence[Any], limit: int) -> int:
    lo, hi = 0, limit  # a[:lo] == b[:lo]; the answer is <= hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _searched_suffix(a: Sequence[Any], b: Sequence[Any], limit: int) -> int:
    lo, hi = 0, limit
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class Spliced(Sequence[str]):
    """The text original[:first] + stretch + original[last:], read by slices without being
    made (a large file's version per patch, for a check that reads the edited stretch).
    `ends`: its exact common prefix with `original` and common suffix within the rest (as
    `common_prefix`, then `common_suffix` limited to what the prefix leaves), where known."""

    def __init__(
        self,
        original: str,
        first: int,
        last: int,
        stretch: str,
        ends: tuple[int, int] | None = None,
    ) -> None:
        self.original, self.first, self.last, self.stretch = original, first, last, stretch
        self.size = len(original) - (last - first) + len(stretch)
        self.ends = ends

    def text(self) -> str:
        return "".join((self.original[: self.first], self.stretch, self.original[self.last :]))

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> str: ...

    def __getitem__(self, i: int | slice) -> str:
        if isinstance(i, int):
            i = i + self.size if i < 0 else i
            if not 0 <= i < self.size:
                raise IndexError("index out of range")
            return self[i : i + 1]
        lo, hi, _ = i.indices(self.size)
        hi = max(lo, hi)
        first, stop = self.first, self.first + len(self.stretch)
        shift = self.last - stop
        out = []
        if lo < first:
            out.append(self.original[lo : min(hi, first)])
        if hi > first and lo < stop:
            out.append(self.stretch[max(lo, first) - first : min(hi, stop) - first])
        if hi > stop:
            out.append(self.original[max(lo, stop) + shift : hi + shift])
        return "".join(out)
