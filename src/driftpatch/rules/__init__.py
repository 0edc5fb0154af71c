"""The rule registry: every module in driftpatch.rules.catalog that defines `RULE`.

Discovery instead of a hand-kept list, so that adding a rule is adding one file; the registry
test checks ids are unique and well-formed and that every rule has passing and failing fixtures.

`RULE` is either a resource `Rule` (evaluated per resource, on every origin) or a `SourceRule`
(evaluated once over the HCL source index). `all_rules()` returns the resource rules, as it
always has; `all_source_rules()` the source rules; `all_checks()` both, for the catalogue.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from driftpatch.rules import catalog
from driftpatch.rules.interface import Rule, RuleMeta, SourceRule


@cache
def _discovered() -> tuple[Rule | SourceRule, ...]:
    found: list[Rule | SourceRule] = []
    for info in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule | SourceRule):
            found.append(rule)
    return tuple(sorted(found, key=lambda r: r.meta.id))


def all_rules() -> tuple[Rule, ...]:
    """Resource rules: evaluated per resource subject."""
    return tuple(r for r in _discovered() if isinstance(r, Rule))


def all_source_rules() -> tuple[SourceRule, ...]:
    """Source rules: evaluated once over the HCL source index."""
    return tuple(r for r in _discovered() if isinstance(r, SourceRule))


def all_checks() -> tuple[Rule | SourceRule, ...]:
    """Every rule of either kind, by id."""
    return _discovered()


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in all_rules() if r.meta.id == rule_id), None)


def meta_by_id(rule_id: str) -> RuleMeta | None:
    """Metadata of a rule of either kind."""
    return next((r.meta for r in _discovered() if r.meta.id == rule_id), None)


def by_checkov_id() -> dict[str, tuple[str, ...]]:
    """checkov check id -> ids of our rules that find the same problem (`meta.checkov`), for
    merging checkov results into our findings and honouring `checkov:skip` comments."""
    out: dict[str, list[str]] = {}
    for r in _discovered():
        for ckv in r.meta.checkov:
            out.setdefault(ckv, []).append(r.meta.id)
    return {ckv: tuple(ids) for ckv, ids in sorted(out.items())}


__all__ = [
    "Rule",
    "SourceRule",
    "all_checks",
    "all_rules",
    "all_source_rules",
    "by_checkov_id",
    "meta_by_id",
    "rule_by_id",
]
