"""C emitters of the spectral nodes (spectrum, MFE, MFCC) in fixed point, for a plan stage whose
``arithmetic`` is ``"fixed"`` (a core without an FPU): ``dsp/fx_fft.c`` and ``dsp/fx_features.c``.

The Q15 tables are ``nodes.dsp_fixed``'s (the Hann window, the FFT twiddles, the mel weights as the
same sparse rows the float kernel uses, the DCT) and the natural-log floor in Q10, so the device runs
exactly the host's fixed-point reference.
"""
from __future__ import annotations

from typing import Any, Mapping

from codegen.emitters.ctables import Declarations
from codegen.emitters.stage_parts import StageParts
from nodes import dsp_fixed as fx
from nodes import dsp_tables as tables
from nodes.base import TensorSpec
from nodes.dsp import Mfcc, Mfe

SOURCES = ("dsp/fx_fft.c", "dsp/fx_features.c", "dsp/fx_fft.h")
INCLUDES = ("dsp/fx_features.h",)


def _fft(d: Declarations, n_fft: int) -> str:
    cos_tab, msin_tab = tables.fft_twiddles(n_fft)
    return d.const_struct("fx_fft", "tms_fx_fft_t", [
        ("n_fft", f"{n_fft}u"), ("cos_q15", d.const_i16("fft_cos_q15", fx.q15(cos_tab))),
        ("msin_q15", d.const_i16("fft_msin_q15", fx.q15(msin_tab))),
        ("work", d.buffer(d.name("fft_work_q15"), n_fft, "int16_t", 2))])


def _bins_buffer(d: Declarations, n_bins: int) -> str:
    return d.buffer(d.name("fx_bins"), 2 * n_bins, "uint32_t", 4)


def spectrum(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
             out_buf: str) -> StageParts:
    n, channels = spec_in.shape
    bins = spec_out.shape[0]
    window = d.const_i16("hann_q15", fx.q15(tables.hann_window(n))) if p["window"] == "hann" else "0"
    fft = _fft(d, p["n_fft"])
    scratch = _bins_buffer(d, bins)
    d.buffer(out_buf, spec_out.elements)
    cfg = d.const_struct("fx_cfg", "tms_fx_spectrum_config_t", [
        ("n", f"{n}u"), ("channels", f"{channels}u"), ("bins", f"{bins}u"), ("window_q15", window),
        ("fft", f"&{fft}"), ("log", "1" if p["log"] else "0"), ("ln_floor_q10", str(fx.ln_floor_q10(p["log_floor"]))),
    ])
    return StageParts(mode="frame", sources=SOURCES, includes=INCLUDES,
                      run=f"tms_fx_spectrum_run(&{cfg}, {in_buf}, {scratch}, {out_buf});")


def _mel_config(d: Declarations, node: Mfe | Mfcc, p: Mapping[str, Any], n_frames: int,
                log: bool) -> tuple[str, str, str]:
    """The shared MFE/MFCC tables and config; returns (config, bins scratch, mel row) names."""
    fb = node.filterbank(p)
    starts, lengths, weights = tables.sparse_rows(fb)
    n_bins = fx.used_bins(fb)
    fft = _fft(d, p["n_fft"])
    cfg = d.const_struct("fx_mel_cfg", "tms_fx_mel_config_t", [
        ("frame_length", f"{p['frame_length']}u"), ("frame_stride", f"{p['frame_stride']}u"),
        ("n_frames", f"{n_frames}u"), ("power", "1" if p["spectrum"] == "power" else "0"),
        ("window_q15", d.const_i16("hann_q15", fx.q15(tables.hann_window(p["frame_length"])))),
        ("fft", f"&{fft}"), ("n_bins", f"{n_bins}u"), ("n_mels", f"{p['n_mels']}u"),
        ("mel_start", d.const_u16("mel_start", starts)), ("mel_length", d.const_u16("mel_length", lengths)),
        ("mel_weights_q15", d.const_i16("mel_weights_q15", fx.q15(weights))),
        ("log", "1" if log else "0"), ("ln_floor_q10", str(fx.ln_floor_q10(p["log_floor"]))),
    ])
    scratch = _bins_buffer(d, n_bins)
    mel = d.buffer(d.name("fx_mel"), p["n_mels"], "int64_t", 8)
    return cfg, scratch, mel


def mfe(d: Declarations, p: Mapping[str, Any], spec_out: TensorSpec, in_buf: str, out_buf: str) -> StageParts:
    cfg, scratch, mel = _mel_config(d, Mfe(), p, spec_out.shape[0], p["log"])
    d.buffer(out_buf, spec_out.elements)
    return StageParts(mode="frame", sources=SOURCES, includes=INCLUDES,
                      run=f"tms_fx_mfe_run(&{cfg}, {in_buf}, {scratch}, {mel}, {out_buf});")


def mfcc(d: Declarations, p: Mapping[str, Any], spec_out: TensorSpec, in_buf: str, out_buf: str) -> StageParts:
    mel_cfg, scratch, mel = _mel_config(d, Mfcc(), p, spec_out.shape[0], True)
    dct = d.const_i16("dct_q15", fx.q15(tables.dct_matrix(p["n_mfcc"], p["n_mels"])))
    d.buffer(out_buf, spec_out.elements)
    cfg = d.const_struct("fx_cfg", "tms_fx_mfcc_config_t", [
        ("mel", f"&{mel_cfg}"), ("n_mfcc", f"{p['n_mfcc']}u"), ("dct_q15", dct)])
    return StageParts(mode="frame", sources=SOURCES, includes=INCLUDES,
                      run=f"tms_fx_mfcc_run(&{cfg}, {in_buf}, {scratch}, {mel}, {out_buf});")
