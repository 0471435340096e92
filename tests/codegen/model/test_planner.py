"""The static arena planner: never overlaps live buffers, never beats the bound, reaches it on chains."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.model.planner import Buffer, InPlace, lower_bound_bytes, plan_arena

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@st.composite
def buffer_sets(draw):
    n = draw(st.integers(1, 12))
    out = []
    for key in range(n):
        first = draw(st.integers(0, 10))
        last = draw(st.integers(first, 12))
        out.append(Buffer(key, draw(st.integers(1, 500)), first, last, draw(st.sampled_from([1, 4]))))
    return out


@SETTINGS
@given(buffer_sets())
def test_buffers_alive_together_never_share_bytes(buffers):
    plan = plan_arena(buffers)
    for a in buffers:
        for b in buffers:
            if a.key < b.key and a.first_op <= b.last_op and b.first_op <= a.last_op:
                oa, ob = plan.offsets[a.key], plan.offsets[b.key]
                assert oa + a.size_bytes <= ob or ob + b.size_bytes <= oa


@SETTINGS
@given(buffer_sets())
def test_every_buffer_fits_in_the_arena_and_is_aligned(buffers):
    plan = plan_arena(buffers)
    for b in buffers:
        assert plan.offsets[b.key] % b.align_bytes == 0
        assert plan.offsets[b.key] + b.size_bytes <= plan.arena_bytes


@SETTINGS
@given(buffer_sets())
def test_arena_is_never_below_the_lower_bound(buffers):
    plan = plan_arena(buffers)
    assert plan.lower_bound_bytes == lower_bound_bytes(buffers)
    assert plan.arena_bytes >= plan.lower_bound_bytes


@SETTINGS
@given(st.lists(st.integers(1, 4000), min_size=1, max_size=30))
def test_chain_of_ops_reaches_the_lower_bound(sizes):
    # op i reads buffer i-1 and writes buffer i: at most two buffers alive at once
    buffers = [Buffer(i, s, i, i + 1) for i, s in enumerate(sizes)]
    plan = plan_arena(buffers)
    assert plan.arena_bytes == plan.lower_bound_bytes


def test_lower_bound_is_the_largest_simultaneous_sum():
    buffers = [Buffer(0, 100, 0, 1), Buffer(1, 50, 1, 2), Buffer(2, 70, 2, 3)]
    assert lower_bound_bytes(buffers) == 150


def test_empty_plan_is_zero_bytes():
    plan = plan_arena([])
    assert plan.arena_bytes == plan.lower_bound_bytes == 0


@st.composite
def chains_with_in_place(draw):
    sizes = draw(st.lists(st.integers(1, 3000), min_size=2, max_size=20))
    buffers = [Buffer(i, s, i, i + 1) for i, s in enumerate(sizes)]
    pairs = [InPlace(i, i + 1, draw(st.integers(-400, 0))) for i in range(len(sizes) - 1)
             if draw(st.booleans())]
    return buffers, pairs


@SETTINGS
@given(chains_with_in_place())
def test_in_place_overlap_never_exceeds_the_allowed_shift(case):
    buffers, pairs = case
    plan = plan_arena(buffers, pairs)
    allowed = {(p.input, p.output): p.max_shift for p in pairs}
    for a in buffers:
        for b in buffers:
            if a.key >= b.key or not (a.first_op <= b.last_op and b.first_op <= a.last_op):
                continue
            oa, ob = plan.offsets[a.key], plan.offsets[b.key]
            if oa + a.size_bytes <= ob or ob + b.size_bytes <= oa:
                continue
            assert (a.key, b.key) in allowed and ob - oa <= allowed[(a.key, b.key)]


@SETTINGS
@given(chains_with_in_place())
def test_in_place_pairs_never_make_the_arena_larger_than_the_bound(case):
    buffers, pairs = case
    plan = plan_arena(buffers, pairs)
    assert max(b.size_bytes for b in buffers) <= plan.arena_bytes <= plan.lower_bound_bytes


def test_fully_in_place_chain_needs_only_its_largest_buffer():
    buffers = [Buffer(i, 1000, i, i + 1) for i in range(6)]
    pairs = [InPlace(i, i + 1, 0) for i in range(5)]
    assert plan_arena(buffers, pairs).arena_bytes == 1000
