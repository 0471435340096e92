"""Data-movement ops (STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, UNPACK, GATHER, DEPTH_TO_SPACE,
SPACE_TO_DEPTH, RESIZE_NEAREST_NEIGHBOR) compile to separable index tables and are bit-exact with
TFLite Micro; the index maps are checked in Python for every index staying inside the input."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.remap import RemapError, separable
from tests.codegen.model.bitexact import fn_int8_tflite, run_both
from tests.codegen.model.test_ops_reduce_elementwise import _ops

pytestmark = pytest.mark.slow

FEW = settings(max_examples=4, deadline=None, derandomize=True, print_blob=True,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _assert_exact(tflite: bytes, op: str) -> None:
    assert op in _ops(tflite), f"the converter did not emit {op}: {_ops(tflite)}"
    ours, ref, _ = run_both(tflite, 24)
    assert ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"max diff {np.abs(ours.astype(int) - ref.astype(int)).max()}"
    assert len(np.unique(ref)) > 1


@FEW
@given(begin=st.integers(0, 3), end=st.integers(5, 9), stride=st.integers(1, 3),
       shrink=st.booleans())
def test_strided_slice_matches_tflm(begin, end, stride, shrink):
    import tensorflow as tf

    if shrink:
        fn = lambda x: tf.identity(x[:, begin, :] * 1.0) * 2.0  # noqa: E731
        op = "STRIDED_SLICE"
    else:
        fn = lambda x: x[:, begin:end:stride, 1:] * 2.0  # noqa: E731
        op = "STRIDED_SLICE"
    _assert_exact(fn_int8_tflite(fn, (9, 4)), op)


def test_slice_matches_tflm():
    import tensorflow as tf

    _assert_exact(fn_int8_tflite(lambda x: tf.slice(x, [0, 2, 1], [1, 5, 2]) * 2.0, (8, 4)), "SLICE")


@pytest.mark.parametrize("shape,axis", [((6, 6), 2), ((4, 6, 3), 2)])
def test_split_into_equal_parts_matches_tflm(shape, axis):
    import tensorflow as tf

    def fn(x):
        a, b, c = tf.split(x * 2.0, 3, axis=axis)
        return c, a, b

    _assert_exact(fn_int8_tflite(fn, shape), "SPLIT")


def test_split_v_matches_tflm():
    import tensorflow as tf

    def fn(x):
        a, b = tf.split(x, [2, 5], axis=1)
        return b, a

    _assert_exact(fn_int8_tflite(fn, (7, 3)), "SPLIT_V")


def test_unpack_of_timesteps_matches_tflm():
    import tensorflow as tf

    def fn(x):
        steps = tf.unstack(x * 2.0, axis=1)
        return steps[3], steps[0], steps[1], steps[2]

    _assert_exact(fn_int8_tflite(fn, (4, 5)), "UNPACK")


def test_gather_with_constant_indices_matches_tflm():
    import tensorflow as tf

    _assert_exact(fn_int8_tflite(lambda x: tf.gather(x, [3, 0, 2, 2], axis=2), (3, 5)), "GATHER")


@pytest.mark.parametrize("kind", ["DEPTH_TO_SPACE", "SPACE_TO_DEPTH"])
def test_depth_space_rearrangements_match_tflm(kind):
    import tensorflow as tf

    if kind == "DEPTH_TO_SPACE":
        tflite = fn_int8_tflite(lambda x: tf.nn.depth_to_space(x, 2), (3, 4, 8))
    else:
        tflite = fn_int8_tflite(lambda x: tf.nn.space_to_depth(x, 2), (4, 6, 3))
    _assert_exact(tflite, kind)


@pytest.mark.parametrize("size,method", [((7, 9), "new"), ((2, 3), "new"), ((8, 12), "align")])
def test_resize_nearest_neighbor_matches_tflm(size, method):
    import tensorflow as tf

    if method == "align":
        fn = lambda x: tf.compat.v1.image.resize_nearest_neighbor(x, size, align_corners=True)  # noqa: E731
    else:
        fn = lambda x: tf.image.resize(x, size, method="nearest")  # noqa: E731
    _assert_exact(fn_int8_tflite(fn, (4, 6, 2)), "RESIZE_NEAREST_NEIGHBOR")


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), seed=st.integers(0, 2**31))
def test_a_separable_map_reproduces_every_index_and_a_scrambled_one_is_refused(shape, seed):
    rng = np.random.default_rng(seed)
    tables = [rng.integers(0, 5, size=d) * (10 ** k) for k, d in enumerate(shape)]
    m = sum(t.reshape([-1 if j == k else 1 for j in range(len(shape))]) for k, t in enumerate(tables))
    n = int(m.max()) + 1
    sep = separable(m, n)
    rebuilt = np.zeros(sep.dims, dtype=np.int64)
    for k, t in enumerate(sep.tables):
        view = [1] * len(sep.dims)
        view[k] = sep.dims[k]
        rebuilt = rebuilt + t.astype(np.int64).reshape(view)
    assert np.array_equal(rebuilt.reshape(m.shape), m)
    with pytest.raises(RemapError):
        separable(m, int(m.max()))  # an index past the end of the input
    if sum(d > 1 for d in m.shape) >= 2 and len(np.unique(m)) > 2:
        flat = m.reshape(-1).copy()
        flat[-1] = flat[-1] + n  # not a sum of per-axis tables any more (nor inside the input)
        with pytest.raises(RemapError):
            separable(flat.reshape(m.shape), 2 * n + 1)
