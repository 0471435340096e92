"""The firmware's stage profile on the emulated board (real compiler, real QEMU): which windows are
timed, node ids reaching C and coming back intact, per-node times adding up to the inference line's
dsp_us + model_us, and each node's measured time against `check`'s estimate for it.

Under QEMU's -icount the instruction counts are deterministic; the per-node figures are printed by
`tinyml-studio run PROJECT --emulate` (and the editor's budget shows them after a run)."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from codegen.firmware import PROFILE_EVERY, write_firmware
from codegen.stage import StageCode, buffer_name
from studio.actions import run_emulated
from studio.core.boards import BoardCatalogue
from studio.core.paths import builtin_boards_dir
from studio.core.project import load_project
from studio.core.validate import validate_project
from studio.device.build import build_firmware
from studio.device.emulator import run_lines
from studio.device.protocol import StageProfile

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BOARD = BoardCatalogue(dirs=[builtin_boards_dir()]).get("qemu-mps2-an386")
FIXTURE_MODEL = ROOT / "tests" / "codegen" / "test_firmware_fixture_model"
TOLERANCE = 0.15
# inferences to run per sample: windows 0 and 16 are profiled; an overlapping window's first
# inference fills the whole window, so the steady state is the last profile (16) where there is one
RUN_COUNT = {"gesture": PROFILE_EVERY + 2, "vibration": PROFILE_EVERY + 2, "digits": PROFILE_EVERY + 2, "kws": 2}
# Nodes whose estimate is more than 15% from what the emulated board measures (measured / estimated,
# bench figures in the report of this change). The sample totals still agree within 15%
# (test_latency_agrees_with_emulator.py) because these errors partly cancel. Strict: a node that comes
# to agree (a recalibration) fails here until it is taken off the list.
KNOWN_OFF = {
    ("gesture", "imu"): "measured 0.57x the estimate: the replay copy is cheaper per sample than the average op",
    ("gesture", "window"): "measured 1.74x: the window stage's per-sample ring push and frame copy",
    ("vibration", "accel"): "measured 0.83x",
    ("vibration", "window"): "measured 2.1x",
    ("vibration", "spectrum"): "measured 0.84x (spectrum's ops_weight is an average over two samples)",
    ("vibration", "score"): "measured 1.30x: the reconstruction-error post stage",
    ("kws", "mic"): "measured 1.74x (5.8 instructions a sample, of which the timing's own few are a bias)",
    ("kws", "window"): "measured 4.8x: 32 instructions per sample where the estimate counts 6.7",
    ("digits", "images"): "measured 1.88x (a 64-value image copy, 8.5 µs estimated)",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One emulated run per sample project, made on first use."""
    cache: dict[str, tuple] = {}

    def run(name: str):
        if name not in cache:
            project = load_project(ROOT / "sample_projects" / name / f"{name}.tinyml")
            outcome = run_emulated(project, tmp_path_factory.mktemp(name) / "fw", count=RUN_COUNT[name])
            cache[name] = (outcome, validate_project(project, BOARD).latency.by_node_us)
        return cache[name]
    return run


def _profiles(outcome) -> list[StageProfile]:
    return [StageProfile.from_message(m) for m in outcome.messages if m.kind == "profile"]


def _inference(outcome, seq: int) -> dict:
    return next(m for m in outcome.inferences() if m["seq"] == seq)


def test_the_first_window_and_every_16th_are_profiled_right_after_their_inference_line(runs):
    outcome, _ = runs("gesture")
    kinds = [(m.kind, m.data.get("seq")) for m in outcome.messages if m.kind in ("inference", "profile")]
    assert [seq for kind, seq in kinds if kind == "profile"] == [0, PROFILE_EVERY]
    for seq in (0, PROFILE_EVERY):
        assert kinds[kinds.index(("inference", seq)) + 1] == ("profile", seq)


@pytest.mark.parametrize("name", ["gesture", "kws"])
def test_stage_times_add_up_to_the_inference_lines_dsp_and_model_time(runs, name):
    outcome, _ = runs(name)
    profile = _profiles(outcome)[-1]
    line = _inference(outcome, profile.seq)
    total = line["dsp_us"] + line["model_us"]
    # what no stage owns: the main loop between the stages (copying the sample pointer, the calls)
    assert abs(profile.total_us / total - 1) <= 0.05, (profile.stages_us, total)


def test_a_profiled_windows_totals_are_those_of_an_unprofiled_window(runs):
    outcome, _ = runs("gesture")
    profiled = _inference(outcome, PROFILE_EVERY)
    others = [m for m in outcome.inferences() if 0 < m["seq"] != PROFILE_EVERY]
    for key in ("dsp_cycles", "model_cycles"):
        usual = statistics.median(m[key] for m in others)
        assert abs(profiled[key] / usual - 1) <= 0.03, (key, profiled[key], usual)


def _node_cases():
    cases = []
    for name, nodes in (("gesture", ("imu", "window", "spectrum", "classifier")),
                        ("vibration", ("accel", "window", "spectrum", "autoencoder", "score")),
                        ("kws", ("mic", "window", "mfcc", "classifier")),
                        ("digits", ("images", "scale", "classifier"))):
        for node in nodes:
            reason = KNOWN_OFF.get((name, node))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(name, node, id=f"{name}-{node}", marks=marks))
    return cases


@pytest.mark.parametrize("name, node", _node_cases())
def test_each_nodes_measured_time_is_within_15_percent_of_its_estimate(runs, name, node):
    outcome, estimate = runs(name)
    measured = _profiles(outcome)[-1].stages_us[node]
    ratio = measured / estimate[node]
    print(f"{name} {node}: measured {measured} µs, estimated {estimate[node]:.1f} µs, ratio {ratio:.2f}")
    assert abs(ratio - 1) <= TOLERANCE, f"{name} {node}: measured {measured} µs / estimated {estimate[node]:.1f} µs = {ratio:.2f}"


def test_hostile_node_ids_reach_the_profile_line_intact(tmp_path):
    ids = ['mic "1" */ #include <x>', "back\\slash\n??/", "ünï ☃"]
    a, b, c = (buffer_name(i, "out") for i in ids)
    stages = [
        StageCode(ids[0], "sample", declarations=f"static float {a}[1];", run=f"{a}[0] = tms_sample[0];"),
        StageCode(ids[1], "window", declarations=f"static float {b}[4];\nstatic uint32_t fill;",
                  run=f"{b}[fill++] = {a}[0];\nif (fill == 4u) {{\n    fill = 0u;\n    tms_frame_ready = 1;\n}}"),
        StageCode(ids[2], "frame", declarations=f"static float {c}[4];",
                  run=f"for (int k = 0; k < 4; k++) {{\n    {c}[k] = {b}[k];\n}}"),
    ]
    files = write_firmware(tmp_path / "fw", BOARD, "p", stages, FIXTURE_MODEL, ["a", "b", "c"],
                           replay=np.ones(12, dtype=np.float32), model_id='model "m" */')
    build_firmware(files.out_dir)
    messages = [json.loads(line) for line in run_lines(files.elf, 3)]
    profile = next(m for m in messages if m["type"] == "profile")
    assert list(profile["stages"]) == [*ids, 'model "m" */']


def test_a_live_sensor_is_not_timed_and_the_stages_after_it_are(tmp_path):
    from tests.e2e.i2c_pipeline import temperature_project

    project = temperature_project(tmp_path / "project")  # the emulated board's TMP105, read by its driver
    run = run_emulated(project, tmp_path / "fw", count=2, sensor_values={"env": 21.0})
    profile = _profiles(run)[0]
    assert list(profile.stages_us) == ["win", "stats"]  # no model; the sensor waits for its samples
    line = _inference(run, profile.seq)
    assert profile.total_us <= line["dsp_us"] + 1
