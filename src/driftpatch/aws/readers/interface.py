"""The reader interface: one module per service family, registered by the Terraform types it
emits. A reader turns live AWS into the attribute shape the hashicorp/aws 5.x provider writes to
state, so state and live can be compared attribute by attribute.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from driftpatch.model import JSON, LiveIndex, LiveResource, ReadResult

if TYPE_CHECKING:  # boto3 loads only when a reader runs: `check` never starts it
    from driftpatch.aws.session import AwsSession

__all__ = ["LiveIndex", "LiveResource", "ReadContext", "ReadResult", "Reader"]


@dataclass(frozen=True)
class ReadContext:
    session: AwsSession
    region: str
    account_id: str

    def client(self, service: str) -> Any:
        return self.session.client(service, self.region)


class Reader(ABC):
    """Reads every live object of its `types` in one region (or once, if `is_global`)."""

    # Terraform types this reader emits, e.g. ("aws_vpc", "aws_subnet").
    types: ClassVar[tuple[str, ...]]
    # The AWS service it calls, for error scopes ("ec2/us-east-1") and per-service skipping.
    service: ClassVar[str]
    # IAM: read once, not per region.
    is_global: ClassVar[bool] = False

    # Types whose live objects can only be found from state, because they live inside another
    # object and carry a provider-made id (a security group rule inside its group, a policy
    # attachment with a random id). `read` does not emit them; `match` derives them. They are
    # never reported as unmanaged: what no state owns shows as drift on the parent instead.
    derived_types: ClassVar[frozenset[str]] = frozenset()
    # Part type -> the types whose listing says which objects are parts (a root volume is part
    # of the instance that lists it): while those reads are incomplete in a region, no object
    # of the part type there is called unmanaged, since it may belong to an unread owner.
    part_owners: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # Attributes the provider keeps from configuration because AWS cannot return them
    # (force_destroy, timeouts, ...): type -> names. Compare skips exactly these.
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {}

    @abstractmethod
    def read(self, ctx: ReadContext) -> ReadResult:
        """List in bulk (one DescribeInstances page for many instances, not one call each)."""

    def parts(self, resources: Iterable[LiveResource]) -> frozenset[tuple[str, str]]:
        """(type, id) of live objects that are part of another one (an instance's root volume):
        never unmanaged on their own; the owner is reported, or drifts, instead."""
        return frozenset()

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """The live counterpart of a state instance; by id unless the type is derived."""
        return live.get(type_, state_id)

    def unread(self, type_: str, state_id: str, live: LiveIndex) -> bool:
        """Whether the read of this one instance's live counterpart failed although its type's
        listing did not (one bucket's denied GetBucketPolicy): it is `unread`, not missing."""
        return False

    def unread_instance(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> bool:
        """`unread`, for readers that need the state instance to tell (a Lambda permission on
        an alias lives in a policy that is not read: only its `qualifier` says so)."""
        return self.unread(type_, state_id, live)
