"""C generation for the int16x8 ops (``opset_s16``): a mixin of ``emit.CEmitter``.

Same scheme as the int8 emitter: Python computes every multiplier, shift, clamp and table
offline (``quant``/``quant_s16``), the C kernels in codegen/runtime/nn/tms_*_s16.c only loop.
int16 activations are addressed as ``int16_t *`` (the planner aligns them to 2 bytes); weights
stay int8 and biases int64. The model's API carries the boundary type: an int16x8 model is
``model_invoke(const int16_t *input, int16_t *output)``.
"""
from __future__ import annotations

import numpy as np

from . import quant as Q
from . import quant_s16 as Q16
from .ir import Op

_C_TYPES = {"int8": "int8_t", "int16": "int16_t"}


def _pad4(shape) -> list[int]:
    shape = [int(d) for d in shape]
    return [1] * (4 - len(shape)) + shape


class Int16Emitter:
    """Mixed into ``CEmitter``: uses its ``p``, ``t``, ``array``, ``struct``, ``body``, offsets."""

    # --- the API and typed pointers ------------------------------------------------------
    def io_ctype(self) -> str:
        g = self.p.graph
        types = {self.t[i].dtype for i in (*g.inputs, *g.outputs)}
        return "int16_t" if "int16" in types else "int8_t"

    def invoke_params(self) -> str:
        c = self.io_ctype()
        return f"const {c} *input, {c} *output"

    def tptr(self, ti: int) -> str:
        """A pointer of the tensor's own element type (int8_t * or int16_t *)."""
        from .emit import PREFIX

        tensor = self.t[ti]
        ctype = _C_TYPES.get(tensor.dtype, "int8_t")
        st = self.p.storage[ti]
        if st.kind == "arena":
            return f"(({ctype} *)(void *)({PREFIX}_arena.bytes + {st.offset}))"
        if st.kind in ("input", "output"):
            offsets = self.input_offsets if st.kind == "input" else self.output_offsets
            off = offsets[st.index] // tensor.itemsize
            return st.kind if off == 0 else f"({st.kind} + {off})"
        if ti not in self.const_names:  # a constant used as an activation operand
            np_type = np.int16 if tensor.dtype == "int16" else np.int8
            self.const_names[ti] = self.array(ctype, "c", tensor.data.astype(np_type))
        return self.const_names[ti]

    def _act16(self, op: Op, out) -> tuple[int, int]:
        return Q16.activation_range(op.options.get("activation", "NONE"), out.quant.scale,
                                    out.quant.zero_point)

    def _weighted_call(self, kernel: str, params: str, op: Op, mult, shift) -> None:
        """kernel(params, input, int8 weights, int64 bias or NULL, multipliers, shifts, output)."""
        wn = self.array("int8_t", "w", self.t[op.inputs[1]].data.astype(np.int8))
        bn = "(const int64_t *)0"
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            bias = self.t[op.inputs[2]].data.astype(np.int64).reshape(-1)[:len(mult)]
            bn = self.array("int64_t", "b", bias)
        mn, sn = self.array("int32_t", "m", mult), self.array("int32_t", "s", shift)
        self.body.append(f"    {kernel}({params}, {self.tptr(op.inputs[0])}, {wn}, {bn}, {mn}, "
                         f"{sn}, {self.tptr(op.outputs[0])});")

    # --- ops ------------------------------------------------------------------------------
    def _conv_s16(self, op: Op, kernel: str, depthwise: bool) -> None:
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        w = self.t[op.inputs[1]]
        o = op.options
        n, h, wd, c = inp.shape
        _, oh, ow, oc = out.shape
        _, kh, kw, _ = w.shape
        pad_h, pad_w = Q.op_padding(o, h, wd, kh, kw)
        mult, shift = Q.conv_multipliers(inp.quant.scale, w.quant.scales, out.quant.scale, oc)
        lo, hi = self._act16(op, out)
        params = self.struct("tms_conv_s16_params_t", [
            ("batches", n), ("in_h", h), ("in_w", wd), ("in_c", c), ("out_h", oh), ("out_w", ow),
            ("out_c", oc), ("depth_multiplier", oc // c if depthwise else 1), ("k_h", kh),
            ("k_w", kw), ("stride_h", int(o.get("stride_h", 1))),
            ("stride_w", int(o.get("stride_w", 1))), ("dil_h", int(o.get("dilation_h", 1))),
            ("dil_w", int(o.get("dilation_w", 1))), ("pad_h", pad_h), ("pad_w", pad_w),
            ("act_min", lo), ("act_max", hi)])
        self._weighted_call(kernel, params, op, mult, shift)

    def op_conv_2d_s16(self, op: Op) -> None:
        self._conv_s16(op, "tms_conv_s16", depthwise=False)

    def op_depthwise_conv_2d_s16(self, op: Op) -> None:
        self._conv_s16(op, "tms_depthwise_conv_s16", depthwise=True)

    def op_fully_connected_s16(self, op: Op) -> None:
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        w = self.t[op.inputs[1]]
        od, depth = w.shape
        mult, shift = Q.conv_multipliers(inp.quant.scale, w.quant.scales, out.quant.scale, od)
        lo, hi = self._act16(op, out)
        params = self.struct("tms_fc_s16_params_t", [
            ("batches", inp.elements // depth), ("in_depth", depth), ("out_depth", od),
            ("act_min", lo), ("act_max", hi)])
        self._weighted_call("tms_fully_connected_s16", params, op, mult, shift)

    def op_binary_s16(self, op: Op) -> None:
        a, b, out = self.t[op.inputs[0]], self.t[op.inputs[1]], self.t[op.outputs[0]]
        if op.name in ("MUL", "MAXIMUM", "MINIMUM"):
            m, s = (Q.mul_multiplier(a.quant.scale, b.quant.scale, out.quant.scale)
                    if op.name == "MUL" else (0, 0))
            qp = dict(left_shift=0, in1_multiplier=0, in1_shift=0, in2_multiplier=0,
                      in2_shift=0, out_multiplier=m, out_shift=s)
        else:
            qp = Q16.add_params(a.quant.scale, b.quant.scale, out.quant.scale)
        lo, hi = self._act16(op, out)
        kind = {"ADD": 0, "SUB": 1, "MUL": 2, "MAXIMUM": 3, "MINIMUM": 4}[op.name]
        params = self.struct("tms_binary_s16_params_t", self._broadcast(op) + list(qp.items()) +
                             [("act_min", lo), ("act_max", hi), ("kind", kind)])
        self.body.append(f"    tms_binary_s16({params}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.inputs[1])}, {self.tptr(op.outputs[0])});")

    def op_pool_s16(self, op: Op) -> None:
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        o = op.options
        n, h, wd, c = inp.shape
        _, oh, ow, _ = out.shape
        fh, fw = int(o["filter_h"]), int(o["filter_w"])
        pad_h, pad_w = Q.op_padding(o, h, wd, fh, fw)
        lo, hi = self._act16(op, out)
        params = self.struct("tms_pool_s16_params_t", [
            ("batches", n), ("in_h", h), ("in_w", wd), ("channels", c), ("out_h", oh),
            ("out_w", ow), ("f_h", fh), ("f_w", fw), ("stride_h", int(o.get("stride_h", 1))),
            ("stride_w", int(o.get("stride_w", 1))), ("pad_h", pad_h), ("pad_w", pad_w),
            ("act_min", lo), ("act_max", hi), ("maximum", int(op.name == "MAX_POOL_2D"))])
        self.body.append(f"    if (tms_pool_s16({params}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.outputs[0])}) != 0) {{\n"
                         f"        return {op.index + 1};\n    }}")

    def op_mean_s16(self, op: Op) -> None:
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        rank = len(inp.shape)
        axes = sorted({int(a) % rank for a in np.asarray(self.t[op.inputs[1]].data).reshape(-1)})
        reduce = [0] * 4
        for a in axes:
            reduce[a + 4 - rank] = 1
        iq, oq = inp.quant, out.quant
        count = int(np.prod([inp.shape[a] for a in axes], dtype=np.int64))
        mode = {"REDUCE_MAX": 1, "REDUCE_MIN": 2}.get(op.name, 0)
        if op.name == "SUM":
            m, s = Q.quantize_multiplier(float(iq.scale) / float(oq.scale))
        else:
            m, s = Q.mean_multiplier(iq.scale, oq.scale, count)
        params = self.struct("tms_mean_s16_params_t", [
            ("dims", _pad4(inp.shape)), ("reduce", reduce), ("in_zero_point", iq.zero_point),
            ("out_zero_point", oq.zero_point), ("multiplier", m), ("shift", s), ("mode", mode)])
        self.body.append(f"    tms_mean_s16({params}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.outputs[0])});")

    def op_softmax_s16(self, op: Op) -> None:
        inp = self.t[op.inputs[0]]
        depth = int(inp.shape[-1])
        m, s = Q16.softmax_params(float(op.options.get("beta", 1.0)), inp.quant.scale)
        if not hasattr(self, "_softmax_luts"):  # one pair of tables for every softmax
            exp_lut, recip_lut = Q16.softmax_tables()
            self._softmax_luts = (self.array("int16_t", "lut", exp_lut),
                                  self.array("int16_t", "lut", recip_lut))
        exp_name, recip_name = self._softmax_luts
        params = self.struct("tms_softmax_s16_params_t", [
            ("outer", inp.elements // depth), ("depth", depth), ("input_multiplier", m),
            ("input_left_shift", s)])
        self.body.append(f"    tms_softmax_s16({params}, {exp_name}, {recip_name}, "
                         f"{self.tptr(op.inputs[0])}, {self.tptr(op.outputs[0])});")

    def op_quantize_s16(self, op: Op) -> None:
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        m, s = Q.quantize_multiplier(Q.f32(inp.quant.scale) / Q.f32(out.quant.scale))
        lo, hi = (-32768, 32767) if out.dtype == "int16" else (-128, 127)
        params = self.struct("tms_requantize_s16_params_t", [
            ("size", inp.elements), ("in_zero_point", inp.quant.zero_point),
            ("out_zero_point", out.quant.zero_point), ("multiplier", m), ("shift", s),
            ("act_min", lo), ("act_max", hi)])
        fn = {("int16", "int16"): "tms_requantize_s16_s16", ("int16", "int8"): "tms_requantize_s16_s8",
              ("int8", "int16"): "tms_requantize_s8_s16"}[(inp.dtype, out.dtype)]
        self.body.append(f"    {fn}({params}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.outputs[0])});")

    def op_sigmoid_s16(self, op: Op) -> None:
        inp = self.t[op.inputs[0]]
        m, s = Q16.sigmoid_params(inp.quant.scale, op.name == "TANH")
        if not hasattr(self, "_sigmoid_table"):  # one table for every LOGISTIC and TANH
            self._sigmoid_table = self.array("uint16_t", "lut", Q16.sigmoid_table())
        params = self.struct("tms_sigmoid_s16_params_t", [
            ("size", inp.elements), ("input_multiplier", m), ("input_left_shift", s)])
        fn = "tms_tanh_s16" if op.name == "TANH" else "tms_logistic_s16"
        self.body.append(f"    {fn}({params}, {self._sigmoid_table}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.outputs[0])});")

    def op_remap_s16(self, op: Op) -> None:
        """The data-movement ops as separable index tables (remap.py), TRANSPOSE included."""
        from .remap import data_input, index_maps, separable

        if op.name == "TRANSPOSE":
            src = op.inputs[0]
            shape = self.t[src].shape
            perm = [int(v) % len(shape) for v in np.asarray(self.t[op.inputs[1]].data).reshape(-1)]
            maps = [np.arange(self.t[src].elements).reshape(shape).transpose(perm)]
        else:
            src = data_input(op)
            maps = index_maps(op, self.p.graph)
        for ti, index_map in zip(op.outputs, maps):
            m = separable(index_map, self.t[src].elements)
            starts = np.cumsum([0] + [len(t) for t in m.tables[:-1]]).tolist()
            tables = self.array("int32_t", "map", np.concatenate(m.tables))
            params = self.struct("tms_remap_s16_params_t", [("dims", list(m.dims)),
                                                            ("start", starts)])
            self.body.append(f"    tms_remap_s16({params}, {tables}, {self.tptr(src)}, "
                             f"{self.tptr(ti)});")

    def op_concatenation_s16(self, op: Op) -> None:
        out = self.t[op.outputs[0]]
        axis = int(op.options.get("axis", 0)) % len(out.shape)
        outer = int(np.prod(out.shape[:axis], dtype=np.int64))
        sizes = [int(np.prod(self.t[i].shape[axis:], dtype=np.int64)) for i in op.inputs]
        sn = self.array("int32_t", "n", sizes)
        ptrs = ", ".join(self.tptr(i) for i in op.inputs)
        self.body.append(f"    {{\n        const int16_t *const parts[{len(op.inputs)}] = {{{ptrs}}};\n"
                         f"        tms_concat_s16({len(op.inputs)}, parts, {sn}, {outer}, "
                         f"{self.tptr(op.outputs[0])});\n    }}")

    def op_pad_s16(self, op: Op) -> None:
        """PAD as a remap whose padded positions carry an index below -2^27 on their axis: the sum
        over the axes stays negative (each in-range term is below 2^23), the kernel writes 0."""
        from .remap import MAX_RANK

        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        rank = len(inp.shape)
        before = [int(v) for v in np.asarray(self.t[op.inputs[1]].data).reshape(-1, 2)[:, 0]]
        strides = [int(np.prod(inp.shape[d + 1:], dtype=np.int64)) for d in range(rank)]
        tables = [np.zeros(1, dtype=np.int64)] * (MAX_RANK - rank)
        for d in range(rank):
            pos = np.arange(int(out.shape[d])) - before[d]
            inside = (pos >= 0) & (pos < int(inp.shape[d]))
            tables.append(np.where(inside, pos * strides[d], -(1 << 27)))
        dims = [1] * (MAX_RANK - rank) + [int(v) for v in out.shape]
        starts = np.cumsum([0] + [len(t) for t in tables[:-1]]).tolist()
        name = self.array("int32_t", "map", np.concatenate(tables).astype(np.int32))
        params = self.struct("tms_remap_s16_params_t", [("dims", dims), ("start", starts)])
        self.body.append(f"    tms_remap_s16({params}, {name}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.outputs[0])});")

    def op_relu_s16(self, op: Op) -> None:
        """RELU: ReluQuantized (rescale by the float32 scale ratio, clamp at 0); RELU6:
        Relu6Quantized (no rescale: the identity multiplier, clamp to [0, six])."""
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        if op.name == "RELU":
            m, s = Q.quantize_multiplier(float(np.float32(inp.quant.scale) / np.float32(out.quant.scale)))
            hi = 32767
        else:
            m, s = 1 << 30, 1  # MultiplyByQuantizedMultiplier(x, 2^30, 1) == x
            hi = Q16.relu6_top(inp.quant.scale)
        params = self.struct("tms_requantize_s16_params_t", [
            ("size", inp.elements), ("in_zero_point", 0), ("out_zero_point", 0),
            ("multiplier", m), ("shift", s), ("act_min", 0), ("act_max", hi)])
        self.body.append(f"    tms_requantize_s16_s16({params}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.outputs[0])});")

    def op_leaky_relu_s16(self, op: Op) -> None:
        inp, out = self.t[op.inputs[0]], self.t[op.outputs[0]]
        (im, ish), (am, ash) = Q.leaky_relu_multipliers(inp.quant.scale,
                                                        float(op.options.get("alpha", 0.2)),
                                                        out.quant.scale)
        params = self.struct("tms_leaky_relu_s16_params_t", [
            ("size", inp.elements), ("identity_multiplier", im), ("identity_shift", ish),
            ("alpha_multiplier", am), ("alpha_shift", ash)])
        self.body.append(f"    tms_leaky_relu_s16({params}, {self.tptr(op.inputs[0])}, "
                         f"{self.tptr(op.outputs[0])});")
