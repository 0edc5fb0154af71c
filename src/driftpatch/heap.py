"""The cyclic garbage collector during a scan: long-lived objects out of its way.

A scan holds a large heap of objects that live until it ends (botocore's service models,
about a million dicts and lists once twenty services are loaded; the provider schema; the
state). CPython's full collection walks every tracked object, and runs each time the heap has
grown by a quarter: on a 1,000-resource world that was five full collections, 0.7 s of the
scan's 3.5 s of CPU, each holding the GIL so no reader thread could send or parse a request
meanwhile. Freezing what exists (imports, and each client once its models are loaded) moves it
to the permanent generation, which collections skip; refcounting still frees those objects when
they die, only cycles among them wait for `unfreeze` at the end of the scan.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

# Allocations between two young collections (CPython's default is 700): a scan allocates
# millions of short-lived objects (parsed responses, shaped attributes), almost none in cycles.
YOUNG_THRESHOLD = 10_000

_depth = 0
_saved: tuple[int, ...] = gc.get_threshold()
_lock = threading.Lock()


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Within: what exists now is frozen, young collections are rarer; restored on exit (a
    library caller running many scans in one process gets its collector back as it was)."""
    global _depth, _saved
    with _lock:
        _depth += 1
        if _depth == 1:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(_saved[0], YOUNG_THRESHOLD), *_saved[1:])
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()


def settle() -> None:
    """Objects that will live as long as the scan were just made (a client and its service
    model): out of the collector's walks from now on. Only within `long_lived` (outside it,
    nothing would unfreeze them)."""
    if _depth:
        gc.freeze()
