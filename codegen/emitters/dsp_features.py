"""C emitter of the frame-feature DSP nodes that work on features rather than signals: delta.

Like the other emitters, it gets the checked properties and specs of one node and returns the pieces
of its ``StageCode``; ``codegen.emit_dsp`` dispatches to it and owns the contract.
"""
from __future__ import annotations

from typing import Any, Mapping

from codegen.emitters.ctables import Declarations, c_float
from codegen.emitters.stage_parts import StageParts
from nodes.base import TensorSpec
from nodes.dsp import delta_scale


def delta(d: Declarations, p: Mapping[str, Any], spec_in: TensorSpec, spec_out: TensorSpec, in_buf: str,
          out_buf: str) -> StageParts:
    frames, features = spec_in.shape
    d.buffer(out_buf, spec_out.elements)
    cfg = d.const_struct("delta_cfg", "tms_delta_config_t", [
        ("frames", f"{frames}u"), ("features", f"{features}u"), ("width", f"{p['width']}u"),
        ("order", f"{p['order']}u"), ("include_input", f"{int(p['include_input'])}u"),
        ("scale", c_float(delta_scale(p["width"])))])
    return StageParts(mode="frame", sources=("dsp/delta.c",), includes=("dsp/delta.h",),
                      run=f"tms_delta_run(&{cfg}, {in_buf}, {out_buf});")
