"""Common ends of two sequences (texts or lists of lines), found by binary search.

Why: patch verification compares each edited version of a file with the original (a 150 KB
file, once per patch); slice comparisons run at C speed, a Python loop over characters or
lines does not. One copy serves the reparse splice, the kept code subjects and the diffs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def common_prefix(a: Sequence[Any], b: Sequence[Any], limit: int) -> int:
    """How many leading items `a` and `b` share, at most `limit`."""
    lo, hi = 0, limit  # a[:lo] == b[:lo]; the answer is <= hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: Sequence[Any], b: Sequence[Any], limit: int) -> int:
    """How many trailing items `a` and `b` share, at most `limit`."""
    lo, hi = 0, limit
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo
