"""The constant tables and closed-form helpers of the DSP nodes, shared by the numpy references
and the code generator (which emits exactly these tables as C constants).

Everything here is a pure function of its arguments and returns float32 arrays (coefficient sets
are float64 until the caller rounds them), so the C kernels and the references read the same numbers.
"""
from __future__ import annotations

import math

import numpy as np

BIQUAD_KINDS = ("lowpass", "highpass", "bandpass")


def is_power_of_two(n: int) -> bool:
    return n >= 1 and (n & (n - 1)) == 0


def frame_count(n_samples: int, frame: int, hop: int) -> int:
    """How many whole frames of ``frame`` samples, ``hop`` apart, fit in ``n_samples``."""
    if frame < 1 or hop < 1:
        raise ValueError("frame and hop must be at least 1")
    if n_samples < frame:
        return 0
    return 1 + (n_samples - frame) // hop


def hann_window(n: int) -> np.ndarray:
    """Periodic Hann window of ``n`` points (the STFT convention: w[i] = 0.5 - 0.5 cos(2πi/n))."""
    if n < 1:
        raise ValueError("window length must be at least 1")
    i = np.arange(n, dtype=np.float64)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * i / n)).astype(np.float32)


def fft_twiddles(n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """cos and -sin of 2πk/n_fft for k < n_fft/2: the twiddle table of a radix-2 FFT of size n_fft."""
    if not is_power_of_two(n_fft) or n_fft < 2:
        raise ValueError("n_fft must be a power of two ≥ 2")
    k = np.arange(n_fft // 2, dtype=np.float64)
    angle = 2.0 * np.pi * k / n_fft
    return np.cos(angle).astype(np.float32), (-np.sin(angle)).astype(np.float32)


def hz_to_mel(f_hz):
    """HTK mel scale: 2595·log10(1 + f/700)."""
    return 2595.0 * np.log10(1.0 + np.asarray(f_hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_fft: int, n_mels: int, rate_hz: float, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    """Triangular mel filters as a (n_mels, n_fft//2 + 1) float32 matrix; row j weights FFT bins.

    The ``n_mels + 2`` band edges are evenly spaced on the HTK mel scale from fmin to fmax; filter j
    rises from edge j to edge j+1 and falls to edge j+2, linearly *in mel* (each bin's frequency
    k·rate/n_fft is converted to mel first), with a peak weight of 1 and no area normalisation.
    """
    if not 0.0 <= fmin_hz < fmax_hz <= rate_hz / 2.0:
        raise ValueError(f"need 0 ≤ fmin < fmax ≤ rate/2, got fmin={fmin_hz}, fmax={fmax_hz}, rate={rate_hz}")
    n_bins = n_fft // 2 + 1
    edges = np.linspace(hz_to_mel(fmin_hz), hz_to_mel(fmax_hz), n_mels + 2)
    bin_mel = hz_to_mel(np.arange(n_bins) * (rate_hz / n_fft))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_mel[None, :] - lower) / (centre - lower)
    falling = (upper - bin_mel[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


def dct_matrix(n_mfcc: int, n_mels: int) -> np.ndarray:
    """Orthonormal DCT-II as a (n_mfcc, n_mels) float32 matrix (scipy.fft.dct(norm='ortho') rows)."""
    if not 1 <= n_mfcc <= n_mels:
        raise ValueError("need 1 ≤ n_mfcc ≤ n_mels")
    k = np.arange(n_mfcc, dtype=np.float64)[:, None]
    n = np.arange(n_mels, dtype=np.float64)[None, :]
    d = np.cos(np.pi * k * (2.0 * n + 1.0) / (2.0 * n_mels)) * math.sqrt(2.0 / n_mels)
    d[0, :] = math.sqrt(1.0 / n_mels)
    return d.astype(np.float32)


def sparse_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's first nonzero column, its run length (first to last nonzero) and the weights of
    all runs concatenated: how the C side stores a banded matrix such as the mel filterbank."""
    starts, lengths, chunks = [], [], []
    for row in np.asarray(matrix, dtype=np.float32):
        nz = np.flatnonzero(row)
        if nz.size == 0:
            starts.append(0)
            lengths.append(0)
            continue
        a, b = int(nz[0]), int(nz[-1]) + 1
        starts.append(a)
        lengths.append(b - a)
        chunks.append(row[a:b])
    weights = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return np.asarray(starts, np.int32), np.asarray(lengths, np.int32), weights.astype(np.float32)


def biquad_coefficients(kind: str, cutoff_hz: float, q: float, rate_hz: float) -> np.ndarray:
    """RBJ Audio-EQ-Cookbook biquad as float64 [b0, b1, b2, a1, a2], normalised so a0 = 1.

    Band-pass is the constant 0 dB peak gain form; ``cutoff_hz`` is then the centre frequency.
    """
    if kind not in BIQUAD_KINDS:
        raise ValueError(f"biquad kind must be one of {BIQUAD_KINDS}")
    if not 0.0 < cutoff_hz < rate_hz / 2.0:
        raise ValueError("cutoff must lie strictly between 0 and rate/2")
    if q <= 0.0:
        raise ValueError("q must be positive")
    w0 = 2.0 * math.pi * cutoff_hz / rate_hz
    cos_w0, alpha = math.cos(w0), math.sin(w0) / (2.0 * q)
    if kind == "lowpass":
        b = ((1.0 - cos_w0) / 2.0, 1.0 - cos_w0, (1.0 - cos_w0) / 2.0)
    elif kind == "highpass":
        b = ((1.0 + cos_w0) / 2.0, -(1.0 + cos_w0), (1.0 + cos_w0) / 2.0)
    else:
        b = (alpha, 0.0, -alpha)
    a0, a1, a2 = 1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha
    return np.array([b[0] / a0, b[1] / a0, b[2] / a0, a1 / a0, a2 / a0], dtype=np.float64)


def grayscale_weights() -> np.ndarray:
    """ITU-R BT.601 luma weights for R, G, B."""
    return np.array([0.299, 0.587, 0.114], dtype=np.float32)
