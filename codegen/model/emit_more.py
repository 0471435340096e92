"""Emitters of the ops added for recurrent layers, attention and layer norm (PACK, BATCH_MATMUL,
SQUARED_DIFFERENCE, RSQRT, RESIZE_BILINEAR): a mixin of ``emit.CEmitter`` kept in its own module
so the core emitter stays small. Python computes every parameter; the C only loops.
"""
from __future__ import annotations

import numpy as np

from . import quant as Q
from .ir import Op


class MoreOpsMixin:
    """Methods named by the op table (``opset.OPS[...].emitter``); uses CEmitter's helpers."""

    def op_pack(self, op: Op) -> None:
        """PACK is a concatenation along a new axis: each input is one slice of the output."""
        out = self.t[op.outputs[0]]
        axis = int(op.options.get("axis", 0)) % len(out.shape)
        outer = int(np.prod(out.shape[:axis], dtype=np.int64))
        sizes = [int(np.prod(self.t[i].shape[axis:], dtype=np.int64)) for i in op.inputs]
        self._concat_call(op, outer, sizes)

    def _concat_call(self, op: Op, outer: int, sizes: list[int]) -> None:
        """tms_concat_s8 over op's inputs: ``outer`` steps, ``sizes[i]`` elements of input i each."""
        sn = self.array("int32_t", "n", sizes)
        ptrs = ", ".join(self.ptr(i) for i in op.inputs)
        self.body.append(f"    {{\n        const int8_t *const parts[{len(op.inputs)}] = {{{ptrs}}};\n"
                         f"        tms_concat_s8({len(op.inputs)}, parts, {sn}, {outer}, "
                         f"{self.out_ptr(op.outputs[0])});\n    }}")
