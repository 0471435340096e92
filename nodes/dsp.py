"""Signal-processing node types and their numpy references.

Two modes, told apart by the input shape:
- *stream*: the input is one sample ``(channels,)`` per sample period. Nodes that run here keep
  state between samples; their reference takes the whole stream ``(T, channels)`` and returns a
  stream. ``dsp.window`` ends the stream: it emits frames ``(window, channels)`` every ``hop`` samples.
- *frame*: the input is one frame ``(n, channels)``; nodes are stateless and their reference takes
  one frame.

Each node's ``reference(x, p)`` is the float32 truth the C kernel is tested against and the function
that makes training features. Rate-dependent maths (filters, mel scale) uses the node's
``sample_rate_hz`` property, because a frame's TensorSpec carries only the frame rate.

Audio features (``dsp.mfe``, ``dsp.mfcc``) cut the incoming window into short frames of
``frame_length`` samples every ``frame_stride`` samples, weight each by a periodic Hann window of
``frame_length`` points, zero-pad it to ``n_fft`` (a power of two; a frame longer than ``n_fft`` is
refused rather than truncated) and take the magnitude (or power) of its real FFT. For keyword
spotting: 16 kHz, 1 s window, frame_length 640 (40 ms), frame_stride 320 (20 ms), n_fft 1024 →
49 frames × 10 MFCCs. With these settings the MFCCs equal TensorFlow's ``tf.signal`` recipe (stft,
``linear_to_mel_weight_matrix``, log, ``mfccs_from_log_mel_spectrograms``) except coefficient 0,
which TF makes √2 larger (it scales all coefficients by √(2/N); the orthonormal DCT uses √(1/N) for
c0) — a test holds them together. Image nodes live in ``nodes.dsp_image``.

On a core without an FPU (board profile ``fpu: false``) spectrum, MFE and MFCC compute in fixed point
(Q15 block floating point, integer log, Q15 DCT: ``nodes.dsp_fixed``): ``nodes.base.arithmetic_for``
decides it, validation records it on the plan stage, and ``transform`` runs the fixed-point
reference when its ``RunState.arithmetic`` says so, so the host's features equal the device's bit
for bit. Each node states its fixed-point SNR against float (``fixed_snr_db``).
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from nodes import dsp_fixed as fixed
from nodes import dsp_tables as tables
from nodes.dsp_tables import (biquad_coefficients, dct_matrix, fft_twiddles, frame_count,  # noqa: F401
                              hann_window, mel_filterbank, sparse_rows)  # re-exported for codegen
from nodes.base import (FIXED, Mode, Role, RunState, Cost, NodeError, NodeType, Param, Port, TensorSpec, arithmetic_for,
                        register, require_dtype, single_input)

# C code size of each kernel (bytes): the .text of codegen/runtime/dsp/<kernel>.c built with
# arm-none-eabi-gcc 12.2 -Os for cortex-m4 hard-float (measured 2026-11-22), plus ~40 B for its call
# in pipeline.c. libm functions a kernel pulls in are charged separately (LIBM_BYTES); a pipeline
# with several log-using kernels is charged once per kernel, a small overestimate.
CODE_BYTES = {
    "dsp/window": 174,
    "dsp/normalize": 264,
    "dsp/biquad": 194,
    "dsp/fft": 640,
    "dsp/spectrum": 162,
    "dsp/mfe": 232,
    "dsp/mfcc": 156,
    "dsp/stats": 612,
    "dsp/downsample": 342,
    "dsp/delta": 320,   # measured 2026-12-02 (280 B text)
    # the fixed-point kernels run only on cores without an FPU: -Os text for cortex-m0plus (2026-12-06)
    "dsp/fx_fft": 1384,
    "dsp/fx_features": 1368,
}
LIBM_BYTES = {"logf": 700, "sqrtf": 90}  # newlib's logf with its error paths; sqrtf wrapper

# Arithmetic operations charged for one call of a libm function on a Cortex-M4F (soft logf/sqrtf
# cost tens of cycles; the FPU's VSQRT is cheaper but logf dominates the feature extractors).
LOG_OPS = 20
SQRT_OPS = 14

# sizeof() of the runtime's C structs on a 32-bit Cortex-M (4-byte pointers): the one list codegen
# (codegen.emitters.ctables) declares them with and tests/codegen/test_dsp_arm.py checks against the
# compiler. The nodes' costs below are sums of these.
C_STRUCT_BYTES = {
    "tms_window_t": 24,
    "tms_downsample_t": 20,
    "tms_fft_tables_t": 24,
    "tms_spectrum_config_t": 28,
    "tms_mel_config_t": 48,
    "tms_mfcc_config_t": 12,
    "tms_delta_config_t": 24,
    "tms_fx_fft_t": 16,
    "tms_fx_spectrum_config_t": 28,
    "tms_fx_mel_config_t": 52,
    "tms_fx_mfcc_config_t": 12,
}
WINDOW_STATE_BYTES = C_STRUCT_BYTES["tms_window_t"]
DOWNSAMPLE_STATE_BYTES = C_STRUCT_BYTES["tms_downsample_t"] + 4      # struct and the "sample ready" gate
SPECTRUM_CONFIG_BYTES = C_STRUCT_BYTES["tms_spectrum_config_t"] + C_STRUCT_BYTES["tms_fft_tables_t"]
MEL_CONFIG_BYTES = C_STRUCT_BYTES["tms_mel_config_t"] + C_STRUCT_BYTES["tms_fft_tables_t"]
MFCC_CONFIG_BYTES = C_STRUCT_BYTES["tms_mfcc_config_t"]
DELTA_CONFIG_BYTES = C_STRUCT_BYTES["tms_delta_config_t"]

N_FFT_CHOICES = tuple(2 ** k for k in range(4, 13))  # 16 … 4096

_IN = Port("in", ("f32",), "a stream sample (channels,) or a frame (n, channels)")
_OUT = Port("out", ("f32",))


def _as_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        return x[:, None]
    if x.ndim != 2:
        raise ValueError(f"expected (samples,) or (samples, channels), got shape {x.shape}")
    return x


def _is_stream(spec: TensorSpec) -> bool:
    return len(spec.shape) == 1


def _frame_input(inputs: Mapping[str, TensorSpec], title: str) -> TensorSpec:
    spec = single_input(inputs)
    require_dtype(spec, ("f32",))
    if len(spec.shape) != 2:
        raise NodeError(f"{title} works on frames (samples, channels), but its input is "
                        f"{spec.describe()}; put a Window node before it", port="in")
    return spec


def _code(*kernels: str, libm: tuple[str, ...] = ()) -> int:
    return sum(CODE_BYTES[k] for k in kernels) + sum(LIBM_BYTES[f] for f in libm)


def fft_ops(n_fft: int) -> int:
    """Operations of a real FFT of size n_fft done as a complex FFT of n/2 points plus the split."""
    half = n_fft // 2
    butterflies = (half // 2) * int(math.log2(half)) if half >= 2 else 0
    return 10 * butterflies + 10 * half


# Operations of the fixed-point path (dsp/fx_fft.c, dsp/fx_features.c), counted like the float ones:
# per input sample (float bits to Q15, window, shift), per FFT (the float count plus a peak scan of
# the block before each stage), per magnitude bin (a bitwise integer square root), per mel weight
# (one 16x16 multiply-add into 64 bits), per log (leading bit, table, interpolation) and per float
# assembled from bits.
FIXED_SAMPLE_OPS = 6
FIXED_ISQRT_OPS = 40
FIXED_LOG_OPS = 12
FIXED_FLOAT_OPS = 8
# Measured instructions of the fixed-point kernels on the emulated Cortex-M3 (Thumb-2 without an FPU,
# QEMU mps2-an385) x REFERENCE_OPS_PER_CYCLE / the ops above (bench/bench_dsp_fixed.py): 1.49 for the
# kws MFCC (15.4 M instructions per 1 s window) and MFE, 1.65 for an IMU spectrum (3 x 128 points).
# The same code built for a Cortex-M0+ takes 1.3-1.4x the M3's instructions; the board's
# ops_per_cycle (0.15 on the Pico against the reference 0.3) scales it by 2.
FIXED_OPS_WEIGHT = 1.5
FIXED_SPECTRUM_OPS_WEIGHT = 1.65


def fixed_fft_ops(n_fft: int) -> int:
    half = n_fft // 2
    return fft_ops(n_fft) + 2 * n_fft * max(1, int(math.log2(half)))


def _runs_fixed(node: NodeType, ctx) -> bool:
    """The node computes in fixed point on the board being checked (nodes.base.arithmetic_for)."""
    return arithmetic_for(type(node), getattr(ctx, "board", None)) == FIXED


def _is_fixed(state: RunState | None) -> bool:
    return state is not None and state.arithmetic == FIXED


# ---- window ------------------------------------------------------------------------------------

@register
class Window(NodeType):
    type_id = "dsp.window"
    role = Role.WINDOW
    title = "Window"
    doc = ("Sliding window: collects the stream into frames of `window` samples and emits one every "
           "`hop` samples (frames overlap when hop < window). Output (window, channels) at rate/hop.")
    inputs = [Port("in", ("f32",), "a stream: one sample (channels,) per sample period")]
    outputs = [Port("out", ("f32",), "frames (window, channels)")]
    params = [
        Param("window", int, 16000, min=1, max=262144, unit="samples", doc="frame length"),
        Param("hop", int, 8000, min=1, max=262144, unit="samples", doc="samples between frame starts"),
    ]
    kernel = "dsp/window"
    feature_axes = ('sample', 'channel')

    def infer(self, inputs, p, ctx):
        spec = single_input(inputs)
        require_dtype(spec, ("f32",))
        if not _is_stream(spec):
            raise NodeError(f"Window takes a stream of samples (channels,), but its input is already "
                            f"{spec.describe()}", port="in")
        return {"out": TensorSpec((p["window"], spec.shape[0]), "f32", spec.rate_hz / p["hop"])}

    def cost(self, inputs, outputs, p, ctx):
        # The frame is assembled in the output buffer itself (the kernel slides it by `hop` after
        # each frame), so one frame of RAM plus the bookkeeping struct.
        out = outputs["out"]
        channels = out.shape[1]
        state = WINDOW_STATE_BYTES
        return Cost(ram_bytes=out.bytes + state, flash_bytes=_code(self.kernel),
                    ops=(p["window"] + p["hop"]) * channels,
                    detail={"output_bytes": out.bytes, "state_bytes": state, "code_bytes": _code(self.kernel)})

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        """All whole frames of the stream (T, C): shape (frames, window, C)."""
        x = _as_2d(x)
        n = tables.frame_count(x.shape[0], p["window"], p["hop"])
        starts = np.arange(n) * p["hop"]
        idx = starts[:, None] + np.arange(p["window"])[None, :]
        return x[idx].astype(np.float32) if n else np.zeros((0, p["window"], x.shape[1]), np.float32)


# ---- normalize ---------------------------------------------------------------------------------

@register
class Normalize(NodeType):
    type_id = "dsp.normalize"
    role = Role.STREAM
    title = "Normalize / scale"
    doc = ("fixed: x·scale + offset; zscore: (x − mean) / std; minmax: (x − min) / (max − min) with the "
           "given range; frame_minmax: the same using the min and max of each input tensor. "
           "Works on streams and frames; shape unchanged.")
    inputs = [_IN]
    outputs = [_OUT]
    params = [
        Param("mode", str, "fixed", choices=("fixed", "zscore", "minmax", "frame_minmax")),
        Param("scale", float, 1.0, doc="fixed mode: multiplier"),
        Param("offset", float, 0.0, doc="fixed mode: added after scaling"),
        Param("mean", float, 0.0, doc="zscore mode"),
        Param("std", float, 1.0, min=1e-12, doc="zscore mode"),
        Param("min", float, 0.0, doc="minmax mode: maps to 0"),
        Param("max", float, 1.0, doc="minmax mode: maps to 1"),
    ]
    kernel = "dsp/normalize"

    def infer(self, inputs, p, ctx):
        spec = single_input(inputs)
        require_dtype(spec, ("f32",))
        if p["mode"] == "minmax" and not p["max"] > p["min"]:
            raise NodeError(f"minmax needs max > min (got min {p['min']:g}, max {p['max']:g})")
        return {"out": spec}

    def cost(self, inputs, outputs, p, ctx):
        out = outputs["out"]
        per_value = 4 if p["mode"] == "frame_minmax" else 2
        return Cost(ram_bytes=out.bytes, flash_bytes=_code(self.kernel), ops=per_value * out.elements,
                    detail={"output_bytes": out.bytes, "code_bytes": _code(self.kernel)})

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        mode = p["mode"]
        if mode == "frame_minmax" and state is not None and state.mode is Mode.SAMPLE and x.ndim >= 2:
            # on the stream the device's tensor is one sample (C,), scaled by its own range
            return np.stack([self.transform(row, p) for row in x]) if x.shape[0] else x
        if mode == "fixed":
            scale, offset = np.float32(p["scale"]), np.float32(p["offset"])
        elif mode == "zscore":
            scale = np.float32(1.0 / p["std"])
            offset = np.float32(-p["mean"] / p["std"])
        else:
            lo, hi = (p["min"], p["max"]) if mode == "minmax" else (float(x.min()), float(x.max()))
            if hi <= lo:  # a flat frame carries no range: map it to 0, never divide by zero
                return np.zeros_like(x)
            scale = np.float32(1.0 / (hi - lo))
            offset = np.float32(-lo / (hi - lo))
        return (x * scale + offset).astype(np.float32)


# ---- biquad ------------------------------------------------------------------------------------

@register
class Biquad(NodeType):
    type_id = "dsp.biquad"
    role = Role.STREAM
    title = "Biquad filter"
    doc = ("Low-, high- or band-pass IIR filter (RBJ cookbook coefficients), `stages` identical "
           "sections in cascade, transposed direct form II. On a stream it keeps its state between "
           "samples; on a frame it starts each frame from rest. Band-pass has 0 dB gain at cutoff_hz.")
    inputs = [_IN]
    outputs = [_OUT]
    params = [
        Param("kind", str, "lowpass", choices=tables.BIQUAD_KINDS),
        Param("cutoff_hz", float, 1000.0, min=0.001, unit="Hz", doc="corner (or centre) frequency"),
        Param("q", float, 0.7071, min=0.01, max=100.0, doc="quality factor; 0.7071 = Butterworth"),
        Param("stages", int, 1, min=1, max=8, doc="identical sections in cascade"),
        Param("sample_rate_hz", float, 16000.0, min=0.01, unit="Hz",
              doc="rate of the samples being filtered (must equal the stream's rate)"),
    ]
    kernel = "dsp/biquad"
    # The property holding the rate of the audio/signal samples this node's maths assumes. A frame's
    # TensorSpec carries only the frame rate, so the validator should compare this property with the
    # rate of the stream entering the dsp.window upstream (infer checks it when fed a stream).
    sample_rate_param = "sample_rate_hz"

    def coefficients(self, p: Mapping[str, Any]) -> np.ndarray:
        """[b0, b1, b2, a1, a2] as float32, the numbers the C kernel gets."""
        try:
            return tables.biquad_coefficients(p["kind"], p["cutoff_hz"], p["q"],
                                              p["sample_rate_hz"]).astype(np.float32)
        except ValueError:
            raise NodeError(f"cutoff_hz {p['cutoff_hz']:g} Hz must be below half the sample rate "
                            f"({p['sample_rate_hz'] / 2:g} Hz)") from None

    def infer(self, inputs, p, ctx):
        spec = single_input(inputs)
        require_dtype(spec, ("f32",))
        if len(spec.shape) not in (1, 2):
            raise NodeError(f"Biquad filters a stream (channels,) or frames (samples, channels), "
                            f"not {spec.describe()}", port="in")
        if _is_stream(spec) and spec.rate_hz and not math.isclose(spec.rate_hz, p["sample_rate_hz"],
                                                                  rel_tol=1e-6):
            raise NodeError(f"the input stream runs at {spec.rate_hz:g} Hz but the filter is designed "
                            f"for sample_rate_hz {p['sample_rate_hz']:g}; set sample_rate_hz to "
                            f"{spec.rate_hz:g}", port="in")
        self.coefficients(p)
        return {"out": spec}

    def cost(self, inputs, outputs, p, ctx):
        out = outputs["out"]
        channels = out.shape[-1]
        state = 2 * 4 * p["stages"] * channels
        coeffs = 5 * 4
        return Cost(ram_bytes=out.bytes + state, flash_bytes=_code(self.kernel) + coeffs,
                    ops=9 * p["stages"] * out.elements,
                    detail={"output_bytes": out.bytes, "state_bytes": state, "table_bytes": coeffs,
                            "code_bytes": _code(self.kernel)})

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        """Filters (T, C) along T from rest, in float32 arithmetic as the C kernel does."""
        y = _as_2d(x).copy()
        b0, b1, b2, a1, a2 = (np.float32(c) for c in self.coefficients(p))
        # numpy float32 scalars, one channel at a time: the recursion cannot be vectorised over time,
        # and scalar float32 ops are ~10× cheaper than tiny-array ops while rounding identically.
        for _ in range(p["stages"]):
            for c in range(y.shape[1]):
                out = np.empty(y.shape[0], np.float32)
                s1 = s2 = np.float32(0.0)
                for t, xt in enumerate(y[:, c]):
                    yt = b0 * xt + s1
                    s1 = b1 * xt - a1 * yt + s2
                    s2 = b2 * xt - a2 * yt
                    out[t] = yt
                y[:, c] = out
        return y


# ---- spectrum ----------------------------------------------------------------------------------

def _spectrum(frames: np.ndarray, n_fft: int, window: np.ndarray | None, power: bool) -> np.ndarray:
    """|rfft| (or its square) of each row of ``frames`` (rows zero-padded to n_fft): (rows, n_fft/2+1)."""
    f = frames.astype(np.float32)
    if window is not None:
        f = f * window[None, :]
    mag = np.abs(np.fft.rfft(f.astype(np.float64), n=n_fft, axis=1))
    return (mag * mag if power else mag).astype(np.float32)


def _log(x: np.ndarray, floor: float) -> np.ndarray:
    return np.log(np.maximum(x, np.float32(floor))).astype(np.float32)


@register
class Spectrum(NodeType):
    type_id = "dsp.spectrum"
    role = Role.FRAME
    title = "FFT spectrum"
    doc = ("Magnitude spectrum of each channel of a frame: optional Hann window over the frame, "
           "zero-padded real FFT of n_fft points, |X[k]| for the first `bins` bins (0 = all n_fft/2+1), "
           "optionally log(max(|X|, log_floor)). Output (bins, channels). A pure tone of amplitude A "
           "on bin k reads A·n_fft/2 without a window, A·n_fft/4 with Hann.")
    inputs = [Port("in", ("f32",), "a frame (samples, channels)")]
    outputs = [Port("out", ("f32",), "(bins, channels)")]
    params = [
        Param("n_fft", int, 256, choices=N_FFT_CHOICES, unit="points"),
        Param("window", str, "hann", choices=("hann", "none")),
        Param("bins", int, 0, min=0, max=2049, doc="bins kept from DC up; 0 keeps all n_fft/2+1"),
        Param("log", bool, False, doc="natural log of the magnitude"),
        Param("log_floor", float, 1e-6, min=1e-30, doc="magnitudes below this are raised to it before the log"),
    ]
    kernel = "dsp/spectrum"
    feature_axes = ('frequency bin', 'channel')
    fixed_point = True
    fixed_ops_weight = FIXED_SPECTRUM_OPS_WEIGHT
    fixed_snr_db = 70.5          # bench/bench_dsp_fixed.py: 200 noise frames at -60..0 dB (worst 68.2)
    fixed_snr_source = "noise frames at -60..0 dB"

    def _bins(self, p) -> int:
        return p["bins"] or p["n_fft"] // 2 + 1

    def fixed_point_snr(self, p):
        if p["log"]:
            # bench/bench_dsp_fixed.py: the log spectra of the samples' accelerometer windows, whose
            # gravity DC bin sits 80-90 dB above the weakest bins, at the Q15 noise floor (vibration 58.6)
            return 38.4, "the gesture sample's log spectra (bins 80-90 dB under the DC bin are at the Q15 noise floor)"
        return super().fixed_point_snr(p)

    def infer(self, inputs, p, ctx):
        spec = _frame_input(inputs, self.title)
        n = spec.shape[0]
        if n > p["n_fft"]:
            raise NodeError(f"frames of {n} samples do not fit an FFT of {p['n_fft']} points; "
                            f"raise n_fft to at least {_next_pow2(n)}", port="in")
        if self._bins(p) > p["n_fft"] // 2 + 1:
            raise NodeError(f"bins {p['bins']} exceeds the {p['n_fft'] // 2 + 1} bins of a "
                            f"{p['n_fft']}-point FFT")
        return {"out": TensorSpec((self._bins(p), spec.shape[1]), "f32", spec.rate_hz)}

    def c_tables(self, p: Mapping[str, Any], frame_samples: int) -> dict[str, np.ndarray]:
        """The constants the C kernel holds: FFT twiddles and, with a Hann window, the window."""
        cos, sin = tables.fft_twiddles(p["n_fft"])
        out = {"twiddle_cos": cos, "twiddle_sin": sin}
        if p["window"] == "hann":
            out["window"] = tables.hann_window(frame_samples)
        return out

    def cost(self, inputs, outputs, p, ctx):
        n, channels = inputs["in"].shape
        out = outputs["out"]
        n_fft = p["n_fft"]
        if _runs_fixed(self, ctx):
            # int16 FFT block, int32 (re, im) per bin kept; Q15 tables (half the float ones)
            scratch = 2 * n_fft + 8 * self._bins(p)
            tables_b = sum(int(t.nbytes) // 2 for t in self.c_tables(p, n).values()) \
                + C_STRUCT_BYTES["tms_fx_spectrum_config_t"] + C_STRUCT_BYTES["tms_fx_fft_t"]
            per_channel = FIXED_SAMPLE_OPS * n + fixed_fft_ops(n_fft) + (FIXED_ISQRT_OPS + FIXED_FLOAT_OPS) \
                * self._bins(p) + (FIXED_LOG_OPS * self._bins(p) if p["log"] else 0)
            code = _code("dsp/fx_fft", "dsp/fx_features")
            return Cost(ram_bytes=out.bytes + scratch, flash_bytes=code + tables_b, ops=channels * per_channel,
                        detail={"output_bytes": out.bytes, "scratch_bytes": scratch, "table_bytes": tables_b,
                                "code_bytes": code})
        scratch = 4 * (n_fft + 2)
        tables_b = sum(int(t.nbytes) for t in self.c_tables(p, n).values()) + SPECTRUM_CONFIG_BYTES
        per_channel = (n if p["window"] == "hann" else 0) + fft_ops(n_fft) + (3 + SQRT_OPS) * self._bins(p) \
            + (LOG_OPS * self._bins(p) if p["log"] else 0)
        code = _code(self.kernel, "dsp/fft", libm=("sqrtf", "logf") if p["log"] else ("sqrtf",))
        return Cost(ram_bytes=out.bytes + scratch, flash_bytes=code + tables_b, ops=channels * per_channel,
                    detail={"output_bytes": out.bytes, "scratch_bytes": scratch, "table_bytes": tables_b,
                            "code_bytes": code})

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        x = _as_2d(x)
        window = tables.hann_window(x.shape[0]) if p["window"] == "hann" else None
        if _is_fixed(state):
            return fixed.spectrum(x, p["n_fft"], window, self._bins(p), p["log"], p["log_floor"])
        mag = _spectrum(x.T, p["n_fft"], window, power=False)[:, : self._bins(p)]
        if p["log"]:
            mag = _log(mag, p["log_floor"])
        return np.ascontiguousarray(mag.T, dtype=np.float32)


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


# ---- mel energies and MFCC -----------------------------------------------------------------------

_AUDIO_PARAMS = [
    Param("sample_rate_hz", float, 16000.0, min=1000.0, max=96000.0, unit="Hz",
          doc="rate of the audio samples in the window"),
    Param("frame_length", int, 640, min=16, max=4096, unit="samples", doc="short frame (640 = 40 ms at 16 kHz)"),
    Param("frame_stride", int, 320, min=1, max=4096, unit="samples", doc="step between short frames"),
    Param("n_fft", int, 1024, choices=N_FFT_CHOICES, unit="points",
          doc="FFT size ≥ frame_length; the frame is zero-padded to it"),
    Param("spectrum", str, "magnitude", choices=("magnitude", "power")),
    Param("n_mels", int, 40, min=1, max=256, doc="mel filters"),
    Param("fmin_hz", float, 20.0, min=0.0, unit="Hz", doc="lower edge of the lowest filter"),
    Param("fmax_hz", float, 4000.0, min=0.0, unit="Hz", doc="upper edge of the highest filter; 0 = rate/2"),
    Param("log_floor", float, 1e-6, min=1e-30, doc="energies below this are raised to it before the log"),
]


class _MelNode(NodeType):
    """What mel energies and MFCCs share: framing, FFT, mel filterbank, log."""

    fixed_point = True
    fixed_ops_weight = FIXED_OPS_WEIGHT
    fixed_snr_source = "the kws sample's 36 test clips"

    sample_rate_param = "sample_rate_hz"  # see Biquad.sample_rate_param

    inputs = [Port("in", ("f32",), "a window of mono audio (samples, 1)")]
    outputs = [Port("out", ("f32",), "(frames, features)")]

    def fmax_hz(self, p: Mapping[str, Any]) -> float:
        return p["fmax_hz"] or p["sample_rate_hz"] / 2.0

    def filterbank(self, p: Mapping[str, Any]) -> np.ndarray:
        """The (n_mels, n_fft/2+1) mel matrix; NodeError when the settings leave a filter empty."""
        fmax = self.fmax_hz(p)
        if not p["fmin_hz"] < fmax <= p["sample_rate_hz"] / 2.0:
            raise NodeError(f"need fmin_hz < fmax_hz ≤ sample_rate_hz/2 = {p['sample_rate_hz'] / 2:g} Hz "
                            f"(got fmin_hz {p['fmin_hz']:g}, fmax_hz {fmax:g})")
        fb = tables.mel_filterbank(p["n_fft"], p["n_mels"], p["sample_rate_hz"], p["fmin_hz"], fmax)
        empty = np.flatnonzero(fb.max(axis=1) <= 0.0)
        if empty.size:
            raise NodeError(f"{empty.size} of {p['n_mels']} mel filters fall between FFT bins and stay "
                            f"empty (first: filter {int(empty[0])}); lower n_mels or raise n_fft")
        return fb

    def n_features(self, p) -> int:
        raise NotImplementedError

    def infer(self, inputs, p, ctx):
        spec = _frame_input(inputs, self.title)
        n, channels = spec.shape
        if channels != 1:
            raise NodeError(f"{self.title} takes one audio channel; the input has {channels} "
                            f"(shape {spec.describe()})", port="in")
        if p["frame_length"] > p["n_fft"]:
            raise NodeError(f"frame_length {p['frame_length']} does not fit an FFT of {p['n_fft']} points; "
                            f"raise n_fft to {_next_pow2(p['frame_length'])}")
        frames = tables.frame_count(n, p["frame_length"], p["frame_stride"])
        if frames < 1:
            raise NodeError(f"the window holds {n} samples, fewer than one frame of {p['frame_length']}; "
                            "lengthen the window or shorten frame_length", port="in")
        self.filterbank(p)
        self._check_more(p)
        return {"out": TensorSpec((frames, self.n_features(p)), "f32", spec.rate_hz)}

    def _check_more(self, p) -> None:
        pass

    def c_tables(self, p: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The constants the C kernel holds, exactly: Hann window, FFT twiddles, the mel filterbank
        as sparse rows (first bin, run length, concatenated weights) and, for MFCC, the DCT matrix."""
        cos, sin = tables.fft_twiddles(p["n_fft"])
        starts, lengths, weights = tables.sparse_rows(self.filterbank(p))
        return {"window": tables.hann_window(p["frame_length"]), "twiddle_cos": cos, "twiddle_sin": sin,
                "mel_start": starts.astype(np.int16), "mel_length": lengths.astype(np.int16),
                "mel_weights": weights, **self._extra_tables(p)}

    def _extra_tables(self, p) -> dict[str, np.ndarray]:
        return {}

    def _code_bytes(self, p) -> int:
        log = ("logf",) if p.get("log", True) else ()
        kernels = ("dsp/mfcc", "dsp/mfe") if self.kernel == "dsp/mfcc" else ("dsp/mfe",)
        return _code(*kernels, "dsp/fft", libm=("sqrtf",) + log)

    def _cost(self, outputs, p, extra_ops: int, extra_ram: int, config_bytes: int, ctx=None) -> Cost:
        if _runs_fixed(self, ctx):
            return self._fixed_cost(outputs, p)
        out = outputs["out"]
        frames = out.shape[0]
        n_fft, bins, n_mels = p["n_fft"], p["n_fft"] // 2 + 1, p["n_mels"]
        c_tables = self.c_tables(p)
        nnz = int(c_tables["mel_weights"].size)
        per_frame = (p["frame_length"] + fft_ops(n_fft) + (3 if p["spectrum"] == "power" else 3 + SQRT_OPS) * bins
                     + 2 * nnz + LOG_OPS * n_mels + extra_ops)
        # the FFT works in place and the spectrum overwrites it, so one n_fft+2 scratch serves both
        scratch = 4 * (n_fft + 2) + extra_ram
        table = sum(int(t.nbytes) for t in c_tables.values()) + config_bytes
        code = self._code_bytes(p)
        return Cost(ram_bytes=out.bytes + scratch, flash_bytes=code + table, ops=frames * per_frame,
                    detail={"output_bytes": out.bytes, "scratch_bytes": scratch, "table_bytes": table,
                            "code_bytes": code})

    def _fixed_cost(self, outputs, p) -> Cost:
        """The integer path (dsp/fx_fft.c, dsp/fx_features.c): |X| only up to the last bin a mel
        filter weights; int16 FFT block, int32 (re, im) per bin, int64 mel row; Q15 tables."""
        out = outputs["out"]
        fb = self.filterbank(p)
        n_bins = fixed.used_bins(fb)
        c_tables = self.c_tables(p)
        nnz = int(c_tables["mel_weights"].size)
        mfcc = self.kernel == "dsp/mfcc"
        per_frame = (FIXED_SAMPLE_OPS * p["frame_length"] + fixed_fft_ops(p["n_fft"]) + FIXED_ISQRT_OPS * n_bins
                     + 2 * nnz + FIXED_LOG_OPS * p["n_mels"] + FIXED_FLOAT_OPS * out.shape[1]
                     + (2 * out.shape[1] * p["n_mels"] if mfcc else 0))
        scratch = 2 * p["n_fft"] + 8 * n_bins + 8 * p["n_mels"]
        int16_tables = sum(int(c_tables[k].nbytes) // 2 for k in ("window", "twiddle_cos", "twiddle_sin",
                                                                    "mel_weights", "dct") if k in c_tables)
        table = (int16_tables + int(c_tables["mel_start"].nbytes) + int(c_tables["mel_length"].nbytes)
                 + C_STRUCT_BYTES["tms_fx_mel_config_t"] + C_STRUCT_BYTES["tms_fx_fft_t"]
                 + (C_STRUCT_BYTES["tms_fx_mfcc_config_t"] if mfcc else 0))
        code = _code("dsp/fx_fft", "dsp/fx_features")
        return Cost(ram_bytes=out.bytes + scratch, flash_bytes=code + table, ops=out.shape[0] * per_frame,
                    detail={"output_bytes": out.bytes, "scratch_bytes": scratch, "table_bytes": table,
                            "code_bytes": code})

    def mel_frames(self, x: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
        """The short frames (n, frame_length) of a mono window."""
        x = _as_2d(x)
        if x.shape[1] != 1:
            raise ValueError(f"expected mono audio (samples, 1), got {x.shape}")
        signal = x[:, 0]
        n = tables.frame_count(signal.shape[0], p["frame_length"], p["frame_stride"])
        idx = (np.arange(n) * p["frame_stride"])[:, None] + np.arange(p["frame_length"])[None, :]
        return signal[idx]

    def fixed_mel_energies(self, x: np.ndarray, p: Mapping[str, Any], log: bool) -> np.ndarray:
        return fixed.mel_energies(self.mel_frames(x, p), p["n_fft"], tables.hann_window(p["frame_length"]),
                                  self.filterbank(p), p["spectrum"] == "power", log, p["log_floor"])

    def mel_energies(self, x: np.ndarray, p: Mapping[str, Any], log: bool) -> np.ndarray:
        frames = self.mel_frames(x, p)
        spec = _spectrum(frames, p["n_fft"], tables.hann_window(p["frame_length"]),
                         power=p["spectrum"] == "power")
        mel = (spec @ self.filterbank(p).T).astype(np.float32)
        return _log(mel, p["log_floor"]) if log else mel


@register
class Mfe(_MelNode):
    type_id = "dsp.mfe"
    role = Role.FRAME
    title = "Mel energies (MFE)"
    doc = ("Mel filterbank energies of short frames inside the window (see the module notes for the "
           "framing), optionally natural log(max(e, log_floor)). Output (frames, n_mels).")
    params = _AUDIO_PARAMS + [Param("log", bool, True, doc="natural log of the energies")]
    kernel = "dsp/mfe"
    feature_axes = ('frame', 'mel band')
    fixed_snr_db = 59.1          # bench/bench_dsp_fixed.py, log MFE of the kws test clips (worst clip 50.4)

    def n_features(self, p) -> int:
        return p["n_mels"]

    def cost(self, inputs, outputs, p, ctx):
        return self._cost(outputs, p, 0, 0, MEL_CONFIG_BYTES, ctx)

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        if _is_fixed(state):
            return self.fixed_mel_energies(x, p, log=p["log"])
        return self.mel_energies(x, p, log=p["log"])


@register
class Mfcc(_MelNode):
    type_id = "dsp.mfcc"
    role = Role.FRAME
    title = "MFCC"
    doc = ("Mel-frequency cepstral coefficients of short frames inside the window: log mel energies "
           "(natural log of max(e, log_floor)) times the orthonormal DCT-II, first n_mfcc kept. "
           "Output (frames, n_mfcc); the defaults give 49×10 for 1 s of 16 kHz audio.")
    params = _AUDIO_PARAMS + [Param("n_mfcc", int, 10, min=1, max=128, doc="coefficients kept")]
    kernel = "dsp/mfcc"
    feature_axes = ('frame', 'coefficient')
    ops_weight = 0.845   # 5.54 M instructions for the kws sample's MFCC (6.55 M at the average)
    fixed_snr_db = 61.0          # bench/bench_dsp_fixed.py, MFCC of the kws test clips (worst clip 51.1)

    def n_features(self, p) -> int:
        return p["n_mfcc"]

    def _check_more(self, p) -> None:
        if p["n_mfcc"] > p["n_mels"]:
            raise NodeError(f"n_mfcc {p['n_mfcc']} cannot exceed n_mels {p['n_mels']}")

    def _extra_tables(self, p) -> dict[str, np.ndarray]:
        return {"dct": tables.dct_matrix(p["n_mfcc"], p["n_mels"])}

    def cost(self, inputs, outputs, p, ctx):
        # plus a row of log mel energies between the filterbank and the DCT
        return self._cost(outputs, p, 2 * p["n_mfcc"] * p["n_mels"], 4 * p["n_mels"],
                          MEL_CONFIG_BYTES + MFCC_CONFIG_BYTES, ctx)

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        if _is_fixed(state):
            return fixed.mfcc(self.mel_frames(x, p), p["n_fft"], tables.hann_window(p["frame_length"]),
                              self.filterbank(p), p["spectrum"] == "power", p["log_floor"],
                              tables.dct_matrix(p["n_mfcc"], p["n_mels"]))
        log_mel = self.mel_energies(x, p, log=True)
        return (log_mel @ tables.dct_matrix(p["n_mfcc"], p["n_mels"]).T).astype(np.float32)


# ---- statistics --------------------------------------------------------------------------------

STAT_FEATURES = ("mean", "rms", "std", "min", "max", "skew", "kurtosis", "zero_crossings")
# operations per sample for each statistic (single pass over the frame), and per channel at the end
_STAT_OPS = {"mean": (1, 1), "rms": (2, 1 + SQRT_OPS), "std": (3, 2 + SQRT_OPS), "min": (1, 0),
             "max": (1, 0), "skew": (4, 8 + SQRT_OPS), "kurtosis": (4, 8), "zero_crossings": (2, 0)}


@register
class Statistics(NodeType):
    type_id = "dsp.stats"
    role = Role.FRAME
    title = "Statistical features"
    doc = ("Per channel of a frame: mean, rms, std (population), min, max, skew (m3/m2^1.5), "
           "kurtosis (Fisher: m4/m2² − 3; both 0 for a flat frame) and zero crossings (sign changes, "
           "zero counting as positive). Output (features, channels), features in the order listed.")
    inputs = [Port("in", ("f32",), "a frame (samples, channels)")]
    outputs = [Port("out", ("f32",), "(features, channels)")]
    params = [Param(name, bool, name in ("mean", "rms", "std", "min", "max"), doc=f"compute {name}")
              for name in STAT_FEATURES]
    kernel = "dsp/stats"
    feature_axes = ('statistic', 'channel')

    def selected(self, p: Mapping[str, Any]) -> list[str]:
        return [name for name in STAT_FEATURES if p[name]]

    def infer(self, inputs, p, ctx):
        spec = _frame_input(inputs, self.title)
        if not self.selected(p):
            raise NodeError("select at least one statistic")
        if spec.shape[0] < 2:
            raise NodeError(f"statistics need frames of at least 2 samples, got {spec.describe()}", port="in")
        return {"out": TensorSpec((len(self.selected(p)), spec.shape[1]), "f32", spec.rate_hz)}

    def cost(self, inputs, outputs, p, ctx):
        n, channels = inputs["in"].shape
        ops = sum(_STAT_OPS[s][0] * n + _STAT_OPS[s][1] for s in self.selected(p)) * channels
        out = outputs["out"]
        code = _code(self.kernel, libm=("sqrtf",) if any(p[s] for s in ("rms", "std", "skew")) else ())
        return Cost(ram_bytes=out.bytes, flash_bytes=code, ops=ops,
                    detail={"output_bytes": out.bytes, "code_bytes": code})

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        x = _as_2d(x).astype(np.float64)
        n = x.shape[0]
        mean = x.mean(axis=0)
        d = x - mean
        m2, m3, m4 = (d ** 2).mean(axis=0), (d ** 3).mean(axis=0), (d ** 4).mean(axis=0)
        # a frame whose spread is below float resolution is flat: its shape statistics are 0
        flat = m2 <= (np.finfo(np.float64).resolution * mean) ** 2
        safe_m2 = np.where(flat, 1.0, m2)
        values = {
            "mean": mean,
            "rms": np.sqrt((x ** 2).mean(axis=0)),
            "std": np.sqrt(m2),
            "min": x.min(axis=0),
            "max": x.max(axis=0),
            "skew": np.where(flat, 0.0, m3 / safe_m2 ** 1.5),
            "kurtosis": np.where(flat, 0.0, m4 / safe_m2 ** 2 - 3.0),
            "zero_crossings": (np.count_nonzero((x[1:] >= 0) != (x[:-1] >= 0), axis=0)
                               if n > 1 else np.zeros(x.shape[1])),
        }
        return np.stack([values[s] for s in self.selected(p)]).astype(np.float32)


# ---- downsample --------------------------------------------------------------------------------

@register
class Downsample(NodeType):
    type_id = "dsp.downsample"
    role = Role.STREAM
    title = "Downsample"
    doc = ("Keeps one value per `factor`: the mean of each group of `factor` samples (average) or the "
           "first of each group (decimate). On a stream the output rate is rate/factor; on a frame "
           "(n, channels) the output is (n // factor, channels).")
    inputs = [_IN]
    outputs = [_OUT]
    params = [
        Param("factor", int, 2, min=2, max=256),
        Param("method", str, "average", choices=("average", "decimate")),
    ]
    kernel = "dsp/downsample"

    def infer(self, inputs, p, ctx):
        spec = single_input(inputs)
        require_dtype(spec, ("f32",))
        f = p["factor"]
        if _is_stream(spec):
            return {"out": TensorSpec(spec.shape, "f32", spec.rate_hz / f)}
        if len(spec.shape) != 2:
            raise NodeError(f"Downsample takes a stream (channels,) or frames (samples, channels), "
                            f"not {spec.describe()}", port="in")
        if spec.shape[0] < f:
            raise NodeError(f"frames of {spec.shape[0]} samples are shorter than the factor {f}", port="in")
        return {"out": TensorSpec((spec.shape[0] // f, spec.shape[1]), "f32", spec.rate_hz)}

    def cost(self, inputs, outputs, p, ctx):
        out = outputs["out"]
        stream = _is_stream(inputs["in"])
        state = (4 * out.shape[0] + DOWNSAMPLE_STATE_BYTES) if stream else 0  # running sum per channel
        per_value = p["factor"] + 1 if p["method"] == "average" else 1
        return Cost(ram_bytes=out.bytes + state, flash_bytes=_code(self.kernel),
                    ops=per_value * out.elements,
                    detail={"output_bytes": out.bytes, "state_bytes": state, "code_bytes": _code(self.kernel)})

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        """(T, C) → (T // factor, C); the same for a whole stream and for one frame."""
        x = _as_2d(x)
        f = p["factor"]
        groups = x[: (x.shape[0] // f) * f].reshape(-1, f, x.shape[1])
        if p["method"] == "decimate":
            return np.ascontiguousarray(groups[:, 0, :], dtype=np.float32)
        return groups.mean(axis=1, dtype=np.float32).astype(np.float32)


# ---- delta features ------------------------------------------------------------------------------

def delta_frames(x: np.ndarray, width: int) -> np.ndarray:
    """The regression delta of each column of (frames, features) over ±``width`` frames, the first and
    last frame repeated at the edges (HTK's formula): d[t] = Σₙ n·(x[t+n] − x[t−n]) / (2·Σₙ n²), in
    float32 with the C kernel's order of operations (n = 1 … width, then one multiply)."""
    x = np.asarray(x, dtype=np.float32)
    last = x.shape[0] - 1
    t = np.arange(x.shape[0])
    acc = np.zeros_like(x)
    for n in range(1, width + 1):
        acc = (acc + np.float32(n) * (x[np.minimum(t + n, last)] - x[np.maximum(t - n, 0)])).astype(np.float32)
    return (acc * delta_scale(width)).astype(np.float32)


def delta_scale(width: int) -> np.float32:
    """1 / (2·Σₙ n²) rounded to float32: the constant both the reference and the C kernel multiply by."""
    return np.float32(1.0 / (2 * sum(n * n for n in range(1, width + 1))))


@register
class Delta(NodeType):
    type_id = "dsp.delta"
    title = "Delta features"
    doc = ("Time derivatives of frame features (MFCC, MFE, spectra): the delta of each feature over "
           "±width frames, d[t] = Σ n·(x[t+n] − x[t−n]) / (2·Σ n²) with the edge frames repeated, and "
           "with order 2 the delta of the delta (delta-delta). Output (frames, features × k): each row "
           "holds the input row (when include_input), its delta and, for order 2, its delta-delta.")
    inputs = [Port("in", ("f32",), "frames of features (frames, features)")]
    outputs = [Port("out", ("f32",), "(frames, features × (include_input + order))")]
    params = [
        Param("width", int, 2, min=1, max=8, unit="frames", doc="frames each side in the regression (HTK: 2)"),
        Param("order", int, 2, choices=(1, 2), doc="1 = delta; 2 = delta and delta-delta"),
        Param("include_input", bool, True, doc="keep the input features in front of their deltas"),
    ]
    kernel = "dsp/delta"
    role = Role.FRAME

    def blocks(self, p: Mapping[str, Any]) -> int:
        return int(p["include_input"]) + p["order"]

    def infer(self, inputs, p, ctx):
        spec = _frame_input(inputs, self.title)
        frames, features = spec.shape
        if frames < 2:
            raise NodeError(f"deltas need at least 2 frames along the first axis, got {spec.describe()}; "
                            "lengthen the window or shorten the frame stride", port="in")
        return {"out": TensorSpec((frames, features * self.blocks(p)), "f32", spec.rate_hz)}

    def cost(self, inputs, outputs, p, ctx):
        # no scratch: the delta-delta is taken of the delta rows already in the output
        out = outputs["out"]
        values = inputs["in"].elements
        ops = values * (int(p["include_input"]) + p["order"] * (3 * p["width"] + 1))
        code = _code(self.kernel)
        return Cost(ram_bytes=out.bytes, flash_bytes=code + DELTA_CONFIG_BYTES, ops=ops,
                    detail={"output_bytes": out.bytes, "table_bytes": DELTA_CONFIG_BYTES, "code_bytes": code})

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        x = _as_2d(x)
        parts = [x] if p["include_input"] else []
        d = delta_frames(x, p["width"])
        parts.append(d)
        if p["order"] == 2:
            parts.append(delta_frames(d, p["width"]))
        return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.float32)


from nodes import dsp_image  # noqa: E402,F401  (registers the image node types)
