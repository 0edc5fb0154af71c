"""Inline suppressions: comments in the HCL that accept a finding on purpose.

    resource "aws_s3_bucket" "site" {
      # driftpatch:ignore=DP-S3-001,DP-S3-006 public website, logs go to CloudFront
      #checkov:skip=CKV_AWS_20:public website
      ...
    }

A suppression inside a resource block, or in the comment lines directly above it, suppresses
the named rules for that resource (and for source findings, for the top-level block holding
them). checkov's `checkov:skip=ID:reason` comments are honoured the same way for our rules
that declare that checkov id (`meta.checkov`), so a team moving from checkov keeps its
accepted risks. A suppression without a reason still works, but is reported as a
`SuppressionNote`: an accepted risk nobody explained is a review problem, not a silent one.
Comments use `#`, `//` or `/* */`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from driftpatch.model import Finding, Location, ScanError
from driftpatch.rules import meta_by_id
from driftpatch.rules.interface import RULE_ID, BlockNodeLike, SourceIndexLike, config_address

_DRIFTPATCH = re.compile(
    r"(?:#|//|/\*)\s*driftpatch:ignore\s*=\s*"
    r"(?P<ids>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)(?P<reason>.*)$"
)
_CHECKOV = re.compile(
    r"(?:#|//|/\*)\s*(?:checkov|bridgecrew):skip\s*=\s*(?P<ids>[A-Za-z0-9_]+)(?P<reason>.*)$"
)
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/\*|\*)")


@dataclass(frozen=True)
class Suppression:
    rule_ids: tuple[str, ...]
    reason: str  # "" when the comment gives none
    location: Location  # the comment's line
    source: str  # "driftpatch" or "checkov"


@dataclass(frozen=True)
class SuppressionNote:
    """A suppression worth a reviewer's look (no reason, unknown rule id)."""

    location: Location
    rule_ids: tuple[str, ...]
    message: str

    def to_problem(self) -> ScanError:
        """As a report input problem (Report.input_problems)."""
        ids = ",".join(self.rule_ids)
        return ScanError(scope=str(self.location), message=f"{self.message} ({ids})")


def suppressed(finding: Finding, index: SourceIndexLike) -> Suppression | None:
    """The suppression in the source that covers `finding`, if any."""
    block = _block_of(finding, index)
    if block is None:
        return None
    wanted = _ids_for(finding)
    for s in _block_suppressions(block, index.texts.get(block.file, "")):
        if s.source == "driftpatch" and finding.rule_id in s.rule_ids:
            return s
        if s.source == "checkov" and wanted & set(s.rule_ids):
            return s
    return None


def notes(index: SourceIndexLike) -> tuple[SuppressionNote, ...]:
    """Suppressions anywhere in the source that a reviewer should see."""
    out: list[SuppressionNote] = []
    for file in sorted(index.texts):
        found = _file_suppressions(file, index.texts[file])
        for s in (found[line] for line in sorted(found)):
            if not s.reason:
                out.append(SuppressionNote(s.location, s.rule_ids, "suppression without a reason"))
            if s.source == "driftpatch":
                unknown = tuple(
                    i for i in s.rule_ids if not RULE_ID.match(i) or meta_by_id(i) is None
                )
                if unknown:
                    out.append(SuppressionNote(s.location, unknown, "suppression of no such rule"))
    return tuple(out)


def _ids_for(finding: Finding) -> set[str]:
    """Checkov ids that name the same problem as `finding`."""
    ids = {finding.rule_id, *finding.also}
    meta = meta_by_id(finding.rule_id)
    if meta is not None:
        ids.update(meta.checkov)
    return ids


def _block_of(finding: Finding, index: SourceIndexLike) -> BlockNodeLike | None:
    if finding.address:
        block = index.resources.get(config_address(finding.address))
        if block is not None:
            return block
    loc = finding.location
    if loc is None:
        return None
    return next(
        (
            b
            for b in index.blocks
            if b.file == loc.file and b.span.start_line <= loc.start_line <= b.span.end_line
        ),
        None,
    )


def _block_suppressions(block: BlockNodeLike, text: str) -> Sequence[Suppression]:
    found = _file_suppressions(block.file, text)
    if not found:
        return ()
    lines = text.splitlines()
    first = block.span.start_line
    # The comment lines directly above the block belong to it.
    while first - 2 >= 0 and first - 2 < len(lines) and _COMMENT_LINE.match(lines[first - 2]):
        first -= 1
    return [s for line, s in sorted(found.items()) if first <= line <= block.span.end_line]


@lru_cache(maxsize=256)
def _file_suppressions(file: str, text: str) -> Mapping[int, Suppression]:
    out: dict[int, Suppression] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "driftpatch:" not in line and ":skip" not in line:
            continue
        loc = Location(file, number, number)
        if m := _DRIFTPATCH.search(line):
            ids = tuple(i.strip() for i in m.group("ids").split(","))
            out[number] = Suppression(ids, _reason(m.group("reason")), loc, "driftpatch")
        elif m := _CHECKOV.search(line):
            out[number] = Suppression((m.group("ids"),), _reason(m.group("reason")), loc, "checkov")
    return out


def _reason(text: str) -> str:
    text = text.strip()
    text = text.removesuffix("*/").strip()
    return text.lstrip(":- ").strip()
