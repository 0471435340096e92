"""Reads a .tflite flatbuffer into the IR (``ir.Graph``) through the official schema reader.

Only the first subgraph is read (TFLM runs the same one). Garbage, truncated or non-TFLite input
becomes ``ModelError``, never a traceback.
"""
from __future__ import annotations

import os

import numpy as np

from .errors import ModelError
from .ir import NUMPY_DTYPES, Graph, Op, Quantization, Tensor
from .schema import tflite_schema

_PADDING = {0: "SAME", 1: "VALID"}
_ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}

# option table class -> (our key, schema getter); only what the compiler uses
_OPTION_FIELDS = {
    "Conv2DOptions": [("padding", "Padding"), ("stride_w", "StrideW"), ("stride_h", "StrideH"),
                      ("activation", "FusedActivationFunction"),
                      ("dilation_w", "DilationWFactor"), ("dilation_h", "DilationHFactor")],
    "DepthwiseConv2DOptions": [("padding", "Padding"), ("stride_w", "StrideW"),
                               ("stride_h", "StrideH"), ("depth_multiplier", "DepthMultiplier"),
                               ("activation", "FusedActivationFunction"),
                               ("dilation_w", "DilationWFactor"),
                               ("dilation_h", "DilationHFactor")],
    "Pool2DOptions": [("padding", "Padding"), ("stride_w", "StrideW"), ("stride_h", "StrideH"),
                      ("filter_w", "FilterWidth"), ("filter_h", "FilterHeight"),
                      ("activation", "FusedActivationFunction")],
    "FullyConnectedOptions": [("activation", "FusedActivationFunction"),
                              ("weights_format", "WeightsFormat"),
                              ("keep_num_dims", "KeepNumDims")],
    "AddOptions": [("activation", "FusedActivationFunction")],
    "SubOptions": [("activation", "FusedActivationFunction")],
    "MulOptions": [("activation", "FusedActivationFunction")],
    "ConcatenationOptions": [("axis", "Axis"), ("activation", "FusedActivationFunction")],
    "SoftmaxOptions": [("beta", "Beta")],
    "ReducerOptions": [("keep_dims", "KeepDims")],
    "PackOptions": [("values_count", "ValuesCount"), ("axis", "Axis")],
    "StridedSliceOptions": [("begin_mask", "BeginMask"), ("end_mask", "EndMask"),
                            ("ellipsis_mask", "EllipsisMask"), ("new_axis_mask", "NewAxisMask"),
                            ("shrink_axis_mask", "ShrinkAxisMask")],
    "GatherOptions": [("axis", "Axis"), ("batch_dims", "BatchDims")],
    "LeakyReluOptions": [("alpha", "Alpha")],
    "UnpackOptions": [("num", "Num"), ("axis", "Axis")],
    "SplitOptions": [("num_splits", "NumSplits")],
    "SplitVOptions": [("num_splits", "NumSplits")],
    "DepthToSpaceOptions": [("block_size", "BlockSize")],
    "SpaceToDepthOptions": [("block_size", "BlockSize")],
    "ResizeNearestNeighborOptions": [("align_corners", "AlignCorners"),
                                     ("half_pixel_centers", "HalfPixelCenters")],
    "SqueezeOptions": [("squeeze_dims", "SqueezeDimsAsNumpy")],
    "ReshapeOptions": [("new_shape", "NewShapeAsNumpy")],
    "BatchMatMulOptions": [("adj_x", "AdjX"), ("adj_y", "AdjY")],
    "TransposeConvOptions": [("padding", "Padding"), ("stride_w", "StrideW"),
                             ("stride_h", "StrideH"),
                             ("activation", "FusedActivationFunction")],
    "ResizeBilinearOptions": [("align_corners", "AlignCorners"),
                              ("half_pixel_centers", "HalfPixelCenters")],
}


def load_bytes(source: str | os.PathLike | bytes) -> tuple[bytes, str]:
    """The model bytes and a display name for messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "<bytes>"
    path = os.fspath(source)
    try:
        with open(path, "rb") as fh:
            return fh.read(), os.path.basename(path)
    except OSError as exc:
        raise ModelError(f"Cannot read model file {path}: {exc.strerror or exc}") from None


def read_graph(data: bytes, name: str = "<bytes>") -> Graph:
    """Parse ``data`` into a Graph; ModelError if it is not a valid .tflite file."""
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{name} is not a valid .tflite file: missing the TFL3 identifier "
                         "(export the model with tf.lite.TFLiteConverter)")
    try:
        return _read(data)
    except _ControlFlow as exc:  # a valid file the compiler cannot run: say what to change
        raise ModelError(f"{name} cannot be compiled: {exc.message}") from None
    except ModelError as exc:
        raise ModelError(f"{name} is not a valid .tflite file: {exc.message}") from None
    except Exception as exc:  # the flatbuffer library raises assorted errors on corrupt input
        raise ModelError(f"{name} is not a valid .tflite file: {type(exc).__name__}: {exc}. "
                         "The file may be truncated; export it again.") from None


class _ControlFlow(ModelError):
    """A well-formed model with several subgraphs (WHILE/IF loops)."""


def _control_flow_hint(s, model) -> str:
    """The loop and Flex ops of the file, and what to do (a rolled recurrent layer, usually)."""
    try:
        names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
        found = []
        for k in range(model.OperatorCodesLength()):
            oc = model.OperatorCodes(k)
            name = names.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()), "")
            if name == "CUSTOM" and oc.CustomCode():
                name = "CUSTOM:" + oc.CustomCode().decode("utf-8", "replace")
            if name in ("WHILE", "IF", "CALL_ONCE") or name.startswith("CUSTOM:Flex"):
                found.append(name[:60])
    except Exception:  # a damaged operator table: the plain message stands
        return ""
    if not found:
        return ""
    text = f": it uses {', '.join(sorted(set(found))[:6])}"
    if any(n.startswith("CUSTOM:Flex") for n in found):
        text += (" (TensorFlow ops the converter could not lower to TFLite builtins, which no "
                 "microcontroller runtime has)")
    return text + ". A loop is usually a rolled recurrent layer: build LSTM/GRU/SimpleRNN with " \
                  "unroll=True and convert with TFLITE_BUILTINS_INT8 only"


def _read(data: bytes) -> Graph:
    s = tflite_schema()
    model = s.Model.GetRootAs(data, 0)
    if model.SubgraphsLength() != 1:
        hint = _control_flow_hint(s, model) if model.SubgraphsLength() > 1 else ""
        raise (_ControlFlow if hint else ModelError)(
            f"the model has {model.SubgraphsLength()} subgraphs; the compiler runs models with "
            "exactly one (no control flow)" + hint)
    op_names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
    type_names = {v: k.lower() for k, v in vars(s.TensorType).items() if not k.startswith("_")}
    option_names = {v: k for k, v in vars(s.BuiltinOptions).items() if not k.startswith("_")}

    opcodes = []
    for i in range(model.OperatorCodesLength()):
        oc = model.OperatorCodes(i)
        code = max(int(oc.BuiltinCode()), int(oc.DeprecatedBuiltinCode()))
        label = op_names.get(code, f"BUILTIN_{code}")
        if label == "CUSTOM":
            custom = oc.CustomCode()
            label = f"CUSTOM:{custom.decode('utf-8', 'replace') if custom else '?'}"
        opcodes.append(label)

    sg = model.Subgraphs(0)
    tensors: list[Tensor] = []
    for ti in range(sg.TensorsLength()):
        t = sg.Tensors(ti)
        dtype = type_names.get(t.Type(), f"type{t.Type()}")
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        raw_name = t.Name()
        tname = raw_name.decode("utf-8", "replace") if raw_name else f"tensor{ti}"
        quant = None
        q = t.Quantization()
        if q is not None and q.ScaleLength() > 0:
            scales = tuple(float(x) for x in q.ScaleAsNumpy())
            zps = tuple(int(x) for x in q.ZeroPointAsNumpy()) if q.ZeroPointLength() else (0,) * len(scales)
            quant = Quantization(scales, zps, int(q.QuantizedDimension()))
        const = None
        buf_index = t.Buffer()
        if buf_index >= model.BuffersLength() and (buf_index > 0 or model.BuffersLength() > 0):
            raise ModelError(f"tensor {ti} '{tname}' refers to buffer {buf_index}; the model has "
                             f"{model.BuffersLength()} buffers")
        if buf_index > 0:
            buf = model.Buffers(buf_index)
            raw = None
            if buf.DataLength() > 0:
                raw = buf.DataAsNumpy().tobytes()
            elif buf.Offset() > 1 and buf.Size() > 0:  # large models keep data after the flatbuffer
                start = int(buf.Offset())
                if start + int(buf.Size()) > len(data):
                    raise ModelError(f"tensor {ti} '{tname}': buffer {buf_index} lies past the "
                                     "end of the file")
                raw = data[start:start + int(buf.Size())]
            if raw is not None:
                np_type = NUMPY_DTYPES.get(dtype)
                if np_type is None:
                    const = np.frombuffer(raw, dtype=np.uint8).copy()
                else:
                    const = np.frombuffer(raw, dtype=np_type).copy()
                    if const.size == int(np.prod(shape, dtype=np.int64)):
                        const = const.reshape(shape)
        tensors.append(Tensor(ti, tname, shape, dtype, quant, const))

    ops: list[Op] = []
    for oi in range(sg.OperatorsLength()):
        o = sg.Operators(oi)
        if not 0 <= o.OpcodeIndex() < len(opcodes):
            raise ModelError(f"operator #{oi} uses operator code {o.OpcodeIndex()}; the model has "
                             f"{len(opcodes)}")
        label = opcodes[o.OpcodeIndex()]
        ins = tuple(int(x) for x in o.InputsAsNumpy()) if o.InputsLength() else ()
        outs = tuple(int(x) for x in o.OutputsAsNumpy()) if o.OutputsLength() else ()
        options = _options(s, o, option_names)
        ops.append(Op(oi, label, ins, outs, options))

    inputs = tuple(int(x) for x in sg.InputsAsNumpy()) if sg.InputsLength() else ()
    outputs = tuple(int(x) for x in sg.OutputsAsNumpy()) if sg.OutputsLength() else ()
    return Graph(tensors, ops, inputs, outputs)


def _options(s, o, option_names) -> dict:
    kind = option_names.get(o.BuiltinOptionsType(), "NONE")
    fields = _OPTION_FIELDS.get(kind)
    table = o.BuiltinOptions()
    if not fields or table is None:
        return {}
    obj = getattr(s, kind)()
    obj.Init(table.Bytes, table.Pos)
    out = {}
    for key, getter in fields:
        value = getattr(obj, getter)()
        if key == "padding":
            value = _PADDING.get(value, str(value))
        elif key == "activation":
            value = _ACTIVATION.get(value, str(value))
        elif isinstance(value, np.ndarray):
            value = tuple(int(v) for v in value)
        elif isinstance(value, (int, np.integer)) and getter not in ("Beta", "Alpha"):
            value = int(value)
        if getter.endswith("AsNumpy") and not isinstance(value, tuple):
            value = ()  # the schema returns 0 for an absent vector
        out[key] = value
    return out
