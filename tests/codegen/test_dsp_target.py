"""The DSP stages on an emulated Cortex-M4F (QEMU mps2-an386), built with the firmware's flags
(gnu11, -Os, hard float: the compiler may fuse multiply-adds, and logf is newlib's), against the
numpy references; and the KWS MFCC built for a Cortex-M0+ (soft float) run on QEMU's Cortex-M3.

Tolerances, over the output's peak |ref| (measured on the target in brackets): window, downsample,
crop and nearest resize exact; normalize 1e-6 [8e-8]; biquad 1e-5 [1e-6]; spectrum and linear mel
energies 1e-6 [2e-7]; MFCC 1e-3 [3e-4, a pure tone]; bilinear resize and grayscale 1e-6 [1e-7];
statistics per feature 1e-5 relative, plus 1e-5 of the frame's peak |x| for mean, rms, min, max and
1e-5 absolute for the dimensionless skew and kurtosis (near-zero skew of noise is float32 noise itself).
"""
from __future__ import annotations

import numpy as np
import pytest

from codegen.emitters.dsp_host import check_signals, node_on_host
from codegen.emitters.dsp_target import M0PLUS_ON_M3, run_on_emulated_m4, tools_available
from nodes.base import node_type
from nodes.dsp import STAT_FEATURES

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc or qemu-system-arm missing")]

CASES = [  # id, type, props, input shape, input rate, tolerance over the peak
    ("window", "dsp.window", {"window": 64, "hop": 24}, (2,), 16000.0, 0.0),
    ("normalize-zscore", "dsp.normalize", {"mode": "zscore", "mean": 0.1, "std": 0.7}, (256, 2), 1.0, 1e-6),
    ("normalize-frame-minmax", "dsp.normalize", {"mode": "frame_minmax"}, (256, 2), 1.0, 1e-6),
    ("biquad-stream", "dsp.biquad", {"kind": "bandpass", "cutoff_hz": 1000.0, "q": 2.0, "stages": 4}, (2,),
     16000.0, 1e-5),
    ("biquad-frame", "dsp.biquad", {"cutoff_hz": 1000.0, "stages": 2}, (256, 2), 1.0, 1e-5),
    ("downsample-stream", "dsp.downsample", {"factor": 4}, (2,), 16000.0, 0.0),
    ("downsample-frame", "dsp.downsample", {"factor": 4, "method": "decimate"}, (256, 2), 1.0, 0.0),
    ("spectrum", "dsp.spectrum", {"n_fft": 1024}, (1000, 2), 1.0, 1e-6),
    ("mfe-linear", "dsp.mfe", {"log": False}, (16000, 1), 2.0, 1e-6),
    ("mfcc-kws", "dsp.mfcc", {}, (16000, 1), 2.0, 1e-3),
]

IMAGE_CASES = [
    ("resize-bilinear", "dsp.resize", {"width": 20, "height": 14}, 1e-6),
    ("resize-nearest", "dsp.resize", {"width": 20, "height": 14, "method": "nearest"}, 0.0),
    ("crop", "dsp.crop", {"x": 3, "y": 2, "width": 20, "height": 14}, 0.0),
    ("grayscale", "dsp.grayscale", {}, 1e-6),
]


def peak_error(got: np.ndarray, want: np.ndarray) -> float:
    err = float(np.max(np.abs(got.astype(np.float64) - want)))
    peak = float(np.max(np.abs(want)))
    return err / peak if peak > 0 else err


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_stage_on_emulated_m4f_matches_reference(case):
    name, type_id, props, shape, rate, tolerance = case
    node = node_on_host(type_id, props, shape, rate)
    ref = node_type(type_id)()
    if len(shape) == 1:  # a stream: every check signal one after the other, through one image
        x = np.concatenate(list(check_signals(500, shape[0], 16000.0, seed=3).values()))
        want = ref.transform(x, node.props)
        got = run_on_emulated_m4(node, x, name).reshape(want.shape)
        assert peak_error(got, want) <= tolerance
        return
    signals = check_signals(shape[0], shape[1], 16000.0, seed=3)
    got = run_on_emulated_m4(node, np.stack(list(signals.values())), name)
    assert got.shape[0] == len(signals)
    for i, (signal, x) in enumerate(signals.items()):
        assert peak_error(got[i], ref.transform(x, node.props)) <= tolerance, signal


@pytest.mark.parametrize("case", IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
def test_image_stage_on_emulated_m4f_matches_reference(case):
    name, type_id, props, tolerance = case
    node = node_on_host(type_id, props, (30, 32, 3), 1.0)
    x = np.random.default_rng(4).uniform(0.0, 255.0, (30, 32, 3)).astype(np.float32)
    got = run_on_emulated_m4(node, x, name)[0]
    assert peak_error(got, node_type(type_id)().transform(x, node.props)) <= tolerance


def test_statistics_on_emulated_m4f_match_the_float64_reference():
    node = node_on_host("dsp.stats", {n: True for n in STAT_FEATURES}, (1000, 2), 1.0)
    signals = check_signals(1000, 2, 16000.0, seed=3)
    noise = np.random.default_rng(5).normal(size=(1000, 2))
    signals["offset_small_spread"] = (1000.0 + 0.01 * noise).astype(np.float32)
    got = run_on_emulated_m4(node, np.stack(list(signals.values())), "stats")
    location = {"mean", "rms", "min", "max"}  # in the units of x; the rest are spreads or dimensionless
    for i, (signal, x) in enumerate(signals.items()):
        want = node_type("dsp.stats")().transform(x, node.props)
        for row, feature in enumerate(STAT_FEATURES):
            atol = 1e-5 * float(np.max(np.abs(x))) if feature in location else (1e-7 if feature == "std" else 1e-5)
            np.testing.assert_allclose(got[i][row], want[row], rtol=1e-5, atol=atol, err_msg=f"{signal} {feature}")


def test_kws_mfcc_in_soft_float_on_a_core_without_fpu_matches_reference():
    node = node_on_host("dsp.mfcc", {}, (16000, 1), 2.0)
    x = check_signals(16000, 1, 16000.0, seed=7)["random"]
    got = run_on_emulated_m4(node, x, "mfcc_m0", core=M0PLUS_ON_M3)[0]
    assert peak_error(got, node_type("dsp.mfcc")().transform(x, node.props)) < 1e-3
