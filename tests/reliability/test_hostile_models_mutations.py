"""Hostile models: seeded structured mutations of real .tflite files through the model compiler.

Every mutated file must either be refused with a ModelError or compile to C (the sanitizer test
then builds and runs a sample of the accepted ones). Any other exception is a bug. The mutator
works on the official schema's object API (unpack, edit one field, pack), plus raw byte flips.
"""
from __future__ import annotations

import copy
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED_MODELS = sorted(p for p in (ROOT / "sample_projects").rglob("*.tflite"))

CATEGORIES = ("shape", "option", "quant", "index", "structure", "buffer", "byteflip")


@dataclass(frozen=True)
class Case:
    seed_model: str
    category: str
    what: str
    data: bytes

    @property
    def key(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]


def _schema():
    from codegen.model.schema import tflite_schema

    return tflite_schema()


def _pack(model) -> bytes:
    import flatbuffers

    b = flatbuffers.Builder(0)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


_NASTY_INTS = (-(1 << 31), -2, -1, 0, 1, 2, 3, 7, 255, 65535, 1 << 20, 9699329, (1 << 31) - 1)
_NASTY_SCALES = (0.0, -1.0, float("nan"), float("inf"), -float("inf"), 1e-38, 1e-20, 1e-9,
                 1e9, 1e30, 3.4e38)


def _nasty_int(rng: random.Random, old: int = 1) -> int:
    r = rng.random()
    if r < 0.5:
        return rng.choice(_NASTY_INTS)
    if r < 0.8:
        return int(old) + rng.choice((-3, -2, -1, 1, 2, 3))
    return int(old) * rng.choice((2, 3, 10, 97))


def _mutate_shape(m, rng):
    sg = m.subgraphs[0]
    ti = rng.randrange(len(sg.tensors))
    t = sg.tensors[ti]
    shape = [int(d) for d in (t.shape if t.shape is not None else [])]
    r = rng.random()
    if not shape or r < 0.15:
        shape = shape + [rng.choice((1, 2, 3, 96))]
        what = "dim added"
    elif r < 0.25:
        shape = shape[:-1]
        what = "dim dropped"
    else:
        d = rng.randrange(len(shape))
        shape[d] = _nasty_int(rng, shape[d])
        what = f"dim {d} -> {shape[d]}"
    t.shape = np.array(shape, dtype=np.int32) if all(-(1 << 31) <= v < (1 << 31) for v in shape) \
        else np.array([1], dtype=np.int32)
    return f"tensor {ti} shape {what}"


_OPTION_FIELDS = ("strideW", "strideH", "dilationWFactor", "dilationHFactor", "padding",
                  "depthMultiplier", "fusedActivationFunction", "filterWidth", "filterHeight",
                  "axis", "beta", "alpha", "keepNumDims", "weightsFormat", "keepDims")


def _mutate_option(m, rng):
    ops = [(i, o) for i, o in enumerate(m.subgraphs[0].operators) if o.builtinOptions is not None]
    if not ops:
        return None
    i, op = rng.choice(ops)
    opts = op.builtinOptions
    fields = [f for f in _OPTION_FIELDS if hasattr(opts, f)]
    if not fields:
        return None
    f = rng.choice(fields)
    old = getattr(opts, f)
    if isinstance(old, float):
        new = rng.choice(_NASTY_SCALES)
    elif isinstance(old, bool):
        new = not old
    elif f in ("padding", "fusedActivationFunction", "weightsFormat"):
        new = rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 100, -1))
    else:
        new = _nasty_int(rng, old or 1)
    new = new if isinstance(new, float) or -(1 << 31) <= new < (1 << 31) else 1
    if f in ("padding", "fusedActivationFunction") and not -128 <= new < 128:
        new = 7
    setattr(opts, f, new)
    return f"op {i} option {f} {old} -> {new}"


def _quantized(m):
    return [(i, t) for i, t in enumerate(m.subgraphs[0].tensors)
            if t.quantization is not None and t.quantization.scale is not None
            and len(t.quantization.scale) > 0]


def _mutate_quant(m, rng):
    qs = _quantized(m)
    if not qs:
        return None
    i, t = rng.choice(qs)
    q = t.quantization
    r = rng.random()
    scales = [float(s) for s in q.scale]
    zps = [int(z) for z in (q.zeroPoint if q.zeroPoint is not None else [0] * len(scales))]
    if r < 0.35:
        k = rng.randrange(len(scales))
        scales[k] = rng.choice(_NASTY_SCALES) if rng.random() < 0.6 else scales[k] * rng.choice(
            (1e-6, 1e-3, 0.5, 2.0, 1e3, 1e6))
        what = f"scale[{k}] -> {scales[k]}"
    elif r < 0.6:
        k = rng.randrange(len(zps))
        zps[k] = rng.choice((-129, 128, 255, -1000, 1 << 20, -(1 << 31), 127, -128, 0, 5))
        what = f"zero_point[{k}] -> {zps[k]}"
    elif r < 0.8:
        n = rng.choice((1, 2, 3, max(1, len(scales) // 2), len(scales) + 1))
        scales = (scales * (n // max(1, len(scales)) + 1))[:n]
        zps = (zps * (n // max(1, len(zps)) + 1))[:n]
        what = f"{n} scales"
    else:
        q.quantizedDimension = _nasty_int(rng, q.quantizedDimension)
        q.quantizedDimension = max(min(q.quantizedDimension, (1 << 31) - 1), -(1 << 31))
        return f"tensor {i} quantized dimension -> {q.quantizedDimension}"
    q.scale = np.array(scales, dtype=np.float32)
    q.zeroPoint = np.array([max(min(z, (1 << 63) - 1), -(1 << 63)) for z in zps], dtype=np.int64)
    return f"tensor {i} {what}"


def _mutate_index(m, rng):
    sg = m.subgraphs[0]
    n = len(sg.tensors)
    r = rng.random()
    choices = (-1, -2, n, n + 5, 1 << 20, rng.randrange(n))
    if r < 0.4 and sg.operators:
        k = rng.randrange(len(sg.operators))
        op = sg.operators[k]
        which = "inputs" if rng.random() < 0.6 else "outputs"
        arr = [int(v) for v in getattr(op, which)]
        if not arr:
            return None
        j = rng.randrange(len(arr))
        arr[j] = rng.choice(choices)
        setattr(op, which, np.array(arr, dtype=np.int32))
        return f"op {k} {which}[{j}] -> {arr[j]}"
    if r < 0.6:
        ti = rng.randrange(n)
        sg.tensors[ti].buffer = rng.choice((0, len(m.buffers), len(m.buffers) + 3, 1 << 30,
                                            rng.randrange(len(m.buffers))))
        return f"tensor {ti} buffer -> {sg.tensors[ti].buffer}"
    if r < 0.8 and sg.operators:
        k = rng.randrange(len(sg.operators))
        sg.operators[k].opcodeIndex = rng.choice((len(m.operatorCodes), 1 << 20,
                                                  rng.randrange(len(m.operatorCodes))))
        return f"op {k} opcode index -> {sg.operators[k].opcodeIndex}"
    which = rng.choice(("inputs", "outputs"))
    setattr(sg, which, np.array([rng.choice(choices)], dtype=np.int32))
    return f"subgraph {which} -> {list(getattr(sg, which))}"


def _mutate_structure(m, rng):
    sg = m.subgraphs[0]
    r = rng.random()
    if r < 0.2:
        sg.outputs = np.array([], dtype=np.int32)
        return "no subgraph outputs"
    if r < 0.35:
        sg.inputs = np.array([], dtype=np.int32)
        return "no subgraph inputs"
    if r < 0.5 and len(sg.operators) > 1:
        i, j = rng.sample(range(len(sg.operators)), 2)
        sg.operators[i], sg.operators[j] = sg.operators[j], sg.operators[i]
        return f"ops {i} and {j} swapped"
    if r < 0.6 and sg.operators:
        k = rng.randrange(len(sg.operators))
        sg.operators.insert(k, copy.deepcopy(sg.operators[k]))
        return f"op {k} duplicated"
    if r < 0.7 and sg.operators:
        k = rng.randrange(len(sg.operators))
        del sg.operators[k]
        return f"op {k} removed"
    if r < 0.8:
        m.subgraphs.append(copy.deepcopy(sg))
        return "second subgraph"
    if r < 0.9 and sg.operators:
        k = rng.randrange(len(sg.operators))
        op = sg.operators[k]
        op.outputs = np.array(list(op.outputs) + [int(op.outputs[0])], dtype=np.int32)
        return f"op {k} output repeated"
    sg.operators = []
    return "no operators"


def _mutate_buffer(m, rng):
    full = [(i, b) for i, b in enumerate(m.buffers) if b.data is not None and len(b.data) > 0]
    if not full:
        return None
    i, b = rng.choice(full)
    data = np.asarray(b.data, dtype=np.uint8)
    r = rng.random()
    if r < 0.4:
        b.data = data[:rng.randrange(len(data))]
        return f"buffer {i} truncated"
    if r < 0.6:
        b.data = np.concatenate([data, np.zeros(rng.choice((1, 3, 4, 64)), dtype=np.uint8)])
        return f"buffer {i} extended"
    k = rng.randrange(len(data))
    data = data.copy()
    data[k] = rng.choice((0, 0x7F, 0x80, 0xFF))
    b.data = data
    return f"buffer {i} byte {k} -> {data[k]}"


def _byteflip(data: bytes, rng) -> tuple[bytes, str]:
    buf = bytearray(data)
    flips = rng.choice((1, 1, 2, 4, 8))
    spots = []
    for _ in range(flips):
        k = rng.randrange(8, len(buf))
        buf[k] = rng.randrange(256) if rng.random() < 0.5 else buf[k] ^ (1 << rng.randrange(8))
        spots.append(k)
    return bytes(buf), f"bytes {spots} flipped"


_MUTATORS = {"shape": _mutate_shape, "option": _mutate_option, "quant": _mutate_quant,
             "index": _mutate_index, "structure": _mutate_structure, "buffer": _mutate_buffer}


def generate_cases(count: int, seed: int, models=None):
    """``count`` seeded mutations spread over the categories and the seed models."""
    rng = random.Random(seed)
    models = list(models or SEED_MODELS)
    schema = _schema()
    raw = {str(p): p.read_bytes() for p in models}
    unpacked = {k: schema.ModelT.InitFromPackedBuf(v, 0) for k, v in raw.items()}
    produced = 0
    attempts = 0
    while produced < count and attempts < count * 5:
        attempts += 1
        name = rng.choice(sorted(raw))
        category = CATEGORIES[produced % len(CATEGORIES)]
        if category == "byteflip":
            data, what = _byteflip(raw[name], rng)
        else:
            m = copy.deepcopy(unpacked[name])
            what = _MUTATORS[category](m, rng)
            if rng.random() < 0.15:  # a second edit, so combinations are tried too
                other = rng.choice(sorted(_MUTATORS))
                extra = _MUTATORS[other](m, rng)
                what = f"{what}; {extra}" if extra else what
            if what is None:
                continue
            try:
                data = _pack(m)
            except Exception:  # noqa: BLE001 - the packer refused an unpackable edit
                continue
        produced += 1
        yield Case(Path(name).name, category, what, data)


def compile_case(case: Case):
    """("refused", message) or ("accepted", (program, sources)); anything else propagates."""
    from codegen.model.compiler import generate_sources, load_program
    from codegen.model.errors import ModelError

    try:
        program, _ = load_program(case.data)
        return "accepted", (program, generate_sources(program, "fuzz.tflite"))
    except ModelError as exc:
        return "refused", exc.message


def run_validator(cases, crashes: list | None = None):
    """Counts per category and the accepted cases. Any non-ModelError exception raises, or, with
    a ``crashes`` list, is appended to it (case, text) and counted."""
    counts: dict = {}
    accepted = []
    for case in cases:
        c = counts.setdefault(case.category, {"tried": 0, "accepted": 0, "refused": 0, "crash": 0})
        try:
            result, detail = compile_case(case)
        except Exception as exc:  # noqa: BLE001 - reported with the case that caused it
            text = (f"{case.seed_model} [{case.category}] {case.what}: "
                    f"{type(exc).__name__}: {exc}")
            if crashes is None:
                raise AssertionError(text) from exc
            crashes.append((case, text))
            c["tried"] += 1
            c["crash"] += 1
            continue
        c["tried"] += 1
        c[result] += 1
        if result == "accepted":
            accepted.append((case, detail))
    return counts, accepted


@pytest.mark.skipif(not SEED_MODELS, reason="no sample models")
def test_mutated_models_are_refused_or_compiled_never_crash():
    counts, _ = run_validator(generate_cases(2100, seed=12))
    assert sum(c["tried"] for c in counts.values()) == 2100
    assert all(c["refused"] > 0 for c in counts.values())


def _fresh(name):
    return _schema().ModelT.InitFromPackedBuf((ROOT / name).read_bytes(), 0)


def _refusal(m) -> str:
    from codegen.model.compiler import load_program
    from codegen.model.errors import ModelError

    with pytest.raises(ModelError) as info:
        load_program(_pack(m))
    return info.value.message


KWS = "sample_projects/kws/kws.tflite"


def _first_op(m, name):
    s = _schema()
    codes = {i: c.builtinCode for i, c in enumerate(m.operatorCodes)}
    code = getattr(s.BuiltinOperator, name)
    return next(k for k, o in enumerate(m.subgraphs[0].operators) if codes[o.opcodeIndex] == code)


def test_negative_stride_is_refused_naming_the_op_and_field():
    m = _fresh(KWS)
    k = _first_op(m, "CONV_2D")
    m.subgraphs[0].operators[k].builtinOptions.strideH = -1
    msg = _refusal(m)
    assert "CONV_2D" in msg and "stride_h" in msg


def test_zero_stride_is_refused():
    m = _fresh(KWS)
    k = _first_op(m, "DEPTHWISE_CONV_2D")
    m.subgraphs[0].operators[k].builtinOptions.strideW = 0
    assert "stride_w" in _refusal(m)


def test_per_channel_scale_count_must_match_channels():
    m = _fresh(KWS)
    sg = m.subgraphs[0]
    k = _first_op(m, "CONV_2D")
    w = sg.tensors[sg.operators[k].inputs[1]]
    w.quantization.scale = np.asarray(w.quantization.scale[:3], dtype=np.float32)
    w.quantization.zeroPoint = np.zeros(3, dtype=np.int64)
    assert "per-channel scales" in _refusal(m)


@pytest.mark.parametrize("scale", [0.0, float("nan"), float("inf"), -0.5])
def test_bad_activation_scale_is_refused(scale):
    m = _fresh(KWS)
    sg = m.subgraphs[0]
    t = sg.tensors[sg.operators[_first_op(m, "CONV_2D")].outputs[0]]
    t.quantization.scale = np.array([scale], dtype=np.float32)
    assert "scale" in _refusal(m)


def test_reshape_output_larger_than_input_is_refused():
    m = _fresh(KWS)
    sg = m.subgraphs[0]
    k = _first_op(m, "RESHAPE") if _has(m, "RESHAPE") else None
    if k is None:
        pytest.skip("no RESHAPE in the sample model")
    sg.tensors[sg.operators[k].outputs[0]].shape = np.array([9699329, 96], dtype=np.int32)
    assert "RESHAPE" in _refusal(m) or "elements" in _refusal(m)


def _has(m, name):
    try:
        _first_op(m, name)
        return True
    except StopIteration:
        return False


def test_model_without_outputs_is_refused():
    m = _fresh(KWS)
    m.subgraphs[0].outputs = np.array([], dtype=np.int32)
    assert "no outputs" in _refusal(m)


def test_model_without_inputs_is_refused():
    m = _fresh(KWS)
    m.subgraphs[0].inputs = np.array([], dtype=np.int32)
    assert "no inputs" in _refusal(m)


def test_out_of_range_buffer_is_refused():
    m = _fresh(KWS)
    m.subgraphs[0].tensors[3].buffer = len(m.buffers) + 7
    assert "buffer" in _refusal(m)


def test_huge_input_is_refused():
    m = _fresh(KWS)
    sg = m.subgraphs[0]
    sg.tensors[sg.inputs[0]].shape = np.array([10, 2147483647], dtype=np.int32)
    assert "elements" in _refusal(m) or "dimension" in _refusal(m)
