"""The rule registry: every module in driftpatch.rules.catalog that defines `RULE`.

Discovery instead of a hand-kept list, so that adding a rule is adding one file; the registry
test checks ids are unique and well-formed and that every rule has passing and failing fixtures.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from driftpatch.rules import catalog
from driftpatch.rules.interface import Rule


@cache
def all_rules() -> tuple[Rule, ...]:
    found: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            found.append(rule)
    return tuple(sorted(found, key=lambda r: r.meta.id))


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in all_rules() if r.meta.id == rule_id), None)


__all__ = ["Rule", "all_rules", "rule_by_id"]
