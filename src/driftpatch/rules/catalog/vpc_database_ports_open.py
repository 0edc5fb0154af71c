"""DP-VPC-003: a database or cache port open to the internet."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import SG_TYPES, port_violations
from driftpatch.rules.interface import Rule, RuleMeta, Subject, Violation, World

DATABASE_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    3306: "MySQL",
    5432: "PostgreSQL",
    5439: "Redshift",
    6379: "Redis",
    9042: "Cassandra",
    9200: "Elasticsearch",
    11211: "Memcached",
    27017: "MongoDB",
}


class DatabasePortOpenToWorld(Rule):
    meta = RuleMeta(
        id="DP-VPC-003",
        title="Security group exposes a database port to the internet",
        severity=Severity.HIGH,
        category=Category.NETWORK,
        resource_types=SG_TYPES,
        description=(
            "An ingress permission admits 0.0.0.0/0 or ::/0 on a database or cache port: "
            + ", ".join(f"{p} ({n})" for p, n in sorted(DATABASE_PORTS.items()))
            + ". Rules opening all traffic are reported by DP-VPC-004."
        ),
        risk=(
            "Databases and caches reachable from the internet are found by scanners within "
            "hours; Redis, Memcached, MongoDB and Elasticsearch are often run without "
            "authentication, and any of them can leak or lose all their data."
        ),
        remediation=(
            "Allow the port only from the application's security group "
            "(source_security_group_id / referenced_security_group_id) or private CIDR "
            "blocks; reach the database from outside through a VPN or bastion. No patch is "
            "offered because the right sources depend on your network."
        ),
        references=(
            "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.RDSSecurityGroups.html",
        ),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        for attribute, cidrs, detail in port_violations(subject, world, DATABASE_PORTS, ""):
            yield Violation(attribute, list(cidrs), None, detail)


RULE = DatabasePortOpenToWorld()
