"""benchmarks/rule_recall.py's labelled corpus as a regression test (issue 11): the rules find
the same on for_each / variable-driven / count+locals+tfvars code as on literal code, with no
false positive. Pure Python, about a second."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "rule_recall.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rule_recall", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("rule_recall", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_recall_on_evaluated_code_equals_recall_on_literal_code() -> None:
    scores = _load().run()
    assert set(scores) == {"literal", "for_each", "count"}
    for variant, score in scores.items():
        assert (variant, score.misses, score.false) == (variant, [], [])
        assert (score.precision, score.recall) == (1.0, 1.0)
        assert score.tp == scores["literal"].tp
