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
