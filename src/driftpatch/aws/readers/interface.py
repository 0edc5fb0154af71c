"""The reader interface: one module per service family, registered by the Terraform types it
emits. A reader turns live AWS into the attribute shape the hashicorp/aws 5.x provider writes to
state, so state and live can be compared attribute by attribute.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from driftpatch.aws.session import AwsSession
from driftpatch.model import JSON, ScanError


@dataclass(frozen=True)
class LiveResource:
    """One live object, shaped like a Terraform state instance of `type`."""

    type: str
    id: str
    region: str | None  # None for global resources (IAM)
    attributes: Mapping[str, JSON]
    # Created by AWS, not by anyone's code (default VPC/subnets/SG, service-linked roles,
    # AWS-managed KMS keys): never reported as unmanaged.
    account_default: bool = False


@dataclass(frozen=True)
class ReadContext:
    session: AwsSession
    region: str
    account_id: str

    def client(self, service: str) -> Any:
        return self.session.client(service, self.region)


@dataclass(frozen=True)
class ReadResult:
    resources: tuple[LiveResource, ...] = ()
    # Failures as values: a denied or throttled call skips what it covers, not the scan.
    errors: tuple[ScanError, ...] = ()
    # Types whose listing is incomplete because of `errors` (their resources are "skipped").
    incomplete_types: frozenset[str] = field(default_factory=frozenset)


class Reader(ABC):
    """Reads every live object of its `types` in one region (or once, if `is_global`)."""

    # Terraform types this reader emits, e.g. ("aws_vpc", "aws_subnet").
    types: ClassVar[tuple[str, ...]]
    # The AWS service it calls, for error scopes ("ec2/us-east-1") and per-service skipping.
    service: ClassVar[str]
    # IAM: read once, not per region.
    is_global: ClassVar[bool] = False

    @abstractmethod
    def read(self, ctx: ReadContext) -> ReadResult:
        """List in bulk (one DescribeInstances page for many instances, not one call each)."""
