"""verify-model picks its reference: TFLite Micro, except for the SPACE_TO_BATCH/BATCH_TO_SPACE
sandwich of a dilated convolution, which TFLM runs wrongly and TFLite's reference kernels run
right — there the generated C must equal BUILTIN_REF, and the report says which it used."""
from __future__ import annotations

from pathlib import Path

import pytest

from codegen.model.verify import BUILTIN_REF, TFLM, folds_a_sandwich, verify_model
from tests.codegen.model.bitexact import to_int8_tflite

GESTURE = Path(__file__).resolve().parents[3] / "sample_projects" / "gesture" / "gesture.tflite"


@pytest.mark.parametrize("padding, size, channels", [("same", 9, 1), ("valid", 10, 3)])
def test_a_dilated_conv_is_checked_against_the_reference_kernels_and_is_exact(tmp_path, padding, size, channels):
    import keras

    keras.utils.set_random_seed(size)
    x = keras.Input((size, size, channels))
    y = keras.layers.Conv2D(4, 3, dilation_rate=2, padding=padding, bias_initializer="random_normal")(x)
    path = tmp_path / "dilated.tflite"
    path.write_bytes(to_int8_tflite(keras.Model(x, y), (size, size, channels)))
    assert folds_a_sandwich(path)
    report = verify_model(path, samples=12)
    assert report.reference == BUILTIN_REF and report.mismatches == 0 and report.ok
    assert report.to_json()["reference"] == BUILTIN_REF


def test_other_models_are_checked_against_tflite_micro():
    assert not folds_a_sandwich(GESTURE)
    report = verify_model(GESTURE, samples=5)
    assert report.reference == TFLM and report.ok
