"""Patches fit the repository (issue 9, item 7): the file's own indentation, blank lines as
terraform fmt leaves them, paths from the repository root, and no empty strings for unset
live values."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from driftpatch.config import Prefer
from driftpatch.fix import hcl_edit
from driftpatch.fix.hcl_edit import apply_edits
from driftpatch.fix.remedies import plan_remedies
from driftpatch.fix.verify import Applied, apply_plan
from driftpatch.model import Category, Finding, Kind, Severity
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import index_source, parse_text, patch_root

TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="no terraform binary on PATH")

FOUR = """\
resource "aws_instance" "web" {
    ami           = "ami-123"
    instance_type = "t3.micro"

    tags = {
        Name = "web"
    }
}

resource "aws_s3_bucket" "logs" {
    bucket = "logs"
}
"""
TABS = (
    'resource "aws_instance" "web" {\n'
    '\tami           = "ami-123"\n'
    '\tinstance_type = "t3.micro"\n'
    "\n"
    "\ttags = {\n"
    '\t\tName = "web"\n'
    "\t}\n"
    "}\n"
    "\n"
    'resource "aws_s3_bucket" "logs" {\n'
    '\tbucket = "logs"\n'
    "}\n"
)


def drift(address: str, attribute: str, expected: object, actual: object) -> Finding:
    return Finding(
        kind=Kind.DRIFT,
        rule_id="DRIFT",
        title=f"{attribute} changed",
        severity=Severity.MEDIUM,
        category=Category.DRIFT,
        resource_type=address.split(".")[-2].split("[")[0],
        address=address,
        resource_id="x",
        attribute=attribute,
        expected=expected,
        actual=actual,
    )


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )


def patches_for(src: Path, findings: list[Finding]) -> Applied:
    index = index_source(src)
    return apply_plan(plan_remedies(findings, index, {}, Prefer.CODIFY), index)


def edit(text: str, path: str, value: object, address: str = "aws_instance.web") -> str:
    node = next(
        b for b in parse_text(text, "main.tf").blocks if b.labels == tuple(address.split("."))
    )
    schema = aws_schema().resource(address.split(".")[0])
    assert schema is not None
    return apply_edits(text, hcl_edit.set_value(text, node, path, value, schema.block))


# -- indentation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit"),
    [(FOUR, "    "), (TABS, "\t"), (FOUR.replace("    ", "  "), "  "), ("x = 1\n", "  ")],
)
def test_indent_unit_is_the_files(text: str, unit: str) -> None:
    assert hcl_edit.indent_unit(text) == unit


def test_new_nested_block_in_a_four_space_file() -> None:
    out = edit(FOUR, "metadata_options[0].http_tokens", "required")
    assert out == FOUR.replace(
        '        Name = "web"\n    }\n}',
        '        Name = "web"\n    }\n\n    metadata_options {\n        http_tokens = "required"\n'
        "    }\n}",
    )


def test_new_object_key_and_object_in_a_tab_file() -> None:
    out = edit(TABS, "tags", {"Name": "web", "Env": {"a": "b"}})
    assert out == TABS.replace(
        '\ttags = {\n\t\tName = "web"\n\t}',
        '\ttags = {\n\t\tName = "web"\n\t\tEnv = {\n\t\t\ta = "b"\n\t\t}\n\t}',
    )


def test_heredoc_keeps_its_text_in_a_tab_file() -> None:
    out = edit(TABS, "user_data", "#!/bin/sh\n  echo hi\n")
    assert '\tuser_data = <<-EOT\n\t  #!/bin/sh\n\t    echo hi\n\tEOT\n}\n\nresource "aws_s3' in out


def test_one_line_block_is_split_validly() -> None:
    text = 'resource "aws_s3_bucket" "logs" { bucket = "logs" }\n'
    out = edit(text, "force_destroy", True, "aws_s3_bucket.logs")
    assert out == (
        'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n\n  force_destroy = true\n}\n'
    )


# -- blank lines -------------------------------------------------------------------------------


def test_append_leaves_no_trailing_blank_lines() -> None:
    for tail in ("", "\n", "\n\n", "\n\n\n  \n"):
        text = 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}' + tail
        out = apply_edits(text, [hcl_edit.append(text, 'import {\n  to = x.y\n  id = "i"\n}\n')])
        assert out == (
            'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n\n'
            'import {\n  to = x.y\n  id = "i"\n}\n'
        ), repr(tail)


def test_appended_block_takes_the_files_indentation() -> None:
    out = apply_edits(FOUR, [hcl_edit.append(FOUR, 'import {\n  to = x.y\n  id = "i"\n}\n')])
    assert out == FOUR + '\nimport {\n    to = x.y\n    id = "i"\n}\n'


def test_insert_after_keeps_one_blank_line_on_both_sides() -> None:
    text = 'resource "a" "b" {\n}\nresource "c" "d" {\n}\n'
    node = next(b for b in parse_text(text, "main.tf").blocks if b.labels == ("a", "b"))
    out = apply_edits(text, [hcl_edit.insert_after(text, node, "removed {\n  from = a.b\n}\n")])
    assert out == 'resource "a" "b" {\n}\n\nremoved {\n  from = a.b\n}\n\nresource "c" "d" {\n}\n'


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (("a", "1"), 'resource "a" "2" {\n}\n\nresource "a" "3" {\n}\n'),
        (("a", "2"), 'resource "a" "1" {\n}\n\nresource "a" "3" {\n}\n'),
        (("a", "3"), 'resource "a" "1" {\n}\n\nresource "a" "2" {\n}\n'),
    ],
)
def test_removed_block_leaves_one_blank_line_between_blocks(
    labels: tuple[str, str], expected: str
) -> None:
    text = 'resource "a" "1" {\n}\n\nresource "a" "2" {\n}\n\nresource "a" "3" {\n}\n'
    node = next(b for b in parse_text(text, "main.tf").blocks if b.labels == labels)
    assert apply_edits(text, [hcl_edit.remove_block(text, node)]) == expected


def test_removed_nested_block_leaves_no_blank_line_before_the_brace() -> None:
    text = 'resource "aws_instance" "web" {\n  ami = "x"\n\n  metadata_options {\n  }\n}\n'
    node = next(b for b in parse_text(text, "main.tf").blocks if b.type == "resource")
    out = apply_edits(text, hcl_edit.remove_value(text, node, "metadata_options"))
    assert out == 'resource "aws_instance" "web" {\n  ami = "x"\n}\n'


# -- unset live values -------------------------------------------------------------------------

METADATA = """\
resource "aws_instance" "web" {
    ami           = "ami-123"
    instance_type = "t3.micro"
}
"""


def test_metadata_options_codifies_only_what_drifted(tmp_path: Path) -> None:
    """The issue's case: AWS reports http_endpoint and instance_metadata_tags unset ("") next
    to the real change; only http_tokens is written, the others are refused with the reason."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(METADATA)
    findings = [
        drift("aws_instance.web", "metadata_options[0].http_endpoint", "enabled", ""),
        drift("aws_instance.web", "metadata_options[0].http_tokens", "optional", "required"),
        drift("aws_instance.web", "metadata_options[0].instance_metadata_tags", "disabled", ""),
    ]
    applied = patches_for(tmp_path, findings)
    (patch,) = applied.patches
    assert patch.finding_ids == (findings[1].id,)
    assert patch.diff == (
        "diff --git a/main.tf b/main.tf\n"
        "--- a/main.tf\n"
        "+++ b/main.tf\n"
        "@@ -1,4 +1,8 @@\n"
        ' resource "aws_instance" "web" {\n'
        '     ami           = "ami-123"\n'
        '     instance_type = "t3.micro"\n'
        "+\n"
        "+    metadata_options {\n"
        '+        http_tokens = "required"\n'
        "+    }\n"
        " }\n"
    )
    for f, path in ((findings[0], "http_endpoint"), (findings[2], "instance_metadata_tags")):
        assert applied.skipped[f.id] == (
            f"metadata_options[0].{path} would be set to an empty string: AWS reports no value "
            "there, and the provider does not accept an empty string for this argument"
        )


def test_empty_tag_values_are_still_written() -> None:
    out = edit(FOUR, "tags.Env", "")
    assert '        Env  = ""\n' in out


# -- paths ---------------------------------------------------------------------------------------

APP = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'


def _stack(base: Path) -> Path:
    src = base / "live" / "prod"
    (src.parent.parent / "modules" / "app").mkdir(parents=True)
    src.mkdir(parents=True)
    (src / "main.tf").write_text(METADATA + '\nmodule "app" {\n  source = "../../modules/app"\n}\n')
    (base / "modules" / "app" / "main.tf").write_text(APP)
    return src


def _findings() -> list[Finding]:
    return [
        drift("aws_instance.web", "instance_type", "t3.micro", "t3.large"),
        drift("module.app.aws_sqs_queue.q", "name", "q", "q2"),
    ]


def test_paths_are_from_the_repository_root_of_a_subdirectory_source(tmp_path: Path) -> None:
    assert git(tmp_path, "init", "-q").returncode == 0
    src = _stack(tmp_path)
    applied = patches_for(src, _findings())
    assert [p.file for p in applied.patches] == ["live/prod/main.tf", "modules/app/main.tf"]
    assert applied.combined.startswith("diff --git a/live/prod/main.tf b/live/prod/main.tf\n")
    (tmp_path / "fix.patch").write_text(applied.combined)
    check = git(tmp_path, "apply", "--check", "fix.patch")
    assert check.returncode == 0, check.stderr
    assert patch_root(src) == tmp_path.resolve()


def test_paths_outside_git_are_from_the_source_or_the_dir_holding_its_modules(
    tmp_path: Path,
) -> None:
    # Not a repository, no module outside --source: relative to --source.
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "main.tf").write_text(METADATA)
    applied = patches_for(alone, _findings()[:1])
    assert [p.file for p in applied.patches] == ["main.tf"]
    assert patch_root(alone) == alone.resolve()
    # A module in ../../modules: relative to the closest directory holding both (never `../`).
    src = _stack(tmp_path / "stack")
    applied = patches_for(src, _findings())
    assert [p.file for p in applied.patches] == ["live/prod/main.tf", "modules/app/main.tf"]
    root = patch_root(src)
    assert root == (tmp_path / "stack").resolve()
    (root / "fix.patch").write_text(applied.combined)
    check = git(root, "apply", "--check", "fix.patch")
    assert check.returncode == 0, check.stderr


# -- terraform fmt -------------------------------------------------------------------------------


def _fmt(tmp: Path, text: str) -> str:
    assert TERRAFORM is not None
    path = tmp / "f.tf"
    path.write_text(text)
    subprocess.run([TERRAFORM, "fmt", str(path)], check=True, capture_output=True, timeout=60)
    return path.read_text()


EDITS = [
    ("metadata_options[0].http_tokens", "required"),
    ("tags.Env", "prod"),
    ("tags", {"Name": "web", "Env": {"a": "b"}}),
    ("root_block_device", [{"volume_size": 20, "encrypted": True}]),
    ("monitoring", True),
]


@needs_terraform
@pytest.mark.parametrize(("path", "value"), EDITS)
def test_terraform_fmt_changes_nothing_it_did_not_change_before(
    tmp_path: Path, path: str, value: object
) -> None:
    """fmt-clean stays fmt-clean (`terraform fmt -check`); in a 4-space or tab file, fmt of the
    patched file is the fmt-clean file patched the same way: the patch adds nothing for fmt."""
    two = _fmt(tmp_path, FOUR)
    patched_two = edit(two, path, value)
    target = tmp_path / "clean.tf"
    target.write_text(patched_two)
    check = subprocess.run(
        [TERRAFORM or "terraform", "fmt", "-check", str(target)], capture_output=True, timeout=60
    )
    assert check.returncode == 0, patched_two
    for text in (FOUR, TABS):
        assert _fmt(tmp_path, edit(text, path, value)) == patched_two


# -- the command line --------------------------------------------------------------------------

KEY = """\
resource "aws_kms_key" "data" {
    description         = "data"
    enable_key_rotation = false
}
"""


@pytest.mark.parametrize("in_git", [True, False])
def test_check_then_patch_from_a_subdirectory_source(tmp_path: Path, in_git: bool) -> None:
    """`check --source live/prod -o patch:...`: the patch applies with `git apply` from the
    repository root (or, outside git, the directory holding --source and its modules), and
    `patch REPORT --source live/prod --apply` writes the same files."""
    from tests.cli.test_contract import run

    base = tmp_path / "repo"
    base.mkdir()
    if in_git:
        assert git(base, "init", "-q").returncode == 0
    src = base / "live" / "prod"
    (base / "modules" / "keys").mkdir(parents=True)
    src.mkdir(parents=True)
    (src / "main.tf").write_text('module "keys" {\n  source = "../../modules/keys"\n}\n\n' + KEY)
    (base / "modules" / "keys" / "main.tf").write_text(KEY)
    report, patch = tmp_path / "r.json", tmp_path / "fix.patch"
    proc = run(
        "check", "--source", str(src), "--no-checkov", "--verify", "static",
        "--fail-on", "none", "-o", f"json:{report}", "-o", f"patch:{patch}",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    import json

    doc = json.loads(report.read_text())
    files = sorted({p["file"] for p in doc["patches"]})
    assert files == ["live/prod/main.tf", "modules/keys/main.tf"]
    locations = sorted({f["location"]["file"] for f in doc["findings"] if f.get("location")})
    assert locations == ["live/prod/main.tf", "modules/keys/main.tf"]
    check = git(base, "apply", "--check", str(patch))
    assert check.returncode == 0, check.stderr
    applied = run("patch", str(report), "--source", str(src), "--apply")
    assert applied.returncode == 0, applied.stderr
    for path in (src / "main.tf", base / "modules" / "keys" / "main.tf"):
        assert "    enable_key_rotation = true\n" in path.read_text()


def test_new_imported_file_is_indented_like_the_module(tmp_path: Path) -> None:
    from driftpatch.drift.detect import unmanaged_finding
    from driftpatch.model import LiveResource

    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(TABS)
    live = LiveResource(
        "aws_s3_bucket", "scratch", "us-east-1", {"id": "scratch", "bucket": "scratch"}
    )
    finding = unmanaged_finding(live)
    index = index_source(tmp_path)
    plan = plan_remedies([finding], index, {}, unmanaged={finding.id: live})
    applied = apply_plan(plan, index)
    text = applied.final["imported.tf"]
    assert 'import {\n\tto = aws_s3_bucket.scratch\n\tid = "scratch"\n}\n' in text
    assert 'resource "aws_s3_bucket" "scratch" {\n\tbucket = "scratch"\n' in text
    assert not text.endswith("\n\n") and all(ln == ln.rstrip() for ln in text.split("\n"))


@pytest.mark.parametrize("text", [FOUR, TABS, FOUR.replace("    ", "  ")])
@pytest.mark.parametrize(("path", "value"), EDITS)
def test_edits_add_no_trailing_whitespace_or_blank_lines(
    text: str, path: str, value: object
) -> None:
    out = edit(text, path, value)
    assert all(line == line.rstrip() for line in out.split("\n"))
    assert out.endswith("}\n") and "\n\n\n" not in out


def test_no_empty_string_through_a_variable_default(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(
        'variable "type" {\n  default = "t3.micro"\n}\n\n'
        'resource "aws_instance" "web" {\n  ami           = "ami-123"\n'
        "  instance_type = var.type\n}\n"
    )
    f = drift("aws_instance.web", "instance_type", "t3.micro", "")
    applied = patches_for(tmp_path, [f])
    assert applied.patches == ()
    assert applied.skipped[f.id] == (
        "instance_type would be set to an empty string: AWS reports no value there, and the "
        "provider does not accept an empty string for this argument"
    )
