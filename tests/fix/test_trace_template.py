"""A drifted value written as a string template (`"${local.name} data at rest"`).

The demo's KMS key description is such a template: the part Terraform interpolates did not
change, only the literal text around it, so the codify rewrites the literal text and keeps
the interpolation. Where the interpolated part changed, or the template serves instances that
did not drift, the refusal says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from driftpatch.fix import trace
from driftpatch.fix.operations import NoPatch

from .test_trace import drift, one_patch, refusal, tree

KEY = """\
locals {
  name = "acme-shop-staging"
}

resource "aws_kms_key" "data" {
  description             = "${local.name} data at rest"
  deletion_window_in_days = 7

  tags = {
    Name = "${local.name}-data"
  }
}
"""


def test_the_literal_text_of_a_template_is_codified_and_its_interpolation_kept(
    tmp_path: Path,
) -> None:
    src = tree(tmp_path, {"main.tf": KEY})
    f = drift(
        "aws_kms_key.data",
        "description",
        "acme-shop-staging data at rest",
        "acme-shop-staging data at rest (shared)",
    )
    file, note, text = one_patch(src, f)
    assert file == "main.tf"
    assert '  description             = "${local.name} data at rest (shared)"\n' in text
    assert text.replace(" (shared)", "", 1) == KEY
    assert note == "sets description (literal, the literal text of its template, in main.tf)"


def test_a_template_in_a_map_key_is_codified_in_place(tmp_path: Path) -> None:
    src = tree(tmp_path, {"main.tf": KEY})
    f = drift("aws_kms_key.data", "tags.Name", "acme-shop-staging-data", "data-acme-shop-staging")
    _, _, text = one_patch(src, f)
    assert '    Name = "data-${local.name}"\n' in text


def test_a_changed_interpolated_part_is_refused_with_what_it_gives(tmp_path: Path) -> None:
    src = tree(tmp_path, {"main.tf": KEY})
    f = drift(
        "aws_kms_key.data",
        "description",
        "acme-shop-staging data at rest",
        "acme-shop-prod data at rest",
    )
    assert refusal(src, f) == (
        "the template `\"${local.name} data at rest\"` gives 'acme-shop-staging data at rest'; "
        "the live value 'acme-shop-prod data at rest' no longer holds what `${local.name}` "
        "('acme-shop-staging') gives, so the value Terraform interpolates changed, not the "
        "template's literal text: no patch is offered"
    )


def test_a_template_shared_by_count_instances_is_refused(tmp_path: Path) -> None:
    src = tree(
        tmp_path,
        {
            "main.tf": """\
            resource "aws_kms_key" "data" {
              count       = 2
              description = "key ${count.index} data"
            }
            """
        },
    )
    f = drift("aws_kms_key.data[1]", "description", "key 1 data", "key 1 data (old)")
    assert refusal(src, f).startswith("the value is written at main.tf:3")
    assert "every instance shares its text" in refusal(src, f)


@pytest.mark.parametrize(
    ("expr", "expected", "actual", "new"),
    [
        ('"${a}-${b}"', "x-y", "x_y", '"${a}_${b}"'),
        ('"pre ${a} post"', "pre x post", "x post", '"${a} post"'),
        ('"say \\"${a}\\""', 'say "x"', 'say "x"!', '"say \\"${a}\\"!"'),
        ('"${a} x"', "v x", "v ${x}", '"${a} $${x}"'),
        ('"${a} is ${a}"', "v is v", "v was v", '"${a} was ${a}"'),
    ],
)
def test_retemplate(expr: str, expected: str, actual: str, new: str) -> None:
    assert trace.retemplate(expr, expected, actual) == new


@pytest.mark.parametrize(
    "expr",
    ['"plain"', '"${var.x}"', '"%{if var.x}a%{endif} b"', '"${~var.x} b"', "var.x", '"a" == "b"'],
)
def test_what_is_not_a_template_with_literal_text(expr: str) -> None:
    assert trace.template_pieces(expr) is None


def test_an_ambiguous_split_is_refused() -> None:
    with pytest.raises(NoPatch, match="does not split unambiguously"):
        trace.retemplate('"${a}-${b}"', "x-y-z", "x-y-z!")
