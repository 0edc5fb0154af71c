"""The fault suite's world: the demo stack replayed once on the moto server, behind a proxy.

The world is deployed once per module (tests here only read it) plus one bucket no state owns
and no public access block protects, so a genuine "not configured" answer has a subject. Every
scan goes through `FaultProxy`, with retries sped up (a 1 ms backoff base: the number of
attempts, not the waits, is what these tests are about) and a read timeout (10 s) that a
hang test lowers below its hang.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch import api
from driftpatch.cli import _finish
from driftpatch.config import Config, FailOn, OutputSpec
from driftpatch.demo import worlds
from driftpatch.embedded import EmbeddedAws
from tests.aws.faults.proxy import Fault, FaultProxy, fault_proxy

REPO = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
EXTRA_BUCKET = "unowned-unprotected"
BUCKETS = (
    "acme-shop-staging-assets",
    "acme-shop-staging-backups",
    "acme-shop-staging-logs",
    EXTRA_BUCKET,
)


@dataclass(frozen=True)
class Scan:
    exit_code: int
    report: dict[str, Any]
    proxy_injected: int

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(e["scope"], e["message"]) for e in self.report["errors"]]

    @property
    def finding_ids(self) -> set[str]:
        return {f["id"] for f in self.report["findings"]}

    def statuses(self) -> dict[str, str]:
        return {r["address"]: r["status"] for r in self.report["resources"] if r["address"]}

    def findings(self, rule_id: str) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if f["rule_id"] == rule_id]

    def notices(self) -> list[str]:
        return list(self.report.get("notices") or [])


@dataclass
class FaultWorld:
    world: worlds.World
    proxy: FaultProxy
    tmp: Path
    clean: Scan | None = None

    def config(self, **changes: Any) -> Config:
        base = Config(
            states=(str(self.world.state_path),),
            source=self.world.root,
            regions=(REGION,),
            endpoint_url=self.proxy.url,
            checkov=False,
            retry_base_s=0.001,
            throttle_base_s=0.001,
            read_timeout_s=10.0,
            connect_timeout_s=5.0,
        )
        return replace(base, **changes)

    def scan(self, *faults: Fault, **changes: Any) -> Scan:
        """One scan through the proxy with `faults`; exit code as the CLI computes it."""
        self.proxy.set(*faults)
        report = api.scan(self.config(**changes))
        out = self.tmp / "report.json"
        code = _finish(report, (OutputSpec("json", out),), FailOn.LOW)
        return Scan(code, json.loads(out.read_text()), len(self.proxy.injected))


@pytest.fixture(scope="module")
def fault_world(
    moto_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FaultWorld]:
    tmp = tmp_path_factory.mktemp("faults")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_PROFILE",):
            mp.delenv(key, raising=False)
        for key, value in moto_server.env().items():
            mp.setenv(key, value)
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        world = worlds.deploy(
            moto_server, worlds.stack_path("demo", REPO), tmp / "world", terraform=None
        )
        boto3.client("s3", endpoint_url=moto_server.endpoint_url, region_name=REGION).create_bucket(
            Bucket=EXTRA_BUCKET
        )
        with fault_proxy(moto_server.endpoint_url) as proxy:
            fw = FaultWorld(world, proxy, tmp)
            fw.clean = fw.scan()
            yield fw
