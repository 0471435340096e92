"""The Q15 block-floating-point FFT (dsp/fft_q15.c, opt-in with ``q15_fft``) against the numpy
references.

Stated accuracy (measured in brackets, bench/bench_dsp.py prints more): spectrum signal-to-error
ratio at least 55 dB on every check signal [57 dB for a pure tone with n_fft 1024, 65-87 dB on
noise, DC and impulses]; MFCC within 1e-3 of the peak on noise at any level [6e-5]. Log features of
tonal input are NOT bounded: bands far from a tone sit under the Q15 noise floor (about 70 dB below
the peak) where the float64 reference reaches log_floor, so the float FFT stays the default.
"""
from __future__ import annotations

import numpy as np
import pytest

from codegen.emitters.dsp_host import check_signals, node_on_host
from nodes.base import node_type


def snr_db(got: np.ndarray, want: np.ndarray) -> float:
    noise = float(np.sum((got.astype(np.float64) - want) ** 2))
    signal = float(np.sum(want.astype(np.float64) ** 2))
    return float("inf") if noise == 0.0 else 10.0 * np.log10(signal / noise)


@pytest.mark.parametrize("props,shape", [({"n_fft": 128}, (128, 3)), ({"n_fft": 1024}, (1000, 1)),
                                         ({"n_fft": 4096, "window": "none"}, (4096, 1))],
                         ids=["128-hann-3ch", "1024-hann", "4096-rect"])
def test_q15_spectrum_has_at_least_55_db_signal_to_error(props, shape):
    node = node_on_host("dsp.spectrum", props, shape, 1.0, q15_fft=True)
    signals = check_signals(shape[0], shape[1], 16000.0, seed=5)
    signals["quiet_random"] = signals["random"] * np.float32(1e-3)
    for name, x in signals.items():
        got, want = node.run(x)[0], node_type("dsp.spectrum")().transform(x, node.props)
        if np.any(want):
            assert snr_db(got, want) >= 55.0, name
        else:
            assert not np.any(got), name


@pytest.mark.parametrize("level", [1.0, 1e-3], ids=["full", "quiet"])
def test_q15_mfcc_of_noise_is_within_1e_3_of_the_peak(level):
    node = node_on_host("dsp.mfcc", {}, (16000, 1), 2.0, q15_fft=True)
    x = (np.random.default_rng(6).uniform(-1.0, 1.0, (16000, 1)) * level).astype(np.float32)
    got, want = node.run(x)[0], node_type("dsp.mfcc")().transform(x, node.props)
    assert np.max(np.abs(got - want)) / np.max(np.abs(want)) < 1e-3


def test_q15_fft_stage_links_the_fixed_point_source_and_int16_tables():
    stage = node_on_host("dsp.mfe", {}, (16000, 1), 2.0, q15_fft=True).stage
    assert "dsp/fft_q15.c" in stage.sources and "dsp/fft.c" not in stage.sources
    assert "static const int16_t" in stage.declarations and "static int16_t" in stage.declarations
