"""Verification without Terraform: the provider-schema check, what a plan's changes mean for each
kind of patch, and which patches `-o patch` writes. (The real-Terraform proof is
tests/e2e/test_verify_terraform.py.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from driftpatch import api
from driftpatch.aws.readers.interface import LiveResource
from driftpatch.config import Config, Include, VerifyMode
from driftpatch.drift.detect import unmanaged_finding
from driftpatch.fix.judge import Outcome, effect_of, parse_changes
from driftpatch.fix.remedies import Operation, plan_remedies
from driftpatch.fix.static import check_files
from driftpatch.fix.verification import (
    Settings,
    VerifyError,
    _keys,
    _promise,
    _union_broken,
    _without,
    left_out,
    select,
    verify_patches,
)
from driftpatch.fix.verify import OpRecord, apply_plan
from driftpatch.model import (
    Category,
    Check,
    Effect,
    Finding,
    Kind,
    Patch,
    PatchAction,
    Severity,
)
from driftpatch.rules import rule_by_id
from driftpatch.rules.interface import World
from driftpatch.rules.subjects import from_code
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import index_source

INSTANCE = """\
resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.micro"
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 10
  bogus             = true
}
"""


def _index(tmp_path: Path, text: str = INSTANCE) -> Any:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "main.tf").write_text(text)
    return index_source(tmp_path, root=tmp_path)


def _edit(old: str, new: str) -> dict[str, str]:
    assert old in INSTANCE
    return {"main.tf": INSTANCE.replace(old, new)}


@pytest.mark.parametrize(
    ("old", "new", "problems"),
    [
        (
            '  instance_type = "t3.micro"\n',
            '  instance_type = "t3.micro"\n  ebs_block_device {\n    volume_size = 10\n  }\n',
            ["aws_instance.web.ebs_block_device: required argument 'device_name' is missing"],
        ),
        (
            '  instance_type = "t3.micro"\n',
            '  instance_type = "t3.micro"\n  metadata_options {\n'
            '    http_tokens   = "required"\n    http_endpoint = ""\n  }\n',
            ["aws_instance.web.metadata_options: 'http_endpoint' is set to an empty string"],
        ),
        (
            '  instance_type = "t3.micro"\n',
            '  instance_type = "t3.micro"\n  metadata_options {\n  }\n  metadata_options {\n  }\n',
            ["aws_instance.web: at most 1 'metadata_options' block(s) allowed, found 2"],
        ),
        (
            '  instance_type = "t3.micro"\n',
            '  instance_type = "t3.micro"\n  http_tokens   = "required"\n',
            ["aws_instance.web: unknown argument 'http_tokens'"],
        ),
        (
            '  instance_type = "t3.micro"\n',
            '  instance_type = "t3.micro"\n  arn           = "arn:x"\n',
            ["aws_instance.web: 'arn' is computed by the provider and cannot be set"],
        ),
        (
            '  ami           = "ami-123"\n',
            '  ami           = "ami-123"\n  cpu_core_count = 2\n',
            ["aws_instance.web: 'cpu_core_count' is deprecated"],
        ),
        # The volume's unknown `bogus` was there before the edit: not the patch's doing.
        ("  size              = 10\n", "  size              = 20\n", []),
    ],
)
def test_schema_check_blames_only_what_the_edit_introduced(
    tmp_path: Path, old: str, new: str, problems: list[str]
) -> None:
    checked, found = check_files(_index(tmp_path), _edit(old, new), aws_schema())
    assert (checked, found) == (True, problems)


def test_schema_check_skips_untouched_blocks_and_unknown_types(tmp_path: Path) -> None:
    index = _index(tmp_path, INSTANCE + 'resource "null_resource" "x" {\n}\n')
    edited = {"main.tf": index.texts["main.tf"].replace("null_resource", "null_resource")}
    assert check_files(index, edited, aws_schema()) == (False, [])
    added = {"main.tf": edited["main.tf"] + 'resource "random_id" "y" {\n  foo = 1\n}\n'}
    assert check_files(index, added, aws_schema()) == (False, [])


@pytest.mark.parametrize(
    ("actions", "importing", "effect"),
    [
        (["no-op"], False, Effect.NONE),
        (["read"], False, Effect.NONE),
        (["update"], False, Effect.UPDATE),
        (["create"], False, Effect.CREATE),
        (["delete"], False, Effect.DESTROY),
        (["delete", "create"], False, Effect.REPLACE),
        (["create", "delete"], False, Effect.REPLACE),
        (["forget"], False, Effect.FORGET),
        (["no-op"], True, Effect.IMPORT),
        (["update"], True, Effect.IMPORT),
    ],
)
def test_effect_of_actions(actions: list[str], importing: bool, effect: Effect) -> None:
    assert effect_of(actions, importing) is effect


def _change(
    address: str,
    actions: list[str],
    before: dict[str, Any],
    after: dict[str, Any],
    importing: bool = False,
    unknown: dict[str, Any] | None = None,
) -> dict[str, Any]:
    change: dict[str, Any] = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": unknown or {},
    }
    if importing:
        change["importing"] = {"id": "x"}
    return {"address": address, "mode": "managed", "change": change}


def _outcome(*rcs: dict[str, Any]) -> Outcome:
    return Outcome(True, True, "", parse_changes({"resource_changes": list(rcs)}))


def _finding(kind: Kind, address: str | None, attribute: str | None) -> Finding:
    return Finding(
        kind,
        "DRIFT",
        "t",
        Severity.LOW,
        Category.DRIFT,
        "aws_instance",
        address=address,
        attribute=attribute,
    )


def _record(
    action: PatchAction, expect: dict[str, Any] | None = None, files: dict[str, str] | None = None
) -> OpRecord:
    op = Operation(("f",), action, lambda index: ([], ""), expect or {})
    return OpRecord(op, (0,), files or {})


SG = "aws_security_group_rule.https"


def test_codify_promise_is_no_change_of_the_codified_attribute(tmp_path: Path) -> None:
    index = _index(tmp_path)
    base = _outcome(_change(SG, ["update"], {"description": "new"}, {"description": "old"}))
    kept = _outcome(_change(SG, ["no-op"], {"description": "new"}, {"description": "new"}))
    finding = _finding(Kind.DRIFT, SG, "description")
    record = _record(PatchAction.CODIFY)
    assert _promise(PatchAction.CODIFY, record, [finding], index, base, kept) == (
        {SG: Effect.NONE},
        "",
    )
    assert _promise(PatchAction.CODIFY, record, [finding], index, base, base) == (
        {SG: Effect.UPDATE},
        f"terraform plan still changes {SG} description",
    )


def test_codify_that_also_moves_another_drifting_instance_is_not_verified(
    tmp_path: Path,
) -> None:
    """A module's `var.tags` feeds a role and its instance profile, and both drifted (the
    role's tag changed, a tag added to the profile). Codifying the role's tag at the caller
    keeps the role, but what the profile's update sets changes too: its effect stays
    `update`, so only the whole planned change shows the patch reached it."""
    index = _index(tmp_path)
    role, profile = "module.r.aws_iam_role.this[0]", "module.r.aws_iam_instance_profile.this[0]"
    live_role, live_profile = {"Role": "SuperAdmin"}, {"Role": "Admin", "Host": "bastion"}
    base = _outcome(
        _change(role, ["update"], {"tags": live_role}, {"tags": {"Role": "Admin"}}),
        _change(profile, ["update"], {"tags": live_profile}, {"tags": {"Role": "Admin"}}),
    )
    shared = _outcome(
        _change(role, ["no-op"], {"tags": live_role}, {"tags": live_role}),
        _change(profile, ["update"], {"tags": live_profile}, {"tags": live_role}),
    )
    finding = _finding(Kind.DRIFT, role, "tags.Role")
    record = _record(PatchAction.CODIFY)
    assert _promise(PatchAction.CODIFY, record, [finding], index, base, shared) == (
        {role: Effect.NONE, profile: Effect.UPDATE},
        f"terraform plan also changes {profile} tags, which this codify does not name",
    )
    kept = _change(profile, ["update"], {"tags": live_profile}, {"tags": {"Role": "Admin"}})
    alone = _outcome(_change(role, ["no-op"], {"tags": live_role}, {"tags": live_role}), kept)
    assert _promise(PatchAction.CODIFY, record, [finding], index, base, alone) == (
        {role: Effect.NONE},
        "",
    )
    # A change made smaller elsewhere is no harm: the bucket policy's document (a data source
    # deferred while its bucket had a pending update) is known and unchanged once it has none.
    policy = "module.r.aws_s3_bucket_policy.this[0]"
    deferred = _change(policy, ["update"], {"policy": "{}"}, {}, unknown={"policy": True})
    settled = _change(policy, ["no-op"], {"policy": "{}"}, {"policy": "{}"})
    base_rcs = [
        _change(role, ["update"], {"tags": live_role}, {"tags": {"Role": "Admin"}}),
        kept,
    ]
    assert _promise(
        PatchAction.CODIFY,
        record,
        [finding],
        index,
        _outcome(*base_rcs, deferred),
        _outcome(_change(role, ["no-op"], {"tags": live_role}, {"tags": live_role}), kept, settled),
    ) == ({role: Effect.NONE, policy: Effect.NONE}, "")


def test_fix_promise_is_only_the_written_attributes(tmp_path: Path) -> None:
    index = _index(tmp_path)
    key = "aws_kms_key.k"
    base = _outcome(
        _change(
            key,
            ["no-op"],
            {"enable_key_rotation": False, "x": 1},
            {"enable_key_rotation": False, "x": 1},
        )
    )
    fixed = _outcome(
        _change(
            key,
            ["update"],
            {"enable_key_rotation": False, "x": 1},
            {"enable_key_rotation": True, "x": 1},
        )
    )
    wider = _outcome(
        _change(
            key,
            ["update"],
            {"enable_key_rotation": False, "x": 1},
            {"enable_key_rotation": True, "x": 2},
        )
    )
    files = {"main.tf": INSTANCE + "  enable_key_rotation = true\n"}
    record = _record(PatchAction.FIX, files=files)
    finding = _finding(Kind.MISCONFIG, key, "enable_key_rotation")
    assert _promise(PatchAction.FIX, record, [finding], index, base, fixed) == (
        {key: Effect.UPDATE},
        "",
    )
    assert _promise(PatchAction.FIX, record, [finding], index, base, wider)[1] == (
        f"terraform plan also changes {key} x"
    )


def test_fix_that_adds_a_resource_promises_its_creation_and_nothing_else(
    tmp_path: Path,
) -> None:
    """A rule fix that adds a block (DP-S3-003's public access block for a bucket) plans a
    create at the new address: that is its promise, not "a change it does not name" (such
    fixes never reached the default patch under --verify terraform). Per instance of a
    counted module bucket too; a create elsewhere, or anything but a create there, is not."""
    index = _index(tmp_path)
    bucket = "module.data.aws_s3_bucket.this[0]"
    block = "module.data.aws_s3_bucket_public_access_block.this[0]"
    expect = {"kind": "rule", "creates": ("module.data.aws_s3_bucket_public_access_block.this",)}
    record = _record(PatchAction.FIX, expect)
    finding = _finding(Kind.MISCONFIG, bucket, None)
    same = _change(bucket, ["no-op"], {"bucket": "b"}, {"bucket": "b"})
    base = _outcome(same)
    created = _outcome(same, _change(block, ["create"], {}, {"block_public_acls": True}))
    assert _promise(PatchAction.FIX, record, [finding], index, base, created) == (
        {bucket: Effect.NONE, block: Effect.CREATE},
        "",
    )
    other = "aws_s3_bucket_public_access_block.stray"
    stray = _outcome(same, _change(other, ["create"], {}, {"block_public_acls": True}))
    assert _promise(PatchAction.FIX, record, [finding], index, base, stray)[1] == (
        f"terraform plan also changes {other} (create), which this fix does not name"
    )
    bare = _record(PatchAction.FIX, {"kind": "rule"})
    assert _promise(PatchAction.FIX, bare, [finding], index, base, created)[1] == (
        f"terraform plan also changes {block} (create), which this fix does not name"
    )


def test_import_promise_is_one_import_and_nothing_else(tmp_path: Path) -> None:
    index = _index(tmp_path)
    bucket = "aws_s3_bucket.b"
    record = _record(PatchAction.IMPORT, {"kind": "import", "imports": [{"address": bucket}]})
    base = _outcome()
    tagged = _outcome(
        _change(bucket, ["update"], {"tags_all": {}}, {"tags_all": {"A": "1"}}, importing=True)
    )
    assert _promise(PatchAction.IMPORT, record, [], index, base, tagged) == (
        {bucket: Effect.IMPORT},
        "",
    )
    renamed = _outcome(
        _change(bucket, ["update"], {"bucket": "a"}, {"bucket": "b"}, importing=True)
    )
    assert _promise(PatchAction.IMPORT, record, [], index, base, renamed)[1] == (
        f"terraform plan of the import also changes {bucket} bucket"
    )
    more = _outcome(
        _change(bucket, ["no-op"], {}, {}, importing=True),
        _change("aws_vpc.v", ["delete"], {"id": "v"}, {}),
    )
    assert _promise(PatchAction.IMPORT, record, [], index, base, more) == (
        {bucket: Effect.IMPORT, "aws_vpc.v": Effect.DESTROY},
        "terraform plan also changes aws_vpc.v",
    )


def test_remove_promise_is_a_forget(tmp_path: Path) -> None:
    index = _index(tmp_path)
    gone = "aws_iam_policy.p"
    finding = _finding(Kind.MISSING, gone, None)
    record = _record(PatchAction.REMOVE)
    recreate = _outcome(_change(gone, ["create"], {}, {"name": "p"}))
    forgot = _outcome(_change(gone, ["forget"], {"name": "p"}, {}))
    # Refreshed away and no longer declared: gone from the plan, nothing re-created.
    assert _promise(PatchAction.REMOVE, record, [finding], index, recreate, _outcome()) == (
        {gone: Effect.FORGET},
        "",
    )
    assert _promise(PatchAction.REMOVE, record, [finding], index, _outcome(), forgot) == (
        {gone: Effect.FORGET},
        "",
    )
    assert _promise(PatchAction.REMOVE, record, [finding], index, recreate, recreate)[1] == (
        f"terraform plan does not forget {gone}"
    )


def _patch(action: PatchAction, verified: bool, default: bool, effect: Effect) -> Patch:
    return Patch(
        "main.tf",
        "diff",
        ("f",),
        action,
        verified,
        plan_effect={"a.b": effect},
        in_default_patch=default,
    )


def test_patch_include_and_kinds_select_what_patch_writes() -> None:
    patches = [
        _patch(PatchAction.CODIFY, True, True, Effect.NONE),
        _patch(PatchAction.FIX, True, False, Effect.REPLACE),
        _patch(PatchAction.FIX, False, False, Effect.UPDATE),
        _patch(PatchAction.FIX, False, False, Effect.DESTROY),
        _patch(PatchAction.IMPORT, True, True, Effect.IMPORT),
    ]
    records = [_record(p.action) for p in patches]
    records = [OpRecord(r.operation, (i,), {}) for i, r in enumerate(records)]
    unverified, replacing = Include.UNVERIFIED, Include.REPLACING
    assert select(records, patches, frozenset(), None) == [0, 4]
    assert select(records, patches, frozenset({replacing}), None) == [0, 1, 4]
    assert select(records, patches, frozenset({unverified}), None) == [0, 2, 4]
    assert select(records, patches, frozenset({unverified, replacing}), None) == [0, 1, 2, 3, 4]
    kinds = frozenset({PatchAction.FIX})
    assert select(records, patches, frozenset({replacing}), kinds) == [1]


STACK = """\
resource "aws_ebs_volume" "scratch" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = false
}
"""


def test_static_mode_verifies_by_rule_and_schema(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(STACK)
    config = Config(source=tmp_path, checkov=False, offline=True, verify=VerifyMode.STATIC)
    report = api.check(config)
    [patch] = report.patches
    assert patch.action is PatchAction.FIX
    assert (patch.verified, patch.verified_by, patch.plan_effect, patch.in_default_patch) == (
        True,
        (Check.RULE, Check.SCHEMA),
        {},
        True,
    )
    assert patch.reason == (
        "not verified by Terraform: static verification was asked for (--verify static)"
    )
    assert "+  encrypted         = true" in report.combined_patch
    assert report.stats["verification"]["mode"] == "static"
    codify_only = api.check(
        Config(
            source=tmp_path,
            checkov=False,
            offline=True,
            verify=VerifyMode.STATIC,
            patch_kinds=frozenset({PatchAction.CODIFY}),
        )
    )
    assert codify_only.combined_patch == ""
    assert codify_only.patches[0].in_default_patch


def test_verify_terraform_without_a_cli_is_bad_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text(STACK)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("DRIFTPATCH_TERRAFORM", raising=False)
    with pytest.raises(VerifyError, match=r"^--verify terraform: no Terraform CLI on PATH$"):
        api.check(Config(source=tmp_path, checkov=False, verify=VerifyMode.TERRAFORM))


def test_a_patch_the_schema_rejects_is_left_out(tmp_path: Path) -> None:
    from driftpatch.fix.remedies import Plan
    from driftpatch.fix.verification import Settings, verify_patches
    from driftpatch.fix.verify import Applied

    index = _index(tmp_path)
    broken = _edit(
        '  instance_type = "t3.micro"\n',
        '  instance_type = "t3.micro"\n  ebs_block_device {\n    volume_size = 10\n  }\n',
    )
    record = _record(PatchAction.FIX, files=broken)
    patch = Patch("main.tf", "diff", ("f",), PatchAction.FIX, True, verified_by=(Check.RULE,))
    applied = Applied((patch,), "diff", records=(record,))
    plan = Plan((record.operation,), {}, {})
    out = verify_patches(applied, plan, index, {}, Settings(mode=VerifyMode.STATIC))
    [checked] = out.patches
    assert (checked.verified, checked.verified_by, checked.in_default_patch) == (
        False,
        (Check.RULE,),
        False,
    )
    assert checked.reason == (
        "provider schema: aws_instance.web.ebs_block_device: required argument 'device_name' "
        "is missing"
    )
    assert out.combined == ""
    assert out.stats["mode"] == "static"


def test_a_finding_whose_patches_are_all_left_out_says_why_in_its_remediation() -> None:
    """No remediation may promise a patch `-o patch` does not write (issue 9): the sentence
    names the reason and the --patch-include that writes it."""
    kept = Patch("main.tf", "d", ("a",), PatchAction.CODIFY, True, in_default_patch=True)
    unverified = Patch(
        "main.tf", "d", ("b",), PatchAction.CODIFY, False, reason="terraform plan still changes x"
    )
    replacing = Patch(
        "main.tf",
        "d",
        ("c",),
        PatchAction.FIX,
        True,
        plan_effect={"aws_ebs_volume.data": Effect.REPLACE},
        reason="terraform plan would replace or destroy aws_ebs_volume.data",
    )
    assert left_out([kept, unverified, replacing]) == {
        "b": "(No patch: the codify patch is left out of the default patch: terraform plan "
        "still changes x; `--patch-include unverified` writes it.)",
        "c": "(No patch: the fix patch is left out of the default patch: terraform plan would "
        "replace or destroy aws_ebs_volume.data; `--patch-include replacing` writes it.)",
    }


KEY = """\
resource "aws_kms_key" "objects" {
  description             = "objects"
  deletion_window_in_days = 7
}
"""


@pytest.mark.parametrize("fix_first", [True, False])
def test_a_drift_the_rule_fix_already_writes_joins_that_patch(
    tmp_path: Path, fix_first: bool
) -> None:
    """Rotation turned on by hand on a key whose code is silent: DP-KMS-001's fix and the
    drift's codify write the same `enable_key_rotation = true`. The second operation changes
    nothing; its finding joins the first one's patch instead of having neither a patch nor a
    reason (third-party s3-bucket, kms-rotation-on)."""
    index = _index(tmp_path, KEY)
    subjects = from_code(index)
    [subject] = [s for s in subjects if s.address == "aws_kms_key.objects"]
    rule = rule_by_id("DP-KMS-001")
    assert rule is not None
    [violation] = rule.evaluate(subject, World(subjects))
    fix = rule.fix(subject, violation)
    assert fix is not None
    drift = dataclasses.replace(
        _finding(Kind.DRIFT, "aws_kms_key.objects", "enable_key_rotation"),
        resource_type="aws_kms_key",
        expected=False,
        actual=True,
    )
    misconfig = dataclasses.replace(
        _finding(Kind.MISCONFIG, "aws_kms_key.objects", "enable_key_rotation"),
        rule_id="DP-KMS-001",
        resource_type="aws_kms_key",
    )
    order = [misconfig, drift] if fix_first else [drift, misconfig]
    plan = plan_remedies(order, index, {misconfig.id: (subject, fix)})
    applied = apply_plan(plan, index)
    assert applied.skipped == {}
    [patch] = applied.patches
    assert patch.action is (PatchAction.FIX if fix_first else PatchAction.CODIFY)
    assert patch.finding_ids == tuple(f.id for f in order)
    assert "+  enable_key_rotation = true\n" in patch.diff


def test_static_mode_says_the_own_generator_wrote_the_import(tmp_path: Path) -> None:
    index = _index(tmp_path, KEY)
    bucket = LiveResource("aws_s3_bucket", "scratch", "us-east-1", {"bucket": "scratch"})
    finding = unmanaged_finding(bucket)
    plan = plan_remedies([finding], index, {}, unmanaged={finding.id: bucket})
    applied = apply_plan(plan, index)
    settings = Settings(mode=VerifyMode.STATIC)
    [patch] = verify_patches(applied, plan, index, {finding.id: finding}, settings).patches
    assert (patch.action, patch.in_default_patch) == (PatchAction.IMPORT, True)
    assert patch.reason == (
        "generated by driftpatch's own generator (no Terraform to write it); "
        "not verified by Terraform: static verification was asked for (--verify static)"
    )


def test_an_import_that_does_not_verify_leaves_the_others_in_the_default_patch(
    tmp_path: Path,
) -> None:
    """Issue 9: every unmanaged resource is imported by one imported.tf; a role whose live
    object lacks its required `assume_role_policy` writes a block the schema rejects. Judged
    import by import, the bucket's import is the default patch alone (one patch creating
    imported.tf, so `git apply` takes it); the role's is a patch of its own, appended, left out
    with its reason, and written with `--patch-include unverified` (still one file creation)."""
    index = _index(tmp_path, KEY)
    bucket = LiveResource("aws_s3_bucket", "scratch", "us-east-1", {"bucket": "scratch"})
    role = LiveResource("aws_iam_role", "lost", "us-east-1", {"name": "lost"})
    found = {r.id: unmanaged_finding(r) for r in (bucket, role)}
    findings = {f.id: f for f in found.values()}
    plan = plan_remedies(
        list(found.values()), index, {}, unmanaged={found[r.id].id: r for r in (bucket, role)}
    )
    applied = apply_plan(plan, index)
    [whole] = applied.patches  # one operation imports both
    assert set(whole.finding_ids) == set(findings)
    out = verify_patches(applied, plan, index, findings, Settings(mode=VerifyMode.STATIC))
    kept, apart = out.patches
    assert (kept.finding_ids, kept.verified, kept.in_default_patch) == (
        (found["scratch"].id,),
        True,
        True,
    )
    assert (apart.finding_ids, apart.verified, apart.in_default_patch) == (
        (found["lost"].id,),
        False,
        False,
    )
    assert apart.reason == (
        "provider schema: aws_iam_role.lost: required argument 'assume_role_policy' is missing "
        "(imported apart from the other unmanaged resources)"
    )
    assert out.stats["imports_apart"] == 1
    header = "# Resources found in AWS that no Terraform configuration manages"
    assert kept.diff.startswith("diff --git a/imported.tf b/imported.tf\nnew file mode")
    assert "aws_iam_role" not in kept.diff
    # The apart import has its own file: `patch --only` applies it without the default patch.
    new = "imported_aws_iam_role_lost.tf"
    assert apart.diff.startswith(f"diff --git a/{new} b/{new}\nnew file mode")
    assert apart.diff.count(header) == 1 and '+resource "aws_iam_role" "lost" {' in apart.diff
    assert out.combined == kept.diff
    assert left_out(out.patches) == {
        found["lost"].id: "(No patch: the import patch is left out of the default patch: "
        + apart.reason
        + "; `--patch-include unverified` writes it.)"
    }
    settings = Settings(mode=VerifyMode.STATIC, include=frozenset({Include.UNVERIFIED}))
    both = verify_patches(applied, plan, index, findings, settings).combined
    assert both.count("new file mode") == 2 and both.count(header) == 2  # imported.tf, new
    assert both.index("aws_s3_bucket.scratch") < both.index("aws_iam_role.lost")


ROLE = "module.r.aws_iam_role.this[0]"
LIVE_ROLE = {
    "name": "admin",
    "description": "break-glass",
    "max_session_duration": 7200,
    "tags": {"Role": "SuperAdmin", "Owner": "ann"},
    "tags_all": {"Role": "SuperAdmin", "Owner": "ann"},
}
CODE_ROLE = {
    "name": "admin",
    "description": "admin",
    "max_session_duration": 3600,
    "tags": {"Role": "Admin"},
    "tags_all": {"Role": "Admin"},
}


def _role_plan(after: dict[str, Any], unknown: dict[str, Any] | None = None) -> Outcome:
    actions = ["no-op"] if after == LIVE_ROLE else ["update"]
    return _outcome(_change(ROLE, actions, LIVE_ROLE, after, unknown=unknown))


def test_codify_is_judged_per_finding_against_the_baseline_plan(tmp_path: Path) -> None:
    """A role drifted in four ways; one codify settles one of them. Its promise holds when
    the address's planned change is the baseline's minus the codified path: the other drift
    (the tag traced to a shared variable, the description) still planned is no breach."""
    index = _index(tmp_path)
    base = _role_plan(CODE_ROLE)
    session = _finding(Kind.DRIFT, ROLE, "max_session_duration")
    record = _record(PatchAction.CODIFY)
    alone = _role_plan({**CODE_ROLE, "max_session_duration": 7200})
    assert _promise(PatchAction.CODIFY, record, [session], index, base, alone) == (
        {ROLE: Effect.UPDATE},
        "",
    )
    # A tag added out of band, codified into the map: the tag the code sets differently stays
    # planned as before; `tags_all` (derived from `tags`) settles with it.
    owner = _finding(Kind.DRIFT, ROLE, "tags.Owner")
    tagged = {"Role": "Admin", "Owner": "ann"}
    kept = _role_plan({**CODE_ROLE, "tags": tagged, "tags_all": tagged})
    assert _promise(PatchAction.CODIFY, record, [owner], index, base, kept) == (
        {ROLE: Effect.UPDATE},
        "",
    )
    # Two findings of one patch: both paths settle, the rest is the baseline's.
    both = _role_plan(
        {**CODE_ROLE, "max_session_duration": 7200, "tags": tagged, "tags_all": tagged}
    )
    assert _promise(PatchAction.CODIFY, record, [session, owner], index, base, both)[1] == ""
    # Every drift codified: no change at all.
    assert _promise(PatchAction.CODIFY, record, [session], index, base, _role_plan(LIVE_ROLE)) == (
        {ROLE: Effect.NONE},
        "",
    )


def test_codify_that_moves_more_of_its_own_address_is_not_verified(tmp_path: Path) -> None:
    """Nothing new may appear at the address: a value that neither the object nor the
    unpatched code's plan has, another key of the codified map, or an attribute the baseline
    knew now unknown until apply."""
    index = _index(tmp_path)
    base = _role_plan(CODE_ROLE)
    session = _finding(Kind.DRIFT, ROLE, "max_session_duration")
    owner = _finding(Kind.DRIFT, ROLE, "tags.Owner")
    record = _record(PatchAction.CODIFY)
    wider = _role_plan({**CODE_ROLE, "max_session_duration": 7200, "description": "other"})
    assert _promise(PatchAction.CODIFY, record, [session], index, base, wider) == (
        {ROLE: Effect.UPDATE},
        f"terraform plan also changes {ROLE} description, which this codify does not name",
    )
    retagged = {"Role": "Other", "Owner": "ann"}
    moved = _role_plan({**CODE_ROLE, "tags": retagged, "tags_all": retagged})
    assert _promise(PatchAction.CODIFY, record, [owner], index, base, moved)[1] == (
        f"terraform plan also changes {ROLE} tags, which this codify does not name"
    )
    nameless = {k: v for k, v in CODE_ROLE.items() if k != "name"}
    deferred = _role_plan({**nameless, "max_session_duration": 7200}, unknown={"name": True})
    assert _promise(PatchAction.CODIFY, record, [session], index, base, deferred)[1] == (
        f"terraform plan also changes {ROLE} name, which this codify does not name"
    )
    # The codified path itself unknown until apply: still changing.
    sessionless = {k: v for k, v in CODE_ROLE.items() if k != "max_session_duration"}
    unknown = _role_plan(sessionless, unknown={"max_session_duration": True})
    assert _promise(PatchAction.CODIFY, record, [session], index, base, unknown)[1] == (
        f"terraform plan still changes {ROLE} max_session_duration"
    )


def test_without_takes_out_one_leaf() -> None:
    doc = {"tags": {"A": "1", "B": "2"}, "rules": [{"port": 1}, {"port": 2}]}
    assert _without(doc, ["tags", "A"]) == {"tags": {"B": "2"}, "rules": doc["rules"]}
    assert _without(doc, ["rules", 1, "port"]) == {"tags": doc["tags"], "rules": [{"port": 1}, {}]}
    assert _without(doc, ["rules", 0]) == {"tags": doc["tags"], "rules": [None, {"port": 2}]}
    assert _without(doc, ["nothing", "here"]) == doc
    assert _keys("metadata_options[0].http_tokens") == ["metadata_options", 0, "http_tokens"]
    assert _keys('tags."kubernetes.io/role"') == ["tags", "kubernetes.io/role"]


def test_the_combined_patch_must_plan_as_the_union_promises(tmp_path: Path) -> None:
    """Two codifies of one role, each verified alone against the baseline: together both
    paths must settle, and nothing may move at an address neither names."""
    session = _finding(Kind.DRIFT, ROLE, "max_session_duration")
    owner = _finding(Kind.DRIFT, ROLE, "tags.Owner")
    findings = {f.id: f for f in (session, owner)}
    records = [
        OpRecord(Operation((f.id,), PatchAction.CODIFY, lambda i: ([], ""), {}), (k,), {})
        for k, f in enumerate((session, owner))
    ]
    base = _role_plan(CODE_ROLE)
    tagged = {"Role": "Admin", "Owner": "ann"}
    union = {**CODE_ROLE, "max_session_duration": 7200, "tags": tagged, "tags_all": tagged}
    assert _union_broken(base, _role_plan(union), records, findings, True) == ""
    # One edit undid the other: the session length is planned back to the code's.
    undone = {**CODE_ROLE, "tags": tagged, "tags_all": tagged}
    assert _union_broken(base, _role_plan(undone), records, findings, True) == (
        f"together they still change {ROLE} max_session_duration"
    )
    # Without a refreshed state no plan judged the codifies: the combination is held only to
    # destroying and replacing nothing (checked by the caller).
    assert _union_broken(base, _role_plan(undone), records, findings, False) == ""
    profile = "module.r.aws_iam_instance_profile.this[0]"
    moved = Outcome(
        True,
        True,
        "",
        {
            **_role_plan(union).changes,
            **_outcome(_change(profile, ["update"], {"tags": {}}, {"tags": {"A": "1"}})).changes,
        },
    )
    assert _union_broken(base, moved, records, findings, True) == (
        f"terraform plan also changes {profile} tags, which this default patch does not name"
    )
    assert _union_broken(base, moved, records, findings, False) == ""
