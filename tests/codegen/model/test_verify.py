"""verify_model: the CLI's end-to-end check against TFLite Micro (child process)."""
from __future__ import annotations

import pytest

from codegen.model import ModelError, verify_model

pytestmark = pytest.mark.slow


def test_verify_reports_zero_mismatches_for_small_dscnn(small_dscnn):
    report = verify_model(small_dscnn, samples=20, seed=3)
    data = report.to_json()
    assert {"samples", "outputs", "mismatches", "max_abs_diff"} <= set(data)
    assert data["samples"] == 20 and data["outputs"] == 12
    assert report.beyond_tolerance == 0 and report.tolerance_lsb == 1
    assert len(report.per_element_mismatches) == 12


def test_verify_compares_a_float_model_within_its_tolerance(float_mlp):
    report = verify_model(float_mlp, samples=2)
    assert report.ok and report.beyond_tolerance == 0 and report.outputs == 4


def test_missing_host_compiler_is_an_actionable_model_error(small_dscnn, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no gcc, no cc
    with pytest.raises(ModelError, match="apt-get install gcc"):
        verify_model(small_dscnn, samples=1)
