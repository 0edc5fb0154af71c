"""`.driftpatchignore`: findings a team has decided to live with.

One pattern per line; `#` starts a comment; a later line overrides an earlier one; `!` negates.

    aws_s3_bucket.legacy-logs            # a resource, by type.id (everything about it)
    aws_s3_bucket.legacy-logs.tags.Env   # one attribute of it
    module.app.aws_instance.web[0]       # a resource, by address
    aws_iam_role.ci-*                    # `*` and `?` are wildcards; brackets are literal
    !aws_iam_role.ci-deployer            # ...but not this one
    DP-S3-004                            # a rule (or checkov id), everywhere
    DP-S3-004:aws_s3_bucket.public-*     # a rule, on some resources only

A resource pattern also covers the resource's attributes. Rule ids are told apart by case:
Terraform types are lower case, rule ids upper case.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from driftpatch import limits
from driftpatch.errors import InputError
from driftpatch.model import Address, Finding

DEFAULT_NAME = ".driftpatchignore"
_RULE = re.compile(r"^[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*$")


def _glob(pattern: str, *, children: bool) -> re.Pattern[str]:
    parts = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    # A resource pattern also matches its attributes: `x.y` covers `x.y.tags.Env`, `x.y[0]`.
    return re.compile(parts + (r"(?:[.\[].*)?" if children else ""), re.DOTALL)


@dataclass(frozen=True)
class Pattern:
    text: str
    negated: bool
    rule: re.Pattern[str] | None
    subject: re.Pattern[str] | None
    line: int
    # The line's trailing `# comment`: why the team accepts it (SARIF's justification).
    reason: str = ""

    def matches(self, finding: Finding) -> bool:
        if self.rule is not None and not (
            self.rule.fullmatch(finding.rule_id)
            or any(self.rule.fullmatch(a) for a in finding.also)
        ):
            return False
        if self.subject is None:
            return True
        return any(self.subject.fullmatch(c) for c in candidates(finding))


def candidates(finding: Finding) -> list[str]:
    """The names a finding can be ignored by."""
    names = []
    attr = f".{finding.attribute}" if finding.attribute else ""
    if finding.resource_id:
        names.append(f"{finding.resource_type}.{finding.resource_id}{attr}")
    if finding.address:
        names.append(f"{finding.address}{attr}")
        # The block's address covers every instance of it, in every instance of its modules
        # (`module.app.aws_instance.web` for `module.app["a"].aws_instance.web[0]`).
        with contextlib.suppress(ValueError):
            block = Address.parse(finding.address).config_address
            if block != finding.address:
                names.append(f"{block}{attr}")
    if not names:
        names.append(f"{finding.resource_type}{attr}")
    return names


def parse_line(raw: str, number: int) -> Pattern | None:
    if raw.lstrip().startswith("#"):
        return None
    text, _, comment = raw.partition(" #")
    text = text.strip()
    if not text:
        return None
    negated = text.startswith("!")
    body = text[1:].strip() if negated else text
    if not body:
        raise InputError(f"line {number}: '!' without a pattern")
    rule_text, subject_text = None, body
    head, sep, tail = body.partition(":")
    if sep and _RULE.match(head.replace("*", "X")):
        rule_text, subject_text = head, tail.strip()
        if not subject_text:
            raise InputError(f"line {number}: no resource pattern after '{head}:'")
    elif _RULE.match(body.replace("*", "X").replace("?", "X")):
        rule_text, subject_text = body, ""
    rule = _glob(rule_text, children=False) if rule_text else None
    subject = _glob(subject_text, children=True) if subject_text else None
    return Pattern(text, negated, rule, subject, number, comment.strip())


@dataclass(frozen=True)
class IgnoreList:
    patterns: tuple[Pattern, ...] = ()
    origin: str = ""

    @classmethod
    def parse(cls, text: str, origin: str = DEFAULT_NAME) -> IgnoreList:
        patterns = []
        for number, raw in enumerate(text.splitlines(), start=1):
            try:
                pattern = parse_line(raw, number)
            except InputError as exc:
                raise InputError(f"{origin}: {exc}") from exc
            if pattern is not None:
                patterns.append(pattern)
        return cls(tuple(patterns), origin)

    @classmethod
    def load(cls, path: Path) -> IgnoreList:
        try:
            text = limits.read_bytes(path, str(path), "ignore").decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read ignore file: {exc}") from exc
        return cls.parse(text, str(path))

    def ignores(self, finding: Finding) -> bool:
        return self.ignored_by(finding) is not None

    def ignored_by(self, finding: Finding) -> Pattern | None:
        """The line that ignores `finding` (the last matching one, if it is not negated)."""
        decided: Pattern | None = None
        for pattern in self.patterns:
            if pattern.matches(finding):
                decided = pattern
        return decided if decided is not None and not decided.negated else None

    def where(self, pattern: Pattern, root: Path | None = None) -> str:
        """`file:line` of a pattern for the report's suppression entries: the file relative to
        `root` (the repository) when it is inside it, so reports do not carry the runner's
        absolute paths."""
        shown = self.origin or DEFAULT_NAME
        if root is not None and Path(shown).is_absolute():
            with contextlib.suppress(OSError, ValueError):  # outside the repository: as given
                shown = Path(shown).resolve().relative_to(root.resolve()).as_posix()
        return f"{shown}:{pattern.line}"

    def filter(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
        """(kept, ignored)."""
        kept: list[Finding] = []
        dropped: list[Finding] = []
        for f in findings:
            (dropped if self.ignores(f) else kept).append(f)
        return kept, dropped


def generate(findings: Sequence[Finding]) -> str:
    """An ignore file that accepts every finding of a report, one commented line each."""
    lines = [
        "# driftpatch ignore file: one pattern per line, '!' negates, later lines win.",
        "# Generated from a report; delete the lines you want reported again.",
    ]
    seen: set[str] = set()
    for f in findings:
        subject = candidates(f)[0]
        line = f"{f.rule_id}:{subject}" if f.rule_id not in ("DRIFT",) else subject
        if line in seen:
            continue
        seen.add(line)
        lines.append(f"{line}  # {f.severity.value}: {f.title}")
    return "\n".join(lines) + "\n"
