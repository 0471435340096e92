"""C generation for float32 models: model.h / model.c calling the tms_*_f32 kernels.

The generated API of a float model (a contract next to the int8 one):
``#define MODEL_INPUT_TYPE float``, ``#define MODEL_FLOAT 1``, ``MODEL_INPUT_SIZE`` /
``MODEL_OUTPUT_SIZE`` in elements (as for int8, where elements are bytes) plus
``MODEL_INPUT_BYTES`` / ``MODEL_OUTPUT_BYTES``, and ``int model_invoke(const float *input,
float *output)``. No scale or zero point: the caller passes its features unchanged.

Weights are ``static const float`` arrays (flash), or ``uint16_t`` IEEE half bit patterns for a
float16 model, which the convolution kernels' _f16w entry points expand as they read them.
"""
from __future__ import annotations

import numpy as np

from . import quant as Q
from .emit import PREFIX, CEmitter, _c_float, _pad4, header_line
from .float_ops import FLOAT_OPS
from .ir import Op
from .opset import describe
from .remap import data_input, index_maps, separable

_ACT_RANGE = {"NONE": (-3.402823466e38, 3.402823466e38), "RELU": (0.0, 3.402823466e38),
              "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}
_BINARY = {"ADD": "TMS_F32_ADD", "SUB": "TMS_F32_SUB", "MUL": "TMS_F32_MUL",
           "MAXIMUM": "TMS_F32_MAX", "MINIMUM": "TMS_F32_MIN"}
_UNARY = {"RELU": "TMS_F32_RELU", "RELU6": "TMS_F32_RELU6", "RELU_N1_TO_1": "TMS_F32_RELU_N1_TO_1",
          "LOGISTIC": "TMS_F32_LOGISTIC", "TANH": "TMS_F32_TANH",
          "HARD_SWISH": "TMS_F32_HARD_SWISH", "LEAKY_RELU": "TMS_F32_LEAKY_RELU"}
_REDUCE = {"MEAN": "TMS_F32_REDUCE_MEAN", "SUM": "TMS_F32_REDUCE_SUM",
           "REDUCE_MAX": "TMS_F32_REDUCE_MAX", "REDUCE_MIN": "TMS_F32_REDUCE_MIN"}


def _float_body(values) -> str:
    vals = [_c_float(v) for v in np.asarray(values, dtype=np.float32).reshape(-1).tolist()]
    return "\n".join("    " + ", ".join(vals[i:i + 12]) + "," for i in range(0, len(vals), 12))


class FloatEmitter(CEmitter):
    """The int8 emitter's naming, storage and file layout with float pointers and kernels."""

    def _offsets(self, indices) -> list[int]:  # in elements: the API passes float pointers
        return [off // 4 for off in super()._offsets(indices)]

    def farray(self, kind: str, values) -> str:
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        name = self._name(kind)
        self.decls.append(f"static const float {name}[{max(values.size, 1)}] = {{\n"
                          f"{_float_body(values) if values.size else '    0.0f,'}\n}};")
        return name

    def ptr(self, ti: int) -> str:
        st = self.p.storage[ti]
        if st.kind == "arena":
            return f"({PREFIX}_arena.f32 + {st.offset // 4})"
        if st.kind == "input":
            off = self.input_offsets[st.index]
            return "input" if off == 0 else f"(input + {off})"
        if st.kind == "output":
            off = self.output_offsets[st.index]
            return "output" if off == 0 else f"(output + {off})"
        if ti not in self.const_names:
            self.const_names[ti] = self.farray("c", self.t[ti].data)
        return self.const_names[ti]

    def emit_op(self, op: Op) -> None:
        spec = FLOAT_OPS[op.name]
        if spec.emitter is None:
            self.body.append(f"    /* {op.name} #{op.index}: alias, no code */")
            return
        self.body.append(f"    /* op #{op.index}: {describe(op, self.p.graph)} */")
        getattr(self, spec.emitter)(op)

    def _fact(self, op: Op) -> list[tuple[str, float]]:
        lo, hi = _ACT_RANGE[op.options.get("activation", "NONE")]
        return [("act_min", lo), ("act_max", hi)]

    def _bias_ptr(self, op: Op) -> str:
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            return self.ptr(op.inputs[2])
        return "0"

    # --- ops ------------------------------------------------------------------------------
    def _weights(self, op: Op, kernel: str) -> tuple[str, str]:
        """(weights array, kernel): float16 weights stay half in flash, read by the _f16w entry."""
        w = self.t[op.inputs[1]]
        if w.dtype == "float16":
            name = self.array("uint16_t", "h", np.asarray(w.data, dtype=np.float16).view(np.uint16))
            return name, kernel.replace("_f32", "_f16w")
        return self.ptr(op.inputs[1]), kernel

    def _conv(self, op: Op, kernel: str) -> None:
        inp, out = self._io(op)
        w = self.t[op.inputs[1]]
        o = op.options
        n, h, wd, c = inp.shape
        _, oh, ow, oc = out.shape
        _, kh, kw, _ = w.shape
        pad_h, pad_w = Q.op_padding(o, h, wd, kh, kw)
        params = self.struct("tms_conv_f32_params_t", [
            ("batches", n), ("in_h", h), ("in_w", wd), ("in_c", c), ("out_h", oh), ("out_w", ow),
            ("out_c", oc), ("k_h", kh), ("k_w", kw), ("stride_h", int(o.get("stride_h", 1))),
            ("stride_w", int(o.get("stride_w", 1))), ("dil_h", int(o.get("dilation_h", 1))),
            ("dil_w", int(o.get("dilation_w", 1))), ("pad_h", pad_h), ("pad_w", pad_w),
            ("depth_multiplier", oc // c)] + self._fact(op))
        weights, kernel = self._weights(op, kernel)
        self.body.append(f"    {kernel}({params}, {self.ptr(op.inputs[0])}, "
                         f"{weights}, {self._bias_ptr(op)}, "
                         f"{self.out_ptr(op.outputs[0])});")

    def f_conv_2d(self, op: Op) -> None:
        self._conv(op, "tms_conv_f32")

    def f_depthwise_conv_2d(self, op: Op) -> None:
        self._conv(op, "tms_depthwise_conv_f32")

    def f_fully_connected(self, op: Op) -> None:
        inp, _ = self._io(op)
        od, depth = self.t[op.inputs[1]].shape
        params = self.struct("tms_fc_f32_params_t", [
            ("batches", inp.elements // depth), ("in_depth", depth), ("out_depth", od)]
            + self._fact(op))
        weights, kernel = self._weights(op, "tms_fully_connected_f32")
        self.body.append(f"    {kernel}({params}, {self.ptr(op.inputs[0])}, "
                         f"{weights}, {self._bias_ptr(op)}, "
                         f"{self.out_ptr(op.outputs[0])});")

    def f_pool(self, op: Op) -> None:
        inp, out = self._io(op)
        o = op.options
        n, h, wd, c = inp.shape
        _, oh, ow, _ = out.shape
        fh, fw = int(o["filter_h"]), int(o["filter_w"])
        pad_h, pad_w = Q.op_padding(o, h, wd, fh, fw)
        params = self.struct("tms_pool_f32_params_t", [
            ("batches", n), ("in_h", h), ("in_w", wd), ("channels", c), ("out_h", oh),
            ("out_w", ow), ("f_h", fh), ("f_w", fw), ("stride_h", int(o.get("stride_h", 1))),
            ("stride_w", int(o.get("stride_w", 1))), ("pad_h", pad_h), ("pad_w", pad_w)]
            + self._fact(op))
        fn = "tms_avg_pool_f32" if op.name == "AVERAGE_POOL_2D" else "tms_max_pool_f32"
        self.body.append(f"    {fn}({params}, {self.ptr(op.inputs[0])}, "
                         f"{self.out_ptr(op.outputs[0])});")

    def f_binary(self, op: Op) -> None:
        params = self.struct("tms_binary_f32_params_t", self._broadcast(op) + [
            ("op", 0)] + self._fact(op))
        self.decls[-1] = self.decls[-1].replace("    .op = 0,", f"    .op = {_BINARY[op.name]},")
        self.body.append(f"    tms_binary_f32({params}, {self.ptr(op.inputs[0])}, "
                         f"{self.ptr(op.inputs[1])}, {self.out_ptr(op.outputs[0])});")

    def f_unary(self, op: Op) -> None:
        inp, out = self._io(op)
        alpha = _c_float(float(op.options.get("alpha", 0.0)))
        self.body.append(f"    tms_unary_f32({_UNARY[op.name]}, {alpha}, {self.ptr(op.inputs[0])}, "
                         f"{self.out_ptr(op.outputs[0])}, {out.elements});")

    def f_softmax(self, op: Op) -> None:
        inp, _ = self._io(op)
        depth = int(inp.shape[-1]) if inp.shape else 1
        beta = _c_float(float(op.options.get("beta", 1.0)))
        self.body.append(f"    tms_softmax_f32({inp.elements // depth}, {depth}, {beta}, "
                         f"{self.ptr(op.inputs[0])}, {self.out_ptr(op.outputs[0])});")

    def f_reduce(self, op: Op) -> None:
        inp = self.t[op.inputs[0]]
        rank = len(inp.shape)
        axes = {int(a) % rank for a in np.asarray(self.t[op.inputs[1]].data).reshape(-1)}
        reduce = [0] * (4 - rank) + [1 if d in axes else 0 for d in range(rank)]
        params = self.struct("tms_reduce_f32_params_t", [
            ("dims", _pad4(inp.shape)), ("reduce", reduce), ("op", 0)])
        self.decls[-1] = self.decls[-1].replace("    .op = 0,", f"    .op = {_REDUCE[op.name]},")
        self.body.append(f"    tms_reduce_f32({params}, {self.ptr(op.inputs[0])}, "
                         f"{self.out_ptr(op.outputs[0])});")

    def f_concatenation(self, op: Op) -> None:
        out = self.t[op.outputs[0]]
        axis = int(op.options.get("axis", 0)) % len(out.shape)
        outer = int(np.prod(out.shape[:axis], dtype=np.int64))
        sizes = [int(np.prod(self.t[i].shape[axis:], dtype=np.int64)) for i in op.inputs]
        sn = self.array("int32_t", "n", sizes)
        ptrs = ", ".join(self.ptr(i) for i in op.inputs)
        self.body.append(f"    {{\n        const float *const parts[{len(op.inputs)}] = {{{ptrs}}};\n"
                         f"        tms_concat_f32({len(op.inputs)}, parts, {sn}, {outer}, "
                         f"{self.out_ptr(op.outputs[0])});\n    }}")

    def f_pad(self, op: Op) -> None:
        inp, out = self._io(op)
        pads = np.asarray(self.t[op.inputs[1]].data).reshape(-1, 2)
        rank = len(inp.shape)
        before = [0] * (4 - rank) + [int(p) for p in pads[:, 0]]
        params = self.struct("tms_pad_f32_params_t", [
            ("in_dims", _pad4(inp.shape)), ("before", before), ("out_dims", _pad4(out.shape))])
        self.body.append(f"    tms_pad_f32({params}, {self.ptr(op.inputs[0])}, "
                         f"{self.out_ptr(op.outputs[0])});")

    def f_transpose(self, op: Op) -> None:
        inp, out = self._io(op)
        rank = len(inp.shape)
        perm = [int(v) % rank for v in np.asarray(self.t[op.inputs[1]].data).reshape(-1)]
        in_strides, acc = [0] * rank, 1
        for d in range(rank - 1, -1, -1):
            in_strides[d] = acc
            acc *= int(inp.shape[d])
        strides = [0] * (4 - rank) + [in_strides[k] for k in perm]
        params = self.struct("tms_transpose_f32_params_t", [
            ("out_dims", _pad4(out.shape)), ("in_strides", strides)])
        self.body.append(f"    tms_transpose_f32({params}, {self.ptr(op.inputs[0])}, "
                         f"{self.out_ptr(op.outputs[0])});")

    def f_remap(self, op: Op) -> None:
        src = data_input(op)
        for ti, index_map in zip(op.outputs, index_maps(op, self.p.graph)):
            m = separable(index_map, self.t[src].elements)
            starts = np.cumsum([0] + [len(t) for t in m.tables[:-1]]).tolist()
            tables = self.array("int32_t", "map", np.concatenate(m.tables))
            params = self.struct("tms_remap_f32_params_t", [("dims", list(m.dims)),
                                                             ("start", starts)])
            self.body.append(f"    tms_remap_f32({params}, {tables}, {self.ptr(src)}, "
                             f"{self.out_ptr(ti)});")

    # --- files ----------------------------------------------------------------------------
    def model_h(self) -> str:
        g = self.p.graph
        ins = [self.t[i] for i in g.inputs]
        outs = [self.t[i] for i in g.outputs]
        lines = [header_line(self.source_name),
                 "/* The compiled float32 model: float in, float out, no heap, one static arena."
                 " Needs an FPU. */",
                 "#ifndef MODEL_H", "#define MODEL_H", "", "#include <stdint.h>", "",
                 "#define MODEL_FLOAT 1",
                 "#define MODEL_INPUT_TYPE float",
                 "#define MODEL_OUTPUT_TYPE float",
                 f"#define MODEL_INPUT_SIZE {sum(t.elements for t in ins)}",
                 f"#define MODEL_OUTPUT_SIZE {sum(t.elements for t in outs)}",
                 f"#define MODEL_INPUT_ELEMENTS {sum(t.elements for t in ins)}",
                 f"#define MODEL_OUTPUT_ELEMENTS {sum(t.elements for t in outs)}",
                 f"#define MODEL_INPUT_BYTES {sum(t.nbytes for t in ins)}",
                 f"#define MODEL_OUTPUT_BYTES {sum(t.nbytes for t in outs)}",
                 f"#define MODEL_ARENA_SIZE {self.p.plan.arena_bytes}"]
        if len(ins) > 1 or len(outs) > 1:
            lines.append("/* several inputs/outputs are packed back to back (offsets in elements) */")
            lines += [f"#define MODEL_INPUT{k}_OFFSET {o}" for k, o in enumerate(self.input_offsets)]
            lines += [f"#define MODEL_OUTPUT{k}_OFFSET {o}"
                      for k, o in enumerate(self.output_offsets)]
        lines += ["", "/* Runs the model; returns 0 on success. */",
                  "int model_invoke(const float *input, float *output);", "", "#endif", ""]
        return "\n".join(lines)

    def model_c(self, kernels: list[str]) -> str:
        for op in self.p.ops:
            self.emit_op(op)
        for k_in, k_out in self.p.copy_input_to_output:
            n = self.t[self.p.graph.inputs[k_in]].elements
            self.body.append(f"    {{\n        int32_t i;\n        for (i = 0; i < {n}; ++i) {{\n"
                             f"            output[{self.output_offsets[k_out]} + i] = "
                             f"input[{self.input_offsets[k_in]} + i];\n        }}\n    }}")
        includes = [f'#include "{k}.h"' for k in kernels]
        words = max((self.p.plan.arena_bytes + 3) // 4, 1)
        uses_arena = any(st.kind == "arena" for st in self.p.storage.values())
        lines = [header_line(self.source_name),
                 "/* Layer calls in order; float tensors at fixed arena offsets from the static "
                 "plan. */", '#include "model.h"', "", *includes, ""]
        if uses_arena:
            lines += [f"static union {{\n    int32_t align;\n    float f32[{words}];\n}} "
                      f"{PREFIX}_arena;", ""]
        lines += self.decls
        lines += ["", "int model_invoke(const float *input, float *output)", "{"]
        lines += ["    (void)input;", "    (void)output;"]
        lines += self.body
        lines += ["    return 0;", "}", ""]
        return "\n".join(lines)
