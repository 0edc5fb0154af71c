"""Record real state and plan fixtures for the terraform/ input readers.

Applies fixtures/inputs/stack to an embedded AWS (moto over HTTP) with the real Terraform CLI,
then makes out-of-band changes and records what Terraform itself writes, byte for byte:

  fixtures/inputs/recorded/state.tfstate            the state after apply (tfstate v4)
  fixtures/inputs/recorded/state-show.json          `terraform show -json` of that state
  fixtures/inputs/recorded/plan-refresh-only.json   `plan -refresh-only` after the changes
  fixtures/inputs/recorded/plan.json                a normal plan with changes and drift

Run (the mirror path comes from the environment, never from this file):

  DRIFTPATCH_TF_PLUGIN_MIRROR=/path/to/mirror python scripts/record_input_fixtures.py [--out DIR]

then `python scripts/make_hostile_inputs.py`. Re-recording changes ids, the lineage and line
numbers that tests/terraform asserts exactly: update those assertions in the same commit.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from driftpatch.embedded import embedded_aws, provider_override  # noqa: E402
from driftpatch.terraform.binary import (  # noqa: E402
    MIRROR_ENV,
    Terraform,
    plugin_mirror,
    write_mirror_cli_config,
)

STACK = REPO / "fixtures" / "inputs" / "stack"
OUT = REPO / "fixtures" / "inputs" / "recorded"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT.relative_to(REPO)}")
    out = parser.parse_args().out
    tf = Terraform.find()
    mirror = plugin_mirror()
    if tf is None or mirror is None:
        print(f"needs the Terraform CLI on PATH and ${MIRROR_ENV}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
    with tempfile.TemporaryDirectory() as tmp, embedded_aws() as aws:
        work = Path(tmp) / "stack"
        shutil.copytree(STACK, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
        (work / "driftpatch_override.tf").write_text(provider_override(aws.endpoint_url))
        cli = write_mirror_cli_config(mirror, Path(tmp) / "terraformrc")
        tf = tf.with_env(TF_CLI_CONFIG_FILE=str(cli), **aws.env())

        tf.init(work)
        tf.apply(work)
        state = work / "terraform.tfstate"
        (out / "state.tfstate").write_bytes(state.read_bytes())
        (out / "state-show.json").write_bytes(tf.show_json(state, work))

        # Out-of-band changes, as someone with console access would make them.
        env = aws.env()
        session = boto3.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_REGION"],
        )
        ec2 = session.client("ec2", endpoint_url=aws.endpoint_url)
        s3 = session.client("s3", endpoint_url=aws.endpoint_url)
        doc = json.loads(state.read_text())
        vpc_id = next(
            r["instances"][0]["attributes"]["id"]
            for r in doc["resources"]
            if r["type"] == "aws_vpc" and r.get("module") == "module.net"
        )
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Env", "Value": "changed-by-hand"}])
        s3.delete_bucket(Bucket="dp-fixture-logs-1")

        refresh = Path(tmp) / "refresh.tfplan"
        tf.plan(work, refresh, refresh_only=True)
        (out / "plan-refresh-only.json").write_bytes(tf.show_json(refresh, work))

        normal = Path(tmp) / "normal.tfplan"
        tf.run(
            [
                "plan",
                "-input=false",
                "-no-color",
                f"-out={normal}",
                "-var=bucket_count=3",
                "-var=env=staging",
            ],
            work,
        )
        (out / "plan.json").write_bytes(tf.show_json(normal, work))
    for path in sorted(out.iterdir()):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
