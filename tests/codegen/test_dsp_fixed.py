"""The fixed-point spectral kernels (dsp/fx_fft.c, dsp/fx_features.c), built with the host gcc,
equal their numpy emulation (nodes.dsp_fixed, what the host executor runs for a "fixed" plan stage)
bit for bit, on random inputs of any level, and stay close to the float reference on noise."""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.emitters.dsp_host import node_on_host
from nodes import dsp_fixed as fixed
from nodes.base import FIXED, Mode, RunState, node_type

FIXED_STATE = RunState(Mode.FRAME, (), FIXED)

CASES = {
    "spectrum-128-hann-3ch": ("dsp.spectrum", {"n_fft": 128}, (128, 3)),
    "spectrum-256-log-rect": ("dsp.spectrum", {"n_fft": 256, "log": True, "window": "none", "bins": 100}, (200, 1)),
    "mfe-log": ("dsp.mfe", {}, (4000, 1)),
    "mfe-power-linear": ("dsp.mfe", {"log": False, "spectrum": "power"}, (4000, 1)),
    "mfcc-kws": ("dsp.mfcc", {}, (4000, 1)),
    "mfcc-13-of-20-n512": ("dsp.mfcc", {"n_mfcc": 13, "n_mels": 20, "n_fft": 512, "frame_length": 400,
                                        "frame_stride": 160, "fmax_hz": 0.0}, (4000, 1)),
}


@functools.lru_cache(maxsize=None)
def _node(case: str):
    type_id, props, shape = CASES[case]
    return node_on_host(type_id, props, shape, 2.0, node_id=case.replace("-", "_"), arithmetic=FIXED)


def _signal(shape, seed: int, level_db: float, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = shape[0]
    if kind == "noise":
        x = rng.uniform(-1.0, 1.0, shape)
    elif kind == "tones":
        t = np.arange(n)[:, None]
        x = sum(rng.uniform(0.1, 1.0) * np.sin(2 * np.pi * rng.uniform(0.0, 0.5) * t + rng.uniform(0, 6))
                for _ in range(3)) * np.ones(shape)
    elif kind == "sparse":
        x = np.zeros(shape)
        idx = rng.integers(0, n, 5)
        x[idx] = rng.uniform(-1.0, 1.0, (5, shape[1]))
    else:  # a burst: silence, then noise (some short frames silent, some not)
        x = np.zeros(shape)
        x[n // 2:] = rng.normal(0.0, 0.3, (n - n // 2, shape[1]))
    return (x * 10.0 ** (level_db / 20.0)).astype(np.float32)


def _assert_bit_exact(case: str, x: np.ndarray) -> None:
    node = _node(case)
    got = node.run(x)[0]
    want = node_type(node.type_id)().transform(x, node.props, FIXED_STATE)
    assert got.shape == want.shape
    diff = got.view(np.uint32) != want.view(np.uint32)
    assert not diff.any(), f"{case}: {int(diff.sum())} of {got.size} values differ, e.g. C {got[diff][:3]} numpy {want[diff][:3]}"


_inputs = dict(seed=st.integers(0, 2 ** 32 - 1), level_db=st.floats(-140.0, 20.0),
               kind=st.sampled_from(["noise", "tones", "sparse", "burst"]))


@settings(max_examples=25, deadline=None)
@given(**_inputs)
def test_fixed_spectrum_c_equals_numpy_bit_for_bit(seed, level_db, kind):
    for case in ("spectrum-128-hann-3ch", "spectrum-256-log-rect"):
        _assert_bit_exact(case, _signal(CASES[case][2], seed, level_db, kind))


@settings(max_examples=25, deadline=None)
@given(**_inputs)
def test_fixed_mfe_c_equals_numpy_bit_for_bit(seed, level_db, kind):
    for case in ("mfe-log", "mfe-power-linear"):
        _assert_bit_exact(case, _signal(CASES[case][2], seed, level_db, kind))


@settings(max_examples=25, deadline=None)
@given(**_inputs)
def test_fixed_mfcc_c_equals_numpy_bit_for_bit(seed, level_db, kind):
    for case in ("mfcc-kws", "mfcc-13-of-20-n512"):
        _assert_bit_exact(case, _signal(CASES[case][2], seed, level_db, kind))


def test_fixed_kernels_treat_non_finite_and_subnormal_input_as_silence():
    x = np.zeros((4000, 1), np.float32)
    x[10], x[900], x[2000] = np.inf, np.nan, np.float32(1e-42)
    _assert_bit_exact("mfcc-kws", x)
    want = node_type("dsp.mfe")().transform(x, _node("mfe-log").props, FIXED_STATE)
    floor = fixed.to_float(np.array([fixed.ln_floor_q10(1e-6)]), -fixed.LOG_Q)[0]
    assert np.all(want == floor) and abs(float(floor) - np.log(1e-6)) < 1e-3


def test_fixed_mfcc_of_noise_is_within_1e_3_of_the_float_peak():
    node = _node("mfcc-kws")
    x = _signal((4000, 1), 7, -20.0, "noise")
    got = node.run(x)[0]
    want = node_type("dsp.mfcc")().transform(x, node.props)
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-3


def test_fixed_stage_links_only_integer_kernels_and_q15_tables():
    stage = _node("mfcc-kws").stage
    assert "dsp/fx_fft.c" in stage.sources and "dsp/fx_features.c" in stage.sources
    assert not {"dsp/fft.c", "dsp/fft_q15.c", "dsp/mfe.c", "dsp/mfcc.c"} & set(stage.sources)
    assert "static const float" not in stage.declarations


def _exact_on(type_id: str, props: dict, shape: tuple[int, ...], x: np.ndarray) -> None:
    node = node_on_host(type_id, props, shape, 2.0, arithmetic=FIXED)
    got = node.run(x)[0]
    want = node_type(type_id)().transform(x, node.props, FIXED_STATE)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), (props, shape)


@settings(max_examples=12, deadline=None)
@given(n_fft=st.sampled_from([16, 32, 64, 256]), data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_fixed_spectrum_of_any_size_window_and_bins_equals_numpy(n_fft, data, seed):
    n = data.draw(st.integers(2, n_fft), label="frame samples")
    channels = data.draw(st.integers(1, 2), label="channels")
    props = {"n_fft": n_fft, "window": data.draw(st.sampled_from(["hann", "none"])),
             "bins": data.draw(st.integers(0, n_fft // 2 + 1)), "log": data.draw(st.booleans()),
             "log_floor": data.draw(st.sampled_from([1e-6, 1e-3, 0.5]))}
    x = (np.random.default_rng(seed).normal(0.0, 1.0, (n, channels)) * 10.0 ** data.draw(st.floats(-6, 2))
         + data.draw(st.floats(-10, 10))).astype(np.float32)   # with a DC offset, as accelerometers have
    _exact_on("dsp.spectrum", props, (n, channels), x)


@settings(max_examples=10, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_fixed_mel_features_of_any_configuration_equal_numpy(data, seed):
    n_fft = data.draw(st.sampled_from([256, 512]))
    frame = data.draw(st.integers(64, n_fft))
    props = {"n_fft": n_fft, "frame_length": frame, "frame_stride": data.draw(st.integers(frame // 2, frame)),
             "n_mels": data.draw(st.integers(4, 24)), "spectrum": data.draw(st.sampled_from(["magnitude", "power"])),
             "sample_rate_hz": 8000.0, "fmin_hz": 0.0, "fmax_hz": 0.0,
             "log_floor": data.draw(st.sampled_from([1e-30, 1e-6, 1.0]))}
    mfcc = data.draw(st.booleans())
    if mfcc:
        props["n_mfcc"] = data.draw(st.integers(1, props["n_mels"]))
    else:
        props["log"] = data.draw(st.booleans())
    x = (np.random.default_rng(seed).normal(0.0, 0.3, (2000, 1)) * 10.0 ** data.draw(st.floats(-5, 1))).astype(np.float32)
    _exact_on("dsp.mfcc" if mfcc else "dsp.mfe", props, (2000, 1), x)
