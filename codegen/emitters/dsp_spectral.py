"""C emitters of the frequency-domain DSP nodes: spectrum, mel energies (MFE) and MFCC.

The tables (Hann window, FFT twiddles, sparse mel filterbank, DCT) come from ``nodes.dsp_tables`` and
the node types themselves, so the device computes with exactly the reference's constants.
"""
from __future__ import annotations

from typing import Any, Mapping

from codegen.emitters.ctables import Declarations, c_float
from codegen.emitters.stage_parts import StageParts
from nodes import dsp_tables as tables
from nodes.base import TensorSpec
from nodes.dsp import Mfcc, Mfe, Spectrum

_FFT_SOURCE = "dsp/fft.c"


def _twiddles(d: Declarations, n_fft: int) -> tuple[str, str]:
    cos_tab, msin_tab = tables.fft_twiddles(n_fft)
    return d.const_floats("fft_cos", cos_tab), d.const_floats("fft_msin", msin_tab)


def spectrum(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
             out_buf: str) -> StageParts:
    n, channels = spec_in.shape
    n_fft = p["n_fft"]
    bins = spec_out.shape[0]
    window = d.const_floats("hann", tables.hann_window(n)) if p["window"] == "hann" else "0"
    cos_tab, msin_tab = _twiddles(d, n_fft)
    scratch = d.buffer(d.name("fft"), n_fft + 2)
    d.buffer(out_buf, spec_out.elements)
    cfg = d.const_struct("cfg", "tms_spectrum_config_t", [
        ("n", f"{n}u"), ("channels", f"{channels}u"), ("n_fft", f"{n_fft}u"), ("bins", f"{bins}u"),
        ("window", window), ("cos_tab", cos_tab), ("msin_tab", msin_tab),
        ("log", "1" if p["log"] else "0"), ("log_floor", c_float(p["log_floor"])),
    ], size_bytes=36)
    return StageParts(mode="frame", sources=("dsp/spectrum.c", _FFT_SOURCE), includes=("dsp/spectrum.h",),
                      run=f"tms_spectrum_run(&{cfg}, {in_buf}, {scratch}, {out_buf});")


def _mel_config(d: Declarations, node: Mfe | Mfcc, p: Mapping[str, Any], n_frames: int, log: bool) -> tuple[str, str]:
    """The shared MFE/MFCC tables and config struct; returns (config name, fft scratch name)."""
    n_fft = p["n_fft"]
    window = d.const_floats("hann", tables.hann_window(p["frame_length"]))
    cos_tab, msin_tab = _twiddles(d, n_fft)
    starts, lengths, weights = tables.sparse_rows(node.filterbank(p))
    mel_start = d.const_u16("mel_start", starts)
    mel_length = d.const_u16("mel_length", lengths)
    mel_weights = d.const_floats("mel_weights", weights)
    scratch = d.buffer(d.name("fft"), n_fft + 2)
    cfg = d.const_struct("mel_cfg", "tms_mel_config_t", [
        ("frame_length", f"{p['frame_length']}u"), ("frame_stride", f"{p['frame_stride']}u"),
        ("n_frames", f"{n_frames}u"), ("n_fft", f"{n_fft}u"), ("power", "1" if p["spectrum"] == "power" else "0"),
        ("window", window), ("cos_tab", cos_tab), ("msin_tab", msin_tab), ("n_mels", f"{p['n_mels']}u"),
        ("mel_start", mel_start), ("mel_length", mel_length), ("mel_weights", mel_weights),
        ("log", "1" if log else "0"), ("log_floor", c_float(p["log_floor"])),
    ], size_bytes=56)
    return cfg, scratch


def mfe(d: Declarations, p: Mapping[str, Any], spec_out: TensorSpec, in_buf: str, out_buf: str) -> StageParts:
    cfg, scratch = _mel_config(d, Mfe(), p, spec_out.shape[0], p["log"])
    d.buffer(out_buf, spec_out.elements)
    return StageParts(mode="frame", sources=("dsp/mfe.c", _FFT_SOURCE), includes=("dsp/mfe.h",),
                      run=f"tms_mfe_run(&{cfg}, {in_buf}, {scratch}, {out_buf});")


def mfcc(d: Declarations, p: Mapping[str, Any], spec_out: TensorSpec, in_buf: str, out_buf: str) -> StageParts:
    mel_cfg, scratch = _mel_config(d, Mfcc(), p, spec_out.shape[0], True)
    dct = d.const_floats("dct", tables.dct_matrix(p["n_mfcc"], p["n_mels"]))
    mel = d.buffer(d.name("mel"), p["n_mels"])
    d.buffer(out_buf, spec_out.elements)
    cfg = d.const_struct("cfg", "tms_mfcc_config_t", [
        ("mel", f"&{mel_cfg}"), ("n_mfcc", f"{p['n_mfcc']}u"), ("dct", dct)], size_bytes=12)
    return StageParts(mode="frame", sources=("dsp/mfcc.c", "dsp/mfe.c", _FFT_SOURCE), includes=("dsp/mfcc.h",),
                      run=f"tms_mfcc_run(&{cfg}, {in_buf}, {scratch}, {mel}, {out_buf});")
