"""Worlds without Terraform: the recorded stacks replayed on moto, and console-style drift.

Every recorded stack is replayed on the session's moto server and listed back with boto3: the
live ids must be exactly the ids of the recorded state, type by type. The demo world is then
changed with `inject()`, which must do what it says and report what it reports at record time.
The Terraform side (a real apply, Terraform's own view of the drift) is in
tests/e2e/test_worlds_terraform.py.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.demo import worlds
from driftpatch.demo.worlds import Change, Drift, World, WorldError
from driftpatch.embedded import EmbeddedAws
from driftpatch.model import Kind
from tests.conftest import ReplayWorld

REPO = Path(__file__).resolve().parent.parent
RECORDED = tuple(worlds.STACKS)


def fixture_dir(name: str) -> Path:
    return REPO / worlds.WORLDS_DIR / name


def state_ids(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per type: the ids the state holds, keyed so live listings can be compared exactly."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for _address, rtype, attrs in worlds.managed_instances(state):
        if rtype in {"aws_iam_role", "aws_iam_instance_profile"}:
            out[rtype][attrs["name"]] = attrs["unique_id"]
        elif rtype == "aws_iam_policy":
            out[rtype][attrs["arn"]] = attrs["policy_id"]
        elif rtype == "aws_kms_key":
            out[rtype][attrs["key_id"]] = attrs["arn"]
        elif rtype == "aws_instance":
            out[rtype][attrs["id"]] = (
                attrs["primary_network_interface_id"],
                attrs["private_ip"],
                attrs["instance_type"],
            )
        elif rtype in {
            "aws_vpc",
            "aws_subnet",
            "aws_security_group",
            "aws_ebs_volume",
            "aws_s3_bucket",
        }:
            out[rtype][attrs["id"]] = True
        elif rtype == "aws_security_group_rule" and attrs.get("security_group_rule_id"):
            out["sgr"][attrs["security_group_rule_id"]] = attrs["security_group_id"]
    return dict(out)


def live_ids(endpoint_url: str, rule_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The same listing from the live world, with plain boto3 (not worlds' own check)."""
    kw: dict[str, Any] = {
        "endpoint_url": endpoint_url,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    ec2, iam, kms, s3 = (boto3.client(s, **kw) for s in ("ec2", "iam", "kms", "s3"))
    vpcs = ec2.describe_vpcs()["Vpcs"]
    default_vpcs = {v["VpcId"] for v in vpcs if v.get("IsDefault")}
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    keys = kms.list_keys()["Keys"]
    aws_keys = {
        a.get("TargetKeyId")
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith("alias/aws/")
    }
    out: dict[str, dict[str, Any]] = {
        "aws_vpc": {v["VpcId"]: True for v in vpcs if not v.get("IsDefault")},
        "aws_subnet": {
            s["SubnetId"]: True
            for s in ec2.describe_subnets()["Subnets"]
            if s["VpcId"] not in default_vpcs
        },
        # The default group of every VPC is AWS's, not the stack's.
        "aws_security_group": {
            g["GroupId"]: True
            for g in ec2.describe_security_groups()["SecurityGroups"]
            if g["GroupName"] != "default"
        },
        "aws_instance": {
            i["InstanceId"]: (
                i["NetworkInterfaces"][0]["NetworkInterfaceId"],
                i["PrivateIpAddress"],
                i["InstanceType"],
            )
            for i in instances
        },
        # Root volumes belong to their instance; the stack's volumes are the unattached ones.
        "aws_ebs_volume": {
            v["VolumeId"]: True for v in ec2.describe_volumes()["Volumes"] if not v["Attachments"]
        },
        # aws/ebs (made for volumes encrypted without a key) is AWS's, though moto calls its
        # KeyManager CUSTOMER: tell it by its alias.
        "aws_kms_key": {
            meta["KeyId"]: meta["Arn"]
            for meta in (kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in keys)
            if meta["KeyId"] not in aws_keys
        },
        "aws_s3_bucket": {b["Name"]: True for b in s3.list_buckets()["Buckets"]},
        "aws_iam_role": {r["RoleName"]: r["RoleId"] for r in iam.list_roles()["Roles"]},
        "aws_iam_instance_profile": {
            p["InstanceProfileName"]: p["InstanceProfileId"]
            for p in iam.list_instance_profiles()["InstanceProfiles"]
        },
        "aws_iam_policy": {
            p["Arn"]: p["PolicyId"] for p in iam.list_policies(Scope="Local")["Policies"]
        },
        "sgr": {
            r["SecurityGroupRuleId"]: r["GroupId"]
            for r in ec2.describe_security_group_rules()["SecurityGroupRules"]
            if r["SecurityGroupRuleId"] in rule_ids
        },
    }
    return {k: v for k, v in out.items() if v}


@pytest.fixture(scope="module")
def replay_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worlds")


@pytest.mark.parametrize("name", RECORDED)
def test_replay_rebuilds_the_recorded_ids(
    moto_server: EmbeddedAws, replay_dir: Path, name: str
) -> None:
    stack = worlds.stack_path(name, REPO)
    world = worlds.deploy(moto_server, stack, replay_dir / name, terraform=None)
    assert not world.used_terraform
    state = world.state()
    want = state_ids(state)
    got = live_ids(moto_server.endpoint_url, set(want.get("sgr", {})))
    assert got == want
    # The recorded state's ids are the ones Terraform got: not rewritten by the replay.
    recorded = json.loads((fixture_dir(name) / worlds.STATE_FILE).read_text())
    assert state_ids(recorded) == want
    assert state["lineage"] == recorded["lineage"]
    # Only creation times differ from the recording; they now match the replayed objects.
    iam = boto3.client(
        "iam",
        endpoint_url=moto_server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for _address, rtype, attrs in worlds.managed_instances(state):
        if rtype == "aws_iam_role":
            created = iam.get_role(RoleName=attrs["name"])["Role"]["CreateDate"]
            assert attrs["create_date"] == created.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_replay_is_repeatable(moto_server: EmbeddedAws, tmp_path: Path) -> None:
    stack = worlds.stack_path("insecure", REPO)
    first = worlds.deploy(moto_server, stack, tmp_path / "one", terraform=None)
    again = worlds.deploy(moto_server, stack, tmp_path / "two", terraform=None)
    assert state_ids(first.state()) == state_ids(again.state())
    assert worlds.verify_ids(moto_server.endpoint_url, again.state()) == []


@pytest.mark.parametrize("name", RECORDED)
def test_recordings_match_their_stacks(name: str) -> None:
    meta = worlds.read_meta(fixture_dir(name))
    stack = worlds.stack_path(name, REPO)
    assert meta["stack_sha256"] == worlds.stack_digest(stack), (
        f"terraform/stack {name} changed since it was recorded: "
        f"run `python scripts/record_fixtures.py --stack {name}`"
    )
    assert meta["moto"] == worlds.moto_version(), "recordings replay with the moto that made them"
    assert meta["provider"] == "5.100.0"
    drift = ("plan-drift.json", "changes.json") if name in worlds.TARGETS else ()
    for fname in ("plan-create.json", "plan-clean.json", *drift):
        assert (fixture_dir(name) / fname).is_file()


def test_copy_keeps_the_layout_of_the_stack_and_its_modules(tmp_path: Path) -> None:
    demo = worlds.copy_stack(worlds.stack_path("demo", REPO), tmp_path / "demo")
    assert demo == tmp_path / "demo" / "terraform"
    assert sorted(p.name for p in (tmp_path / "demo" / "modules").iterdir()) == [
        "app",
        "bucket",
        "network",
    ]
    large = worlds.copy_stack(worlds.stack_path("large", REPO), tmp_path / "large")
    assert large == tmp_path / "large" / "large"
    assert (large / "modules" / "env" / "main.tf").is_file()
    assert (large / "modules" / "network" / "main.tf").is_file()
    # Nothing Terraform made in the source tree comes along.
    copied = {p.name for p in (tmp_path / "demo").rglob("*")}
    assert not {n for n in copied if n.endswith((".tfstate", "_override.tf"))}
    assert ".terraform" not in copied


def test_a_changed_stack_is_not_replayed(moto_server: EmbeddedAws, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO / "terraform", src / "terraform")
    shutil.copytree(REPO / "modules", src / "modules")
    app = src / "modules" / "app" / "main.tf"
    app.write_text(app.read_text().replace("size              = 10", "size              = 11"))
    with pytest.raises(WorldError, match="another version"):
        worlds.deploy(
            moto_server,
            src / "terraform",
            tmp_path / "work",
            terraform=None,
            recording=fixture_dir("demo"),
        )


def test_a_stack_without_a_recording_is_an_error(moto_server: EmbeddedAws, tmp_path: Path) -> None:
    stack = tmp_path / "mystack"
    stack.mkdir()
    (stack / "main.tf").write_text("")
    with pytest.raises(WorldError, match="no recording"):
        worlds.deploy(moto_server, stack, tmp_path / "work", terraform=None)


# ----------------------------------------------------------------------------- inject


@pytest.fixture(scope="module")
def demo_world(moto_server: EmbeddedAws, replay_dir: Path) -> Iterator[World]:
    stack = worlds.stack_path("demo", REPO)
    yield worlds.deploy(moto_server, stack, replay_dir / "inject", terraform=None)


@pytest.fixture(scope="module")
def injected(demo_world: World) -> tuple[Change, ...]:
    return worlds.inject(demo_world)


def test_inject_reports_what_the_recording_reports(injected: tuple[Change, ...]) -> None:
    """Same world, same changes: exactly the addresses, attributes and ids recorded."""
    recorded = json.loads((fixture_dir("demo") / "changes.json").read_text())
    assert [c.to_json() for c in injected] == recorded


def test_inject_names_real_addresses(demo_world: World, injected: tuple[Change, ...]) -> None:
    addresses = {a for a, _t, _attrs in worlds.managed_instances(demo_world.state())}
    assert {c.name for c in injected} == set(worlds.CHANGES)
    for change in injected:
        if change.kind is Kind.UNMANAGED:
            assert change.address is None
            assert change.resource_id not in {a.split(".")[-1] for a in addresses}
        else:
            assert change.address in addresses
    by_name = {c.name: c for c in injected if c.name != "bucket-deleted"}
    assert (by_name["instance-type"].address, by_name["instance-type"].attribute) == (
        "module.app.aws_instance.web[0]",
        "instance_type",
    )
    deleted = [c for c in injected if c.name == "bucket-deleted"]
    assert {c.resource_type for c in deleted} == {
        "aws_s3_bucket",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_policy",
    }
    assert all(c.kind is Kind.MISSING for c in deleted)


def test_inject_changes_live_aws(demo_world: World, injected: tuple[Change, ...]) -> None:
    kw: dict[str, Any] = {
        "endpoint_url": demo_world.endpoint_url,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    ec2, iam, kms, s3 = (boto3.client(s, **kw) for s in ("ec2", "iam", "kms", "s3"))
    ids = {c.name: c.resource_id for c in injected}
    tags = s3.get_bucket_tagging(Bucket="acme-shop-staging-assets")["TagSet"]
    assert {"Key": "DataClass", "Value": "restricted"} in tags
    assert s3.get_bucket_versioning(Bucket="acme-shop-staging-logs")["Status"] == "Suspended"
    (group,) = ec2.describe_security_groups(GroupIds=[ids["sg-ssh-open"]])["SecurityGroups"]
    assert any(
        p.get("FromPort") == 22 and {"CidrIp": "0.0.0.0/0"} in p.get("IpRanges", [])
        for p in group["IpPermissions"]
    )
    trust = iam.get_role(RoleName=ids["role-trust-widened"])["Role"]["AssumeRolePolicyDocument"]
    assert {"AWS": "*"} in [s["Principal"] for s in trust["Statement"]]
    (instance,) = ec2.describe_instances(InstanceIds=[ids["instance-type"]])["Reservations"][0][
        "Instances"
    ]
    assert instance["InstanceType"] == "t3.large"
    assert instance["State"]["Name"] == "running"
    assert instance["MetadataOptions"]["HttpTokens"] == "optional"
    assert instance["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "acme-shop-staging-export-tmp" in buckets
    assert "acme-shop-staging-backups" not in buckets
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_public_access_block(Bucket="acme-shop-staging-assets")
    key = ids["kms-rotation-off"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    rules = ec2.describe_security_group_rules()["SecurityGroupRules"]
    assert "HTTPS from anywhere (temporary)" in {r.get("Description") for r in rules}


def test_inject_refuses_remote_endpoints(tmp_path: Path) -> None:
    remote = World(
        "https://ec2.us-east-1.amazonaws.com", tmp_path, tmp_path / "s", REPO / "terraform", False
    )
    (tmp_path / "s").write_text(json.dumps({"resources": []}))
    with pytest.raises(WorldError, match=r"127\.0\.0\.1"):
        worlds.inject(remote)
    with pytest.raises(WorldError, match="not a local endpoint"):
        worlds.replay("http://10.0.0.1:4566", [])


def test_inject_rejects_unknown_and_untargeted_changes(tmp_path: Path) -> None:
    insecure = World("http://127.0.0.1:1", tmp_path, tmp_path / "s", Path("insecure"), False)
    with pytest.raises(WorldError, match="unknown change"):
        worlds.inject(insecure, ["drop-table"])
    # The insecure stack's instance already allows IMDSv1: nothing to degrade there.
    assert "imds-optional" not in worlds.available_changes(insecure)
    with pytest.raises(WorldError, match="no target"):
        worlds.inject(insecure, ["imds-optional"])


def test_every_stack_targets_addresses_of_its_state() -> None:
    for name, targets in worlds.TARGETS.items():
        state = json.loads((fixture_dir(name) / worlds.STATE_FILE).read_text())
        addresses = {a for a, _t, _attrs in worlds.managed_instances(state)}
        for change, (target, *_args) in targets.items():
            if change != "unmanaged-bucket":
                assert target in addresses, (name, change)


# ----------------------------------------------------------------------------- drift paths


def test_changed_paths_descend_objects_and_single_element_lists() -> None:
    before = {"tags": {"Env": "a"}, "cfg": [{"status": "Enabled"}], "rules": [1, 2], "x": None}
    after = {"tags": {"Env": "b"}, "cfg": [{"status": "Suspended"}], "rules": [1, 3], "x": {}}
    assert worlds.changed_paths(before, after) == {
        "cfg[0].status": ("Enabled", "Suspended"),
        "rules": ([1, 2], [1, 3]),
        "tags.Env": ("a", "b"),
        "x": (None, {}),
    }


def test_beyond_noise_keeps_new_values_on_noisy_paths() -> None:
    noise = {"a": Drift("a", False, {"ingress": ([], [1]), "tags": (None, {})})}
    drift = {
        "a": Drift("a", False, {"ingress": ([], [1, 2]), "tags": (None, {})}),
        "b": Drift("b", True, {}),
    }
    assert worlds.beyond(drift, noise) == {
        "a": Drift("a", False, {"ingress": ([], [1, 2])}),
        "b": Drift("b", True, {}),
    }
    assert worlds.beyond(noise, noise) == {}


def test_resource_drift_reads_terraform_plan_json() -> None:
    plan = json.loads((fixture_dir("demo") / "plan-drift.json").read_text())
    drift = worlds.resource_drift(plan)
    assert drift['module.buckets["backups"].aws_s3_bucket.this'].deleted
    instance = drift["module.app.aws_instance.web[0]"]
    assert instance.paths["instance_type"] == ("t3.micro", "t3.large")


def test_replay_world_fixture(replay_world: ReplayWorld) -> None:
    world = replay_world("insecure")
    assert world.name == "insecure"
    assert world.root.name == "insecure"
    assert (world.root / worlds.OVERRIDE_FILE).is_file()
