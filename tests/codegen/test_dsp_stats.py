"""Parity of the statistics C kernel (float32, blocked sums, moments about the first sample) with
the float64 numpy reference.

Tolerances: mean, rms, min, max within 1e-6 relative plus 1e-6 of the frame's peak |x|; std 1e-6
relative; skew and kurtosis (dimensionless) within 1e-5 relative plus 1e-5 absolute; zero crossings
exact. Measured worst cases are 3e-7, 4e-7 and 4e-5 (relative, skew of nearly symmetric noise).
"""
from __future__ import annotations

import numpy as np
import pytest

from codegen.emitters.dsp_host import check_signals, node_on_host
from nodes.base import node_type
from nodes.dsp import STAT_FEATURES

ALL = {name: True for name in STAT_FEATURES}


@pytest.fixture(scope="module")
def all_stats():
    return node_on_host("dsp.stats", ALL, (1000, 3), 10.0)


def frames() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(8)
    out = check_signals(1000, 3, 100.0, seed=8)
    out["offset_small_spread"] = (1000.0 + 0.01 * rng.normal(size=(1000, 3))).astype(np.float32)
    out["gravity_plus_noise"] = (9.81 + 0.3 * rng.normal(size=(1000, 3))).astype(np.float32)
    out["constant_inexact_sum"] = np.full((1000, 3), 0.1, np.float32)
    return out


def assert_stats_close(got: np.ndarray, want: np.ndarray, x: np.ndarray, name: str) -> None:
    scale = float(np.max(np.abs(x)))
    for row, feature in enumerate(STAT_FEATURES):
        g, w = got[row].astype(np.float64), want[row].astype(np.float64)
        if feature == "zero_crossings":
            np.testing.assert_array_equal(g, w, err_msg=f"{name} {feature}")
        elif feature in ("skew", "kurtosis"):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"{name} {feature}")
        elif feature == "std":
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6 * scale * 1e-3, err_msg=f"{name} {feature}")
        else:
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6 * scale, err_msg=f"{name} {feature}")


@pytest.mark.parametrize("signal", sorted(frames()))
def test_stats_match_the_float64_reference(all_stats, signal):
    x = frames()[signal]
    assert_stats_close(all_stats.run(x)[0], node_type("dsp.stats")().transform(x, all_stats.props), x, signal)


def test_a_constant_frame_has_zero_std_skew_and_kurtosis_and_an_exact_mean(all_stats):
    got = all_stats.run(np.full((1000, 3), 0.1, np.float32))[0]
    rows = {name: got[i] for i, name in enumerate(STAT_FEATURES)}
    assert np.all(rows["mean"] == np.float32(0.1))
    assert np.all(rows["std"] == 0) and np.all(rows["skew"] == 0) and np.all(rows["kurtosis"] == 0)


def test_only_the_selected_statistics_are_written_in_catalogue_order():
    stage = node_on_host("dsp.stats", {"mean": False, "rms": False, "std": False, "min": True, "max": False,
                                       "zero_crossings": True}, (50, 2), 10.0)
    x = np.random.default_rng(9).normal(size=(50, 2)).astype(np.float32)
    got = stage.run(x)[0]
    want = node_type("dsp.stats")().transform(x, stage.props)
    assert got.shape == (2, 2)
    np.testing.assert_array_equal(got, want)
