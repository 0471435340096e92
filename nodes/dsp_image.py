"""Image node types (resize, crop, grayscale) and their numpy references.

Images are (height, width, channels) float32 tensors, one per camera frame. Resizing uses
half-pixel centres (source coordinate = (dst + 0.5)·in/out − 0.5), the convention of TensorFlow 2's
``tf.image.resize`` without antialiasing, so features made here match what a model was trained on.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from nodes import dsp_tables as tables
from nodes.base import Mode, Role, RunState, Cost, NodeError, NodeType, Param, Port, TensorSpec, register, require_dtype, single_input

# C code size of each kernel (bytes): .text of codegen/runtime/dsp/<kernel>.c (arm-none-eabi-gcc 12.2
# -Os, cortex-m4 hard-float, measured 2026-11-22) plus ~40 B for its call in pipeline.c.
CODE_BYTES = {"dsp/resize": 380, "dsp/crop": 100, "dsp/grayscale": 100}

_IN = Port("in", ("f32",), "an image (height, width, channels)")
_OUT = Port("out", ("f32",), "an image (height, width, channels)")


def _image_input(inputs: Mapping[str, TensorSpec], title: str) -> TensorSpec:
    spec = single_input(inputs)
    require_dtype(spec, ("f32",))
    if len(spec.shape) != 3:
        raise NodeError(f"{title} takes an image (height, width, channels), but its input is "
                        f"{spec.describe()}", port="in")
    return spec


def _image_cost(kernel: str, out: TensorSpec, ops: int, table_bytes: int = 0) -> Cost:
    return Cost(ram_bytes=out.bytes, flash_bytes=CODE_BYTES[kernel] + table_bytes, ops=ops,
                detail={"output_bytes": out.bytes, "table_bytes": table_bytes, "code_bytes": CODE_BYTES[kernel]})


def _source_coords(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output index: the lower and upper source index and the weight of the upper one."""
    pos = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    pos = np.clip(pos, 0.0, n_in - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (pos - lo).astype(np.float32)


def _nearest(n_out: int, n_in: int) -> np.ndarray:
    return np.minimum(np.floor((np.arange(n_out) + 0.5) * (n_in / n_out)).astype(np.int64), n_in - 1)


def resize(x: np.ndarray, height: int, width: int, method: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    h_in, w_in = x.shape[:2]
    if method == "nearest":
        return np.ascontiguousarray(x[_nearest(height, h_in)][:, _nearest(width, w_in)], dtype=np.float32)
    y0, y1, fy = _source_coords(height, h_in)
    x0, x1, fx = _source_coords(width, w_in)
    fx = fx[None, :, None]
    top = x[y0][:, x0] * (1 - fx) + x[y0][:, x1] * fx
    bottom = x[y1][:, x0] * (1 - fx) + x[y1][:, x1] * fx
    fy = fy[:, None, None]
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


@register
class Resize(NodeType):
    type_id = "dsp.resize"
    role = Role.STREAM
    title = "Image resize"
    doc = "Scales an image to width × height, nearest neighbour or bilinear (half-pixel centres)."
    inputs = [_IN]
    outputs = [_OUT]
    params = [
        Param("width", int, 96, min=1, max=640, unit="px"),
        Param("height", int, 96, min=1, max=480, unit="px"),
        Param("method", str, "bilinear", choices=("nearest", "bilinear")),
    ]
    kernel = "dsp/resize"

    def infer(self, inputs, p, ctx):
        spec = _image_input(inputs, self.title)
        return {"out": TensorSpec((p["height"], p["width"], spec.shape[2]), "f32", spec.rate_hz)}

    def cost(self, inputs, outputs, p, ctx):
        out = outputs["out"]
        h, w = p["height"], p["width"]
        if p["method"] == "nearest":  # source row and column per output row/column, uint16
            return _image_cost(self.kernel, out, out.elements, 2 * (h + w))
        # two uint16 source indices and a float32 weight per output row and column; 3 lerps of 3 ops
        return _image_cost(self.kernel, out, 9 * out.elements, 8 * (h + w))

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        return resize(x, p["height"], p["width"], p["method"])


@register
class Crop(NodeType):
    type_id = "dsp.crop"
    role = Role.STREAM
    title = "Image crop"
    doc = "Keeps the width × height rectangle whose top-left pixel is (x, y)."
    inputs = [_IN]
    outputs = [_OUT]
    params = [
        Param("x", int, 0, min=0, max=639, unit="px", doc="left column"),
        Param("y", int, 0, min=0, max=479, unit="px", doc="top row"),
        Param("width", int, 96, min=1, max=640, unit="px"),
        Param("height", int, 96, min=1, max=480, unit="px"),
    ]
    kernel = "dsp/crop"

    def infer(self, inputs, p, ctx):
        spec = _image_input(inputs, self.title)
        h, w, c = spec.shape
        if p["x"] + p["width"] > w or p["y"] + p["height"] > h:
            raise NodeError(f"the crop x {p['x']}..{p['x'] + p['width']}, y {p['y']}..{p['y'] + p['height']} "
                            f"leaves the {w}×{h} input image", port="in")
        return {"out": TensorSpec((p["height"], p["width"], c), "f32", spec.rate_hz)}

    def cost(self, inputs, outputs, p, ctx):
        out = outputs["out"]
        return _image_cost(self.kernel, out, out.elements)

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return np.ascontiguousarray(x[p["y"]: p["y"] + p["height"], p["x"]: p["x"] + p["width"]])


@register
class Grayscale(NodeType):
    type_id = "dsp.grayscale"
    role = Role.STREAM
    title = "Grayscale"
    doc = "RGB image to one luma channel with the ITU-R BT.601 weights 0.299 R + 0.587 G + 0.114 B."
    inputs = [_IN]
    outputs = [_OUT]
    params = []
    kernel = "dsp/grayscale"

    def infer(self, inputs, p, ctx):
        spec = _image_input(inputs, self.title)
        if spec.shape[2] != 3:
            raise NodeError(f"Grayscale takes an RGB image (height, width, 3), but its input is "
                            f"{spec.describe()}", port="in")
        h, w, _ = spec.shape
        return {"out": TensorSpec((h, w, 1), "f32", spec.rate_hz)}

    def cost(self, inputs, outputs, p, ctx):
        out = outputs["out"]
        return _image_cost(self.kernel, out, 5 * out.elements, tables.grayscale_weights().nbytes)

    def transform(self, x: np.ndarray, p: Mapping[str, Any], state: RunState | None = None) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return (x @ tables.grayscale_weights())[..., None].astype(np.float32)

