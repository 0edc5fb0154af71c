"""Import configuration written by Terraform (fix/tfgen.py), proven by Terraform.

One world for the module: a root module with a VPC, applied by Terraform + hashicorp/aws
5.100.0 to moto; then, out of band (boto3), a security group with an HTTPS rule in that managed
VPC, a bucket, and an SQS queue (a type driftpatch's readers and its own generator know nothing
about). One sandbox (fix/judge.py) generates the configuration of all three in one
`plan -generate-config-out` run; the cleaned blocks are asserted exactly (arguments only, the
VPC id as a reference), then planned: one import per address and nothing else.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest

from driftpatch.aws.readers.interface import LiveResource
from driftpatch.config import VerifyMode
from driftpatch.drift.detect import unmanaged_finding
from driftpatch.embedded import EmbeddedAws, provider_override
from driftpatch.fix import tfgen
from driftpatch.fix.apply import plan_application
from driftpatch.fix.imports import generate_imports, render_import_file
from driftpatch.fix.judge import Sandbox, SharedSandbox
from driftpatch.fix.remedies import plan_remedies
from driftpatch.fix.verification import Settings, verify_patches
from driftpatch.fix.verify import apply_plan
from driftpatch.model import Check, Effect
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.source import SourceIndex, index_source

pytestmark = pytest.mark.terraform

MAIN = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
"""


@dataclass(frozen=True)
class World:
    sandbox: Sandbox
    vpc: str
    sg: str
    queue: str
    live: tuple[LiveResource, ...]
    index: SourceIndex
    state: bytes


@pytest.fixture(scope="module")
def moto_env(moto_server: EmbeddedAws) -> Iterator[EmbeddedAws]:
    """The session's embedded AWS, reset, with the environment pointing at it for the module."""
    moto_server.reset()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in moto_server.env().items():
            mp.setenv(key, value)
        yield moto_server


@pytest.fixture(scope="module")
def world(
    moto_env: EmbeddedAws, terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("tfgen")
    (root / "main.tf").write_text(MAIN)
    url = moto_env.endpoint_url
    (root / "provider_override.tf").write_text(provider_override(url))
    tf = terraform.with_env(**moto_env.env())
    tf.run(["init", "-input=false", "-no-color"], root)
    tf.apply(root)
    state = (root / "terraform.tfstate").read_bytes()
    vpc = json.loads(state)["resources"][0]["instances"][0]["attributes"]["id"]

    ec2 = boto3.client("ec2")
    sg = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "https"}],
            }
        ],
    )
    boto3.client("s3").create_bucket(Bucket="scratch-data")
    # moto's own default maximum (1 MiB, as AWS now allows) is outside provider 5.100.0's range.
    queue = boto3.client("sqs").create_queue(
        QueueName="jobs",
        Attributes={"VisibilityTimeout": "60", "MaximumMessageSize": "262144"},
    )["QueueUrl"]
    live = (
        LiveResource("aws_security_group", sg, "us-east-1", {"name": "web", "vpc_id": vpc}),
        LiveResource("aws_s3_bucket", "scratch-data", "us-east-1", {"bucket": "scratch-data"}),
        LiveResource("aws_sqs_queue", queue, "us-east-1", {"name": "jobs"}),
    )
    for leftover in (".terraform.tfstate.lock.info",):
        (root / leftover).unlink(missing_ok=True)
    index = index_source(root)
    sandbox = Sandbox(tf, index, state=state, refresh=True, env=moto_env.env())
    try:
        yield World(sandbox, vpc, sg, queue, live, index, state)
    finally:
        sandbox.close()
        shutil.rmtree(root, ignore_errors=True)


SG = """resource "aws_security_group" "web" {
  name        = "web"
  description = "web tier"
  vpc_id      = aws_vpc.main.id

  egress {
    cidr_blocks = ["0.0.0.0/0"]
    from_port   = 0
    protocol    = "-1"
    to_port     = 0
  }

  ingress {
    cidr_blocks = ["10.0.0.0/8"]
    description = "https"
    from_port   = 443
    protocol    = "tcp"
    to_port     = 443
  }
}
"""


def test_one_run_generates_every_type_cleaned_to_arguments(world: World) -> None:
    managed = {("aws_vpc", world.vpc): "aws_vpc.main"}
    plans = generate_imports(world.live, managed, ["aws_vpc.main"])
    gen = tfgen.generate(world.sandbox, plans, world.live, managed)
    assert (gen.error, gen.defaults_error) == ("", "")
    assert gen.by_terraform == (
        "aws_s3_bucket.scratch_data",
        "aws_security_group.web",
        "aws_sqs_queue.jobs",
    )
    assert gen.kept_own == {}
    blocks = {p.address: p.resource_block for p in gen.plans}
    assert blocks["aws_security_group.web"] == SG
    assert blocks["aws_s3_bucket.scratch_data"] == (
        'resource "aws_s3_bucket" "scratch_data" {\n  bucket = "scratch-data"\n}\n'
    )
    assert blocks["aws_sqs_queue.jobs"] == QUEUE

    # Terraform's judgement of the cleaned file: three imports, nothing else.
    body = render_import_file(gen.plans)
    assert world.sandbox.tf.fmt(body) == body
    outcome = world.sandbox.judge({"gen": {"imported.tf": body}})["gen"]
    assert outcome.error == ""
    effects = {a: c.effect for a, c in outcome.changes.items() if c.effect is not Effect.NONE}
    assert effects == dict.fromkeys(gen.by_terraform, Effect.IMPORT)
    for address in gen.by_terraform:
        change = outcome.changes[address]
        moved = {
            k
            for k in set(change.before) | set(change.after)
            if change.before.get(k) != change.after.get(k)
        }
        assert moved <= {"tags_all", "force_destroy"}, (address, moved)


# max_message_size and message_retention_seconds equal the provider's defaults (measured by the
# probe plan): left out. kms_data_key_reuse_period_seconds and sqs_managed_sse_enabled are
# optional+computed: kept, as every non-empty value of such an argument is.
QUEUE = """resource "aws_sqs_queue" "jobs" {
  name                              = "jobs"
  kms_data_key_reuse_period_seconds = 300
  sqs_managed_sse_enabled           = true
  visibility_timeout_seconds        = 60
}
"""


def test_an_import_terraform_cannot_plan_is_apart_from_the_others(
    world: World, moto_env: EmbeddedAws
) -> None:
    """Issue 9: one import that fails (a role gone from AWS between the scan and the plan:
    Terraform cannot import it) no longer takes the others out of the default patch. The
    import operation is judged again import by import: the bucket's import is the default
    imported.tf alone, verified by plan; the role's is a patch of its own with Terraform's
    reason (the sandbox is the module's, already initialised and refreshed)."""
    bucket = world.live[1]
    ghost = LiveResource(
        "aws_iam_role",
        "ghost",
        "us-east-1",
        {"name": "ghost", "assume_role_policy": '{"Version":"2012-10-17","Statement":[]}'},
    )
    found = {r.id: unmanaged_finding(r) for r in (bucket, ghost)}
    findings = {f.id: f for f in found.values()}
    live = {found[r.id].id: r for r in (bucket, ghost)}
    plan = plan_remedies(list(findings.values()), world.index, {}, unmanaged=live)
    applied = apply_plan(plan, world.index)
    shared = SharedSandbox()
    shared._sandbox = world.sandbox  # the module's sandbox: no second init
    settings = Settings(
        mode=VerifyMode.TERRAFORM,
        state=world.state,
        refresh=True,
        env=moto_env.env(),
        shared=shared,
    )
    out = verify_patches(applied, plan, world.index, findings, settings)
    kept, apart = out.patches
    assert (kept.finding_ids, kept.in_default_patch, kept.verified_by, kept.plan_effect) == (
        (found["scratch-data"].id,),
        True,
        (Check.RULE, Check.SCHEMA, Check.TERRAFORM_VALIDATE, Check.TERRAFORM_PLAN),
        {"aws_s3_bucket.scratch_data": Effect.IMPORT},
    )
    assert kept.reason == "generated by terraform plan -generate-config-out, cleaned to arguments"
    assert (apart.finding_ids, apart.verified, apart.in_default_patch) == (
        (found["ghost"].id,),
        False,
        False,
    )
    assert "Cannot import non-existent remote object" in apart.reason, apart.reason
    assert apart.reason.endswith("(imported apart from the other unmanaged resources)")
    assert out.combined == kept.diff
    assert (out.stats["imports_apart"], out.stats["import_config"]) == (1, "terraform")
    # Each import patch creates its own file, so `patch --only <the apart finding>` applies it
    # alone (it used to append to the imported.tf the default patch creates, and fail).
    assert (kept.file, kept.base_sha256) == ("imported.tf", None)
    assert (apart.file, apart.base_sha256) == ("imported_aws_iam_role_ghost.tf", None)
    new = "imported_aws_iam_role_ghost.tf"
    assert apart.diff.startswith(
        f"diff --git a/{new} b/{new}\nnew file mode 100644\n--- /dev/null\n"
    )
    alone = plan_application([apart], world.index.root)
    assert list(alone.files) == ["imported_aws_iam_role_ghost.tf"]
    assert 'import {\n  to = aws_iam_role.ghost\n  id = "ghost"\n}' in alone.files[apart.file]
