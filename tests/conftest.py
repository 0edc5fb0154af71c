"""Shared test harness: a real moto server over HTTP, and real Terraform where it is available.

- `moto_server` (session): one ThreadedMotoServer on 127.0.0.1; tests needing a clean world use
  `aws` (function scope), which resets it and points the AWS_* environment at it.
- `terraform` (session): the Terraform CLI configured to install hashicorp/aws from the
  filesystem mirror named by $DRIFTPATCH_TF_PLUGIN_MIRROR; skips with a reason otherwise.
- `tf_apply(dir)`: init + apply a stack against the moto server, return the state as a dict.
- `replay_world(name)`: a recorded stack ("demo", "large", "insecure") deployed on the (reset)
  moto server by replaying fixtures/worlds/<name>/, no Terraform needed; returns the `World`
  (HCL + state in a temporary workdir). `worlds.inject(world)` then makes console-style drift.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from driftpatch.demo import worlds
from driftpatch.embedded import EmbeddedAws, embedded_aws, provider_override
from driftpatch.terraform.binary import (
    MIRROR_ENV,
    Terraform,
    plugin_mirror,
    write_mirror_cli_config,
)

REPO = Path(__file__).resolve().parent.parent
# The scan's pruned botocore models (aws/modelcache.py) go to one directory per user and test
# run's temp root, not the user's ~/.cache: every worker and CLI subprocess shares it.
os.environ.setdefault(
    "DRIFTPATCH_CACHE_DIR",
    str(Path(tempfile.gettempdir()) / f"driftpatch-test-cache-{os.getuid()}"),
)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[EmbeddedAws]:
    with embedded_aws() as aws:
        yield aws


@pytest.fixture
def aws(moto_server: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> EmbeddedAws:
    """A clean embedded AWS with the environment pointing at it (and nothing else)."""
    moto_server.reset()
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in moto_server.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    return moto_server


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    tf = Terraform.find()
    if tf is None:
        pytest.skip("needs the Terraform CLI on PATH")
    mirror = plugin_mirror()
    if mirror is None:
        pytest.skip(f"needs ${MIRROR_ENV} pointing at a hashicorp/aws filesystem mirror")
    cfg = write_mirror_cli_config(mirror, tmp_path_factory.mktemp("tfcli") / "terraformrc")
    return tf.with_env(TF_CLI_CONFIG_FILE=str(cfg))


TfApply = Callable[[Path], dict[str, Any]]


@pytest.fixture
def tf_apply(terraform: Terraform, aws: EmbeddedAws) -> TfApply:
    """Apply the stack in `workdir` to the embedded AWS; returns the tfstate document."""

    def apply(workdir: Path) -> dict[str, Any]:
        (workdir / "driftpatch_override.tf").write_text(provider_override(aws.endpoint_url))
        tf = terraform.with_env(**aws.env())
        tf.init(workdir)
        tf.apply(workdir)
        state: dict[str, Any] = json.loads((workdir / "terraform.tfstate").read_text())
        return state

    return apply


ReplayWorld = Callable[[str], worlds.World]


@pytest.fixture
def replay_world(aws: EmbeddedAws, tmp_path: Path) -> ReplayWorld:
    """Deploy a recorded stack by replay (a few seconds); see fixtures/worlds/README.md."""

    def deploy(name: str) -> worlds.World:
        stack = worlds.stack_path(name, REPO)
        return worlds.deploy(aws, stack, tmp_path / f"world-{name}", terraform=None)

    return deploy


# Modules whose applied worlds take longest, scheduled first: with xdist's loadscope a module
# runs whole on one worker, and a long one handed out last leaves the other worker idle.
_FIRST = ("tests/e2e/test_third_party.py", "tests/e2e/test_verify_terraform.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def module(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    def heavy(item: pytest.Item) -> bool:
        marked = item.get_closest_marker("terraform") or item.get_closest_marker("e2e")
        return bool(marked) or "terraform" in getattr(item, "fixturenames", ())

    heavy_modules = {module(i) for i in items if heavy(i)}

    def weight(item: pytest.Item) -> int:
        path = module(item)
        if path in _FIRST:
            return _FIRST.index(path)
        return len(_FIRST) if path in heavy_modules else len(_FIRST) + 1

    items.sort(key=weight)  # stable: the order within each group is the collection's
