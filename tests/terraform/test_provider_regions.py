"""Regions from the code: every aws provider block's region (aliased ones too), literal or a
root variable's default / tfvars value; anything else is not guessed."""

from __future__ import annotations

import json
from pathlib import Path

from driftpatch.embedded import EmbeddedAws
from driftpatch.regions import provider_regions
from driftpatch.terraform.source import index_source
from tests.clirun import run_cli

ROOT = """\
provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "west"
  region = var.west_region
}

provider "aws" {
  alias  = "computed"
  region = local.somewhere
}

variable "west_region" {
  default = "us-west-1"
}

module "edge" {
  source = "./edge"
}
"""
EDGE = """\
provider "aws" {
  alias  = "edge"
  region = "ap-southeast-2"
}

provider "aws" {
  alias  = "input"
  region = var.region
}

variable "region" {
  default = "sa-east-1"
}
"""


def _tree(tmp_path: Path, tfvars: str | None = None) -> Path:
    src = tmp_path / "src"
    (src / "edge").mkdir(parents=True)
    (src / "main.tf").write_text(ROOT)
    (src / "edge" / "main.tf").write_text(EDGE)
    if tfvars is not None:
        (src / "terraform.tfvars").write_text(tfvars)
    return src


def test_literal_and_variable_regions(tmp_path: Path) -> None:
    index = index_source(_tree(tmp_path))
    # The module's var.region default counts (it is the module's own literal default); the
    # local is not evaluated.
    assert provider_regions(index) == ("ap-southeast-2", "eu-west-1", "sa-east-1", "us-west-1")


def test_the_callers_argument_wins_over_the_modules_default(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    main = src / "main.tf"
    main.write_text(
        main.read_text().replace(
            'source = "./edge"', 'source = "./edge"\n  region = "ca-central-1"'
        )
    )
    assert "ca-central-1" in provider_regions(index_source(src))
    assert "sa-east-1" not in provider_regions(index_source(src))
    main.write_text(main.read_text().replace('"ca-central-1"', "local.r"))
    assert "sa-east-1" not in provider_regions(index_source(src))  # set, but not literally


def test_tfvars_wins_over_the_default(tmp_path: Path) -> None:
    index = index_source(_tree(tmp_path, 'west_region = "us-west-2"\n'))
    assert "us-west-2" in provider_regions(index)
    assert "us-west-1" not in provider_regions(index)


def test_scan_reads_the_regions_the_code_names(tmp_path: Path, aws: EmbeddedAws) -> None:
    """A state whose only resource has no region in its ARN (S3): the scan reads the regions
    of the code's provider blocks, not only the environment's default."""
    src = _tree(tmp_path)
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "x",
        "outputs": {},
        "resources": [],
    }
    (tmp_path / "s.tfstate").write_text(json.dumps(state))
    out = tmp_path / "r.json"
    proc = run_cli(
        "scan",
        "--state",
        str(tmp_path / "s.tfstate"),
        "--source",
        str(src),
        "--no-checkov",
        "--no-terraform-refresh",
        "-o",
        f"json:{out}",
        cwd=tmp_path,
        env=aws.env(),
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(out.read_text())
    assert report["inputs"]["regions"] == [
        "ap-southeast-2",
        "eu-west-1",
        "sa-east-1",
        "us-west-1",
    ]
