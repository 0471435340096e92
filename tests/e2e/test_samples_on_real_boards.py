"""Every sample's sensor builds with a generated driver on the Arduino Nano 33 BLE Sense and the
B-L475E-IOT01A: the gesture sample as it is (an accelerometer node), kws and vibration with their
Replay node swapped for the live node of the kind they recorded (a microphone at 16 kHz, an
accelerometer at 1 kHz). ``check`` resolves each to the board's own part with source "driver", and
the complete firmware links with that driver, its bus glue and (for a microphone) its interrupt in the
vector table. Built with the real arm-none-eabi-gcc, not run: no board is attached here."""
from __future__ import annotations

import json
import subprocess

import pytest

from codegen.project_firmware import generate
from studio.core.boards import boards
from studio.core.project import Project, load_project
from studio.device.build import build_firmware
from studio.device.toolchain import find_tool

pytestmark = pytest.mark.slow

LIVE = {  # sample -> (the live node its Replay recording stands for, its properties)
    "kws": ("sensors.microphone", {"rate_hz": 16000.0, "bits": 16}),
    "vibration": ("sensors.accelerometer", {"axes": 3, "rate_hz": 1000.0, "range_g": 4}),
}
# what each board reads, by sample: (driver stem, an interrupt handler the vector table must hold)
EXPECTED = {
    ("gesture", "nano33ble"): ("lsm9ds1", None),
    ("kws", "nano33ble"): ("nrf52840_pdm", "tms_nrf52840_pdm_irq_handler"),
    ("gesture", "b-l475e-iot01a"): ("lsm6dsl", None),
    ("kws", "b-l475e-iot01a"): ("stm32l4_dfsdm", "tms_stm32l4_dfsdm_irq_handler"),
    ("vibration", "b-l475e-iot01a"): ("lsm6dsl", None),
}


def live_sample(name: str, board_id: str) -> Project:
    project = load_project(f"sample_projects/{name}/{name}.tinyml")
    project.board_id = board_id
    g = project.graph
    sensor = next(n for n in g.nodes if n.type_id.startswith("sensors."))
    if name in LIVE:
        type_id, props = LIVE[name]
        out = g.edges_from(sensor.id)
        g.remove_node(sensor.id)
        g.add_node(type_id, dict(props), node_id=sensor.id)
        for e in out:
            g.connect(sensor.id, "out", e.dst, e.dst_port)
    return project


@pytest.mark.parametrize("sample, board_id", sorted(EXPECTED))
def test_the_samples_sensor_builds_with_the_boards_driver(sample, board_id, tmp_path):
    stem, irq = EXPECTED[(sample, board_id)]
    project = live_sample(sample, board_id)
    generated = generate(project, tmp_path / "fw", boards().get(board_id))
    assert [(b.source, b.part) for b in generated.sensors] == [("driver", stem)]
    report = [s.to_json() for s in generated.report.plan.sensors]
    assert report[0]["source"] == "driver" and report[0]["part"]
    result = build_firmware(tmp_path / "fw")
    symbols = subprocess.run([str(find_tool("arm-none-eabi-nm")), str(result.elf)], capture_output=True,
                             text=True, check=True).stdout
    assert f"tms_{stem}_init" in symbols and f"tms_{stem}_poll" in symbols
    if irq:
        assert irq in symbols
        vectors = (tmp_path / "fw" / "src" / "tms_board.h").read_text()
        assert irq in vectors and "TMS_DEVICE_VECTORS" in vectors


def test_the_vibration_rate_is_refused_on_the_nanos_lsm9ds1_with_the_way_out(tmp_path):
    """1 kHz is above the LSM9DS1's 952 Hz: check says so rather than firmware that cannot start."""
    from studio.core.validate import validate_project

    report = validate_project(live_sample("vibration", "nano33ble"))
    errors = [i.message for i in report.issues if i.severity == "error"]
    assert any("LSM9DS1 delivers at most 952 Hz" in m for m in errors), errors


def test_check_json_lists_each_sensor_with_its_part_and_driver_source(tmp_path):
    from studio.core.project import save_project

    project = live_sample("kws", "b-l475e-iot01a")
    project_dir = tmp_path / "kws"
    project_dir.mkdir()
    for f in ("kws.tflite",):
        (project_dir / f).write_bytes((load_project("sample_projects/kws/kws.tinyml").dir / f).read_bytes())
    project.dataset = {}
    save_project(project, project_dir / "kws.tinyml")
    proc = subprocess.run(["python3", "-m", "studio", "check", str(project_dir / "kws.tinyml"), "--json"],
                          capture_output=True, text=True)
    sensors = json.loads(proc.stdout)["sensors"]
    assert sensors == [{**sensors[0], "node": "mic", "part": "mp34dt01", "source": "driver"}]
