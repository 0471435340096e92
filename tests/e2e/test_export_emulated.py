"""The c-library export on the emulated board (QEMU mps2-an386, Cortex-M4F): a test-owned main()
using only the public API, fed the sample's test recording, gives the generated firmware's results
window by window; two pipelines' libraries link into one image and each gives its own results."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from codegen.emitters.dsp_target import tools_available
from codegen.export.formats import export
from studio.core.boards import boards
from studio.core.project import load_project
from studio.core.validate import load_recording
from tests.codegen.export_harness import build_host, build_target, parse, run_target

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc or qemu-system-arm missing")
EMULATED = "qemu-mps2-an386"


def _project(name: str):
    return load_project(ROOT / "sample_projects" / name / f"{name}.tinyml")


def _lib(name: str, tmp: Path) -> Path:
    out = tmp / f"{name}_lib"
    export(_project(name), "c-library", out, board=boards().get(EMULATED))
    return out


def test_library_on_the_emulated_board_gives_the_firmwares_results_window_by_window(tmp_path):
    from studio.actions import run_emulated

    project = _project("gesture")
    lib = _lib("gesture", tmp_path)
    data = load_recording(project)
    on_board = parse(run_target(build_target(tmp_path / "m4", [("gesture", data, lib)])))["gesture"]
    firmware = run_emulated(project, tmp_path / "fw").inferences()
    assert len(on_board) == len(firmware) > 0
    assert [i for i, _ in on_board] == [f["index"] for f in firmware]
    # the firmware prints 5 decimals: the library's float32 must round to what it printed
    worst = max(float(np.max(np.abs(s - np.asarray(f["scores"])))) for (_, s), f in zip(on_board, firmware))
    assert worst <= 5e-6 + 1e-7
    # and the same library on the host gives the same classes
    host = parse(subprocess.run([str(build_host("gcc", tmp_path / "host", [("gesture", data, lib)]))],
                                              capture_output=True, text=True, check=True).stdout)["gesture"]
    assert [i for i, _ in host] == [i for i, _ in on_board]


def test_two_pipelines_libraries_link_into_one_emulated_image(tmp_path):
    g_lib, v_lib = _lib("gesture", tmp_path), _lib("vibration", tmp_path)
    g, v = load_recording(_project("gesture")), load_recording(_project("vibration"))
    both = parse(run_target(build_target(tmp_path / "both", [("gesture", g, g_lib), ("vibration", v, v_lib)])))
    alone = parse(run_target(build_target(tmp_path / "v", [("vibration", v, v_lib)])))
    assert len(both["gesture"]) > 0 and len(both["vibration"]) == len(alone["vibration"]) > 0
    assert all(i == j and np.array_equal(a, b) for (i, a), (j, b) in zip(both["vibration"], alone["vibration"]))


def test_the_anomaly_score_and_the_alert_in_the_result_equal_the_firmwares(tmp_path):
    """vibration: model -> reconstruction error (a post stage: the result's scores and
    ``score_scores``) -> threshold alert (``alert_on``): the alert's changes are the firmware's
    alert lines, window for window."""
    from studio.actions import run_emulated

    project = _project("vibration")
    lib = _lib("vibration", tmp_path)
    text = run_target(build_target(tmp_path / "m4", [("vibration", load_recording(project), lib)],
                                   alert_field="alert_on"))
    states = [int(ln.split()[0].split(":")[1]) for ln in text.splitlines() if ln.startswith("vibration:")]
    scores = [float(np.uint32(int(ln.split()[2], 16)).view(np.float32))
              for ln in text.splitlines() if ln.startswith("vibration:")]
    run = run_emulated(project, tmp_path / "fw")
    firmware = run.inferences()
    assert len(states) == len(firmware) > 0
    assert max(abs(s - f["scores"][0]) for s, f in zip(scores, firmware)) <= 5e-6 + 1e-6 * max(scores)
    changes = [(("on" if s else "off"), w) for w, s in enumerate(states) if s != (states[w - 1] if w else 0)]
    alerts = [(m.to_json()["state"], m.to_json()["window"]) for m in run.messages if m.kind == "alert"]
    assert changes == alerts and {c for c, _ in changes} == {"on", "off"}


def test_the_prebuilt_cortex_m4f_archive_gives_the_same_results_as_the_source(tmp_path):
    project = _project("gesture")
    out = tmp_path / "lib"
    result = export(project, "c-library", out, board=boards().get(EMULATED), prebuilt=True)
    assert {str(a) for a in result.prebuilt} >= {"lib/cortex-m0plus/libgesture.a", "lib/cortex-m4f/libgesture.a",
                                                "lib/cortex-m7/libgesture.a"}
    data = load_recording(project)
    from_archive = parse(run_target(build_target(tmp_path / "a", [("gesture", data, out)], archive_cpu="cortex-m4f")))
    from_source = parse(run_target(build_target(tmp_path / "s", [("gesture", data, out)])))
    assert len(from_archive["gesture"]) == len(from_source["gesture"]) > 0
    assert all(i == j and np.array_equal(a, b) for (i, a), (j, b) in zip(from_archive["gesture"],
                                                                          from_source["gesture"]))
