"""The reader interface: one module per service family, registered by the Terraform types it
emits. A reader turns live AWS into the attribute shape the hashicorp/aws 5.x provider writes to
state, so state and live can be compared attribute by attribute.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from driftpatch.model import JSON, LiveIndex, LiveResource, ReadResult

if TYPE_CHECKING:  # boto3 loads only when a reader runs: `check` never starts it
    from driftpatch.aws.session import AwsSession

__all__ = [
    "LiveIndex",
    "LiveResource",
    "Needs",
    "ReadContext",
    "ReadResult",
    "Reader",
    "SharedReads",
]
T = TypeVar("T")


@dataclass(frozen=True)
class Needs:
    """What a scan will compare, so a reader can leave out the calls that feed nothing.

    Most readers list in bulk and ignore this: one page answers for every object. It matters
    where AWS has no bulk form and each setting of each object is its own call (S3: 14 Get*
    calls per bucket): there a reader makes, per object, only the calls for what the state
    manages on it (`state`: type -> id -> the state instance's attributes) and, when the
    misconfiguration rules run on live objects (`rules`), the calls their checks read.
    `ReadContext.needs` None means "read everything" (an `inventory` snapshot is scanned
    later against states nobody knows yet)."""

    state: Mapping[str, Mapping[str, Mapping[str, JSON]]] = field(default_factory=dict)
    rules: bool = True

    def of_type(self, type_: str) -> Mapping[str, Mapping[str, JSON]]:
        """The state's instances of `type_`, by id."""
        return self.state.get(type_, {})

    @classmethod
    def from_instances(
        cls, instances: Iterable[tuple[str, str, Mapping[str, JSON]]], *, rules: bool = True
    ) -> Needs:
        """From (type, id, attributes) of every state instance the scan compares."""
        state: dict[str, dict[str, Mapping[str, JSON]]] = {}
        for type_, id_, attributes in instances:
            state.setdefault(type_, {})[id_] = attributes
        return cls(state, rules)


class SharedReads:
    """Listings that feed several readers, read once per inventory.

    GetAccountAuthorizationDetails pages answer for IAM users, groups and roles at once: the
    users reader and the roles reader share one read instead of paging the account twice.
    `take_inventory` makes one of these per run and hands it to every reader, so nothing is
    kept past the run (a later inventory reads afresh). Whoever asks first reads; concurrent
    askers of the same key wait for that read (a lock per key: readers of other listings never
    queue behind it) and get its answer, or its exception raised again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: dict[str, tuple[bool, Any]] = {}

    def get(self, key: str, read: Callable[[], T]) -> T:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._done:
                try:
                    self._done[key] = (True, read())
                except Exception as exc:  # a value: every asker sees the same failure
                    self._done[key] = (False, exc)
            ok, value = self._done[key]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ReadContext:
    session: AwsSession
    region: str
    account_id: str
    # None: read every setting of every object (see `Needs`).
    needs: Needs | None = None
    # None: a reader run on its own reads every listing itself.
    shared: SharedReads | None = None
    # Every region of the scan (a global reader runs once, in `region`, and may want to know
    # the others: S3 lists each scanned region's buckets instead of locating bucket by bucket).
    regions: tuple[str, ...] = ()

    def once(self, key: str, read: Callable[[], T]) -> T:
        """`read()`, or the answer another reader of this inventory already got for `key`."""
        return read() if self.shared is None else self.shared.get(key, read)

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
