"""C emitters of the image nodes: resize (index and weight tables from ``nodes.dsp_image``), crop, grayscale."""
from __future__ import annotations

from typing import Any, Mapping

from codegen.emitters.ctables import Declarations
from codegen.emitters.stage_parts import StageParts
from nodes import dsp_image as image
from nodes import dsp_tables as tables
from nodes.base import TensorSpec


def resize(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
           out_buf: str) -> StageParts:
    h_in, w_in, channels = spec_in.shape
    h_out, w_out = p["height"], p["width"]
    d.buffer(out_buf, spec_out.elements)
    parts = {"mode": "frame", "sources": ("dsp/resize.c",), "includes": ("dsp/resize.h",)}
    if p["method"] == "nearest":
        # the reference's own index rule (private there; see the report), so every pixel agrees
        rows = d.const_u16("rows", image._nearest(h_out, h_in))
        cols = d.const_u16("cols", image._nearest(w_out, w_in))
        return StageParts(**parts, run=(f"tms_resize_nearest({in_buf}, {w_in}u, {channels}u, {out_buf}, "
                                        f"{h_out}u, {w_out}u, {rows}, {cols});"))
    y0, y1, fy = image._source_coords(h_out, h_in)
    x0, x1, fx = image._source_coords(w_out, w_in)
    names = [d.const_u16("y0", y0), d.const_u16("y1", y1), d.const_floats("fy", fy),
             d.const_u16("x0", x0), d.const_u16("x1", x1), d.const_floats("fx", fx)]
    return StageParts(**parts, run=(f"tms_resize_bilinear({in_buf}, {w_in}u, {channels}u, {out_buf}, {h_out}u, "
                                    f"{w_out}u, {', '.join(names)});"))


def crop(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
         out_buf: str) -> StageParts:
    _, w_in, channels = spec_in.shape
    d.buffer(out_buf, spec_out.elements)
    return StageParts(mode="frame", sources=("dsp/crop.c",), includes=("dsp/crop.h",),
                      run=(f"tms_crop({in_buf}, {w_in}u, {channels}u, {p['x']}u, {p['y']}u, {out_buf}, "
                           f"{p['height']}u, {p['width']}u);"))


def grayscale(d: Declarations, spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str, out_buf: str) -> StageParts:
    h, w, _ = spec_in.shape
    weights = d.const_floats("luma", tables.grayscale_weights())
    d.buffer(out_buf, spec_out.elements)
    return StageParts(mode="frame", sources=("dsp/grayscale.c",), includes=("dsp/grayscale.h",),
                      run=f"tms_grayscale({in_buf}, {out_buf}, {h * w}u, {weights});")
