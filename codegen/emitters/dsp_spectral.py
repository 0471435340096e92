"""C emitters of the frequency-domain DSP nodes: spectrum, mel energies (MFE) and MFCC.

The tables (Hann window, FFT twiddles, sparse mel filterbank, DCT) come from ``nodes.dsp_tables`` and
the node types themselves, so the device computes with exactly the reference's constants.

The FFT is float32 (``dsp/fft.c``) unless the caller asks for the Q15 block-floating-point one
(``dsp/fft_q15.c``: the same header, chosen at link time), which halves the work on a core without
an FPU; the window, mel filterbank, log and DCT stay in float either way.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from codegen.emitters.ctables import Declarations, c_float
from codegen.emitters.stage_parts import StageParts
from nodes import dsp_tables as tables
from nodes.base import TensorSpec
from nodes.dsp import Mfcc, Mfe

FFT_FLOAT_SOURCE = "dsp/fft.c"
FFT_Q15_SOURCE = "dsp/fft_q15.c"
# fft_q15.c runs the complex FFT of the fixed-point kernels
FFT_Q15_SOURCES = (FFT_Q15_SOURCE, "dsp/fx_fft.c", "dsp/fx_fft.h")
# fft_q15.c has no header of its own, so the shared one is named for the writer to copy
FFT_HEADER = "dsp/fft.h"


def q15(values: np.ndarray) -> np.ndarray:
    """float32 values in [-1, 1] as Q15 (1.0 saturates to 32767)."""
    return np.clip(np.round(np.asarray(values, np.float64) * 32768.0), -32767, 32767).astype(np.int16)


def _fft_tables(d: Declarations, n_fft: int, q15_fft: bool) -> tuple[str, tuple[str, ...]]:
    """The FFT's twiddle tables and their ``tms_fft_tables_t``; returns (its name, the FFT sources)."""
    cos_tab, msin_tab = tables.fft_twiddles(n_fft)
    if not q15_fft:
        fields = [("n_fft", f"{n_fft}u"), ("cos_tab", d.const_floats("fft_cos", cos_tab)),
                  ("msin_tab", d.const_floats("fft_msin", msin_tab))]
        source: tuple[str, ...] = (FFT_FLOAT_SOURCE,)
    else:
        fields = [("n_fft", f"{n_fft}u"), ("cos_q15", d.const_i16("fft_cos_q15", q15(cos_tab))),
                  ("msin_q15", d.const_i16("fft_msin_q15", q15(msin_tab))),
                  ("work_q15", d.buffer(d.name("fft_work_q15"), n_fft + 2, "int16_t", 2))]
        source = FFT_Q15_SOURCES
    return d.const_struct("fft_tables", "tms_fft_tables_t", fields), source


def spectrum(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
             out_buf: str, q15_fft: bool) -> StageParts:
    n, channels = spec_in.shape
    n_fft = p["n_fft"]
    bins = spec_out.shape[0]
    window = d.const_floats("hann", tables.hann_window(n)) if p["window"] == "hann" else "0"
    fft, fft_source = _fft_tables(d, n_fft, q15_fft)
    scratch = d.buffer(d.name("fft"), n_fft + 2)
    d.buffer(out_buf, spec_out.elements)
    cfg = d.const_struct("cfg", "tms_spectrum_config_t", [
        ("n", f"{n}u"), ("channels", f"{channels}u"), ("bins", f"{bins}u"), ("window", window),
        ("fft", f"&{fft}"), ("log", "1" if p["log"] else "0"), ("log_floor", c_float(p["log_floor"])),
    ])
    return StageParts(mode="frame", sources=("dsp/spectrum.c", *fft_source, FFT_HEADER),
                      includes=("dsp/spectrum.h",),
                      run=f"tms_spectrum_run(&{cfg}, {in_buf}, {scratch}, {out_buf});")


def _mel_config(d: Declarations, node: Mfe | Mfcc, p: Mapping[str, Any], n_frames: int, log: bool,
                q15_fft: bool) -> tuple[str, str, tuple[str, ...]]:
    """The shared MFE/MFCC tables and config struct; returns (config name, fft scratch name, FFT sources)."""
    n_fft = p["n_fft"]
    window = d.const_floats("hann", tables.hann_window(p["frame_length"]))
    fft, fft_source = _fft_tables(d, n_fft, q15_fft)
    starts, lengths, weights = tables.sparse_rows(node.filterbank(p))
    mel_start = d.const_u16("mel_start", starts)
    mel_length = d.const_u16("mel_length", lengths)
    mel_weights = d.const_floats("mel_weights", weights)
    scratch = d.buffer(d.name("fft"), n_fft + 2)
    cfg = d.const_struct("mel_cfg", "tms_mel_config_t", [
        ("frame_length", f"{p['frame_length']}u"), ("frame_stride", f"{p['frame_stride']}u"),
        ("n_frames", f"{n_frames}u"), ("power", "1" if p["spectrum"] == "power" else "0"),
        ("window", window), ("fft", f"&{fft}"), ("n_mels", f"{p['n_mels']}u"),
        ("mel_start", mel_start), ("mel_length", mel_length), ("mel_weights", mel_weights),
        ("log", "1" if log else "0"), ("log_floor", c_float(p["log_floor"])),
    ])
    return cfg, scratch, fft_source


def mfe(d: Declarations, p: Mapping[str, Any], spec_out: TensorSpec, in_buf: str, out_buf: str,
        q15_fft: bool) -> StageParts:
    cfg, scratch, fft_source = _mel_config(d, Mfe(), p, spec_out.shape[0], p["log"], q15_fft)
    d.buffer(out_buf, spec_out.elements)
    return StageParts(mode="frame", sources=("dsp/mfe.c", *fft_source, FFT_HEADER), includes=("dsp/mfe.h",),
                      run=f"tms_mfe_run(&{cfg}, {in_buf}, {scratch}, {out_buf});")


def mfcc(d: Declarations, p: Mapping[str, Any], spec_out: TensorSpec, in_buf: str, out_buf: str,
         q15_fft: bool) -> StageParts:
    mel_cfg, scratch, fft_source = _mel_config(d, Mfcc(), p, spec_out.shape[0], True, q15_fft)
    dct = d.const_floats("dct", tables.dct_matrix(p["n_mfcc"], p["n_mels"]))
    mel = d.buffer(d.name("mel"), p["n_mels"])
    d.buffer(out_buf, spec_out.elements)
    cfg = d.const_struct("cfg", "tms_mfcc_config_t", [
        ("mel", f"&{mel_cfg}"), ("n_mfcc", f"{p['n_mfcc']}u"), ("dct", dct)])
    return StageParts(mode="frame", sources=("dsp/mfcc.c", "dsp/mfe.c", *fft_source, FFT_HEADER),
                      includes=("dsp/mfcc.h",),
                      run=f"tms_mfcc_run(&{cfg}, {in_buf}, {scratch}, {mel}, {out_buf});")
