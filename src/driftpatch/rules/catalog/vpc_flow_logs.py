"""DP-VPC-101: a VPC without flow logs.

Without flow logs there is no record of which addresses talked to what: incident response has
nothing to reconstruct lateral movement or exfiltration from. CIS AWS Foundations v3.0.0
numbering. (Numbered from 101 so it cannot collide with the other DP-VPC rules.)

How a flow log is matched to the VPC (issue 11: one flow log whose vpc_id was a reference
silenced every VPC):
- by value: its `vpc_id` equals the VPC's id (live, state, and plan for existing VPCs);
- by reference: its `vpc_id` refers to this VPC's instance (`aws_vpc.main.id`,
  `each.value.id`, a module argument), or to its block when the instance key is not known;
- an unknown `vpc_id` that is no reference: in code it is an id decided outside the
  configuration (a variable, a data source), so the flow log watches a VPC created elsewhere:
  a VPC declared here gets its id from AWS at apply, and only a reference can name it. On
  live, state and plan values an unknown may be any VPC, so no VPC is reported then.
No automatic fix: a flow log needs a destination (an S3 bucket, or a log group plus an IAM role
that can write to it), which is the owner's decision, not ours to invent.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import UNKNOWN, Origin, Rule, RuleMeta, Subject, Violation, World


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
        if world.linked("aws_flow_log", subject, "vpc_id"):
            return []
        if subject.origin is not Origin.CODE and any(
            f.get("vpc_id") is UNKNOWN and "vpc_id" not in f.refs
            for f in world.of_type("aws_flow_log")
        ):
            return []  # a flow log whose VPC cannot be told may be this VPC's
        return [Violation(None, None, None, "no flow log refers to this VPC")]


RULE = VpcFlowLogs()
