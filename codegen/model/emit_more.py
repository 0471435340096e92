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

    def op_squared_difference(self, op: Op) -> None:
        a, b, out = self.t[op.inputs[0]], self.t[op.inputs[1]], self.t[op.outputs[0]]
        qp = squared_difference_params(a.quant.scale, b.quant.scale, out.quant.scale)
        params = self.struct("tms_squared_difference_params_t", self._broadcast(op) + [
            ("in1_offset", -a.quant.zero_point), ("in2_offset", -b.quant.zero_point),
            ("out_offset", out.quant.zero_point)] + list(qp.items()))
        self.body.append(f"    tms_squared_difference_s8({params}, {self.ptr(op.inputs[0])}, "
                         f"{self.ptr(op.inputs[1])}, {self.out_ptr(op.outputs[0])});")

    def op_batch_matmul(self, op: Op) -> None:
        lhs, rhs, out = (self.t[i] for i in (*op.inputs[:2], op.outputs[0]))
        g = batch_matmul_geometry(lhs.shape, rhs.shape, bool(op.options.get("adj_x")),
                                  bool(op.options.get("adj_y")))
        m, s = batch_matmul_multiplier(lhs.quant.scale, rhs.quant.scale, out.quant.scale)
        params = self.struct("tms_batch_matmul_params_t", [
            ("batches", g.batches), ("rows", g.rows), ("cols", g.cols), ("depth", g.depth),
            ("lhs_strides", g.lhs_strides), ("rhs_strides", g.rhs_strides),
            ("lhs_offset", -lhs.quant.zero_point), ("rhs_offset", -rhs.quant.zero_point),
            ("out_offset", out.quant.zero_point), ("out_multiplier", m), ("out_shift", s)])
        self.body.append(f"    tms_batch_matmul_s8({params}, {self.ptr(op.inputs[0])}, "
                         f"{self.ptr(op.inputs[1])}, {self.out_ptr(op.outputs[0])});")


    def op_transpose_conv(self, op: Op) -> None:
        """Inputs: output shape, weights [out_c, k_h, k_w, in_c], input, bias (optional)."""
        inp, w, out = self.t[op.inputs[2]], self.t[op.inputs[1]], self.t[op.outputs[0]]
        n, h, wd, c = (int(d) for d in inp.shape)
        _, oh, ow, oc = (int(d) for d in out.shape)
        kh, kw = int(w.shape[1]), int(w.shape[2])
        pad_h, pad_w = transpose_conv_padding(op.options, oh, ow, kh, kw)
        mult, shift = Q.conv_multipliers(inp.quant.scale, w.quant.scales, out.quant.scale, oc)
        lo, hi = self._act(op, out)
        params = self.struct("tms_transpose_conv_params_t", [
            ("batches", n), ("in_h", h), ("in_w", wd), ("in_c", c), ("out_h", oh), ("out_w", ow),
            ("out_c", oc), ("k_h", kh), ("k_w", kw), ("stride_h", int(op.options.get("stride_h", 1))),
            ("stride_w", int(op.options.get("stride_w", 1))), ("pad_h", pad_h), ("pad_w", pad_w),
            ("in_offset", -inp.quant.zero_point), ("out_offset", out.quant.zero_point),
            ("act_min", lo), ("act_max", hi)])
        wn = self.array("int8_t", "w", w.data.astype(np.int8))
        has_bias = len(op.inputs) > 3 and op.inputs[3] >= 0
        bn = (self.array("int32_t", "b", self.t[op.inputs[3]].data.astype(np.int32))
              if has_bias else "0")
        mn, sn = self.array("int32_t", "m", mult), self.array("int32_t", "s", shift)
        self.body.append(f"    tms_transpose_conv_s8({params}, {self.ptr(op.inputs[2])}, {wn}, "
                         f"{bn}, {mn}, {sn}, {self.out_ptr(op.outputs[0])});")

    def op_resize_bilinear(self, op: Op) -> None:
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        n, h, w, c = (int(d) for d in inp.shape)
        _, oh, ow, _ = (int(d) for d in out.shape)
        tab = resize_bilinear_tables(h, w, oh, ow, bool(op.options.get("align_corners")),
                                     bool(op.options.get("half_pixel_centers")))
        names = {
            "y0": self.array("int32_t", "ry", [v * w * c for v in tab["y0"]]),
            "y1": self.array("int32_t", "ry", [v * w * c for v in tab["y1"]]),
            "wy": self.array("int32_t", "rw", tab["wy"]),
            "x0": self.array("int32_t", "rx", [v * c for v in tab["x0"]]),
            "x1": self.array("int32_t", "rx", [v * c for v in tab["x1"]]),
            "wx": self.array("int32_t", "rw", tab["wx"]),
        }
        pname = self._name("p")
        fields = [("batches", n), ("out_h", oh), ("out_w", ow), ("channels", c),
                  ("in_batch_stride", h * w * c)]
        body = "\n".join(f"    .{k} = {v}," for k, v in fields)
        body += "\n" + "\n".join(f"    .{k} = {v}," for k, v in names.items())
        self.decls.append(f"static const tms_resize_bilinear_params_t {pname} = {{\n{body}\n}};")
        self.body.append(f"    tms_resize_bilinear_s8(&{pname}, {self.ptr(op.inputs[0])}, "
                         f"{self.out_ptr(op.outputs[0])});")

def squared_difference_params(s1: float, s2: float, so: float) -> dict:
    """TFLM squared_difference.cc PrepareQuantized for int8 (left_shift 7, double ratios)."""
    left_shift = 7
    twice_max = 2.0 * max(Q.f32(s1), Q.f32(s2))
    m1, sh1 = Q.quantize_multiplier(Q.f32(s1) / twice_max)
    m2, sh2 = Q.quantize_multiplier(Q.f32(s2) / twice_max)
    mo, sho = Q.quantize_multiplier(twice_max * twice_max
                                    / float(np.float32(1 << (2 * left_shift)) * np.float32(so)))
    return {"left_shift": left_shift, "in1_multiplier": m1, "in1_shift": sh1,
            "in2_multiplier": m2, "in2_shift": sh2, "out_multiplier": mo, "out_shift": sho}


def batch_matmul_multiplier(lhs_scale: float, rhs_scale: float, out_scale: float) -> tuple[int, int]:
    """GetQuantizedConvolutionMultipler without bias: the scale product in float32, then double."""
    return Q.quantize_multiplier(float(np.float32(lhs_scale) * np.float32(rhs_scale))
                                 / Q.f32(out_scale))


class MatmulGeometry:
    """Output batch dims, rows x cols x depth and element strides of both operands."""

    def __init__(self, batches, rows, cols, depth, lhs_strides, rhs_strides):
        self.batches, self.rows, self.cols, self.depth = batches, rows, cols, depth
        self.lhs_strides, self.rhs_strides = lhs_strides, rhs_strides
        self.out_shape = tuple(b for b in batches) + (rows, cols)


def batch_matmul_geometry(lhs_shape, rhs_shape, adj_x: bool, adj_y: bool) -> MatmulGeometry:
    """ValueError when the shapes do not multiply; batch dims broadcast, at most 3 of them."""
    ls, rs = [int(d) for d in lhs_shape], [int(d) for d in rhs_shape]
    if not (2 <= len(ls) <= 5 and 2 <= len(rs) <= 5):
        raise ValueError("operands must have 2 to 5 dims")
    ls5, rs5 = [1] * (5 - len(ls)) + ls, [1] * (5 - len(rs)) + rs

    def strides(shape):
        out, acc = [0] * 5, 1
        for d in range(4, -1, -1):
            out[d] = acc
            acc *= shape[d]
        return out

    lst, rst = strides(ls5), strides(rs5)
    batches = []
    for d in range(3):
        a, b = ls5[d], rs5[d]
        if a != b and 1 not in (a, b):
            raise ValueError(f"batch dims {ls[:-2]} and {rs[:-2]} do not broadcast")
        batches.append(max(a, b))
        if a == 1:
            lst[d] = 0
        if b == 1:
            rst[d] = 0
    rows, depth = (ls5[4], ls5[3]) if adj_x else (ls5[3], ls5[4])
    l_row, l_k = (lst[4], lst[3]) if adj_x else (lst[3], lst[4])
    depth_r, cols = (rs5[4], rs5[3]) if adj_y else (rs5[3], rs5[4])
    r_k, r_col = (rst[4], rst[3]) if adj_y else (rst[3], rst[4])
    if depth != depth_r:
        raise ValueError(f"inner dims differ: {depth} and {depth_r}")
    keep = max(len(ls), len(rs)) - 2
    g = MatmulGeometry(batches, rows, cols, depth, lst[:3] + [l_row, l_k], rst[:3] + [r_k, r_col])
    g.out_shape = tuple(batches[3 - keep:]) + (rows, cols) if keep else (rows, cols)
    return g


def _interpolation_values(value: int, scale_10: int, half: bool, size: int) -> tuple[int, int, int]:
    """reference_ops::ComputeInterpolationValuesInteger: (scaled, lower, upper), C division."""
    scaled = value * scale_10 + scale_10 // 2 - (1 << 9) if half else value * scale_10
    lower = max(-((-scaled) // 1024) if scaled < 0 else scaled // 1024, 0)
    up = scaled + 1023
    upper = min(-((-up) // 1024) if up < 0 else up // 1024, size - 1)
    return scaled, lower, upper


def resize_bilinear_tables(in_h: int, in_w: int, out_h: int, out_w: int, align: bool,
                           half: bool) -> dict[str, list[int]]:
    """Per output row: source rows y0, y1 and the weight of y1 (input_y - 1024 * y0); per
    output column the same; as TFLM's ResizeBilinearInteger computes them. ValueError when a
    source index would leave the input."""
    def scale_10(i, o):
        if align and o > 1:
            return ((1 << 10) * (i - 1) + (o - 1) // 2) // (o - 1)
        return ((1 << 10) * i + o // 2) // o

    out: dict[str, list[int]] = {}
    for axis, (i, o) in (("y", (in_h, out_h)), ("x", (in_w, out_w))):
        s = scale_10(i, o)
        lo, hi, w = [], [], []
        for v in range(o):
            scaled, a, b = _interpolation_values(v, s, half, i)
            if not (0 <= a < i and 0 <= b < i):
                raise ValueError(f"a source {axis} index leaves the input ({a}, {b} of {i})")
            lo.append(a)
            hi.append(b)
            w.append(scaled - 1024 * a)
        out[axis + "0"], out[axis + "1"], out["w" + axis] = lo, hi, w
    return out


def transpose_conv_padding(options: dict, out_h: int, out_w: int, kh: int, kw: int) -> tuple[int, int]:
    """TFLM transpose_conv.cc CalculateOpData: ComputePaddingHeightWidth run on the *output*
    size (the conv that would map the output back to the input), dilation 1."""
    o = {k: v for k, v in options.items() if k in ("padding", "stride_h", "stride_w")}
    return Q.op_padding(o, out_h, out_w, kh, kw)
