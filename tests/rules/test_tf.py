"""Source rules: DP-TF-001 (hardcoded secrets), DP-TF-002 (backend), DP-TF-003 (provider pin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftpatch.model import SENSITIVE, Location
from driftpatch.rules.catalog.tf_provider_unpinned import bounded
from driftpatch.rules.interface import SourceViolation
from tests.rules.harness import SourceCase, ids, run_source

KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"  # split so the file itself holds no key-shaped literal
PROVIDER_WITH_KEYS = f"""provider "aws" {{
  region     = "eu-west-1"
  access_key = "{KEY_ID}"
  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
}}
"""
PRIVATE_KEY = "-----BEGIN RSA " + "PRIVATE KEY-----"


def secret(
    line: int, type_: str, attribute: str | None, detail: str, **kw: str | None
) -> SourceViolation:
    return SourceViolation(
        Location(kw.pop("file", None) or "main.tf", line, line),
        type_,
        attribute,
        SENSITIVE,
        None,
        detail,
        kw.get("address"),
        kw.get("resource_id"),
    )


TF_001 = [
    SourceCase(
        "DP-TF-001",
        {"main.tf": PROVIDER_WITH_KEYS},
        (
            secret(
                3, "provider", "access_key", "AWS access key id", resource_id="main.tf#provider.aws"
            ),
            secret(
                4,
                "provider",
                "secret_key",
                "literal value for secret_key",
                resource_id="main.tf#provider.aws",
            ),
        ),
        name="provider",
    ),
    SourceCase(
        "DP-TF-001",
        {
            "main.tf": """resource "aws_db_instance" "db" {
  username = "admin"
  password = "Sup3rS3cret!"
}
"""
        },
        (
            secret(
                3,
                "aws_db_instance",
                "password",
                "literal value for password",
                address="aws_db_instance.db",
            ),
        ),
        name="resource",
    ),
    SourceCase(
        "DP-TF-001",
        {
            "variables.tf": """variable "db_password" {
  type      = string
  default   = "hunter2hunter2"
  sensitive = true
}
"""
        },
        (
            secret(
                3,
                "variable",
                "default",
                "literal value for default",
                file="variables.tf",
                resource_id="variables.tf#variable.db_password",
            ),
        ),
        name="variable-default",
    ),
    SourceCase(
        "DP-TF-001",
        {
            "main.tf": """resource "aws_instance" "web" {
  tags = {
    Name          = var.name
    "DB_PASSWORD" = "Sup3rS3cret!2024"
    Owner         = "platform-team"
  }
  environment {
    variables = { nested = { API_TOKEN = "abcdefgh1234" } }
  }
}
"""
        },
        (
            secret(
                4,
                "aws_instance",
                "tags.DB_PASSWORD",
                "literal value for tags.DB_PASSWORD",
                address="aws_instance.web",
            ),
            secret(
                8,
                "aws_instance",
                "environment.variables.nested.API_TOKEN",
                "literal value for environment.variables.nested.API_TOKEN",
                address="aws_instance.web",
            ),
        ),
        name="object-keys",
    ),
    SourceCase(
        "DP-TF-001",
        {
            "main.tf": f"""locals {{
  key = <<EOF
{PRIVATE_KEY}
MIIEowIBAAKCAQEA
-----END RSA PRIVATE KEY-----
EOF
}}
"""
        },
        (secret(3, "locals", "key", "private key", resource_id="main.tf#locals"),),
        name="private-key",
    ),
    SourceCase(
        "DP-TF-001",
        {"main.tf": f"# old key: {KEY_ID}\n"},
        (secret(1, "terraform", None, "AWS access key id", resource_id="main.tf:1"),),
        name="comment",
    ),
    SourceCase(
        "DP-TF-001",
        {
            "main.tf": """resource "aws_db_instance" "db" {
  password                    = var.db_password
  manage_master_user_password = true
  kms_key_id                  = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
}
resource "aws_key_pair" "k" {
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample"
}
resource "aws_dynamodb_table" "t" {
  hash_key = "partition_id"
}
resource "aws_efs_file_system" "fs" {
  creation_token = "my-product-files"
}
variable "api_token" {
  type = string
}
variable "region" {
  default = "eu-west-1"
}
"""
        },
        name="references-and-non-secrets",
    ),
]

TF_002 = [
    SourceCase(
        "DP-TF-002",
        {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'},
        (
            SourceViolation(
                Location("main.tf", 1, 1),
                "terraform",
                "backend",
                None,
                None,
                "no backend configured",
                resource_id="main.tf#terraform",
            ),
        ),
        name="none",
    ),
    SourceCase(
        "DP-TF-002",
        {"versions.tf": 'terraform {\n  backend "local" {\n    path = "x.tfstate"\n  }\n}\n'},
        (
            SourceViolation(
                Location("versions.tf", 2, 4),
                "terraform",
                "backend",
                "local",
                None,
                'backend "local"',
                resource_id="versions.tf#terraform",
            ),
        ),
        name="local",
    ),
    SourceCase(
        "DP-TF-002",
        {"main.tf": "", "versions.tf": 'terraform {\n  required_version = ">= 1.5"\n}\n'},
        (
            SourceViolation(
                Location("versions.tf", 1, 3),
                "terraform",
                "backend",
                None,
                None,
                "no backend configured",
                resource_id="versions.tf#terraform",
            ),
        ),
        name="terraform-block-without-backend",
    ),
    SourceCase(
        "DP-TF-002",
        {
            "main.tf": 'resource "aws_s3_bucket" "b" {}\n',
            "backend.tf": 'terraform {\n  backend "s3" {\n    bucket = "state"\n  }\n}\n',
        },
        name="s3",
    ),
    SourceCase(
        "DP-TF-002",
        {"main.tf": 'terraform {\n  cloud {\n    organization = "acme"\n  }\n}\n'},
        name="hcp-terraform",
    ),
    SourceCase(
        "DP-TF-002",
        {"modules/net/main.tf": 'resource "aws_vpc" "v" {}\n'},
        name="module-only",
    ),
]

VERSIONS = """terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"{version}
    }}
  }}
}}
"""
USES_AWS = {"main.tf": 'resource "aws_s3_bucket" "b" {}\n'}


def versions(constraint: str | None) -> str:
    line = f'\n      version = "{constraint}"' if constraint else ""
    return VERSIONS.format(version=line)


def unpinned(where: Location, attribute: str, actual: str | None, detail: str) -> SourceViolation:
    return SourceViolation(
        where, "terraform", attribute, actual, None, detail, resource_id=f"{where.file}#terraform"
    )


TF_003 = [
    SourceCase(
        "DP-TF-003",
        {"main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'},
        (
            unpinned(
                Location("main.tf", 1, 3),
                "required_providers.aws",
                None,
                "no required_providers entry for aws",
            ),
        ),
        name="no-entry",
    ),
    SourceCase(
        "DP-TF-003",
        {**USES_AWS, "versions.tf": versions(">= 5.0")},
        (
            unpinned(
                Location("versions.tf", 3, 6),
                "required_providers.aws.version",
                ">= 5.0",
                "only a lower bound (>= 5.0)",
            ),
        ),
        name="lower-bound",
    ),
    SourceCase(
        "DP-TF-003",
        {**USES_AWS, "versions.tf": versions(None)},
        (
            unpinned(
                Location("versions.tf", 3, 5),
                "required_providers.aws.version",
                None,
                "no version constraint",
            ),
        ),
        name="no-version",
    ),
    SourceCase("DP-TF-003", {**USES_AWS, "versions.tf": versions("~> 5.0")}, name="pessimistic"),
    SourceCase("DP-TF-003", {**USES_AWS, "versions.tf": versions(">= 5.0, < 6.0")}, name="range"),
    SourceCase("DP-TF-003", {"main.tf": 'resource "random_id" "x" {}\n'}, name="no-aws"),
]

CASES = [*TF_001, *TF_002, *TF_003]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_source_rules(case: SourceCase) -> None:
    run_source(case)


@pytest.mark.parametrize(
    ("constraint", "capped"),
    [
        ("~> 5.0", True),
        ("5.100.0", True),
        ("= 5.100.0", True),
        (">= 5.0, < 6.0", True),
        (">= 5.0", False),
        ("> 4.0", False),
        (">= 4.0, != 4.1.0", False),
    ],
)
def test_version_constraint_bounds(constraint: str, capped: bool) -> None:
    assert bounded(constraint) is capped


def test_secret_values_never_reach_findings() -> None:
    from driftpatch.rules.engine import evaluate_source
    from tests.rules.sources import index_texts

    result = evaluate_source(index_texts({"main.tf": PROVIDER_WITH_KEYS}))
    text = repr([f.to_json() for f in result.findings])
    assert [f.rule_id for f in result.findings].count("DP-TF-001") == 2
    assert KEY_ID not in text and "wJalrXUtnFEMI" not in text


def test_backend_and_pin_rules_read_the_root_module_below_the_repository_root(
    tmp_path: Path,
) -> None:
    """--source infra/ inside a repository: files are "infra/main.tf", still the root module."""
    from driftpatch.rules.engine import evaluate_source
    from driftpatch.terraform.source import index_source

    (tmp_path / "infra" / "modules" / "net").mkdir(parents=True)
    (tmp_path / "infra" / "main.tf").write_text(
        'terraform {\n  backend "local" {}\n}\nmodule "net" {\n  source = "./modules/net"\n}\n'
    )
    (tmp_path / "infra" / "modules" / "net" / "main.tf").write_text(
        'terraform {\n  backend "local" {}\n}\nresource "aws_vpc" "v" {}\n'
    )
    result = evaluate_source(index_source(tmp_path / "infra", root=tmp_path))
    assert sorted((f.rule_id, str(f.location), f.attribute) for f in result.findings) == [
        ("DP-TF-002", "infra/main.tf:2", "backend"),
        ("DP-TF-003", "infra/main.tf:1", "required_providers.aws"),
    ]


def test_imds_http_tokens_is_a_setting_not_a_secret() -> None:
    from driftpatch.rules.catalog.tf_hardcoded_secret import secret_name

    assert not secret_name("http_tokens")
    assert secret_name("api_token")
