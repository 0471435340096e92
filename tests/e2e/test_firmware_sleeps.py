"""The firmware sleeps (WFI) between its sample ticks on the emulated board (QEMU mps2-an386 with
-icount shift=0,sleep=off): replayed samples come at the sensor's rate, the board reports the share
of each span it was busy, and that share agrees with the energy estimate's duty cycle."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from codegen.project_firmware import resolve_board
from studio.actions import run_emulated
from studio.core.project import load_project
from studio.core.validate import validate_project
from studio.device.protocol import SleepTally
from tests.e2e.test_firmware_emulated import WINDOW, _build, _read_all, _stages

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# measured vs estimated duty, relative: the latency estimate's own error (15% per stage at most,
# tests/e2e/test_latency_agrees_with_emulator.py) plus printing the results, which it leaves out
DUTY_TOLERANCE = 0.15
RATE_HZ = 25.0   # one sample a tick


def _power(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["type"] == "power"]


def test_paced_replay_sleeps_between_samples_and_gives_the_same_results(tmp_path):
    replay = np.random.default_rng(5).uniform(-2, 2, size=WINDOW * 8).astype(np.float32)
    paced, _ = _build(tmp_path / "paced", replay, sample_rate_hz=RATE_HZ)
    flat, _ = _build(tmp_path / "flat", replay)
    paced_messages, code = _read_all(paced.elf)
    flat_messages, _ = _read_all(flat.elf)
    assert code == 0
    scores = [m["scores"] for m in paced_messages if m["type"] == "inference"]
    assert scores == [m["scores"] for m in flat_messages if m["type"] == "inference"]
    power = _power(paced_messages)
    assert [p["seq"] for p in power] == list(range(8))
    assert not _power(flat_messages)   # a firmware without a sample rate runs flat out, as before
    for p in power[1:]:
        # one window of 4 samples at 25 Hz: 160 ms of the emulated board's time, mostly asleep
        assert p["window_us"] == pytest.approx(WINDOW / RATE_HZ * 1e6, rel=0.01)
        assert 0 < p["busy_us"] < 0.5 * p["window_us"]


def test_a_window_outrunning_its_samples_never_sleeps(tmp_path):
    # a frame stage that takes far longer than the 160 ms between windows: the core is always behind
    spin = "static volatile uint32_t tms_spin;"
    stages = _stages(
        extra_frame_c="for (tms_spin = 0u; tms_spin < 2000000u; tms_spin++) {\n}", extra_decl=spin)
    replay = np.zeros(WINDOW * 6, dtype=np.float32)
    files, _ = _build(tmp_path, replay, stages=stages, sample_rate_hz=RATE_HZ)
    messages, _ = _read_all(files.elf)
    for p in _power(messages)[1:]:
        assert p["busy_us"] == pytest.approx(p["window_us"], rel=0.01)


@pytest.mark.parametrize("name", ["kws", "digits", "vibration", "gesture"])
def test_emulated_busy_share_is_below_one_and_agrees_with_the_energy_estimate(name, tmp_path):
    project = load_project(ROOT / "sample_projects" / name / f"{name}.tinyml")
    estimate = validate_project(project, resolve_board(project, emulate=True)).energy
    run = run_emulated(project, tmp_path / "fw", count=4)
    tally = SleepTally(from_seq=1)   # the steady state: the first span also fills the first window
    for message in run.messages:
        tally.add(message)
    assert tally.reports >= 2
    assert 0 < tally.busy_fraction < 1
    # paced at the sensor's rate: the spans add up to the inference period each, to within one tick
    # (a tick brings a block of samples, and a window may end inside one)
    tick_us = estimate.period_us / estimate.wakes_per_period
    assert abs(tally.window_us - tally.reports * estimate.period_us) <= tick_us * 1.01
    assert abs(estimate.duty_cycle / tally.busy_fraction - 1) <= DUTY_TOLERANCE, (
        f"{name}: estimated duty {estimate.duty_cycle:.4%}, measured busy {tally.busy_fraction:.4%}")
