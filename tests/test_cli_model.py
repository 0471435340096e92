"""`compile-model` and `verify-model` on a real int8 model: the contract's --json keys and exit codes."""
from __future__ import annotations

import json
from pathlib import Path

from studio.cli import main

MODEL = Path(__file__).resolve().parents[1] / "sample_projects" / "gesture" / "gesture.tflite"


def test_compile_model_reports_arena_bound_flash_macs_and_writes_the_api(capsys, tmp_path):
    assert main(["compile-model", str(MODEL), "--out", str(tmp_path), "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert {"arena_bytes", "lower_bound_bytes", "flash_bytes", "macs", "ops"} <= set(j)
    assert j["arena_bytes"] <= j["lower_bound_bytes"] and j["macs"] > 0
    header = (tmp_path / "model.h").read_text()
    assert "int model_invoke(const int8_t *input, int8_t *output);" in header


def test_verify_model_finds_no_mismatch_against_tflite_micro(capsys):
    assert main(["verify-model", str(MODEL), "--samples", "20", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["samples"] == 20 and j["mismatches"] == 0 and j["max_abs_diff"] == 0


def test_compile_model_of_a_non_model_is_bad_input(capsys, tmp_path):
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"not a flatbuffer at all")
    assert main(["compile-model", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "Traceback" not in capsys.readouterr().err
