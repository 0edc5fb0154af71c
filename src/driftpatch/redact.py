"""Keep secrets from state out of every output.

State holds sensitive values in clear text. Findings are built from state and live values, so a
secret can travel into `expected`, `actual`, a description or a patch. Rather than trust every
producer, the report passes through one redactor before any reporter sees it: every value found at
a sensitive path (state's `sensitive_attributes` and the provider schema's sensitive/write-only
attributes) is replaced by "(sensitive)" wherever it appears.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from driftpatch.model import JSON, SENSITIVE, Finding, Patch, Report
from driftpatch.terraform.schema import ProviderSchema

PathStep = str | int
# Shorter strings (e.g. "true", "0") would redact innocent text everywhere they appear.
MIN_SECRET_LEN = 6


def values_at(value: JSON, path: tuple[PathStep, ...]) -> Iterable[JSON]:
    """Values at `path`, fanning out over lists where the path names a block attribute."""
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        if isinstance(head, int):
            if 0 <= head < len(value):
                yield from values_at(value[head], rest)
            return
        for item in value:
            yield from values_at(item, path)
    elif isinstance(value, Mapping) and isinstance(head, str) and head in value:
        yield from values_at(value[head], rest)


def _leaves(value: JSON) -> Iterable[str]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield str(value)


@dataclass(frozen=True)
class Redactor:
    secrets: frozenset[str]

    @classmethod
    def collect(
        cls,
        resources: Iterable[tuple[str, Mapping[str, JSON], Iterable[tuple[PathStep, ...]]]],
        schema: ProviderSchema,
    ) -> Redactor:
        """From (type, attributes, state sensitive paths) triples of state/plan/live resources."""
        found: set[str] = set()
        for type_, attrs, marked in resources:
            paths: list[tuple[PathStep, ...]] = list(marked)
            rs = schema.resource(type_)
            if rs is not None:
                paths.extend(rs.sensitive_paths())
            for path in paths:
                for value in values_at(attrs, path):
                    found.update(s for s in _leaves(value) if len(s) >= MIN_SECRET_LEN)
        return cls(frozenset(found))

    def merged(self, other: Redactor) -> Redactor:
        return Redactor(self.secrets | other.secrets)

    def value(self, value: JSON) -> JSON:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if value is not None and not isinstance(value, bool) and str(value) in self.secrets:
            return SENSITIVE
        return value

    def text(self, text: str) -> str:
        if text in self.secrets:
            return SENSITIVE
        # Longest first so a secret containing another is replaced whole.
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, SENSITIVE)
        return text

    def finding(self, f: Finding) -> Finding:
        return dataclasses.replace(
            f,
            title=self.text(f.title),
            expected=self.value(f.expected),
            actual=self.value(f.actual),
            description=self.text(f.description),
            risk=self.text(f.risk),
            remediation=self.text(f.remediation),
        )

    def patch(self, p: Patch) -> Patch:
        return dataclasses.replace(
            p, diff=self.text(p.diff), note=self.text(p.note), reason=self.text(p.reason)
        )

    def report(self, r: Report) -> Report:
        if not self.secrets:
            return r
        return dataclasses.replace(
            r,
            findings=tuple(self.finding(f) for f in r.findings),
            patches=tuple(self.patch(p) for p in r.patches),
            suppressed=tuple(
                dataclasses.replace(
                    s, finding=self.finding(s.finding), justification=self.text(s.justification)
                )
                for s in r.suppressed
            ),
        )
