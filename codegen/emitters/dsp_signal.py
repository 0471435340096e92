"""C emitters of the time-domain DSP nodes: window, normalize, biquad, downsample, statistics.

Each function gets the checked properties and specs of one node and returns the pieces of its
``StageCode``; ``codegen.emit_dsp`` dispatches to them and owns the contract (names, modes, errors).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from codegen.emitters.ctables import Declarations, c_float
from codegen.emitters.stage_parts import StageParts
from nodes.base import TensorSpec
from nodes.dsp import STAT_FEATURES, Biquad

# The window stage sets this flag, which the firmware writer declares and clears before each sample.
FRAME_READY_FLAG = "tms_frame_ready"


def window(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, in_buf: str, out_buf: str) -> StageParts:
    size, hop = p["window"], p["hop"]
    channels = spec_in.shape[0]
    state = d.state("window", "tms_window_t")
    d.buffer(out_buf, size * channels)  # the frame is assembled in place: no ring buffer
    return StageParts(
        mode="window", sources=("dsp/window.c",), includes=("dsp/window.h",),
        init=f"tms_window_init(&{state}, {out_buf}, {size}u, {hop}u, {channels}u);",
        run=(f"if (tms_window_push(&{state}, {in_buf})) {{\n"
             f"    {FRAME_READY_FLAG} = 1;\n}}"),
        extra={"frame_ready": FRAME_READY_FLAG})


def affine_constants(p: Mapping[str, Any]) -> tuple[np.float32, np.float32]:
    """The float32 scale and offset of the fixed, zscore and minmax modes, rounded as the reference does."""
    mode = p["mode"]
    if mode == "fixed":
        return np.float32(p["scale"]), np.float32(p["offset"])
    if mode == "zscore":
        return np.float32(1.0 / p["std"]), np.float32(-p["mean"] / p["std"])
    lo, hi = p["min"], p["max"]
    return np.float32(1.0 / (hi - lo)), np.float32(-lo / (hi - lo))


def normalize(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, in_buf: str, out_buf: str,
              mode: str) -> StageParts:
    n = spec_in.elements
    d.buffer(out_buf, n)
    if p["mode"] == "frame_minmax":
        run = f"tms_normalize_minmax({in_buf}, {out_buf}, {n}u);"
    else:
        scale, offset = affine_constants(p)
        run = f"tms_normalize_affine({in_buf}, {out_buf}, {n}u, {c_float(scale)}, {c_float(offset)});"
    return StageParts(mode=mode, sources=("dsp/normalize.c",), includes=("dsp/normalize.h",), run=run)


def biquad(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, in_buf: str, out_buf: str,
           mode: str) -> StageParts:
    stages = p["stages"]
    channels = spec_in.shape[-1]
    samples = 1 if mode == "sample" else spec_in.shape[0]
    coeffs = d.const_floats("coeffs", Biquad().coefficients(p))
    state = d.buffer(d.name("state"), 2 * stages * channels)
    d.buffer(out_buf, spec_in.elements)
    call = f"tms_biquad_run({coeffs}, {state}, {stages}u, {channels}u, {in_buf}, {out_buf}, {samples}u);"
    if mode == "sample":  # a stream keeps its state from sample to sample; init (again at a new clip) rests it
        return StageParts(mode=mode, sources=("dsp/biquad.c",), includes=("dsp/biquad.h",), run=call,
                          init=f"tms_biquad_reset({state}, {stages}u, {channels}u);")
    # a frame starts from rest, as the reference filters each frame on its own
    return StageParts(mode=mode, sources=("dsp/biquad.c",), includes=("dsp/biquad.h",),
                      run=f"tms_biquad_reset({state}, {stages}u, {channels}u);\n{call}")


def downsample(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
               out_buf: str, mode: str) -> StageParts:
    factor = p["factor"]
    method = "TMS_DOWNSAMPLE_DECIMATE" if p["method"] == "decimate" else "TMS_DOWNSAMPLE_AVERAGE"
    channels = spec_in.shape[-1]
    d.buffer(out_buf, spec_out.elements)
    parts = {"sources": ("dsp/downsample.c",), "includes": ("dsp/downsample.h",)}
    if mode == "sample":
        acc = d.buffer(d.name("acc"), channels)
        state = d.state("downsample", "tms_downsample_t")
        gate = d.state("sample_ready", "int")
        return StageParts(
            mode=mode, **parts,
            init=f"tms_downsample_init(&{state}, {acc}, {channels}u, {factor}u, {method});",
            run=f"{gate} = tms_downsample_push(&{state}, {in_buf}, {out_buf});",
            extra={"sample_gate": gate})
    n_out = spec_out.shape[0]
    return StageParts(mode=mode, **parts,
                      run=f"tms_downsample_frame({in_buf}, {out_buf}, {n_out}u, {channels}u, {factor}u, {method});")


def stats_mask(p: Mapping[str, Any]) -> int:
    return sum(1 << i for i, name in enumerate(STAT_FEATURES) if p[name])


def stats(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
          out_buf: str) -> StageParts:
    n, channels = spec_in.shape
    d.buffer(out_buf, spec_out.elements)
    return StageParts(mode="frame", sources=("dsp/stats.c",), includes=("dsp/stats.h",),
                      run=f"tms_stats_run({in_buf}, {n}u, {channels}u, 0x{stats_mask(p):02x}u, {out_buf});")
