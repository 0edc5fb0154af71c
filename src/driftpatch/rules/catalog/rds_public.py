"""DP-RDS-001: a database instance reachable from the internet."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.interface import Fix, Rule, RuleMeta, SetValue, Subject, Violation, World


class RdsPubliclyAccessible(Rule):
    meta = RuleMeta(
        id="DP-RDS-001",
        title="RDS database instance is publicly accessible",
        severity=Severity.HIGH,
        category=Category.DATA,
        resource_types=("aws_db_instance", "aws_rds_cluster_instance"),
        description=(
            "publicly_accessible is true: the instance's endpoint resolves to a public IP, "
            "reachable from the internet wherever its security groups allow."
        ),
        risk=(
            "The database is exposed to credential brute force and engine vulnerabilities "
            "from the whole internet, guarded by a security group alone."
        ),
        remediation=(
            "Set publicly_accessible = false and connect through the VPC (application subnets, "
            "VPN, or a bastion / Session Manager port forwarding). The change applies in place; "
            "apply_immediately decides whether it waits for the maintenance window."
        ),
        references=(
            "CIS AWS 2.3.3",
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",
        ),
        checkov=("CKV_AWS_17",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        if subject.get("publicly_accessible") is True:
            yield Violation("publicly_accessible", True, False, "publicly accessible")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue("publicly_accessible", False),), "Make the database private")


RULE = RdsPubliclyAccessible()
