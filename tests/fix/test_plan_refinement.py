"""Judging a codify by plan when the unpatched plan left a value to apply time.

The s3-bucket example's log bucket drifts twice: its bucket policy was deleted out of band
(both plans create it again) and a tag was added. In the unpatched plan the policy document
is "known after apply": `data.aws_iam_policy_document.combined` reads the bucket's ARN and is
deferred while the bucket has a pending change (the tag's removal). Codifying the tag removes
that pending change, so the patched plan reads the document at plan time and the create shows
it. That is the same create, told earlier, not a change the codify makes (fixed: the codify
was refused as "also changes ... policy"). Changes shaped as `terraform show -json` gives them.
"""

from __future__ import annotations

from driftpatch.fix.judge import Change, Outcome
from driftpatch.fix.verification import _moves_beyond, _reaches_beyond

BUCKET = "module.log_bucket.aws_s3_bucket.this[0]"
POLICY = "module.log_bucket.aws_s3_bucket_policy.this[0]"
DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*"}]}'


def policy(after: dict[str, object], unknown: dict[str, object]) -> Change:
    return Change(POLICY, ("create",), False, {}, after, unknown)


def bucket(tags: dict[str, str], actions: tuple[str, ...]) -> Change:
    before = {"bucket": "logs", "tags": {"Retention": "90d"}}
    return Change(BUCKET, actions, False, before, {"bucket": "logs", "tags": tags}, {})


BASE = Outcome(
    True,
    True,
    changes={
        BUCKET: bucket({}, ("update",)),
        POLICY: policy({"bucket": "logs"}, {"id": True, "policy": True}),
    },
)
PATCHED = Outcome(
    True,
    True,
    changes={
        BUCKET: bucket({"Retention": "90d"}, ("no-op",)),
        POLICY: policy({"bucket": "logs", "policy": DOC}, {"id": True}),
    },
)


def test_a_value_both_plans_set_made_known_by_the_patch_moves_nothing() -> None:
    assert _moves_beyond(BASE.changes[POLICY], PATCHED.changes[POLICY]) == []
    assert _reaches_beyond(BASE, PATCHED, {BUCKET, POLICY}, [BUCKET], "codify") == ""


def test_a_value_the_unpatched_plan_left_alone_is_still_a_move() -> None:
    """Known and unchanged in the unpatched plan (or not planned there): a new value at an
    address the patch does not name is beyond it."""
    before = {"bucket": "logs", "policy": "{}"}
    base = Change(POLICY, ("no-op",), False, before, before, {})
    cand = Change(POLICY, ("update",), False, before, {"bucket": "logs", "policy": DOC}, {})
    assert _moves_beyond(base, cand) == ["policy"]
    assert _moves_beyond(None, PATCHED.changes[POLICY]) == ["(create)"]


def test_an_update_made_a_create_is_a_move() -> None:
    base = Change(
        POLICY, ("update",), False, {"bucket": "logs"}, {"bucket": "logs"}, {"policy": True}
    )
    assert _moves_beyond(base, PATCHED.changes[POLICY]) == ["(create)"]
