"""Test helper: compile a .tflite to C, run it on the host and in TFLM, return both outputs."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from codegen.model.compiler import generate_sources, load_program
from codegen.model.tflm_reference import run as tflm_run
from codegen.model.verify import build_host_runner, random_inputs, run_host


def run_both(tflite: bytes, samples: int = 48, seed: int = 0):
    """(ours, tflm, program) for ``samples`` random int8 inputs (int16 for an int16x8 model);
    TFLM runs in-process."""
    with tempfile.TemporaryDirectory(prefix="tms_op_") as tmp:
        work = Path(tmp)
        path = work / "m.tflite"
        path.write_bytes(tflite)
        program, name = load_program(path)
        g = program.graph
        t = g.tensors
        in_size = sum(t[i].elements for i in g.inputs)
        out_size = sum(t[i].elements for i in g.outputs)
        rng = np.random.default_rng(seed)
        if t[g.inputs[0]].dtype == "int16":
            x = random_inputs(rng, samples, in_size, int16=True)
        else:
            x = rng.integers(-128, 128, size=(samples, in_size)).astype(np.int8)
        exe = build_host_runner(generate_sources(program, name), work)
        ours = run_host(exe, x, out_size)
        in_q = [(t[i].quant.scale, t[i].quant.zero_point) for i in g.inputs]
        out_q = [(t[i].quant.scale, t[i].quant.zero_point) for i in g.outputs]
        ref = tflm_run(str(path), x, in_q, out_q, arena_size=max(1 << 20, 16 * len(tflite)))
    return ours, ref, program


def tflite_reference(tflite: bytes, x: np.ndarray) -> np.ndarray:
    """TFLite's own reference kernels (BUILTIN_REF): used where TFLM cannot run a graph."""
    import tensorflow as tf

    interp = tf.lite.Interpreter(
        model_content=tflite,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    rows = []
    for row in x:
        interp.set_tensor(inp["index"], row.reshape(inp["shape"]).astype(inp["dtype"]))
        interp.invoke()
        rows.append(interp.get_tensor(out["index"]).reshape(-1))
    return np.array(rows)


def to_int8_tflite(model, input_shape, int_io: bool = True, seed: int = 0,
                   low: float = -1.0, high: float = 1.0) -> bytes:
    """Full-integer PTQ of a Keras model; int8 input/output unless ``int_io`` is False."""
    import tensorflow as tf

    return _int8(tf.lite.TFLiteConverter.from_keras_model(model), input_shape, int_io, seed, low, high)


def fn_int8_tflite(fn, input_shape, low: float = -1.0, high: float = 1.0, seed: int = 0) -> bytes:
    """Full-integer PTQ of a TensorFlow function of one (1, *input_shape) float input, traced with
    that static shape (so no SHAPE/PACK subgraph for a dynamic batch); int8 in and out."""
    import tensorflow as tf

    spec = tf.TensorSpec((1, *input_shape), tf.float32)
    concrete = tf.function(fn, input_signature=[spec]).get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete], trackable_obj=None)
    return _int8(conv, input_shape, True, seed, low, high)


def _int8(conv, input_shape, int_io: bool, seed: int, low: float, high: float) -> bytes:
    import tensorflow as tf

    def representative():
        rng = np.random.default_rng(seed)
        for _ in range(16):
            yield [rng.uniform(low, high, (1, *input_shape)).astype(np.float32)]

    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if int_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def to_int16x8_tflite(model, input_shape, int_io: bool = True, seed: int = 0,
                      low: float = -1.0, high: float = 1.0, input_scales=(1.0,)) -> bytes:
    """TFLite's int16x8 post-training quantization (int16 activations, int8 weights, int64
    biases) of a Keras model; int16 input/output unless ``int_io`` is False. ``input_scales``:
    one factor per model input (all of ``input_shape``) on the calibration range."""
    import tensorflow as tf

    def representative():
        rng = np.random.default_rng(seed)
        for _ in range(16):
            yield [(f * rng.uniform(low, high, (1, *input_shape))).astype(np.float32)
                   for f in input_scales]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [
        tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    if int_io:
        conv.inference_input_type = tf.int16
        conv.inference_output_type = tf.int16
    return conv.convert()


def float_tflite(model) -> bytes:
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def keras():
    import tensorflow as tf

    return tf.keras


def run_ours(tflite: bytes, x: np.ndarray) -> np.ndarray:
    """Our generated C on int8 rows ``x`` (samples, total input bytes)."""
    with tempfile.TemporaryDirectory(prefix="tms_ours_") as tmp:
        work = Path(tmp)
        path = work / "m.tflite"
        path.write_bytes(tflite)
        program, name = load_program(path)
        out_size = sum(program.graph.tensors[i].nbytes for i in program.graph.outputs)
        exe = build_host_runner(generate_sources(program, name), work)
        return run_host(exe, x, out_size)


def random_rows(tflite: bytes, samples: int, seed: int = 0) -> np.ndarray:
    program, _ = load_program(tflite)
    g = program.graph
    in_size = sum(g.tensors[i].nbytes for i in g.inputs)
    return np.random.default_rng(seed).integers(-128, 128, size=(samples, in_size)).astype(np.int8)


def reference_rows(tflite: bytes, x: np.ndarray) -> tuple[np.ndarray, str]:
    """(outputs, which reference): TFLM where it runs the model, else TFLite's BUILTIN_REF
    kernels (e.g. FILL with computed dims, which TFLM cannot prepare). All outputs, packed back
    to back in the compiled model's order."""
    from codegen.model.tflm_reference import ReferenceCrash
    from codegen.model.verify import run_tflm

    program, _ = load_program(tflite)
    g = program.graph
    t = g.tensors
    in_q = [(t[i].quant.scale, t[i].quant.zero_point) for i in g.inputs]
    out_q = [(t[i].quant.scale, t[i].quant.zero_point) for i in g.outputs]
    with tempfile.TemporaryDirectory(prefix="tms_ref_") as tmp:
        path = Path(tmp) / "m.tflite"
        path.write_bytes(tflite)
        try:
            return run_tflm(str(path), x, in_q, out_q, Path(tmp)), "tflm"
        except ReferenceCrash:
            pass
    names = [t[i].name for i in g.outputs]
    try:
        return builtin_ref_all_outputs(tflite, x, names, out_q), "builtin_ref"
    except ValueError:  # an op version the reference resolver lacks (TILE v3)
        return builtin_ref_all_outputs(tflite, x, names, out_q, optimized=True), "builtin"


def builtin_ref_all_outputs(tflite: bytes, x: np.ndarray, out_names, out_q,
                            optimized: bool = False) -> np.ndarray:
    """BUILTIN_REF (or, ``optimized``, TFLite's default kernels) on one int8 input, every output
    (matched to the compiled outputs by name, float outputs quantized back with the int8
    tensor's parameters)."""
    import tensorflow as tf

    kind = tf.lite.experimental.OpResolverType
    interp = tf.lite.Interpreter(
        model_content=tflite,
        experimental_op_resolver_type=kind.BUILTIN if optimized else kind.BUILTIN_REF)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    outs = interp.get_output_details()
    by_name = {d["name"]: d for d in outs}
    order = [by_name.get(n, outs[k]) for k, n in enumerate(out_names)]
    rows = []
    for row in x:
        if inp["dtype"] == np.float32:
            s, z = inp["quantization"] if inp["quantization"][0] else (1.0, 0)
            interp.set_tensor(inp["index"], ((row.astype(np.float32) - z) * s).reshape(inp["shape"]))
        else:
            interp.set_tensor(inp["index"], row.reshape(inp["shape"]).astype(np.int8))
        interp.invoke()
        parts = []
        for d, (scale, zp) in zip(order, out_q):
            y = interp.get_tensor(d["index"])
            if y.dtype == np.float32:
                y = np.clip(np.round(y / np.float32(scale)) + zp, -128, 127)
            parts.append(y.astype(np.int8).reshape(-1))
        rows.append(np.concatenate(parts))
    return np.array(rows)


def with_folded_constants(tflite: bytes) -> bytes:
    """codegen.model.verify.with_folded_constants (the model TFLM can run, as the compiler sees it)."""
    from codegen.model.verify import with_folded_constants as fold

    return fold(tflite)
