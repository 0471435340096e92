"""The op table: one OpSpec per op, complete, and the unsupported-op message says things once."""
from __future__ import annotations

from pathlib import Path

from codegen.model.compiler import RUNTIME_DIR
from codegen.model.emit import CEmitter
from codegen.model.opset import OPS, SUPPORTED_OPS

ROOT = Path(__file__).resolve().parents[3]
KWS = ROOT / "sample_projects" / "kws" / "kws.tflite"


def test_every_op_spec_names_an_existing_emitter_and_kernel_pair():
    for spec in OPS.values():
        if spec.alias:
            assert spec.kernel is None and spec.emitter is None
            continue
        assert callable(getattr(CEmitter, spec.emitter, None)), spec.name
        for ext in (".c", ".h"):
            assert (RUNTIME_DIR / (spec.kernel + ext)).is_file(), spec.name
        assert spec.code_bytes > 0


def _with_unsupported_ops() -> bytes:
    """kws with its CONV_2D ops relabelled CUMSUM and its SOFTMAX relabelled ARG_MAX."""
    import flatbuffers

    from codegen.model.schema import tflite_schema

    s = tflite_schema()
    m = s.ModelT.InitFromPackedBuf(KWS.read_bytes(), 0)
    swap = {s.BuiltinOperator.CONV_2D: s.BuiltinOperator.CUMSUM,
            s.BuiltinOperator.SOFTMAX: s.BuiltinOperator.ARG_MAX}
    for code in m.operatorCodes:
        new = swap.get(max(code.builtinCode, code.deprecatedBuiltinCode))
        if new is not None:
            code.builtinCode, code.deprecatedBuiltinCode = new, min(new, 127)
    b = flatbuffers.Builder(0)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_unsupported_message_names_each_op_type_once_and_the_supported_list_once():
    from codegen.model import analyze_tflite

    text = analyze_tflite(_with_unsupported_ops()).unsupported_text
    assert text.count("CUMSUM") == 1 and text.count("ARG_MAX") == 1
    assert text.count(", ".join(SUPPORTED_OPS)) == 1
    assert text.count("not supported by the model compiler") == 1


def test_compile_refusal_uses_the_same_grouped_message():
    import pytest

    from codegen.model.compiler import load_program
    from codegen.model.errors import ModelError

    with pytest.raises(ModelError) as info:
        load_program(_with_unsupported_ops())
    assert info.value.message.count(", ".join(SUPPORTED_OPS)) == 1
    assert info.value.message.count("CUMSUM") == 1
