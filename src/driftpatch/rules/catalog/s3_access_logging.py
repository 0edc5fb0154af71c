"""DP-S3-006: bucket server access logging is off.

Buckets that receive other buckets' access logs are exempt: logging a log bucket into itself
loops, and into a third bucket only moves the question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import blocks, given, partners
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World

SPLIT = "aws_s3_bucket_logging"


class S3AccessLogging(Rule):
    meta = RuleMeta(
        id="DP-S3-006",
        title="S3 bucket access logging is off",
        severity=Severity.LOW,
        category=Category.LOGGING,
        resource_types=("aws_s3_bucket",),
        description=(
            "Neither an aws_s3_bucket_logging nor an inline logging block sends the bucket's "
            "server access logs anywhere. Buckets that are themselves the target of access "
            "logging are not reported."
        ),
        risk=(
            "Requests to the bucket leave no record: who read or deleted which object cannot "
            "be established after an incident (CloudTrail data events are the costlier "
            "alternative)."
        ),
        remediation=(
            "Add an aws_s3_bucket_logging with bucket = this bucket, target_bucket = a "
            "dedicated log bucket and a target_prefix. Which log bucket to use is yours to "
            "choose, so no patch is offered."
        ),
        references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",),
        checkov=("CKV_AWS_18",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        split = partners(world, SPLIT, subject)
        if split.found or split.undecided:
            return
        inline = subject.get("logging")
        if inline is UNKNOWN or any(given(e.get("target_bucket")) for e in blocks(inline)):
            return
        if _is_log_target(subject, world):
            return
        yield Violation("logging", None, None, "server access logging is off")


def _is_log_target(bucket: Subject, world: World) -> bool:
    if world.linked(SPLIT, bucket, "target_bucket", ("id", "bucket")):
        return True
    names = {v for k in ("id", "bucket") if isinstance(v := bucket.get(k), str)}
    target = bucket.config_address
    summary = world.memo("s3-log-targets", lambda: _log_targets(world))
    if summary.unread:
        return True  # another bucket's logging could not be read: it may log here
    return bool(names & summary.names) or (target is not None and target in summary.refs)


@dataclass(frozen=True)
class _LogTargets:
    """What every bucket's inline logging names as its target, once per world (asked per
    bucket, a scan over every bucket would be quadratic in the estate)."""

    names: frozenset[str]  # target_bucket values
    refs: frozenset[str]  # config addresses the target_bucket expressions refer to
    unread: bool  # some bucket's logging could not be read


def _log_targets(world: World) -> _LogTargets:
    names: set[str] = set()
    refs: set[str] = set()
    unread = False
    for other in world.of_type("aws_s3_bucket"):
        unread = unread or "logging" in other.unread
        for i, entry in enumerate(blocks(other.get("logging"))):
            if isinstance(value := entry.get("target_bucket"), str):
                names.add(value)
            ref = other.refs.get(f"logging[{i}].target_bucket")
            if ref is not None:
                refs.add(ref)
    return _LogTargets(frozenset(names), frozenset(refs), unread)


RULE = S3AccessLogging()
