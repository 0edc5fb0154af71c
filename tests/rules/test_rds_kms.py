"""RDS rules (DP-RDS-001..004) and the KMS rotation rule (DP-KMS-001)."""

from __future__ import annotations

import pytest

from driftpatch.rules.interface import Fix, Origin, SetValue, Violation
from tests.rules.harness import Case, ids, run

CODE, STATE, LIVE, PLAN = Origin.CODE, Origin.STATE, Origin.LIVE, Origin.PLAN

RDS_001 = [
    Case(
        "DP-RDS-001",
        CODE,
        "aws_db_instance.db",
        (Violation("publicly_accessible", True, False, "publicly accessible"),),
        hcl='resource "aws_db_instance" "db" {\n  publicly_accessible = true\n}\n',
        fix=Fix((SetValue("publicly_accessible", False),), "Make the database private"),
    ),
    Case(
        "DP-RDS-001",
        CODE,
        "aws_db_instance.db",
        hcl='resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n',
    ),
    Case(
        "DP-RDS-001",
        STATE,
        "aws_rds_cluster_instance.one",
        (Violation("publicly_accessible", True, False, "publicly accessible"),),
        resources=(
            ("aws_rds_cluster_instance", "one", {"id": "one", "publicly_accessible": True}),
        ),
    ),
    Case(
        "DP-RDS-001",
        LIVE,
        "aws_db_instance.db",
        resources=(("aws_db_instance", "db", {"id": "db-1", "publicly_accessible": False}),),
    ),
]

ENCRYPT_FIX = Fix(
    (SetValue("storage_encrypted", True),), "Encrypt the database storage (replaces it)"
)

RDS_002 = [
    Case(
        "DP-RDS-002",
        CODE,
        "aws_db_instance.db",
        (
            Violation(
                "storage_encrypted", False, True, "storage_encrypted not set (defaults to false)"
            ),
        ),
        hcl='resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n',
        fix=ENCRYPT_FIX,
    ),
    Case(
        "DP-RDS-002",
        CODE,
        "aws_db_instance.replica",
        hcl=(
            'resource "aws_db_instance" "replica" {\n'
            "  replicate_source_db = aws_db_instance.db.identifier\n"
            "}\n"
        ),
        name="replica",
    ),
    Case(
        "DP-RDS-002",
        CODE,
        "aws_db_instance.member",
        hcl='resource "aws_db_instance" "member" {\n  engine = "aurora-postgresql"\n}\n',
        name="aurora-member",
    ),
    Case(
        "DP-RDS-002",
        CODE,
        "aws_rds_cluster.c",
        (Violation("storage_encrypted", False, True, "storage is not encrypted"),),
        hcl=(
            'resource "aws_rds_cluster" "c" {\n'
            '  engine            = "aurora-mysql"\n'
            "  storage_encrypted = false\n"
            "}\n"
        ),
        fix=ENCRYPT_FIX,
        name="cluster",
    ),
    Case(
        "DP-RDS-002",
        CODE,
        "aws_rds_cluster.c",
        hcl='resource "aws_rds_cluster" "c" {\n  storage_encrypted = true\n}\n',
    ),
    Case(
        "DP-RDS-002",
        STATE,
        "aws_db_instance.db",
        (Violation("storage_encrypted", False, True, "storage is not encrypted"),),
        resources=(
            (
                "aws_db_instance",
                "db",
                {"id": "db-1", "storage_encrypted": False, "replicate_source_db": ""},
            ),
        ),
    ),
    Case(
        "DP-RDS-002",
        STATE,
        "aws_db_instance.db",
        resources=(("aws_db_instance", "db", {"id": "db-1", "storage_encrypted": True}),),
    ),
]

RDS_003 = [
    Case(
        "DP-RDS-003",
        CODE,
        "aws_db_instance.db",
        (Violation("backup_retention_period", 0, None, "backup retention is 0 days"),),
        hcl='resource "aws_db_instance" "db" {\n  backup_retention_period = 0\n}\n',
        fix=Fix((SetValue("backup_retention_period", 7),), "Keep automated backups for 7 days"),
    ),
    Case(
        "DP-RDS-003",
        CODE,
        "aws_db_instance.db",
        hcl='resource "aws_db_instance" "db" {\n  engine = "mysql"\n}\n',
        name="aws-default",
    ),
    Case(
        "DP-RDS-003",
        STATE,
        "aws_db_instance.db",
        (Violation("backup_retention_period", 0, None, "backup retention is 0 days"),),
        resources=(
            (
                "aws_db_instance",
                "db",
                {"id": "db-1", "backup_retention_period": 0, "replicate_source_db": ""},
            ),
        ),
    ),
    Case(
        "DP-RDS-003",
        STATE,
        "aws_db_instance.replica",
        resources=(
            (
                "aws_db_instance",
                "replica",
                {"id": "r", "backup_retention_period": 0, "replicate_source_db": "db-1"},
            ),
        ),
        name="replica",
    ),
    Case(
        "DP-RDS-003",
        LIVE,
        "aws_db_instance.db",
        resources=(("aws_db_instance", "db", {"id": "db-1", "backup_retention_period": 7}),),
    ),
]

RDS_004 = [
    Case(
        "DP-RDS-004",
        CODE,
        "aws_rds_cluster.c",
        (
            Violation(
                "deletion_protection",
                False,
                True,
                "deletion_protection not set (defaults to false)",
            ),
        ),
        hcl='resource "aws_rds_cluster" "c" {\n  engine = "aurora-postgresql"\n}\n',
        fix=Fix((SetValue("deletion_protection", True),), "Turn on deletion protection"),
    ),
    Case(
        "DP-RDS-004",
        CODE,
        "aws_db_instance.db",
        hcl='resource "aws_db_instance" "db" {\n  deletion_protection = true\n}\n',
    ),
    Case(
        "DP-RDS-004",
        CODE,
        "aws_db_instance.db",
        hcl='resource "aws_db_instance" "db" {\n  deletion_protection = var.protect\n}\n',
        name="unknown",
    ),
    Case(
        "DP-RDS-004",
        LIVE,
        "aws_db_instance.db",
        (Violation("deletion_protection", False, True, "deletion protection is off"),),
        resources=(("aws_db_instance", "db", {"id": "db-1", "deletion_protection": False}),),
    ),
    Case(
        "DP-RDS-004",
        STATE,
        "aws_rds_cluster.c",
        resources=(("aws_rds_cluster", "c", {"id": "c", "deletion_protection": True}),),
    ),
]

ROTATION_FIX = Fix((SetValue("enable_key_rotation", True),), "Turn on automatic key rotation")

KMS_001 = [
    Case(
        "DP-KMS-001",
        CODE,
        "aws_kms_key.k",
        (
            Violation(
                "enable_key_rotation",
                False,
                True,
                "enable_key_rotation not set (defaults to false)",
            ),
        ),
        hcl='resource "aws_kms_key" "k" {\n  description = "app"\n}\n',
        fix=ROTATION_FIX,
    ),
    Case(
        "DP-KMS-001",
        CODE,
        "aws_kms_key.k",
        hcl='resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n',
    ),
    Case(
        "DP-KMS-001",
        CODE,
        "aws_kms_key.sign",
        hcl="""
resource "aws_kms_key" "sign" {
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
}
""",
        name="asymmetric",
    ),
    Case(
        "DP-KMS-001",
        CODE,
        "aws_kms_key.mac",
        hcl="""
resource "aws_kms_key" "mac" {
  customer_master_key_spec = "HMAC_256"
  key_usage                = "GENERATE_VERIFY_MAC"
}
""",
        name="hmac",
    ),
    Case(
        "DP-KMS-001",
        STATE,
        "aws_kms_key.k",
        (Violation("enable_key_rotation", False, True, "rotation is off"),),
        resources=(
            (
                "aws_kms_key",
                "k",
                {
                    "id": "1234",
                    "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                    "key_usage": "ENCRYPT_DECRYPT",
                    "custom_key_store_id": "",
                    "enable_key_rotation": False,
                },
            ),
        ),
        fix=ROTATION_FIX,
    ),
    Case(
        "DP-KMS-001",
        STATE,
        "aws_kms_key.hsm",
        resources=(
            (
                "aws_kms_key",
                "hsm",
                {
                    "id": "5678",
                    "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                    "key_usage": "ENCRYPT_DECRYPT",
                    "custom_key_store_id": "cks-1",
                    "enable_key_rotation": False,
                },
            ),
        ),
        name="custom-key-store",
    ),
    Case(
        "DP-KMS-001",
        PLAN,
        "aws_kms_key.k",
        resources=(
            ("aws_kms_key", "k", {"enable_key_rotation": True, "key_usage": "ENCRYPT_DECRYPT"}),
        ),
    ),
]

CASES = [*RDS_001, *RDS_002, *RDS_003, *RDS_004, *KMS_001]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_rds_and_kms_rules(case: Case) -> None:
    run(case)
