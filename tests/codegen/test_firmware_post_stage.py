"""A node after the model in the generated firmware: the vibration sample's reconstruction error runs
after model_invoke and the dequantization, and its score is what the inference line and the alert
report; outputs that read different nodes are refused with a message, and a hostile label on the
score reaches C only as an escaped literal."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from codegen.project_firmware import generate
from studio.core.errors import BadInput
from studio.core.project import load_project, save_project

SAMPLE = Path(__file__).resolve().parents[2] / "sample_projects" / "vibration"


@pytest.fixture
def vibration(tmp_path):
    folder = tmp_path / "vibration"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("build", "data", "*.bak"))
    return load_project(folder / "vibration.tinyml")


def _pipeline_c(generated) -> str:
    return (generated.files.out_dir / "src" / "pipeline.c").read_text(encoding="utf-8")


def test_the_score_runs_after_the_dequantization_and_is_the_reported_result(vibration, tmp_path):
    generated = generate(vibration, tmp_path / "fw")
    c = _pipeline_c(generated)
    infer = c[c.index("static int tms_infer(void)"):]
    assert infer.index("MODEL_DEQUANTIZE_OUTPUT(tms_model_output, tms_buf_autoencoder_scores") \
        < infer.index("tms_buf_score_scores[0] = tms_reconstruction_error(tms_buf_spectrum_out, "
                      "tms_buf_autoencoder_scores, 384u, TMS_RECONSTRUCTION_MSE")
    assert "static float *const tms_scores = tms_buf_score_scores;" in c
    assert generated.labels == ("anomaly",)
    assert (generated.files.out_dir / "runtime" / "anomaly" / "reconstruction_error.c").is_file()


def test_outputs_reading_the_model_and_the_score_are_refused_by_name(vibration, tmp_path):
    g = vibration.graph
    g.disconnect(next(e for e in g.edges if e.dst == "serial"))
    g.connect("autoencoder", "scores", "serial", "scores")
    from codegen.project_firmware import PipelineHasErrors
    from studio.core.validate import validate_project

    report = validate_project(vibration)
    flagged = {i.node for i in report.issues if i.severity == "error" and "outputs read different scores" in i.message}
    assert flagged == {"serial", "alert"}      # the editor shows it on both nodes, before any generate
    assert "serial read 'autoencoder.scores'" in report.issues_for("serial")[0].message
    with pytest.raises(PipelineHasErrors):
        generate(vibration, tmp_path / "fw")


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which("make") is None,
                    reason="needs arm-none-eabi-gcc and make")
def test_a_hostile_score_label_builds_and_stays_a_string_literal(vibration, tmp_path):
    hostile = 'x"); } int evil(void) { return 1; /* \\n'
    vibration.graph.set_property("score", "labels", [hostile])
    vibration.graph.set_property("alert", "label", hostile)
    save_project(vibration)
    generated = generate(vibration, tmp_path / "fw")
    assert generated.labels == (hostile,)
    done = subprocess.run(["make", "-s"], cwd=generated.files.out_dir, capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    symbols = subprocess.run(["arm-none-eabi-nm", str(generated.files.elf)], capture_output=True, text=True,
                             check=True).stdout
    assert "tms_reconstruction_error" in symbols and "evil" not in symbols
