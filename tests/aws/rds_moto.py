"""A moto 5.2 RDS bug, mended in the test process (the moto server runs in it) for the RDS
tests only, so the reader and the provider can be compared on what AWS itself would answer.

- Every DB instance gets the same DbiResourceId (a constant in moto's DBInstance). The
  provider's id for aws_db_instance is that resource id and it reads by it (DescribeDBInstances
  filtered on dbi-resource-id): with two instances in a world, every read finds two and fails.
  Mended: each instance's resource id is derived from its identifier (deterministic).
  Not mended for every test: recorded worlds (fixtures/worlds) hold moto's constant id.

(The bulk DescribeOptionGroups, which moto fails with a 500, is mended for every embedded AWS:
driftpatch.embedded._mend_moto.) The wrapper keeps moto's own code.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from moto.rds import models


def resource_id(identifier: str) -> str:
    """A DbiResourceId shaped like AWS's ("db-" + 26 upper-case base32 characters)."""
    digest = hashlib.sha256(identifier.encode()).digest()
    return "db-" + base64.b32encode(digest).decode()[:26]


@pytest.fixture
def mended_moto_rds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    init = models.DBInstance.__init__

    def instance_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.dbi_resource_id = resource_id(str(self.db_instance_identifier))

    monkeypatch.setattr(models.DBInstance, "__init__", instance_init)
    yield
