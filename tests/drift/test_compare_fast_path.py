"""compare's fast path never hides a change: whenever `_same` says two normalised values are
the same, DeepDiff (as compare calls it) finds nothing either; and compare's answer is the
same as with the fast path turned off."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from driftpatch.drift import compare as compare_module
from driftpatch.drift.compare import _deep_diff, _same, compare

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, 1.0, 1.5, float("nan")]),
    st.sampled_from(["", "a", "1", "true"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    ),
    max_leaves=8,
)
pairs = st.one_of(
    st.tuples(values, values),
    values.map(lambda v: (v, v)),  # the common case: no drift
)


@settings(max_examples=400, deadline=None)
@given(pairs)
def test_same_implies_no_deepdiff_change(pair: tuple[Any, Any]) -> None:
    a, b = pair
    if _same({"x": a}, {"x": b}):
        assert _deep_diff({"x": a}, {"x": b}) == {}


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["bucket", "tags", "force_destroy", "policy"]), values),
    st.dictionaries(st.sampled_from(["bucket", "tags", "force_destroy", "policy"]), values),
)
def test_compare_equals_compare_without_fast_path(
    expected: dict[str, Any], actual: dict[str, Any]
) -> None:
    fast = compare("aws_s3_bucket", expected, actual)
    original = compare_module._same
    compare_module._same = lambda a, b: False  # type: ignore[assignment]
    try:
        slow = compare("aws_s3_bucket", expected, actual)
    finally:
        compare_module._same = original
    assert fast == slow
