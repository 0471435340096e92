"""The fixed-point arithmetic of the spectral nodes (spectrum, MFE, MFCC) on cores without an FPU:
the bit-exact numpy emulation of codegen/runtime/dsp/fx_fft.c and fx_features.c, in int64.

A plan stage whose ``arithmetic`` is ``"fixed"`` (``nodes.base.arithmetic_for``: a node with a
fixed-point kernel on a board profile with ``fpu: false``) runs these functions on the host and the
C on the device, so device = host holds exactly. The steps, per short frame (each row here):

1. block-floating-point input: the float32 samples become Q15 with one power-of-two scale per frame,
   chosen from the peak's exponent so the peak sits in [2^14, 2^15) (read from the float's bits, no
   float arithmetic): q = round-half-away(x * 2^s), s = 15 - e, peak < 2^e;
2. the Hann window in Q15: (q * w + 2^14) >> 15; then the frame is shifted up while its peak stays
   at most ``BUTTERFLY_PEAK`` (quiet frames keep their resolution);
3. the complex FFT of n_fft / 2 points on int16 (re, im) pairs, radix 2, decimation in time, twiddles
   in Q15 with rounded products ((a * w + 2^14) >> 15; the twiddle of j = 0 is exactly 1); before
   each stage the whole block is shifted right, rounded ((v + 2^(h-1)) >> h), by the smallest h
   that brings its peak within ``BUTTERFLY_PEAK`` (a butterfly grows a component at most 1 + sqrt 2
   times); the C tracks each stage's output peak as it writes it;
4. the same shift to ``SPLIT_PEAK``, then the split that makes the real FFT, in int32, giving
   2 X[k] for the bins used;
5. |X| (or |X|^2) with one exponent per frame: every component shifted right by the same ``drop``
   so the largest is at most ``MAGNITUDE_PEAK``, then floor(sqrt(re^2 + im^2)) in 32 bits;
6. mel energies: sum of |X| * weight (weights in Q15) in a 64-bit accumulator;
7. natural log in Q10: the integer log2 (leading bit, then a 65-entry table of log2(1 + i/64) in
   Q16 with linear interpolation), times ln 2 in Q16, floored at round(ln(log_floor) * 1024) and
   clamped to +-65535 (|ln| < 64);
8. the DCT in Q15: sum of log_q10 * dct_q15 (each product fits 32 bits) in 64 bits;
9. each output becomes a float32 from its integer and power-of-two exponent, rounded to 24 bits
   (half up) on the bits; results below the normal range flush to 0.

A silent frame (peak zero, subnormal or not finite) has every |X| = 0 (and log features at the floor).
"""
from __future__ import annotations

import math

import numpy as np

BUTTERFLY_PEAK = 13572   # (1 + sqrt 2) * 13572 + rounding < 2^15
SPLIT_PEAK = 16383       # the split adds two components before a Q15 product: < 2^31
MAGNITUDE_PEAK = 46340   # 2 * 46340^2 < 2^32: re^2 + im^2 fits a uint32
LOG_Q = 10               # log features carry 10 fractional bits
LOG_LIMIT = 65535        # |ln| < 64 in Q10, so log_q10 * dct_q15 fits an int32
LN2_Q16 = 45426          # round(ln 2 * 2^16)
LOG2_SEGMENTS = 64


def q15(values) -> np.ndarray:
    """Values in [-1, 1] as Q15 (round to nearest, 1.0 saturating to 32767)."""
    return np.clip(np.round(np.asarray(values, np.float64) * 32768.0), -32767, 32767).astype(np.int16)


def log2_table() -> np.ndarray:
    """log2(1 + i / 64) in Q16 for i = 0 … 64: the table of the integer log."""
    i = np.arange(LOG2_SEGMENTS + 1, dtype=np.float64)
    return np.round(np.log2(1.0 + i / LOG2_SEGMENTS) * 65536.0).astype(np.int32)


def ln_floor_q10(log_floor: float) -> int:
    return int(max(-LOG_LIMIT, min(LOG_LIMIT, round(math.log(log_floor) * (1 << LOG_Q)))))


def _msb(v: np.ndarray) -> np.ndarray:
    """Index of the leading set bit of each positive int64 (exact, also above 2^53)."""
    v = np.asarray(v, np.int64)
    n = (np.frexp(v.astype(np.float64))[1] - 1).astype(np.int64)
    n = np.where((v >> np.clip(n, 0, 62)) == 0, n - 1, n)   # the float rounded up past a power of 2
    return np.where((v >> np.clip(n + 1, 0, 62)) > 0, n + 1, n)


def _isqrt(p: np.ndarray) -> np.ndarray:
    """floor(sqrt(p)) of int64 values below 2^32."""
    r = np.floor(np.sqrt(p.astype(np.float64))).astype(np.int64)
    r = np.where(r * r > p, r - 1, r)
    return np.where((r + 1) * (r + 1) <= p, r + 1, r)


def _round_mul(a: np.ndarray, w) -> np.ndarray:
    return (a * w + (1 << 14)) >> 15


def _shift_for(peak: np.ndarray, limit: int) -> np.ndarray:
    """Per row, the smallest h with (peak + 2^(h-1)) >> h <= limit: the rounded right shift that brings
    the block within limit (no value's rounded shift exceeds its peak magnitude's)."""
    h = np.zeros(peak.shape, np.int64)
    while True:
        more = ((peak + ((np.int64(1) << h) >> 1)) >> h) > limit
        if not more.any():
            return h
        h += more


def _rounded_shift(v: np.ndarray, h: np.ndarray) -> np.ndarray:
    return (v + ((np.int64(1) << h) >> 1)[:, None]) >> h[:, None]


def _peak(re: np.ndarray, im: np.ndarray) -> np.ndarray:
    return np.maximum(np.abs(re).max(axis=1), np.abs(im).max(axis=1))


def _to_q15_block(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row of float32 samples as Q15 times 2^s (s per row); returns (q, s, silent)."""
    bits = np.ascontiguousarray(frames, np.float32).view(np.uint32).astype(np.int64)
    mag = bits & 0x7FFFFFFF
    peak = mag.max(axis=1) if mag.shape[1] else np.zeros(mag.shape[0], np.int64)
    peak_exp = peak >> 23
    silent = (peak_exp == 0) | (peak_exp == 0xFF)
    field = mag >> 23
    mant = (mag & 0x7FFFFF) | 0x800000
    # x * 2^s = mant * 2^(field - 150 + s) with s = 15 - (peak_exp - 126): a right shift of at least 9
    k = (np.where(silent, 150, peak_exp)[:, None] - field + 9)
    shifted = (mant + (np.int64(1) << np.clip(k - 1, 0, 62))) >> np.clip(k, 0, 62)
    q = np.where((field == 0) | (k > 24), 0, np.minimum(shifted, 32767))
    q = np.where(bits >> 31 == 1, -q, q)
    q[silent] = 0
    return q, 15 - (peak_exp - 126), silent


def frame_bins(frames: np.ndarray, window_q15: np.ndarray | None, n_fft: int, n_bins: int, power: bool,
               cos_q15: np.ndarray, msin_q15: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """|X[k]| (or |X[k]|^2) for k < n_bins of each row of ``frames`` (R, n), as integers with one
    exponent per row: value = mags * 2^exp2. Returns (mags int64 (R, n_bins), exp2 (R,), silent (R,))."""
    rows, n = frames.shape
    m = n_fft // 2
    q, s, silent = _to_q15_block(frames)
    if window_q15 is not None:
        q = (q * window_q15.astype(np.int64)[None, :] + (1 << 14)) >> 15
    peak = np.abs(q).max(axis=1) if n else np.zeros(rows, np.int64)
    silent = silent | (peak == 0)
    up = np.zeros(rows, np.int64)
    for _ in range(16):   # shift each quiet row up while its peak stays within BUTTERFLY_PEAK
        more = ~silent & ((peak << (up + 1)) <= BUTTERFLY_PEAK)
        if not more.any():
            break
        up += more
    z = np.zeros((rows, n_fft), np.int64)
    z[:, :n] = q * (np.int64(1) << up)[:, None]
    re, im = z[:, 0::2].copy(), z[:, 1::2].copy()
    order = _bit_reverse(m)
    re, im = re[:, order], im[:, order]
    halvings = np.zeros(rows, np.int64)
    cos64, msin64 = cos_q15.astype(np.int64), msin_q15.astype(np.int64)
    length = 2
    while length <= m:
        half, step = length // 2, n_fft // length
        h = _shift_for(_peak(re, im), BUTTERFLY_PEAK)
        re, im = _rounded_shift(re, h), _rounded_shift(im, h)
        halvings += h
        wr, wi = cos64[np.arange(half) * step], msin64[np.arange(half) * step]
        r3, i3 = re.reshape(rows, m // length, length), im.reshape(rows, m // length, length)
        ar, ai, br, bi = r3[..., :half], i3[..., :half], r3[..., half:], i3[..., half:]
        tr = _round_mul(br, wr) - _round_mul(bi, wi)
        ti = _round_mul(br, wi) + _round_mul(bi, wr)
        tr[..., 0], ti[..., 0] = br[..., 0], bi[..., 0]   # j = 0: the twiddle is exactly 1
        re = np.concatenate([ar + tr, ar - tr], axis=2).reshape(rows, m)
        im = np.concatenate([ai + ti, ai - ti], axis=2).reshape(rows, m)
        length *= 2
    h = _shift_for(_peak(re, im), SPLIT_PEAK)
    re, im = _rounded_shift(re, h), _rounded_shift(im, h)
    halvings += h
    xr, xi = _split(re, im, n_fft, n_bins, cos64, msin64)
    big = np.maximum(np.abs(xr).max(axis=1), np.abs(xi).max(axis=1))
    drop = np.zeros(rows, np.int64)
    while True:
        more = (big >> drop) > MAGNITUDE_PEAK
        if not more.any():
            break
        drop += more
    a, b = np.abs(xr) >> drop[:, None], np.abs(xi) >> drop[:, None]
    p = a * a + b * b
    mags = p if power else _isqrt(p)
    exp2 = halvings - 1 - s - up + drop
    if power:
        exp2 = 2 * exp2
    mags[silent] = 0
    exp2 = np.where(silent, 0, exp2)
    return mags, exp2, silent


def _bit_reverse(m: int) -> np.ndarray:
    bits = max(0, m.bit_length() - 1)
    idx = np.arange(m)
    rev = np.zeros(m, np.int64)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    return rev


def _split(re, im, n_fft, n_bins, cos64, msin64):
    """2 X[k] for k < n_bins from the complex FFT of the even/odd samples (as fx_fft.c orders it:
    bin k first, then bin m - k, so at k = m / 2 the second wins)."""
    rows, m = re.shape
    xr = np.zeros((rows, m + 1), np.int64)
    xi = np.zeros((rows, m + 1), np.int64)
    xr[:, 0] = 2 * (re[:, 0] + im[:, 0])
    xr[:, m] = 2 * (re[:, 0] - im[:, 0])
    k = np.arange(1, m // 2 + 1)
    j = m - k
    ar, ai, br, bi = re[:, k], im[:, k], re[:, j], im[:, j]
    fer, fei, f_or, foi = ar + br, ai - bi, ai + bi, br - ar
    wr, wi = cos64[k], msin64[k]
    tr = _round_mul(f_or, wr) - _round_mul(foi, wi)
    ti = _round_mul(f_or, wi) + _round_mul(foi, wr)
    xr[:, k], xi[:, k] = fer + tr, fei + ti
    xr[:, j], xi[:, j] = fer - tr, -(fei - ti)
    return xr[:, :n_bins], xi[:, :n_bins]


def ln_q10(e: np.ndarray, exp2: np.ndarray, floor_q10: int) -> np.ndarray:
    """round(ln(e * 2^exp2) * 2^10) by the integer log, floored at ``floor_q10`` (also for e = 0)
    and clamped to +-LOG_LIMIT; ``e`` int64 >= 0, ``exp2`` broadcasting against it."""
    e = np.asarray(e, np.int64)
    pos = e > 0
    safe = np.where(pos, e, 1)
    n = _msb(safe)
    y = np.where(n >= 30, safe >> np.clip(n - 30, 0, 62), safe << np.clip(30 - n, 0, 62))
    f = y - (1 << 30)
    idx, r = f >> 24, f & ((1 << 24) - 1)
    table = log2_table().astype(np.int64)
    frac = table[idx] + (((table[idx + 1] - table[idx]) * (r >> 9)) >> 15)
    log2_q16 = (n + exp2) * 65536 + frac
    ln = (log2_q16 * LN2_Q16 + (1 << 21)) >> 22
    ln = np.where(pos, np.maximum(ln, floor_q10), floor_q10)
    return np.clip(ln, -LOG_LIMIT, LOG_LIMIT)


def to_float(v: np.ndarray, exp2) -> np.ndarray:
    """float32 of v * 2^exp2 (v int64, |v| < 2^63), rounded to 24 bits half up on the magnitude;
    below the normal range 0, above it infinity (as fx_features.c assembles it from bits)."""
    v = np.asarray(v, np.int64)
    exp2 = np.broadcast_to(np.asarray(exp2, np.int64), v.shape)
    neg = v < 0
    a = np.abs(v)
    nz = a > 0
    n = _msb(np.where(nz, a, 1))
    drop = np.clip(n - 23, 0, 62)
    rounded = np.where(n > 23, (a + ((np.int64(1) << np.clip(drop - 1, 0, 62)) * (n > 23))) >> drop,
                       a << np.clip(23 - n, 0, 62))
    carry = (rounded >> 24) > 0
    mant = np.where(carry, rounded >> 1, rounded)
    biased = n + carry + exp2 + 127
    bits = (biased.clip(0, 255) << 23) | (mant & 0x7FFFFF)
    bits = np.where(biased < 1, 0, bits)
    bits = np.where(biased > 254, 0x7F800000, bits)
    bits = np.where(nz, bits, 0) | (neg.astype(np.int64) << 31)
    return bits.astype(np.uint32).view(np.float32)


# ---- the nodes ---------------------------------------------------------------------------------

def spectrum(x: np.ndarray, n_fft: int, window: np.ndarray | None, bins: int, log: bool,
             log_floor: float) -> np.ndarray:
    """dsp.spectrum in fixed point: x (n, channels) -> (bins, channels)."""
    cos_q15, msin_q15 = _twiddles_q15(n_fft)
    w = q15(window) if window is not None else None
    mags, exp2, _ = frame_bins(np.ascontiguousarray(x.T), w, n_fft, bins, False, cos_q15, msin_q15)
    if log:
        out = to_float(ln_q10(mags, exp2[:, None], ln_floor_q10(log_floor)), -LOG_Q)
    else:
        out = to_float(mags, exp2[:, None])
    return np.ascontiguousarray(out.T)


def mel_energies(frames: np.ndarray, n_fft: int, window: np.ndarray, filterbank: np.ndarray, power: bool,
                 log: bool, log_floor: float) -> np.ndarray:
    """Mel energies (log in Q10 when ``log``) of each row of ``frames``: int64 (R, n_mels) and the
    exponent per row for linear energies (energy = value * 2^exp)."""
    e, exp2 = mel_integers(frames, n_fft, window, filterbank, power)
    if log:
        return to_float(ln_q10(e, exp2[:, None], ln_floor_q10(log_floor)), -LOG_Q)
    return to_float(e, exp2[:, None])


def mel_integers(frames, n_fft, window, filterbank, power):
    weights = mel_weights_q15(filterbank)
    n_bins = used_bins(filterbank)
    cos_q15, msin_q15 = _twiddles_q15(n_fft)
    mags, exp2, _ = frame_bins(frames, q15(window), n_fft, n_bins, power, cos_q15, msin_q15)
    e = mags @ weights[:, :n_bins].T.astype(np.int64)
    return e, exp2 - 15


def mfcc(frames: np.ndarray, n_fft: int, window: np.ndarray, filterbank: np.ndarray, power: bool,
         log_floor: float, dct: np.ndarray) -> np.ndarray:
    e, exp2 = mel_integers(frames, n_fft, window, filterbank, power)
    log_mel = ln_q10(e, exp2[:, None], ln_floor_q10(log_floor))
    acc = log_mel @ q15(dct).astype(np.int64).T
    return to_float(acc, -(LOG_Q + 15))


def mel_weights_q15(filterbank: np.ndarray) -> np.ndarray:
    """The mel filterbank in Q15 (dense; fx_features.c holds the same numbers as sparse rows)."""
    return q15(filterbank).astype(np.int64)


def used_bins(filterbank: np.ndarray) -> int:
    """Bins up to the last one any mel filter weights: the only |X| the fixed-point MFE computes."""
    from nodes.dsp_tables import sparse_rows

    starts, lengths, _ = sparse_rows(filterbank)
    return max(1, int((starts + lengths).max()))


def _twiddles_q15(n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    from nodes.dsp_tables import fft_twiddles

    cos, msin = fft_twiddles(n_fft)
    return q15(cos), q15(msin)
