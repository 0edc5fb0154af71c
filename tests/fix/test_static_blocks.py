"""Static verification accepts a security group's rules written as blocks (attributes-as-blocks).

`ingress` and `egress` of aws_security_group are arguments of type set(object) in the provider
schema, which Terraform also accepts written as `ingress { ... }` blocks (the provider's
documentation and `terraform plan -generate-config-out` write them so). The import of a group
made by hand (tests/e2e/test_third_party.py, `sg-unmanaged`) was left out of the default patch
as "unknown block 'egress'"."""

from __future__ import annotations

from pathlib import Path

from driftpatch.fix.static import check_files
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import index_source

GROUP = """\
resource "aws_security_group" "debug_access" {
  name        = "debug-access"
  description = "made by hand"

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_rules_written_as_blocks_are_known(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    index = index_source(tmp_path)
    assert check_files(index, {"main.tf": GROUP}, aws_schema()) == (True, [])


def test_a_block_named_after_a_plain_argument_is_still_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    index = index_source(tmp_path)
    text = GROUP.replace("egress {", "name_prefix {")
    assert check_files(index, {"main.tf": text}, aws_schema()) == (
        True,
        ["aws_security_group.debug_access: unknown block 'name_prefix'"],
    )
