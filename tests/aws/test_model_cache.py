"""The disk cache of pruned botocore API models (aws/modelcache.py): a later session reads the
pruned model an earlier one kept, byte-for-byte the model it would have pruned itself, and any
cache trouble falls back to botocore's own loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore
import botocore.loaders
import pytest

from driftpatch.aws import modelcache
from driftpatch.aws.allowlist import ALLOWED
from driftpatch.aws.modelcache import ModelCache, cache_dir
from driftpatch.aws.session import REFUSED_KEY, AwsSession, PlainJsonLoader, pruning


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The botocore data files parsed from now on (paths)."""
    seen: list[str] = []
    load = PlainJsonLoader.load_file

    def recording(self: PlainJsonLoader, file_path: str) -> Any:
        seen.append(file_path)
        return load(self, file_path)

    monkeypatch.setattr(PlainJsonLoader, "load_file", recording)
    return seen


def _session(monkeypatch: pytest.MonkeyPatch, cache: str) -> AwsSession:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv(modelcache.CACHE_ENV, cache)
    return AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:9")


def _model(session: AwsSession, service: str) -> Any:
    return session.client(service, "us-east-1").meta.service_model._service_description


def test_a_later_session_reads_the_pruned_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    first = _model(_session(monkeypatch, str(tmp_path)), "ec2")
    assert any(p.endswith("ec2/2016-11-15/service-2") for p in parsed)
    entries = list((tmp_path / "botocore-models").glob("ec2-2016-11-15-*.json"))
    assert len(entries) == 1
    parsed.clear()
    again = _model(_session(monkeypatch, str(tmp_path)), "ec2")
    assert not any(p.endswith("/service-2") for p in parsed)  # EC2's 4 MB model: not parsed
    assert again == first
    assert set(again["operations"]) == set(ALLOWED["ec2"])
    assert REFUSED_KEY in again["metadata"]


def test_cached_models_equal_freshly_pruned_ones(tmp_path: Path) -> None:
    cold_loader = botocore.loaders.Loader(file_loader=PlainJsonLoader())
    for service in ("s3", "rds", "iam"):  # rds: its sdk-extras merge is in the entry
        fresh = pruning(cold_loader.load_service_model)(service, "service-2")
        for _ in range(2):  # the first fills the entry, the second reads it
            loader = botocore.loaders.Loader(file_loader=PlainJsonLoader())
            cache = ModelCache(loader, tmp_path)
            assert pruning(loader.load_service_model, cache)(service, "service-2") == fresh


def test_the_entry_follows_the_allow_list_the_files_and_botocore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ModelCache(botocore.loaders.Loader(file_loader=PlainJsonLoader()), tmp_path)
    entry = cache.entry("s3", None, ALLOWED["s3"])
    assert entry == cache.entry("s3", "2006-03-01", ALLOWED["s3"])
    assert entry != cache.entry("s3", None, ALLOWED["s3"] - {"GetBucketAcl"})
    monkeypatch.setattr(botocore, "__version__", "0.0.0")
    assert entry != cache.entry("s3", None, ALLOWED["s3"])
    monkeypatch.undo()
    monkeypatch.setattr(modelcache, "FORMAT", modelcache.FORMAT + 1)
    assert entry != cache.entry("s3", None, ALLOWED["s3"])


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"metadata": {}}'])
def test_an_unreadable_entry_is_a_miss_and_is_rewritten(tmp_path: Path, content: bytes) -> None:
    loader = botocore.loaders.Loader(file_loader=PlainJsonLoader())
    cache = ModelCache(loader, tmp_path)
    entry = cache.entry("sts", None, ALLOWED["sts"])
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(content)
    model = pruning(loader.load_service_model, cache)("sts", "service-2")
    assert set(model["operations"]) == set(ALLOWED["sts"])
    assert cache.get(entry) == model


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    model = _model(_session(monkeypatch, str(blocker)), "sts")
    assert set(model["operations"]) == set(ALLOWED["sts"])
    assert list(tmp_path.iterdir()) == [blocker]


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(modelcache.CACHE_ENV, "")
    assert cache_dir() is None  # turned off
    monkeypatch.setenv(modelcache.CACHE_ENV, str(tmp_path))
    assert cache_dir() == tmp_path / "botocore-models"
    monkeypatch.delenv(modelcache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "driftpatch" / "botocore-models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "driftpatch" / "botocore-models"


def test_turned_off_it_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    model = _model(_session(monkeypatch, ""), "sts")
    assert set(model["operations"]) == set(ALLOWED["sts"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["entry", "directory"])
def test_an_entry_others_may_write_is_not_trusted(tmp_path: Path, where: str) -> None:
    loader = botocore.loaders.Loader(file_loader=PlainJsonLoader())
    cache = ModelCache(loader, tmp_path / "models")
    fresh = pruning(loader.load_service_model, cache)("sts", "service-2")
    entry = cache.entry("sts", None, ALLOWED["sts"])
    assert cache.get(entry) == fresh
    assert entry.stat().st_mode & 0o777 == 0o600
    assert entry.parent.stat().st_mode & 0o777 == 0o700
    (entry if where == "entry" else entry.parent).chmod(0o666 if where == "entry" else 0o777)
    assert cache.get(entry) is None  # loaded from botocore's files instead
