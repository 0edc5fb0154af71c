"""A value edited on a line with a trailing comment keeps the comments aligned as `terraform fmt`
does (the insecure stack's default patch turned `restrict_public_buckets = false # planted: ...`
into `= true # ...`, one space short of the column, and failed `terraform fmt -check`)."""

from __future__ import annotations

from pathlib import Path

from driftpatch.fix.hcl_edit import apply_edits, realign, set_value
from driftpatch.terraform.source import index_source

PAB = """\
resource "aws_s3_bucket_public_access_block" "public" {
  bucket = "b"

  block_public_acls       = false # planted: public ACLs not blocked
  restrict_public_buckets = false # planted: public buckets not restricted
  ignore_public_acls      = false
  description             = "a # not a comment" # but this is
}
"""


def test_a_shorter_value_keeps_the_trailing_comment_in_its_column(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(PAB)
    index = index_source(tmp_path)
    node = index.block_for("aws_s3_bucket_public_access_block.public")
    assert node is not None
    edits = set_value(PAB, node, "restrict_public_buckets", True)
    assert apply_edits(PAB, edits) == PAB.replace(
        "restrict_public_buckets = false # planted",
        "restrict_public_buckets = true  # planted",
    )


def test_comment_chains_end_at_a_line_without_one_and_strings_are_not_comments() -> None:
    text = 'x {\n  a = 1 # one\n  bb = 22 # two\n  c = 3\n  d = "#" # four\n}'
    assert realign(text) == (
        'x {\n  a  = 1  # one\n  bb = 22 # two\n  c  = 3\n  d  = "#" # four\n}'
    )
