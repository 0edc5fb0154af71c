"""Shared by the end-to-end proofs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from driftpatch.embedded import EmbeddedAws


@pytest.fixture(scope="module")
def moto_env(moto_server: EmbeddedAws) -> Iterator[EmbeddedAws]:
    """The session's embedded AWS, with the environment pointing at it for a whole module
    (module-scoped worlds outlive the function-scoped `monkeypatch`)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in moto_server.env().items():
            mp.setenv(key, value)
        yield moto_server
