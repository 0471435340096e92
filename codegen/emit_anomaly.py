"""The C of ``model.reconstruction_error``: one stage that turns the features a model was given and
its dequantized reconstruction into the anomaly score (kernel codegen/runtime/anomaly/, reference
``nodes.anomaly.ReconstructionError.reference``).

After the model (mode ``"post"``) the stage runs once per inference, after ``model_invoke`` and the
dequantization, before the result is printed; a node that does not read the model's output (both
inputs from DSP nodes) runs with the frame stages instead (mode ``"frame"``). Its output buffer is
``codegen.stage.buffer_name(node_id, "scores")``, one float.
"""
from __future__ import annotations

from typing import Mapping

from codegen.cnames import c_identifier
from codegen.emitters.ctables import c_float
from codegen.stage import StageCode, buffer_name
from nodes.base import NodeContext, NodeError, TensorSpec, node_type

TYPE_ID = "model.reconstruction_error"
SOURCE = "anomaly/reconstruction_error.c"
HEADER = "anomaly/reconstruction_error.h"
_METRIC_MACROS = {"mse": "TMS_RECONSTRUCTION_MSE", "mae": "TMS_RECONSTRUCTION_MAE"}


class AnomalyEmitError(Exception):
    def __init__(self, node_id: str, problem: str):
        self.message = f"node '{node_id}' ({TYPE_ID}): {problem}"
        super().__init__(self.message)


def emit_reconstruction_error(node_id: str, props: Mapping, inputs: Mapping[str, TensorSpec],
                              in_buffers: Mapping[str, str], mode: str = "post") -> StageCode:
    """The stage of one reconstruction-error node whose inputs are the float buffers ``in_buffers``."""
    if mode not in ("post", "frame"):
        raise AnomalyEmitError(node_id, f"runs after the model ('post') or per frame, not '{mode}'")
    cls = node_type(TYPE_ID)
    try:
        p = cls.check_props(dict(props))
        out = cls().infer(dict(inputs), p, NodeContext())["scores"]
    except NodeError as e:
        raise AnomalyEmitError(node_id, e.message) from None
    for port in ("features", "reconstruction"):
        buf = in_buffers.get(port)
        if not buf or c_identifier(buf) != buf:
            raise AnomalyEmitError(node_id, f"input buffer name {buf!r} of '{port}' is missing or not a C identifier")
    n = inputs["features"].elements
    out_buf = buffer_name(node_id, "scores")
    scale = c_float(p["scale"])  # the float32 the reference divides by, bit for bit
    run = (f"{out_buf}[0] = tms_reconstruction_error({in_buffers['features']}, {in_buffers['reconstruction']}, "
           f"{n}u, {_METRIC_MACROS[p['metric']]}, {scale});")
    return StageCode(node_id=node_id, mode=mode, sources=(SOURCE,), includes=(HEADER,),
                     declarations=f"static float {out_buf}[{out.elements}];", run=run, ram_bytes=out.bytes)
