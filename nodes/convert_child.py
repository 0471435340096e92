"""The converter child: PyTorch exported programs and ONNX models to .tflite, and int8 quantization.

Runs ONLY as a script in the converter environment (``nodes.foreign_model`` starts it with that
environment's python, ``-I``, under resource limits and a timeout): it imports torch, litert-torch,
onnx, onnx2torch and ai-edge-quantizer, which the main environment does not carry. It imports
nothing from this project. Commands (every path absolute; answers as JSON on stdout's last line):

- ``float SOURCE OUT.tflite`` — a ``.pt2`` (``torch.export.save``) or ``.onnx`` model to a float
  .tflite with litert-torch (ONNX first becomes a torch.fx graph with onnx2torch);
- ``int8 FLOAT.tflite REP.npy OUT.tflite PER_CHANNEL`` — full-integer static int8 (int8 weights,
  activations, input and output) with ai-edge-quantizer, calibrated on the representative samples;
- ``scores FLOAT.tflite X.npy OUT.npy`` — the float model's outputs for each row (float accuracy);
- ``versions`` — the converter packages' versions.

Loading never runs code from the file: the parent has already refused ``.pt2`` archives that hold
pickled objects; here ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` (set by the parent, checked below) turns
every ``torch.load`` inside ``torch.export.load`` — including its ``weights_only=False`` fallback —
into PyTorch's restricted unpickler (tensors and plain containers only). ONNX is protobuf data:
parsed with external data off (a path in it could name any file on the machine), checked with
``onnx.checker``; an operator outside the standard domains is refused by onnx2torch. A model from
torch.onnx.export's default exporter (opset 18+, Reshape allowzero) is first brought to the opset
onnx2torch reads (``_onnx2torch_opset``).
"""
from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path


class Refused(Exception):
    """The model cannot be converted; the message says why and what to do."""


def _no_torchvision() -> None:
    """onnx2torch imports torchvision for two detection operators (NonMaxSuppression, RoiAlign).
    PyPI's torchvision is a CUDA build that cannot load next to the CPU torch, and neither operator
    runs on a microcontroller, so they are given converters that refuse them by name."""
    def refused(*_a, **_k):
        raise Refused("the model uses NonMaxSuppression or RoiAlign (detection post-processing); "
                      "run that on the host, not in the device model")

    tv, ops = types.ModuleType("torchvision"), types.ModuleType("torchvision.ops")
    ops.nms = ops.roi_align = ops.box_convert = refused
    tv.ops = ops
    sys.modules.setdefault("torchvision", tv)
    sys.modules.setdefault("torchvision.ops", ops)


def _exported_module(source: Path):
    """(torch module, sample args) of a .pt2 exported program, loaded weights-only."""
    if os.environ.get("TORCH_FORCE_WEIGHTS_ONLY_LOAD") != "1":
        raise Refused("internal: the converter must run with TORCH_FORCE_WEIGHTS_ONLY_LOAD=1")
    import torch

    try:
        ep = torch.export.load(str(source))
    except Exception as e:  # noqa: BLE001 - a bad archive raises many types; all mean "unreadable"
        raise Refused(f"not a readable torch.export program: {type(e).__name__}: {e}"[:600]) from None
    return ep.module(), _sample_args(ep)


def _sample_args(ep):
    import torch

    args = []
    for spec in ep.graph_signature.input_specs:
        if spec.kind.name != "USER_INPUT":
            continue
        node = next(n for n in ep.graph.nodes if n.op == "placeholder" and n.name == spec.arg.name)
        val = node.meta.get("val")
        if val is None or not hasattr(val, "shape"):
            raise Refused(f"model input '{spec.arg.name}' is not a tensor")
        try:
            shape = tuple(int(d) for d in val.shape)
        except TypeError:
            raise Refused(f"model input '{spec.arg.name}' has a dynamic shape {tuple(val.shape)}; export "
                          "with fixed shapes (no dynamic_shapes)") from None
        args.append(torch.zeros(shape, dtype=val.dtype))
    if len(args) != 1:
        raise Refused(f"the model takes {len(args)} inputs; a pipeline model takes exactly one tensor")
    return tuple(args)


def _onnx_module(source: Path):
    """(torch module, sample args) of an .onnx model through onnx2torch."""
    import onnx
    import torch

    try:
        model = onnx.load(str(source), load_external_data=False)
    except Exception as e:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise Refused(f"not a readable ONNX model: {type(e).__name__}: {e}"[:600]) from None
    for init in model.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            raise Refused(f"weight '{init.name}' is stored in an external file; export the model with its "
                          "weights inside (torch.onnx.export(..., external_data=False), or "
                          "onnx.save(model, path, save_as_external_data=False))")
    try:
        onnx.checker.check_model(model)
    except Exception as e:  # noqa: BLE001
        raise Refused(f"the ONNX model is not valid: {e}"[:600]) from None
    model = _onnx2torch_opset(model)
    inits = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if len(inputs) != 1:
        raise Refused(f"the model takes {len(inputs)} inputs; a pipeline model takes exactly one tensor")
    dims = inputs[0].type.tensor_type.shape.dim
    if not dims or any(not d.HasField("dim_value") for d in dims):
        raise Refused(f"model input '{inputs[0].name}' has a dynamic shape; export with fixed shapes")
    shape = tuple(int(d.dim_value) for d in dims)
    _no_torchvision()
    import onnx2torch

    try:
        module = onnx2torch.convert(model)
    except Refused:
        raise
    except Exception as e:  # noqa: BLE001 - onnx2torch raises NotImplementedError for unknown ops
        raise Refused(f"onnx2torch cannot convert the model: {e}"[:600]) from None
    return _static_reshapes(module).eval(), (torch.zeros(shape, dtype=torch.float32),)


def _static_reshapes(gm):
    """onnx2torch's Reshape takes its target shape as a tensor (a buffer), which torch.export treats
    as data-dependent and refuses; a shape that is a constant without zeros becomes a literal tuple."""
    import functools

    import torch

    changed = False
    for node in list(gm.graph.nodes):
        if node.op != "call_module" or type(gm.get_submodule(node.target)).__name__ != "OnnxReshape":
            continue
        if len(node.args) != 2 or getattr(node.args[1], "op", None) != "get_attr":
            continue
        value = functools.reduce(getattr, node.args[1].target.split("."), gm)
        dims = [int(d) for d in value.flatten().tolist()]
        if 0 in dims:
            continue
        with gm.graph.inserting_after(node):
            static = gm.graph.call_function(torch.reshape, (node.args[0], tuple(dims)))
        node.replace_all_uses_with(static)
        gm.graph.erase_node(node)
        changed = True
    if changed:
        gm.graph.eliminate_dead_code()
        gm.recompile()
    return gm


ONNX2TORCH_MAX_OPSET = 18   # onnx2torch 1.5.15 knows Reshape up to opset 14 … most ops up to 18, none of 19+


def _onnx2torch_opset(model):
    """The model in the opset onnx2torch reads. torch.onnx.export's default (torch.export-based)
    exporter writes opset 18+ and Reshape with allowzero=1; allowzero only changes the meaning of a
    0 in the target shape, so with a constant shape free of zeros it is dropped (same result), and a
    newer opset is brought down to 18 with ONNX's own version converter."""
    import onnx
    from onnx import numpy_helper, version_converter

    constants = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    for node in model.graph.node:
        if node.op_type == "Reshape" and len(node.input) > 1:
            shape = constants.get(node.input[1])
            if shape is not None and 0 not in shape.tolist():
                for a in node.attribute:
                    if a.name == "allowzero":
                        a.i = 0
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset > ONNX2TORCH_MAX_OPSET:
        try:
            model = version_converter.convert_version(model, ONNX2TORCH_MAX_OPSET)
        except Exception as e:  # noqa: BLE001 - the converter asserts in C++ for ops it cannot adapt
            raise Refused(f"the ONNX model uses opset {opset}, which onnx2torch does not read, and ONNX's "
                          f"version converter cannot bring it to {ONNX2TORCH_MAX_OPSET}: {e}"[:600]) from None
    return model


def to_float(source: Path, out: Path) -> dict:
    import litert_torch

    suffix = source.suffix.lower()
    module, args = _exported_module(source) if suffix == ".pt2" else _onnx_module(source)
    try:
        litert_torch.convert(module, args).export(str(out))
    except Exception as e:  # noqa: BLE001 - litert-torch raises many types for unsupported graphs
        raise Refused(f"litert-torch cannot convert the model: {type(e).__name__}: {e}"[:800]) from None
    return {"input_shape": list(args[0].shape)}


def to_int8(float_path: Path, rep_path: Path, out: Path, per_channel: bool) -> dict:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter
    from ai_edge_quantizer import quantizer, recipe

    signatures = Interpreter(str(float_path)).get_signature_list()
    if len(signatures) != 1:
        raise Refused(f"the float model has {len(signatures)} signatures; expected one")
    (name, sig), = signatures.items()
    if len(sig["inputs"]) != 1:
        raise Refused(f"the float model has {len(sig['inputs'])} inputs; expected one")
    shape = tuple(Interpreter(str(float_path)).get_input_details()[0]["shape"])
    rep = np.load(str(rep_path), allow_pickle=False).astype(np.float32)
    samples = [{sig["inputs"][0]: s.reshape(shape)} for s in rep]
    qt = quantizer.Quantizer(str(float_path))
    qt.load_quantization_recipe(recipe.static_wi8_ai8())
    if not per_channel:
        # the recipe's weight setting, made per-tensor (ai-edge-quantizer's recipe is plain JSON)
        entries = qt.get_quantization_recipe()
        for entry in entries:
            weight = entry.get("op_config", {}).get("weight_tensor_config")
            if weight:
                weight["granularity"] = "TENSORWISE"
        qt.load_quantization_recipe(entries)
    result = qt.quantize(qt.calibrate({name: samples}))
    out.write_bytes(bytes(result.quantized_model))
    return {"samples": len(samples)}


def float_scores(float_path: Path, x_path: Path, out: Path) -> dict:
    """The float .tflite's outputs for each row of the .npy at ``x_path`` (LiteRT's interpreter)."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(str(float_path))
    interp.allocate_tensors()
    inp, res = interp.get_input_details()[0], interp.get_output_details()[0]
    rows = []
    for row in np.load(str(x_path), allow_pickle=False).astype(np.float32):
        interp.set_tensor(inp["index"], row.reshape(inp["shape"]))
        interp.invoke()
        rows.append(np.array(interp.get_tensor(res["index"]), np.float32).reshape(-1))
    np.save(str(out), np.stack(rows), allow_pickle=False)
    return {"rows": len(rows)}


def versions() -> dict:
    from importlib.metadata import version

    return {p: version(p) for p in ("torch", "litert-torch", "onnx", "onnx2torch", "ai-edge-quantizer")}


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["float"] and len(argv) == 3:
            answer = to_float(Path(argv[1]), Path(argv[2]))
        elif argv[:1] == ["int8"] and len(argv) == 5:
            answer = to_int8(Path(argv[1]), Path(argv[2]), Path(argv[3]), argv[4] == "1")
        elif argv[:1] == ["scores"] and len(argv) == 4:
            answer = float_scores(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        elif argv[:1] == ["versions"]:
            answer = versions()
        else:
            raise Refused(f"usage: float SOURCE OUT | int8 FLOAT REP OUT PER_CHANNEL | scores FLOAT X OUT | versions "
                          f"(got {argv})")
    except Refused as e:
        print(json.dumps({"ok": False, "error": str(e)}))
        return 2
    print(json.dumps({"ok": True, **answer}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
