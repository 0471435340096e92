"""int8 post-training quantization: the model TFLM runs, the accuracy report and its warning."""
from __future__ import annotations

import numpy as np
import pytest

from codegen.model.analysis import analyze_tflite
from studio.ml.pipeline import Int8Model, dequantize_int8, quantize_int8
from studio.ml.quantize import convert_int8, quantization_report, representative_subset

pytestmark = pytest.mark.slow


def test_the_converted_model_is_full_integer_and_compiles_for_the_device(tiny_classifier):
    _, tflite, _, _ = tiny_classifier
    summary = analyze_tflite(tflite)
    assert summary.inputs[0].dtype == "int8" and summary.outputs[0].dtype == "int8"
    assert not summary.unsupported


def test_int8_scores_follow_the_float_scores(tiny_classifier):
    model, tflite, x, _ = tiny_classifier
    float_scores = model.predict(x, verbose=0)
    int8_scores = Int8Model(tflite).scores(x)
    assert np.max(np.abs(float_scores - int8_scores)) < 0.1


def test_scores_are_the_dequantized_output_of_the_firmware_quantized_input(tiny_classifier):
    _, tflite, x, _ = tiny_classifier
    m = Int8Model(tflite)
    q = quantize_int8(x[0], m.input_q.scale, m.input_q.zero_point)
    want = dequantize_int8(m.invoke_int8(q), m.output_q.scale, m.output_q.zero_point)
    np.testing.assert_array_equal(m.scores(x[:1])[0], want)


def test_report_gives_float_and_int8_accuracy_and_no_warning_when_they_agree(tiny_classifier):
    model, tflite, x, y = tiny_classifier
    report = quantization_report(model, tflite, x, y)
    assert report.float_accuracy > 0.9 and report.int8_accuracy > 0.9
    assert abs(report.accuracy_drop) <= 0.02 and report.warnings == ()


def test_report_sizes_each_weighted_layer_in_float_and_int8(tiny_classifier):
    model, tflite, x, y = tiny_classifier
    layers = quantization_report(model, tflite, x, y).layers
    # dense 8→16 and 16→3: int8 weights plus int32 biases
    assert [(l.params, l.float_bytes, l.int8_bytes) for l in layers] == [
        (8 * 16 + 16, 4 * (8 * 16 + 16), 8 * 16 + 4 * 16), (16 * 3 + 3, 4 * (16 * 3 + 3), 16 * 3 + 4 * 3)]


def test_calibrating_on_unrepresentative_data_loses_accuracy_and_warns(tiny_classifier):
    model, _, x, y = tiny_classifier
    # features 100× smaller than real ones make an input scale that clips every real feature
    tflite = convert_int8(model, x * 0.01)
    report = quantization_report(model, tflite, x, y)
    assert report.accuracy_drop > 0.02
    assert len(report.warnings) == 1 and "accuracy points" in report.warnings[0]


def test_representative_subset_is_seeded_and_mixes_the_whole_set():
    x = np.arange(1000, dtype=np.float32)[:, None]
    a, b = representative_subset(x, 50, seed=4), representative_subset(x, 50, seed=4)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50, 1) and a.max() > 500


def test_int16x8_model_runs_in_the_host_reference_with_firmware_int16_quantization(tiny_classifier):
    model, _, x, y = tiny_classifier
    tflite = convert_int8(model, x, activations="int16")
    m = Int8Model(tflite)
    assert m.dtype == np.int16
    q = quantize_int8(x[0], m.input_q.scale, m.input_q.zero_point, np.int16)
    assert q.dtype == np.int16 and np.abs(q).max() > 127  # the whole int16 range is used
    want = dequantize_int8(m.invoke_int8(q), m.output_q.scale, m.output_q.zero_point)
    np.testing.assert_array_equal(m.scores(x[:1])[0], want)
    report = quantization_report(model, tflite, x, y)
    assert report.int8_accuracy > 0.9
