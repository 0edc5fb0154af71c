"""Codifying a set of nested blocks whose live arguments are the provider's unset values.

The insecure stack's uploads bucket moved from SSE-S3 to SSE-KMS by hand: the live rule reads
`bucket_key_enabled = false` and `kms_master_key_id = ""`, which the provider reads for the
code's unset arguments (bucket_key_enabled is optional and not computed in hashicorp/aws
5.100.0; the provider stores false when S3 returns no BucketKeyEnabled). The codify writes only
the algorithm and is verified: the code's unset arguments are those values.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from driftpatch.fix.verify import _equal_at

from .test_trace import drift, one_patch, tree

SSE = """\
resource "aws_s3_bucket_server_side_encryption_configuration" "uploads" {
  bucket = "uploads"

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}
"""
ADDRESS = "aws_s3_bucket_server_side_encryption_configuration.uploads"


def rule(algorithm: str, unset: object = False, key: object = "") -> list[dict[str, object]]:
    return [
        {
            "apply_server_side_encryption_by_default": [
                {"kms_master_key_id": key, "sse_algorithm": algorithm}
            ],
            "bucket_key_enabled": unset,
        }
    ]


@pytest.mark.parametrize(
    "state_unset",
    [False, None],  # what the provider stored: false, or null when S3 returned no flag
)
def test_an_encryption_rule_is_codified_without_the_providers_unset_values(
    tmp_path: Path, state_unset: object
) -> None:
    src = tree(tmp_path, {"main.tf": SSE})
    was = rule("AES256", state_unset, None if state_unset is None else "")
    file, note, text = one_patch(src, drift(ADDRESS, "rule", was, rule("aws:kms")))
    assert file == "main.tf"
    assert text == SSE.replace('"AES256"', '"aws:kms"')
    assert note == "sets rule (literal in main.tf)"


def test_unset_nested_arguments_compare_as_the_schema_normalises_them() -> None:
    code = [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]
    assert _equal_at(ADDRESS, "rule", code, rule("aws:kms"))
    assert not _equal_at(ADDRESS, "rule", code, rule("AES256"))
    on = [{**rule("aws:kms")[0], "bucket_key_enabled": True}]
    assert not _equal_at(ADDRESS, "rule", code, on)
