"""A group whose ingress rules are separate resources gets egress drift codified the same way.

Terraform's documentation says never to mix inline rules with rule resources on one group; on
the security-group module's rules-only example (tests/e2e/test_third_party.py) an egress rule
added by hand to such a group was codified as an inline `egress` block (and, bundled with the
group's tag drift, kept every one of them out of the default patch)."""

from __future__ import annotations

from pathlib import Path

from driftpatch.model import PatchAction

from .test_ownership import drift, repo, rule, run

__all__ = ["repo"]  # the fixture, re-used


def test_egress_on_a_group_with_separate_ingress_rules_is_a_new_imported_rule(
    repo: Path,
) -> None:
    f = drift("aws_security_group.web", "egress", [], [rule(6379, "10.1.0.0/16")], "sg-web")
    _, applied = run(repo, f)
    (patch,) = applied.patches
    assert (patch.action, patch.verified) == (PatchAction.CODIFY, True)
    assert "+  egress" not in patch.diff
    assert (
        '+resource "aws_security_group_rule" "web_egress_tcp_6379" {\n'
        '+  type              = "egress"\n'
        "+  security_group_id = aws_security_group.web.id\n"
        '+  protocol          = "tcp"\n'
        "+  from_port         = 6379\n"
        "+  to_port           = 6379\n"
        '+  cidr_blocks       = ["10.1.0.0/16"]\n'
        "+}\n"
    ) in patch.diff
    assert (
        "+import {\n+  to = aws_security_group_rule.web_egress_tcp_6379\n"
        '+  id = "sg-web_egress_tcp_6379_6379_10.1.0.0/16"\n'
    ) in patch.diff
    assert patch.note.startswith(
        "aws_security_group.web's rules are managed by aws_security_group_rule resources "
        "(never mixed with inline egress on one group): adds "
        "aws_security_group_rule.web_egress_tcp_6379 and imports it from AWS"
    )


def test_a_group_writing_inline_egress_keeps_it_inline(repo: Path) -> None:
    """aws_security_group.db writes its rules inline: a new egress rule joins them."""
    f = drift("aws_security_group.db", "egress", [], [rule(6379, "10.1.0.0/16")], "sg-db")
    _, applied = run(repo, f)
    (patch,) = applied.patches
    assert "aws_security_group_rule" not in patch.diff
    assert "+    from_port   = 6379\n" in patch.diff


def test_a_deleted_public_access_block_is_recreated_never_removed_from_the_code(
    repo: Path,
) -> None:
    """Deleting a bucket's public access block in the console turns the control off: the
    default patch once removed its block from the code (tests/e2e/test_insecure_world.py)."""
    from driftpatch.model import Category, Finding, Kind, Severity

    f = Finding(
        Kind.MISSING,
        "DRIFT-MISSING",
        "gone",
        Severity.HIGH,
        Category.DRIFT,
        "aws_s3_bucket_public_access_block",
        address="aws_s3_bucket_public_access_block.logs",
        resource_id="acme-logs",
    )
    plan, applied = run(repo, f)
    assert applied.patches == ()
    assert plan.skipped[f.id] == (
        "aws_s3_bucket_public_access_block.logs is the bucket's public access block, a "
        "security control: removing it from the code would keep it off; re-create it with "
        "`terraform apply -target='aws_s3_bucket_public_access_block.logs'`"
    )


def test_an_inline_policy_added_by_hand_is_undone_never_imported(repo: Path) -> None:
    """A policy put on a managed role by hand is two findings: drift of the role's
    `inline_policy` (security drift: undo it in AWS) and an unmanaged aws_iam_role_policy. The
    import once went into the default patch, codifying what the drift finding reverts."""
    from driftpatch.drift.detect import unmanaged_finding
    from driftpatch.fix.remedies import plan_remedies
    from driftpatch.model import LiveResource
    from driftpatch.terraform.source import index_source

    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    drifted = drift(
        "aws_iam_role.app", "inline_policy", [], [{"name": "debug", "policy": doc}], "app"
    )
    drifted = drifted.__class__(**{**drifted.__dict__, "also": ("DP-IAM-003",)})
    live = LiveResource(
        "aws_iam_role_policy", "app:debug", None, {"name": "debug", "role": "app", "policy": doc}
    )
    adopted = unmanaged_finding(live)
    plan = plan_remedies([drifted, adopted], index_source(repo), {}, unmanaged={adopted.id: live})
    assert [op.action for op in plan.operations if adopted.id in op.finding_ids] == []
    assert plan.skipped[adopted.id] == (
        "it is the inline policy 'debug' added by hand to aws_iam_role.app, security drift to "
        "undo in AWS (see that finding), not to import into the code"
    )
