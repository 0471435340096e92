"""Parity of the frequency-domain DSP C kernels (FFT spectrum, mel energies, MFCC) with the numpy
references, on the host through the generated stage code.

The C FFT works in float32, numpy's in float64. Its error is about eps·log2(n_fft)·‖frame‖, so it is
judged against the output's peak: linear spectra and mel energies to 1e-6 of the peak; MFCCs to
1e-3 of the peak (measured: 2e-4 on a pure tone, 3e-7 on noise). A log output cannot be judged
relatively where the true energy lies below the float32 noise floor (the far side of a pure tone or
of DC, near log_floor): there the check is made on the linear values, exp(output), to 1e-5 of the
peak energy plus 1e-4 relative.
"""
from __future__ import annotations

import numpy as np
import pytest

from codegen.emitters.dsp_host import check_signals, node_on_host
from nodes.base import node_type

RATE_HZ = 16000.0
KWS = {}  # the defaults: 16 kHz, 1 s window, 640/320 framing, n_fft 1024, 40 mels, 10 MFCCs
SMALL_AUDIO = {"sample_rate_hz": 8000.0, "frame_length": 200, "frame_stride": 100, "n_fft": 256,
               "n_mels": 24, "fmax_hz": 0.0}


def reference(type_id: str, x: np.ndarray, props: dict) -> np.ndarray:
    return node_type(type_id)().transform(x, props)


def peak_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| over the peak |want| (the absolute error when the output is all zero)"""
    err = float(np.max(np.abs(got.astype(np.float64) - want)))
    peak = float(np.max(np.abs(want)))
    return err / peak if peak > 0 else err


def assert_log_close_in_linear_domain(got: np.ndarray, want: np.ndarray, name: str) -> None:
    lin_got, lin_want = np.exp(got.astype(np.float64)), np.exp(want.astype(np.float64))
    bound = 1e-5 * lin_want.max() + 1e-4 * lin_want
    assert np.all(np.abs(lin_got - lin_want) <= bound), name


@pytest.fixture(scope="module")
def kws_mfcc():
    return node_on_host("dsp.mfcc", KWS, (16000, 1), 2.0)


@pytest.mark.parametrize("signal", ["random", "full_scale", "dc", "impulse", "tone"])
def test_kws_mfcc_is_within_1e_3_of_the_peak_on_non_silent_input(kws_mfcc, signal):
    x = check_signals(16000, 1, RATE_HZ, seed=1)[signal]
    got = kws_mfcc.run(x)[0]
    assert got.shape == (49, 10)
    assert peak_error(got, reference("dsp.mfcc", x, kws_mfcc.props)) < 1e-3


def test_kws_mfcc_of_silence_sits_on_the_log_floor(kws_mfcc):
    x = np.zeros((16000, 1), np.float32)
    got, want = kws_mfcc.run(x)[0], reference("dsp.mfcc", x, kws_mfcc.props)
    assert np.max(np.abs(got - want)) < 1e-4 * abs(float(np.log(1e-6))) * np.sqrt(40)


def test_mfcc_with_power_spectrum_and_full_band_matches_reference():
    props = dict(SMALL_AUDIO, spectrum="power", n_mfcc=13)
    stage = node_on_host("dsp.mfcc", props, (1600, 1), 5.0)
    for name, x in check_signals(1600, 1, 8000.0, seed=2).items():
        assert peak_error(stage.run(x)[0], reference("dsp.mfcc", x, stage.props)) < 1e-3, name


@pytest.mark.parametrize("spectrum", ["magnitude", "power"])
def test_linear_mel_energies_are_within_1e_6_of_the_peak(spectrum):
    stage = node_on_host("dsp.mfe", dict(SMALL_AUDIO, spectrum=spectrum, log=False), (1600, 1), 5.0)
    for name, x in check_signals(1600, 1, 8000.0, seed=3).items():
        assert peak_error(stage.run(x)[0], reference("dsp.mfe", x, stage.props)) < 1e-6, name


def test_log_mel_energies_match_in_the_linear_domain_down_to_the_noise_floor():
    stage = node_on_host("dsp.mfe", KWS, (16000, 1), 2.0)
    for name, x in check_signals(16000, 1, RATE_HZ, seed=4).items():
        assert_log_close_in_linear_domain(stage.run(x)[0], reference("dsp.mfe", x, stage.props), name)


@pytest.mark.parametrize("props", [
    {"n_fft": 128, "window": "hann"},
    {"n_fft": 256, "window": "none", "bins": 40},
    {"n_fft": 4096, "window": "hann"},
], ids=["hann-128", "rect-256-40bins", "hann-4096"])
def test_spectrum_magnitude_is_within_1e_6_of_the_peak(props):
    n = min(props["n_fft"], 200) if props["n_fft"] < 4096 else 4000
    stage = node_on_host("dsp.spectrum", props, (n, 3), 1.0)
    for name, x in check_signals(n, 3, RATE_HZ, seed=5).items():
        assert peak_error(stage.run(x)[0], reference("dsp.spectrum", x, stage.props)) < 1e-6, name


def test_log_spectrum_matches_in_the_linear_domain():
    stage = node_on_host("dsp.spectrum", {"n_fft": 256, "log": True, "log_floor": 1e-6}, (200, 2), 1.0)
    for name, x in check_signals(200, 2, RATE_HZ, seed=6).items():
        assert_log_close_in_linear_domain(stage.run(x)[0], reference("dsp.spectrum", x, stage.props), name)


def test_spectrum_of_a_bin_centred_tone_reads_amplitude_times_n_fft_over_4_with_hann():
    n_fft, k, amplitude = 256, 16, 0.8
    stage = node_on_host("dsp.spectrum", {"n_fft": n_fft}, (n_fft, 1), 1.0)
    x = (amplitude * np.cos(2 * np.pi * k * np.arange(n_fft) / n_fft)).astype(np.float32)[:, None]
    got = stage.run(x)[0][:, 0]
    assert abs(got[k] - amplitude * n_fft / 4) < 1e-4 * amplitude * n_fft


def test_mfe_and_mfcc_share_one_fft_kernel_source():
    mfe = node_on_host("dsp.mfe", SMALL_AUDIO, (800, 1), 10.0).stage
    mfcc = node_on_host("dsp.mfcc", dict(SMALL_AUDIO, n_mfcc=8), (800, 1), 10.0).stage
    assert "dsp/fft.c" in mfe.sources and "dsp/fft.c" in mfcc.sources and "dsp/mfe.c" in mfcc.sources
