"""World's indexed lookups answer exactly what the pairwise scans they replaced answered.

The pairwise versions live here only, as the oracle: `World.linked` and `World.unresolved` must
return the same subjects in the same order on any set of subjects, including values that are
ints, bools (equal to 1 and 0 in a set), UNKNOWN, lists, and HCL references without values.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from driftpatch.rules.interface import UNKNOWN, Origin, Subject, World

TYPES = ("aws_s3_bucket", "aws_s3_bucket_versioning", "aws_iam_role_policy")
ADDRESSES = ("aws_s3_bucket.a", 'aws_s3_bucket.a["k"]', "module.m[0].aws_s3_bucket.b", "x")
KEYS = ("id", "bucket", "name")

values = st.one_of(
    st.sampled_from(["a", "b", "arn:aws:s3:::a", ""]),
    st.integers(-1, 2),
    st.booleans(),
    st.just(UNKNOWN),
    st.none(),
    st.lists(st.sampled_from(["a", "b"]), max_size=2),
)


@st.composite
def subjects(draw: st.DrawFn) -> Subject:
    attributes = draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=3))
    refs = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(ADDRESSES), max_size=2))
    return Subject(
        type=draw(st.sampled_from(TYPES)),
        attributes=attributes,
        origin=Origin.CODE,
        address=draw(st.one_of(st.none(), st.sampled_from(ADDRESSES))),
        refs=refs,
    )


def pairwise_linked(
    world: World, type_: str, subject: Subject, attribute: str, keys: Sequence[str]
) -> tuple[Subject, ...]:
    wanted = {v for k in keys if isinstance(v := subject.get(k), str | int)}
    target = subject.config_address
    return tuple(
        s
        for s in world.of_type(type_)
        if (isinstance(v := s.get(attribute), str | int) and v in wanted)
        or (target is not None and s.refs.get(attribute) == target)
    )


def pairwise_unresolved(world: World, type_: str, attribute: str) -> bool:
    return any(
        s.get(attribute) is UNKNOWN and attribute not in s.refs for s in world.of_type(type_)
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(subjects(), max_size=12),
    st.sampled_from(TYPES),
    st.sampled_from(KEYS),
    st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True),
)
def test_indexed_lookups_equal_pairwise(
    members: list[Subject], type_: str, attribute: str, keys: list[str]
) -> None:
    world = World(members)
    for subject in members:
        # Twice: the second answer comes from the index built by the first.
        for _ in range(2):
            got = world.linked(type_, subject, attribute, keys)
            assert [id(s) for s in got] == [
                id(s) for s in pairwise_linked(world, type_, subject, attribute, keys)
            ]
    assert world.unresolved(type_, attribute) is pairwise_unresolved(world, type_, attribute)
    for subject in members:
        value = subject.get(attribute)
        if isinstance(value, str | int):
            assert world.with_value(type_, attribute, value) == tuple(
                s for s in world.of_type(type_) if s.get(attribute) == value
            )
        for address in ADDRESSES:
            assert world.declared_as(type_, address) == tuple(
                s for s in world.of_type(type_) if s.config_address == address
            )


def test_linked_by_value_and_by_reference_in_world_order() -> None:
    versioning = "aws_s3_bucket_versioning"
    bucket = Subject(
        "aws_s3_bucket", {"id": "logs", "bucket": "logs"}, Origin.CODE,
        address='aws_s3_bucket.logs["x"]',
    )  # fmt: skip
    by_ref = Subject(
        versioning, {"bucket": UNKNOWN}, Origin.CODE,
        address="aws_s3_bucket_versioning.v", refs={"bucket": "aws_s3_bucket.logs"},
    )  # fmt: skip
    other = Subject("aws_s3_bucket_versioning", {"bucket": "other"}, Origin.CODE)
    by_value = Subject("aws_s3_bucket_versioning", {"bucket": "logs"}, Origin.CODE)
    world = World([bucket, by_ref, other, by_value])
    assert world.linked("aws_s3_bucket_versioning", bucket, "bucket", ("id", "bucket")) == (
        by_ref,
        by_value,
    )
    assert world.linked("aws_s3_bucket_versioning", other, "bucket") == ()
    assert world.unresolved("aws_s3_bucket_versioning", "bucket") is False
    blind = Subject("aws_s3_bucket_versioning", {"bucket": UNKNOWN}, Origin.CODE)
    assert World([blind]).unresolved("aws_s3_bucket_versioning", "bucket") is True
