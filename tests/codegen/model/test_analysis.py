"""analyze_tflite: summary, static plan and error reporting without TensorFlow."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.model.analysis import ModelError, analyze_tflite


@pytest.fixture(scope="module")
def small_dscnn_bytes(small_dscnn):
    return small_dscnn.read_bytes()


def test_summary_lists_ops_after_folding_flatten(small_dscnn):
    s = analyze_tflite(small_dscnn)
    assert s.ops == ("CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "RESHAPE",
                     "FULLY_CONNECTED", "SOFTMAX")
    assert "SHAPE" not in s.ops and "STRIDED_SLICE" not in s.ops


def test_summary_reports_int8_io_with_quantization(small_dscnn):
    s = analyze_tflite(small_dscnn)
    (inp,), (out,) = s.inputs, s.outputs
    assert inp.shape == (1, 49, 10, 1) and inp.dtype == "int8" and inp.scale > 0
    assert out.shape == (1, 12) and out.zero_point == -128


def test_layers_describe_kernel_stride_channels_and_output(small_dscnn):
    s = analyze_tflite(small_dscnn)
    assert s.layers[0] == "CONV_2D 10x4 s2 8ch relu -> 25x5x8"
    assert s.layers[5] == "FULLY_CONNECTED 8 -> 12"


def test_macs_and_params_count_conv_depthwise_and_dense(small_dscnn):
    s = analyze_tflite(small_dscnn)
    conv1 = 25 * 5 * 8 * 10 * 4
    dw = 25 * 5 * 8 * 9
    pw = 25 * 5 * 8 * 8
    pool = 8 * 25 * 5
    fc = 12 * 8
    assert s.macs == conv1 + dw + pw + pool + fc + 12
    weights = 8 * 40 + 9 * 8 + 64 + 96
    # the converter drops an all-zero bias, so biases may or may not be there
    assert weights <= s.params <= weights + 8 + 8 + 8 + 12


def test_lower_bound_is_the_largest_live_pair_of_a_chain(small_dscnn):
    assert analyze_tflite(small_dscnn).lower_bound_bytes == 2 * 25 * 5 * 8


def test_in_place_convolutions_take_the_arena_below_the_lower_bound(small_dscnn):
    s = analyze_tflite(small_dscnn)
    # depthwise and 1x1 conv overlap their dying input: about one 25x5x8 buffer plus slack
    assert 25 * 5 * 8 <= s.arena_bytes < s.lower_bound_bytes


def test_int8_model_has_no_unsupported_ops(small_dscnn):
    assert analyze_tflite(small_dscnn).unsupported == ()


def test_float_model_is_summarized_as_a_supported_float_model(float_mlp):
    s = analyze_tflite(float_mlp)
    assert s.ops == ("FULLY_CONNECTED", "FULLY_CONNECTED")
    assert s.supported and s.float_model
    assert s.inputs[0].dtype == "float32"
    assert s.arena_bytes == 16 * 4  # the one hidden layer's float32 activations
    assert s.int8_arena_bytes == 16


def test_bytes_source_gives_same_summary_as_path(small_dscnn):
    assert analyze_tflite(small_dscnn.read_bytes()) == analyze_tflite(small_dscnn)


@pytest.mark.parametrize("cut", [0, 7, 100, 1000, -10])
def test_truncated_file_raises_model_error(small_dscnn, tmp_path, cut):
    data = small_dscnn.read_bytes()
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(data[:cut] if cut > 0 else data[:len(data) + cut] if cut else b"")
    if cut == -10:  # the tail holds buffers; a parse may still succeed, but never a traceback
        try:
            analyze_tflite(bad)
        except ModelError:
            pass
        return
    with pytest.raises(ModelError, match="not a valid .tflite file"):
        analyze_tflite(bad)


def test_garbage_raises_model_error_not_traceback():
    with pytest.raises(ModelError, match="not a valid .tflite file"):
        analyze_tflite(b"\x00" * 4 + b"TFL3" + b"\xff" * 64)


def test_missing_file_raises_model_error(tmp_path):
    with pytest.raises(ModelError, match="Cannot read model file"):
        analyze_tflite(tmp_path / "nope.tflite")


def test_analysis_does_not_import_tensorflow(small_dscnn):
    code = ("import sys; from codegen.model.analysis import analyze_tflite; "
            f"analyze_tflite({str(small_dscnn)!r}); print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.data())
def test_corrupted_bytes_give_a_summary_or_model_error(small_dscnn_bytes, data):
    blob = bytearray(small_dscnn_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(8, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    try:
        analyze_tflite(bytes(blob))
    except ModelError as exc:
        assert exc.message
