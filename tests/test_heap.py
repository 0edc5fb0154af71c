"""driftpatch.heap: the collector's settings inside a scan, and back as they were after."""

from __future__ import annotations

import gc

from driftpatch import heap


def test_long_lived_freezes_and_restores() -> None:
    before = gc.get_threshold()
    gc.unfreeze()
    kept = [object() for _ in range(10)], {"a": [1]}
    with heap.long_lived():
        frozen = gc.get_freeze_count()
        assert frozen > 0  # what existed on entry (`kept` among it) is out of the walks
        assert gc.get_threshold()[0] == max(before[0], heap.YOUNG_THRESHOLD)
        with heap.long_lived():  # nested (a scan calling inventory): no second restore
            made = {"b": [2]}
            heap.settle()
            assert gc.get_freeze_count() > frozen
        assert gc.get_threshold()[0] == max(before[0], heap.YOUNG_THRESHOLD)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert kept and made


def test_settle_outside_a_scan_freezes_nothing() -> None:
    gc.unfreeze()
    heap.settle()
    assert gc.get_freeze_count() == 0
