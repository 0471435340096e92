"""The kws sample as firmware for boards without an FPU: the MFCC stage runs the fixed-point
kernels, built with the real arm-none-eabi-gcc for the Raspberry Pi Pico (Cortex-M0+), and the
Cortex-M0+ code computes on QEMU's Cortex-M3 exactly what the host's fixed-point reference does."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from codegen.emitters.dsp_host import node_on_host
from codegen.emitters.dsp_target import M0PLUS_ON_M3, run_on_emulated_m4, tools_available
from codegen.project_firmware import generate
from nodes.base import FIXED, Mode, RunState, node_type
from studio.core.boards import boards
from studio.core.project import load_project
from studio.device.build import build_firmware

pytestmark = pytest.mark.slow

KWS = Path(__file__).resolve().parents[2] / "sample_projects" / "kws"


def test_kws_firmware_for_the_pico_builds_with_the_fixed_point_mfcc(tmp_path):
    project = load_project(KWS / "kws.tinyml")
    generated = generate(project, tmp_path / "fw", boards().get("rpi-pico"))
    out = generated.files.out_dir
    pipeline = (out / "src" / "pipeline.c").read_text() if (out / "src" / "pipeline.c").is_file() else \
        next(out.rglob("pipeline.c")).read_text()
    assert "tms_fx_mfcc_run" in pipeline and "tms_mfcc_run" not in pipeline.replace("tms_fx_mfcc_run", "")
    result = build_firmware(out)
    board = boards().get("rpi-pico")
    assert 0 < result.flash_bytes <= board.flash_budget_bytes


M0PLUS_CASES = [("dsp.mfcc", {"fmax_hz": 4000.0}, (16000, 1)), ("dsp.mfe", {"spectrum": "power", "log": False}, (16000, 1)),
                ("dsp.spectrum", {"n_fft": 128, "log": True, "log_floor": 0.001}, (128, 3))]


@pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc and qemu-system-arm are needed")
@pytest.mark.parametrize("type_id,props,shape", M0PLUS_CASES, ids=["mfcc", "mfe-power", "spectrum-log"])
def test_cortex_m0plus_fixed_point_code_equals_the_host_reference_bit_for_bit(type_id, props, shape):
    from nodes.sensors import _read_wav

    if shape == (16000, 1):
        audio = _read_wav(KWS / "test" / "replay.wav")[0][:, 0]
        inputs = audio[: 3 * 16000].reshape(3, 16000, 1)
    else:   # accelerometer-like: a large DC (gravity) under small vibrations
        rng = np.random.default_rng(4)
        inputs = (9.81 + rng.normal(0.0, 0.05, (3, *shape))).astype(np.float32)
    tag = type_id.replace(".", "_") + "_m0"
    node = node_on_host(type_id, props, shape, 1.0, node_id=tag, arithmetic=FIXED)
    got = run_on_emulated_m4(node, inputs, tag, core=M0PLUS_ON_M3)
    want = np.stack([node_type(type_id)().transform(x, node.props, RunState(Mode.FRAME, (), FIXED)) for x in inputs])
    assert got.shape == want.shape and np.array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc and qemu-system-arm are needed")
def test_kws_on_the_emulated_cortex_m3_without_fpu_reports_the_host_results_window_by_window(tmp_path):
    import shutil

    from studio.actions import build
    from studio.device.emulator import Emulator
    from studio.device.monitor import monitor
    from studio.ml.pipeline import host_inference

    shutil.copytree(KWS, tmp_path / "kws")
    project = load_project(tmp_path / "kws" / "kws.tinyml")
    project.board_id = "qemu-mps2-an385"
    board = boards().get(project.board_id)
    outcome = build(project, tmp_path / "fw", board)
    assert "tms_fx_mfcc_run" in next((tmp_path / "fw").rglob("pipeline.c")).read_text()
    messages = []
    with Emulator(outcome.result.elf, machine=board.emulator_machine) as emu:
        monitor(emu.url, count=12, timeout_s=600, on_message=messages.append)
    device = [m.to_json() for m in messages if m.kind == "inference"]
    host = host_inference(project)   # the project's board: the fixed-point reference
    assert len(device) == 12 and len(host) >= 12
    for d, h in zip(device, host):
        assert d["label"] == h.label
        assert max(abs(a - b) for a, b in zip(d["scores"], h.scores)) <= 0.5e-5 + 1e-7


@pytest.mark.skipif(not tools_available(), reason="arm-none-eabi-gcc and qemu-system-arm are needed")
def test_evaluating_a_pico_project_on_the_emulator_runs_fixed_point_and_agrees_with_the_host(tmp_path):
    import shutil

    from codegen.project_firmware import resolve_board
    from studio.actions import evaluate_emulated

    shutil.copytree(KWS, tmp_path / "kws")
    project = load_project(tmp_path / "kws" / "kws.tinyml")
    project.board_id = "rpi-pico"
    assert resolve_board(project, emulate=True).id == "qemu-mps2-an385"   # no FPU, like the Pico
    result = evaluate_emulated(project, tmp_path / "fw")
    assert result["windows"] == 12 and result["agreement"] == 1.0 and result["max_score_diff"] <= 0.5e-5 + 1e-7
