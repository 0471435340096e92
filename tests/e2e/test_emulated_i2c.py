"""One I2C path end to end in emulation: the generated firmware's TMP105 driver (sensors/tmp105.c)
over the SBCon bit-banged bus (board/mps2_i2c.c) reads QEMU 7.2's own TMP105 model on mps2-an386,
whose temperature the test sets; the values the firmware reports are that temperature, to the
TMP105's 12-bit resolution (0.0625 degC). QEMU's TMP105 and SBCon are QEMU's models, not silicon."""
from __future__ import annotations

import json
import math
import socket
import time

import pytest

from studio.actions import build, emulated_i2c_devices, run_emulated
from studio.core.boards import boards
from studio.device.emulator import EXIT_SENSOR_ERROR, Emulator, run_lines
from studio.device.protocol import parse_line
from tests.e2e.i2c_pipeline import temperature_project

pytestmark = pytest.mark.slow

RESOLUTION_C = 0.0625


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("i2c")
    project = temperature_project(folder / "project")  # the board's own TMP105, by default
    return project, build(project, folder / "fw", boards().get("qemu-mps2-an386"))


def _inferences(lines: list[str]) -> list[dict]:
    return [json.loads(x) for x in lines if json.loads(x)["type"] == "inference"]


def _tmp105_reading(celsius: float) -> float:
    """What a 12-bit TMP105 holding ``celsius`` reports (QEMU stores 1/256 degC, truncating)."""
    return math.trunc(celsius * 256) // 16 * 16 / 256


@pytest.mark.parametrize("celsius", [23.5, -7.3])
def test_the_firmware_reports_the_temperature_qemu_gives_its_tmp105(built, celsius):
    _, outcome = built
    devices = emulated_i2c_devices(outcome.generated, {"env": celsius})
    # hello, then per window an inference line and its power line
    inferences = _inferences(run_lines(outcome.result.elf, 7, timeout_s=120, i2c_devices=devices))
    assert len(inferences) == 3
    for line in inferences:
        # scores: mean, min, max of a window of WINDOW readings: every one is the sensor's reading
        assert line["scores"] == [pytest.approx(_tmp105_reading(celsius), abs=1e-5)] * 3
        assert abs(line["scores"][0] - celsius) <= RESOLUTION_C
        assert line["overruns"] == 0


def test_a_new_temperature_set_while_it_runs_reaches_the_next_windows(built):
    """The guest runs ahead of the reader (idle time warps), so windows already printed when the
    value changes still hold the old one; once a window holds the new value, no later one holds the
    old value again."""
    _, outcome = built
    devices = emulated_i2c_devices(outcome.generated, {"env": 18.0})
    seen: list[list[float]] = []
    with Emulator(outcome.result.elf, i2c_devices=devices) as emu, emu.connect(60) as sock:
        buf, deadline = b"", time.monotonic() + 120
        while time.monotonic() < deadline and seen[-2:] != [[30.25] * 3] * 2:
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                if msg["type"] == "inference":
                    seen.append(msg["scores"])
                    if len(seen) == 2:
                        emu.set_i2c_value(0, 30.25)
    assert seen[0] == [18.0] * 3
    assert seen[-2:] == [[30.25] * 3] * 2, f"the new temperature never reached a whole window: {seen}"
    first_new = seen.index([30.25] * 3)
    assert all(18.0 not in scores for scores in seen[first_new:])


def test_run_emulated_reads_the_part_at_the_value_given_for_the_node(built, tmp_path):
    project, _ = built
    run = run_emulated(project, tmp_path / "fw", count=2, sensor_values={"env": 41.0})
    assert [r["scores"] for r in run.inferences()] == [[41.0] * 3] * 2


def test_no_tmp105_on_the_bus_gives_a_protocol_error_line_and_exit_code_not_a_hang(built):
    _, outcome = built
    with Emulator(outcome.result.elf) as emu:  # no -device: nothing answers at 0x48
        with emu.connect(30) as sock:
            sock.settimeout(30)
            data = b""
            try:
                while chunk := sock.recv(4096):
                    data += chunk
            except socket.timeout:
                pytest.fail(f"the firmware neither reported nor exited: {data!r}")
        code = emu.wait(30)
    lines = [parse_line(x) for x in data.decode().splitlines()]
    assert [m.kind for m in lines] == ["hello", "log"]
    error = lines[1].data
    assert error["level"] == "error" and error["node"] == "env" and error["part"] == "tmp105"
    assert "no answer on its bus" in error["message"]
    assert code == EXIT_SENSOR_ERROR


def test_the_run_verb_sets_the_emulated_parts_reading_and_refuses_a_bad_pair(built, tmp_path):
    import subprocess
    import sys

    project, _ = built
    path = next(project.dir.glob("*.tinyml"))
    ok = subprocess.run([sys.executable, "-m", "studio", "run", str(path), "--emulate", "--count", "2", "--json",
                         "--out", str(tmp_path / "fw"), "--sensor-value", "env=-12.5"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    lines = [json.loads(x) for x in ok.stdout.splitlines() if x.startswith("{")]
    assert [x["scores"] for x in lines if x.get("type") == "inference"] == [[-12.5] * 3] * 2
    bad = subprocess.run([sys.executable, "-m", "studio", "run", str(path), "--emulate", "--count", "1",
                          "--out", str(tmp_path / "fw2"), "--sensor-value", "env=warm"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "is not NODE=NUMBER" in bad.stderr and "Traceback" not in bad.stderr
