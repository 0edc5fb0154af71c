"""--var-file in the source index: Terraform's load order, later wins, and where a value is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftpatch.errors import InputError
from driftpatch.fix.remedies import resolve_target
from driftpatch.fix.verify import WorkingCopy
from driftpatch.terraform.source import index_source

MAIN = 'variable "env" {}\n\nresource "aws_vpc" "main" {\n  tags = { Env = var.env }\n}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    infra = tmp_path / "infra"
    (infra / "envs").mkdir(parents=True)
    (infra / "main.tf").write_text(MAIN)
    (infra / "terraform.tfvars").write_text('env = "prod"\n')
    (infra / "b.auto.tfvars").write_text('env = "auto-b"\n')
    (infra / "a.auto.tfvars").write_text('env = "auto-a"\n')
    (infra / "envs" / "one.tfvars").write_text('env = "one"\n')
    (infra / "envs" / "two.tfvars").write_text('region = "eu-west-1"\n')
    return tmp_path


def _order(repo: Path, *var_files: str) -> list[str]:
    index = index_source(repo / "infra", var_files=[repo / v for v in var_files])
    return [node.file for node in index.tfvars]


def test_terraform_load_order(repo: Path) -> None:
    assert _order(repo) == [
        "infra/terraform.tfvars",
        "infra/a.auto.tfvars",
        "infra/b.auto.tfvars",
    ]
    assert _order(repo, "infra/envs/two.tfvars", "infra/envs/one.tfvars") == [
        "infra/terraform.tfvars",
        "infra/a.auto.tfvars",
        "infra/b.auto.tfvars",
        "infra/envs/two.tfvars",
        "infra/envs/one.tfvars",
    ]


def test_a_file_loaded_twice_counts_where_it_was_loaded_last(repo: Path) -> None:
    index = index_source(
        repo / "infra",
        var_files=[
            repo / "infra/terraform.tfvars",
            repo / "infra/envs/one.tfvars",
            repo / "infra/envs/one.tfvars",
        ],
    )
    assert [n.file for n in index.tfvars] == [
        "infra/a.auto.tfvars",
        "infra/b.auto.tfvars",
        "infra/terraform.tfvars",
        "infra/envs/one.tfvars",
    ]
    assert index.var_files == ("infra/terraform.tfvars", "infra/envs/one.tfvars")


@pytest.mark.parametrize(
    ("var_files", "file"),
    [
        ((), "infra/b.auto.tfvars"),  # the last automatic file that sets it
        (("infra/envs/one.tfvars",), "infra/envs/one.tfvars"),
        (
            ("infra/envs/one.tfvars", "infra/envs/two.tfvars"),
            "infra/envs/one.tfvars",
        ),  # two: no env
        (("infra/envs/one.tfvars", "infra/terraform.tfvars"), "infra/terraform.tfvars"),
    ],
)
def test_the_value_is_written_where_terraform_takes_it_from(
    repo: Path, var_files: tuple[str, ...], file: str
) -> None:
    index = index_source(repo / "infra", var_files=[repo / v for v in var_files])
    target = resolve_target(index, "aws_vpc.main", "tags.Env")
    assert (target.node.file, target.path) == (file, "env")


def test_a_working_copy_reindexes_with_the_var_files(repo: Path) -> None:
    index = index_source(repo / "infra", var_files=[repo / "infra/envs/one.tfvars"])
    copy = WorkingCopy(index)
    try:
        assert copy.index.var_files == ("infra/envs/one.tfvars",)
        assert [n.file for n in copy.index.tfvars] == [n.file for n in index.tfvars]
        copy.write({"infra/envs/one.tfvars": 'env = "qa"\n'})
        target = resolve_target(copy.index, "aws_vpc.main", "tags.Env")
        assert target.node.attributes["env"].literal == "qa"
    finally:
        copy.close()


def test_a_var_file_with_a_syntax_error_is_a_problem_of_that_file(repo: Path) -> None:
    (repo / "infra/envs/bad.tfvars").write_text('env = "unterminated\n')
    index = index_source(repo / "infra", var_files=[repo / "infra/envs/bad.tfvars"])
    assert [p.file for p in index.problems] == ["infra/envs/bad.tfvars"]
    assert index.var_files == ("infra/envs/bad.tfvars",)
    assert "infra/envs/bad.tfvars" in index.texts  # a working copy still has the file


def test_a_var_file_over_the_hcl_cap_is_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTPATCH_MAX_HCL_BYTES", "1K")
    big = repo / "infra/envs/big.tfvars"
    big.write_text('env = "x"\n' + "# pad\n" * 400)
    with pytest.raises(InputError) as exc:
        index_source(repo / "infra", var_files=[big])
    assert str(exc.value) == (
        f"{big}: is 2.4 KiB, over the limit of 1 KiB for a .tfvars file "
        "(set DRIFTPATCH_MAX_HCL_BYTES to raise it)"
    )
