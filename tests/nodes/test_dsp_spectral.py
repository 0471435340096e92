"""FFT spectrum, mel energies and MFCC: tables, shape rules and references checked against
independent straightforward computations (direct DFT, explicit mel and DCT formulas)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.fft

from nodes import dsp_tables as tables
from nodes.base import NodeError, TensorSpec
from nodes.dsp import MEL_CONFIG_BYTES, MFCC_CONFIG_BYTES
from tests.nodes.node_helpers import frame, make, stream

# ---- tables -------------------------------------------------------------------------------------


def test_hann_window_is_periodic():
    np.testing.assert_allclose(tables.hann_window(4), [0.0, 0.5, 1.0, 0.5], atol=1e-7)


def test_dct_matrix_equals_scipy_orthonormal_dct():
    x = np.random.default_rng(2).normal(size=40)
    expected = scipy.fft.dct(x, type=2, norm="ortho")[:13]
    np.testing.assert_allclose(tables.dct_matrix(13, 40) @ x, expected, rtol=1e-5, atol=1e-5)


def test_fft_twiddles_are_unit_roots():
    cos, sin = tables.fft_twiddles(8)
    np.testing.assert_allclose(cos, [1, math.sqrt(0.5), 0, -math.sqrt(0.5)], atol=1e-7)
    np.testing.assert_allclose(sin, [0, -math.sqrt(0.5), -1, -math.sqrt(0.5)], atol=1e-7)


def test_sparse_rows_rebuild_the_filterbank():
    fb = tables.mel_filterbank(512, 20, 8000.0, 20.0, 4000.0)
    starts, lengths, weights = tables.sparse_rows(fb)
    rebuilt = np.zeros_like(fb)
    offset = 0
    for j, (s, n) in enumerate(zip(starts, lengths)):
        rebuilt[j, s:s + n] = weights[offset:offset + n]
        offset += n
    np.testing.assert_array_equal(rebuilt, fb)


def _mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def _explicit_filterbank(n_fft, n_mels, rate, fmin, fmax):
    lo, hi = _mel(fmin), _mel(fmax)
    edges = [lo + (hi - lo) * i / (n_mels + 1) for i in range(n_mels + 2)]
    fb = np.zeros((n_mels, n_fft // 2 + 1))
    for j in range(n_mels):
        a, b, c = edges[j], edges[j + 1], edges[j + 2]
        for k in range(n_fft // 2 + 1):
            m = _mel(k * rate / n_fft)
            if a < m <= b:
                fb[j, k] = (m - a) / (b - a)
            elif b < m < c:
                fb[j, k] = (c - m) / (c - b)
    return fb


def test_mel_filterbank_matches_the_explicit_triangle_formula():
    np.testing.assert_allclose(tables.mel_filterbank(256, 12, 8000.0, 100.0, 3500.0),
                               _explicit_filterbank(256, 12, 8000.0, 100.0, 3500.0), atol=1e-6)


# ---- spectrum -----------------------------------------------------------------------------------


def _tone(n, bin_, n_fft, amplitude):
    return (amplitude * np.cos(2 * np.pi * bin_ * np.arange(n) / n_fft)).astype(np.float32)


def test_spectrum_of_a_pure_tone_peaks_at_its_bin_with_amplitude_times_half_n():
    node, p = make("dsp.spectrum", n_fft=256, window="none")
    mag = node.transform(_tone(256, 16, 256, 0.5)[:, None], p)
    assert mag.shape == (129, 1)
    assert int(mag[:, 0].argmax()) == 16
    assert mag[16, 0] == pytest.approx(0.5 * 256 / 2, rel=1e-5)
    assert np.delete(mag[:, 0], 16).max() < 1e-3


def test_hann_windowed_tone_reads_a_quarter_of_n_times_amplitude():
    node, p = make("dsp.spectrum", n_fft=256, window="hann")
    mag = node.transform(_tone(256, 20, 256, 2.0)[:, None], p)
    assert mag[20, 0] == pytest.approx(2.0 * 256 / 4, rel=1e-5)
    assert mag[19, 0] == pytest.approx(2.0 * 256 / 8, rel=1e-4)  # Hann's main lobe: half on each neighbour


def test_spectrum_keeps_requested_bins_and_takes_the_log():
    node, p = make("dsp.spectrum", n_fft=64, window="none", bins=10, log=True, log_floor=1e-3)
    x = _tone(64, 4, 64, 1.0)[:, None]
    out = node.transform(x, p)
    assert out.shape == (10, 1)
    assert out[4, 0] == pytest.approx(math.log(32.0), rel=1e-5)
    assert out[0, 0] == pytest.approx(math.log(1e-3), rel=1e-4)


def test_spectrum_transforms_each_channel():
    node, p = make("dsp.spectrum", n_fft=64, window="none")
    x = np.stack([_tone(64, 3, 64, 1.0), _tone(64, 9, 64, 1.0)], axis=1)
    out = node.transform(x, p)
    assert list(out.argmax(axis=0)) == [3, 9]


def test_spectrum_infer_gives_bins_by_channels():
    node, p = make("dsp.spectrum", n_fft=128, bins=0)
    assert node.infer(frame(100, 3, 2.0), p, None)["out"] == TensorSpec((65, 3), "f32", 2.0)


def test_spectrum_refuses_frames_longer_than_the_fft():
    node, p = make("dsp.spectrum", n_fft=64)
    with pytest.raises(NodeError, match="raise n_fft to at least 128") as e:
        node.infer(frame(100, 1), p, None)
    assert e.value.port == "in"


def test_spectrum_on_a_stream_asks_for_a_window():
    node, p = make("dsp.spectrum")
    with pytest.raises(NodeError, match="put a Window node before it"):
        node.infer(stream(1, 100.0), p, None)


def test_spectrum_refuses_more_bins_than_the_fft_has():
    node, p = make("dsp.spectrum", n_fft=32, bins=40)
    with pytest.raises(NodeError, match="17 bins"):
        node.infer(frame(32, 1), p, None)


# ---- MFE / MFCC ---------------------------------------------------------------------------------

SMALL = dict(sample_rate_hz=8000.0, frame_length=256, frame_stride=128, n_fft=512, n_mels=20,
             fmin_hz=50.0, fmax_hz=3800.0, log_floor=1e-6)


def _independent_mfcc(signal, cfg, n_mfcc):
    """Framing by slicing, Hann by math.cos, a direct DFT, explicit triangles, log, explicit DCT."""
    L, S, N = cfg["frame_length"], cfg["frame_stride"], cfg["n_fft"]
    window = np.array([0.5 - 0.5 * math.cos(2 * math.pi * i / L) for i in range(L)])
    k = np.arange(N // 2 + 1)[:, None]
    n = np.arange(L)[None, :]
    dft = np.exp(-2j * np.pi * k * n / N)  # zero padding to N: the padded samples add nothing
    fb = _explicit_filterbank(N, cfg["n_mels"], cfg["sample_rate_hz"], cfg["fmin_hz"], cfg["fmax_hz"])
    M = cfg["n_mels"]
    rows = []
    start = 0
    while start + L <= len(signal):
        mag = np.abs(dft @ (signal[start:start + L] * window))
        log_mel = np.log(np.maximum(fb @ mag, cfg["log_floor"]))
        rows.append([sum(log_mel[m] * math.cos(math.pi * c * (2 * m + 1) / (2 * M)) for m in range(M))
                     * math.sqrt((1 if c == 0 else 2) / M) for c in range(n_mfcc)])
        start += S
    return np.array(rows)


@pytest.fixture(scope="module")
def chirp():
    t = np.arange(2000) / 8000.0
    rng = np.random.default_rng(3)
    return (0.6 * np.sin(2 * np.pi * (300 + 1500 * t) * t) + 0.05 * rng.normal(size=t.size)).astype(np.float32)


def test_mfcc_matches_an_independent_direct_computation(chirp):
    node, p = make("dsp.mfcc", n_mfcc=8, **SMALL)
    ours = node.transform(chirp[:, None], p)
    expected = _independent_mfcc(chirp.astype(np.float64), SMALL, 8)
    assert ours.shape == expected.shape == (14, 8)
    np.testing.assert_allclose(ours, expected, rtol=1e-3, atol=2e-3)


def test_mfe_is_the_exponent_of_the_log_mel_energies(chirp):
    mfe, p = make("dsp.mfe", log=False, **SMALL)
    log_mfe, pl = make("dsp.mfe", log=True, **SMALL)
    energies = mfe.transform(chirp, p)
    assert energies.shape == (14, 20) and energies.min() >= 0.0
    np.testing.assert_allclose(np.log(np.maximum(energies, 1e-6)), log_mfe.transform(chirp, pl), rtol=1e-5)


def test_mfe_of_silence_sits_at_the_log_floor():
    node, p = make("dsp.mfe", **SMALL)
    out = node.transform(np.zeros(1024, np.float32), p)
    np.testing.assert_allclose(out, np.log(1e-6), rtol=1e-6)


def test_mfcc_defaults_give_the_keyword_spotting_49_by_10():
    node, p = make("dsp.mfcc")
    spec = node.infer(frame(16000, 1, 2.0), p, None)["out"]
    assert spec == TensorSpec((49, 10), "f32", 2.0)
    x = np.random.default_rng(4).uniform(-1, 1, 16000).astype(np.float32)
    assert node.transform(x[:, None], p).shape == (49, 10)


def test_mfcc_refuses_more_coefficients_than_mel_bands():
    node, p = make("dsp.mfcc", n_mels=8, n_mfcc=10)
    with pytest.raises(NodeError, match="n_mfcc 10 cannot exceed n_mels 8"):
        node.infer(frame(16000, 1), p, None)


def test_mfcc_refuses_a_frame_longer_than_the_fft():
    node, p = make("dsp.mfcc", frame_length=640, n_fft=512)
    with pytest.raises(NodeError, match="raise n_fft to 1024"):
        node.infer(frame(16000, 1), p, None)


def test_mfcc_refuses_more_than_one_channel():
    node, p = make("dsp.mfcc")
    with pytest.raises(NodeError, match="one audio channel") as e:
        node.infer(frame(16000, 3), p, None)
    assert e.value.port == "in"


def test_mfcc_refuses_a_window_shorter_than_one_frame():
    node, p = make("dsp.mfcc")
    with pytest.raises(NodeError, match="fewer than one frame"):
        node.infer(frame(600, 1), p, None)


def test_mfcc_reports_mel_filters_left_empty_by_a_small_fft():
    node, p = make("dsp.mfcc", frame_length=64, frame_stride=32, n_fft=64, n_mels=64, n_mfcc=10)
    with pytest.raises(NodeError, match="lower n_mels or raise n_fft"):
        node.infer(frame(16000, 1), p, None)


def test_mfcc_refuses_fmax_above_nyquist():
    node, p = make("dsp.mfcc", sample_rate_hz=8000.0, fmax_hz=6000.0)
    with pytest.raises(NodeError, match="4000 Hz"):
        node.infer(frame(8000, 1), p, None)


def test_mfcc_costs_more_flash_than_mfe_by_its_dct_table():
    mfcc, pc = make("dsp.mfcc")
    mfe, pe = make("dsp.mfe")
    inp = frame(16000, 1, 2.0)
    c_mfcc = mfcc.cost(inp, mfcc.infer(inp, pc, None), pc, None)
    c_mfe = mfe.cost(inp, mfe.infer(inp, pe, None), pe, None)
    assert c_mfcc.detail["table_bytes"] - c_mfe.detail["table_bytes"] == 4 * 10 * 40 + MFCC_CONFIG_BYTES
    assert c_mfcc.ops > c_mfe.ops > 49 * 1024


def test_mfcc_c_tables_hold_exactly_what_the_reference_uses():
    node, p = make("dsp.mfcc")
    t = node.c_tables(p)
    rebuilt = np.zeros((40, 513), np.float32)
    offset = 0
    for j, (s, n) in enumerate(zip(t["mel_start"], t["mel_length"])):
        rebuilt[j, s:s + n] = t["mel_weights"][offset:offset + n]
        offset += n
    np.testing.assert_array_equal(rebuilt, node.filterbank(p))
    np.testing.assert_array_equal(t["window"], tables.hann_window(640))
    np.testing.assert_array_equal(t["dct"], tables.dct_matrix(10, 40))
    assert t["twiddle_cos"].size == 512


def test_mfcc_flash_cost_counts_its_tables_and_config_byte_for_byte():
    node, p = make("dsp.mfcc")
    inp = frame(16000, 1, 2.0)
    cost = node.cost(inp, node.infer(inp, p, None), p, None)
    tables_bytes = sum(a.nbytes for a in node.c_tables(p).values())
    assert cost.detail["table_bytes"] == tables_bytes + MEL_CONFIG_BYTES + MFCC_CONFIG_BYTES


@pytest.mark.slow
def test_mfcc_equals_tensorflow_signal_pipeline_except_its_c0_scaling():
    import tensorflow as tf

    node, p = make("dsp.mfcc")
    x = np.random.default_rng(9).uniform(-1, 1, 16000).astype(np.float32)
    stft = tf.signal.stft(x, frame_length=640, frame_step=320, fft_length=1024, window_fn=tf.signal.hann_window)
    mel = tf.tensordot(tf.abs(stft), tf.signal.linear_to_mel_weight_matrix(40, 513, 16000.0, 20.0, 4000.0), 1)
    theirs = tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(tf.maximum(mel, 1e-6)))[:, :10].numpy()
    theirs[:, 0] /= np.sqrt(2.0)  # TF scales every coefficient by sqrt(2/N); orthonormal c0 uses sqrt(1/N)
    np.testing.assert_allclose(node.transform(x[:, None], p), theirs, atol=1e-4)
