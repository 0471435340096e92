"""Each sensor node resolves to the part it reads on the board (driver), a recording (replay) or
the host's stream; a sensor the board lacks, or a part without a driver, is refused naming the
sensor and the ways out (``studio.core.sensor_check`` through validation and ``check``)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nodes.base import node_type
from studio.cli import main
from studio.core.boards import boards
from studio.core.project import load_project, save_project
from studio.core.sensor_check import resolve_sensors
from studio.core.validate import validate_project

ROOT = Path(__file__).resolve().parents[2]
GESTURE = ROOT / "sample_projects" / "gesture" / "gesture.tinyml"


def resolve(type_id: str, board_id: str, feed: str | None = None, **props):
    cls = node_type(type_id)
    return resolve_sensors([("s", cls, cls.check_props(props))], boards().get(board_id), feed, boards().all())


def gesture(tmp_path: Path, **imu_props) -> Path:
    proj = tmp_path / "gesture"
    shutil.copytree(GESTURE.parent, proj)
    project = load_project(proj / "gesture.tinyml")
    for key, value in imu_props.items():
        project.graph.set_property("imu", key, value)
    save_project(project)
    return proj / "gesture.tinyml"


def errors(report) -> list[str]:
    return [f"{i.node}: {i.message}" for i in report.issues if i.severity == "error"]


@pytest.mark.parametrize("board_id,part,bus,address,driver", [
    ("nano33ble", "lsm9ds1", "i2c0", 0x6B, "lsm9ds1"),
    ("b-l475e-iot01a", "lsm6dsl", "i2c2", 0x6A, "lsm6dsl"),
])
def test_the_gesture_sample_reads_the_boards_accelerometer_with_a_driver(board_id, part, bus, address, driver):
    report = validate_project(load_project(GESTURE), boards().get(board_id))
    assert report.ok, errors(report)
    (imu,) = report.plan.sensors
    assert (imu.node_id, imu.source, imu.part, imu.bus, imu.address, imu.driver) == \
        ("imu", "driver", part, bus, address, driver)
    assert report.to_json()["sensors"][0] == {**imu.to_json(), "node": "imu", "part": part, "bus": bus,
                                               "source": "driver"}


@pytest.mark.parametrize("board_id", ["rpi-pico", "esp32-s3-devkitc", "seeeduino-xiao"])
def test_the_gesture_sample_is_refused_on_a_board_without_an_accelerometer(board_id):
    report = validate_project(load_project(GESTURE), boards().get(board_id))
    assert not report.ok
    (message,) = [i.message for i in report.issues if i.severity == "error" and i.node == "imu"]
    assert "has no accelerometer" in message
    assert "nano33ble" in message and "b-l475e-iot01a" in message       # boards that have one
    assert "mpu6050" in message and "'external'" in message             # an external part
    assert "'host-stream'" in message                                   # or the host's stream
    assert report.plan.sensors == ()


def test_check_exits_1_naming_the_refused_sensor(capsys):
    code = main(["check", str(GESTURE), "--board", "rpi-pico", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["sensors"] == []
    assert any(i["node"] == "imu" and "has no accelerometer" in i["message"] for i in report["issues"])


def test_check_prints_one_line_per_sensor(capsys):
    assert main(["check", str(GESTURE), "--board", "b-l475e-iot01a"]) == 0
    out = capsys.readouterr().out
    assert "sensors:\n  imu: accelerometer from lsm6dsl on i2c2 at 0x6A (driver lsm6dsl)\n" in out


def test_the_gesture_sample_on_the_emulated_board_plays_its_recording():
    report = validate_project(load_project(GESTURE), boards().get("qemu-mps2-an386"))
    assert report.ok, errors(report)
    assert [s.to_json() for s in report.plan.sensors] == [
        {"node": "imu", "part": "replay", "bus": "flash", "source": "replay", "kinds": ["accelerometer"]}]


def test_an_external_mpu6050_on_the_picos_i2c0_is_read_by_its_driver(tmp_path):
    path = gesture(tmp_path, source="external", part="mpu6050", bus="i2c0")
    report = validate_project(load_project(path), boards().get("rpi-pico"))
    assert not [e for e in errors(report) if "accelerometer" in e or "mpu6050" in e.lower()]
    (imu,) = report.plan.sensors
    assert (imu.source, imu.part, imu.bus, imu.address, imu.driver, imu.external) == \
        ("driver", "mpu6050", "i2c0", 0x68, "mpu6050", True)


def test_an_external_part_at_an_address_it_cannot_answer_is_refused():
    (problem,) = resolve("sensors.accelerometer", "rpi-pico", source="external", part="mpu6050", address=0x20).problems
    assert "0x68, 0x69, not 0x20" in problem.message


@pytest.mark.parametrize("part,says", [("", "set 'part'"), ("bmi270", "not a part you can wire"),
                                       ("hts221", "does not measure accelerometer")])
def test_an_external_part_that_cannot_serve_is_refused_with_the_parts_that_can(part, says):
    (problem,) = resolve("sensors.accelerometer", "rpi-pico", source="external", part=part).problems
    assert problem.severity == "error" and says in problem.message and "lsm6ds3" in problem.message


@pytest.mark.parametrize("board_id", ["esp32-s3-devkitc", "seeeduino-xiao", "rpi-pico", "nano33ble"])
def test_a_host_stream_sensor_runs_on_any_board(board_id):
    result = resolve("sensors.accelerometer", board_id, source="host-stream")
    assert not result.problems
    assert [(s.source, s.part, s.bus) for s in result.sensors] == [("host-stream", "host", "serial")]


def test_a_part_without_a_driver_for_the_board_is_refused_with_the_options():
    (problem,) = resolve("sensors.accelerometer", "wio-terminal").problems
    assert problem.severity == "error"
    assert "(lis3dh) has no driver" in problem.message and "'host-stream'" in problem.message


def test_temperature_humidity_and_pressure_come_from_two_parts_on_the_discovery_kit():
    result = resolve("sensors.environment", "b-l475e-iot01a", quantities="all")
    assert not result.problems
    assert [(s.part, s.kinds, s.address) for s in result.sensors] == [
        ("hts221", ("temperature", "humidity"), 0x5F), ("lps22hb", ("pressure",), 0x5D)]


def test_nano33ble_environment_names_the_rev2_part_as_the_alternative():
    result = resolve("sensors.environment", "nano33ble", quantities="both")
    (env,) = result.sensors
    assert (env.part, env.variant, env.alternatives) == ("hts221", "rev1", ("hs3003",))
    assert not result.problems      # the Rev2 part has a driver too


def test_nano33ble_imu_warns_that_the_rev2_imu_has_no_driver():
    result = resolve("sensors.accelerometer", "nano33ble", axes=6)
    (imu,) = result.sensors
    assert imu.part == "lsm9ds1" and imu.kinds == ("accelerometer", "gyroscope")
    assert {p.severity for p in result.problems} == {"warning"}
    assert any("BMI270" in p.message for p in result.problems)


@pytest.mark.parametrize("board_id,part,driver", [("nano33ble", "mp34dt05", "nrf52840_pdm"),
                                                  ("b-l475e-iot01a", "mp34dt01", "stm32l4_dfsdm")])
def test_the_microphone_is_read_through_the_mcus_peripheral(board_id, part, driver):
    (mic,) = resolve("sensors.microphone", board_id).sensors
    assert (mic.part, mic.driver) == (part, driver)


def test_an_adc_input_on_the_pico_is_read_by_the_rp2040_adc_driver():
    (adc,) = resolve("sensors.adc", "rpi-pico", channel=1).sensors
    assert (adc.part, adc.bus, adc.driver, adc.pins["adc1"]) == ("rp2040_adc", "adc", "rp2040_adc", "GPIO27")


def test_temperature_on_the_emulated_board_reads_the_qemu_tmp105_even_with_a_recording():
    (temp,) = resolve("sensors.environment", "qemu-mps2-an386", "replay", quantities="temperature").sensors
    assert (temp.source, temp.part, temp.bus, temp.address, temp.driver) == ("driver", "tmp105", "i2c3", 0x48, "tmp105")


@pytest.mark.parametrize("feed", ["replay", "host-stream"])
def test_a_kind_the_emulated_board_has_no_part_for_plays_its_feed(feed):
    (s,) = resolve("sensors.environment", "qemu-mps2-an386", feed, quantities="both").sensors
    assert s.source == feed


def test_a_camera_the_board_lacks_is_a_warning_until_cameras_have_drivers():
    (problem,) = resolve("sensors.camera", "nano33ble").problems
    assert problem.severity == "warning" and "has no camera" in problem.message


def test_a_host_stream_gesture_checks_on_the_pico_with_the_stream_buffer_in_its_ram(tmp_path):
    from studio.core.sample_source import HOST_STREAM_KEY, host_stream_for

    report = validate_project(load_project(gesture(tmp_path, source="host-stream")), boards().get("rpi-pico"))
    assert report.ok, errors(report)
    assert report.plan.sensor_source("imu") == "host-stream"
    assert report.ram.by_node[HOST_STREAM_KEY] == host_stream_for(None, 3).ram_bytes


def test_part_picks_one_of_the_boards_own_parts_such_as_the_rev2_sensor():
    (env,) = resolve("sensors.environment", "nano33ble", quantities="both", part="hs3003").sensors
    assert (env.part, env.address, env.variant, env.driver) == ("hs3003", 0x44, "rev2", "hs3003")


def test_a_part_the_board_does_not_carry_is_refused_naming_its_own():
    (problem,) = resolve("sensors.accelerometer", "b-l475e-iot01a", part="mpu6050").problems
    assert problem.severity == "error" and "no part 'mpu6050'" in problem.message and "lsm6dsl" in problem.message


def test_an_adc_channel_the_board_does_not_bring_out_is_refused_naming_its_inputs():
    (problem,) = resolve("sensors.adc", "rpi-pico", channel=5).problems
    assert "no ADC input 5" in problem.message and "0 (GPIO26), 1 (GPIO27), 2 (GPIO28)" in problem.message
