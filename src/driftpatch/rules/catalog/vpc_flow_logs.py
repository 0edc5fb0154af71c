"""DP-VPC-101: a VPC without flow logs.

Without flow logs there is no record of which addresses talked to what: incident response has
nothing to reconstruct lateral movement or exfiltration from. CIS AWS Foundations v3.0.0
numbering. (Numbered from 101 so it cannot collide with the other DP-VPC rules.)

How a flow log is matched to the VPC, per origin:
- LIVE/STATE (and PLAN for existing VPCs): an aws_flow_log whose `vpc_id` equals the VPC's id.
- CODE (and PLAN for new VPCs): the reference is an expression, so the VPC's id is not known.
  When the subject data keeps the expression text (python-hcl2 renders `aws_vpc.main.id` as
  "${aws_vpc.main.id}"), a flow log in the same module whose vpc_id refers to `aws_vpc.main`
  (with or without an instance key) matches. When it is only UNKNOWN, it might refer to this
  VPC, so the VPC is not reported (UNKNOWN is never a violation). A VPC is reported when no
  flow log could refer to it: none at all, or only ones with other literal ids or no vpc_id.
No automatic fix: a flow log needs a destination (an S3 bucket, or a log group plus an IAM role
that can write to it), which is the owner's decision, not ours to invent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from driftpatch.model import JSON, Address, Category, Severity
from driftpatch.rules.interface import UNKNOWN, Rule, RuleMeta, Subject, Violation, World


class VpcFlowLogs(Rule):
    meta = RuleMeta(
        id="DP-VPC-101",
        title="VPC has no flow logs",
        severity=Severity.MEDIUM,
        category=Category.LOGGING,
        resource_types=("aws_vpc",),
        description="No aws_flow_log captures this VPC's traffic.",
        risk=(
            "Accepted and rejected connections in the VPC leave no record: scanning, lateral "
            "movement and exfiltration cannot be investigated."
        ),
        remediation=(
            "Add a flow log for the VPC (CIS asks for REJECT traffic at least; ALL is more "
            "useful), to S3:\n"
            'resource "aws_flow_log" "<vpc name>" {\n'
            "  vpc_id               = aws_vpc.<vpc name>.id\n"
            '  traffic_type         = "ALL"\n'
            '  log_destination_type = "s3"\n'
            "  log_destination      = aws_s3_bucket.<logs bucket>.arn\n"
            "}\n"
            "or to CloudWatch Logs: log_destination = aws_cloudwatch_log_group.<name>.arn and "
            "iam_role_arn = a role that vpc-flow-logs.amazonaws.com can assume."
        ),
        references=(
            "CIS AWS 3.7",
            "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
        ),
        checkov=("CKV2_AWS_11",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if "aws_flow_log" in subject.unread:
            return []  # the flow log listing failed: their absence is not known
        vpc_id = subject.id or subject.get("id")
        for flow_log in world.of_type("aws_flow_log"):
            if _may_refer(flow_log, flow_log.get("vpc_id"), subject, vpc_id):
                return []
        return [Violation(None, None, None, "no flow log refers to this VPC")]


def _may_refer(flow_log: Subject, value: JSON, vpc: Subject, vpc_id: JSON) -> bool:
    """Does (or might) this flow log's vpc_id refer to the VPC?"""
    if value is UNKNOWN:
        return True
    if not isinstance(value, str) or not value:
        return False
    if isinstance(vpc_id, str) and vpc_id and value == vpc_id:
        return True
    return _reference_text_matches(value, flow_log.address, vpc.address)


def _reference_text_matches(
    text: str, flow_log_address: str | None, vpc_address: str | None
) -> bool:
    """`${aws_vpc.main.id}` / `aws_vpc.main[0].id` in the flow log's module names the VPC."""
    if vpc_address is None or flow_log_address is None:
        return False
    try:
        vpc, flow = Address.parse(vpc_address), Address.parse(flow_log_address)
    except ValueError:
        return False
    if vpc.module_path != flow.module_path:
        return False
    pattern = rf"(?<![\w.]){re.escape(vpc.type)}\.{re.escape(vpc.name)}(\[[^\]]*\])?\.id\b"
    return re.search(pattern, text) is not None


RULE = VpcFlowLogs()
