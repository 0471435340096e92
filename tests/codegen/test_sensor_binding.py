"""codegen.sensor_binding: the driver-fed stage reads the plan's resolution of each sensor node
(studio.core.sensor_check), in the bus numbering of the board glue."""
import pytest

from codegen.project_firmware import generate
from codegen.sensor_binding import DRIVER, HOST_STREAM, REPLAY, sensor_binding
from studio.core.boards import boards
from studio.core.errors import BadInput
from studio.core.validate import validate_project
from tests.e2e.i2c_pipeline import temperature_project


def _binding(project):
    plan = validate_project(project).plan
    return sensor_binding(plan, plan.sensor)


def test_the_emulated_boards_tmp105_is_read_through_its_driver_on_the_qemu_bus(tmp_path):
    b = _binding(temperature_project(tmp_path / "p"))
    assert (b.source, b.part, b.bus, b.address, b.bus_index) == (DRIVER, "tmp105", "i2c3", 0x48, 3)


def test_an_external_part_is_read_on_the_bus_and_address_the_node_names(tmp_path):
    b = _binding(temperature_project(tmp_path / "p", "rpi-pico", source="external", part="tmp105",
                                     bus="i2c1", address=0x49))
    assert (b.source, b.part, b.bus, b.address, b.bus_index) == (DRIVER, "tmp105", "i2c1", 0x49, 1)


def test_a_host_stream_node_has_no_part(tmp_path):
    b = _binding(temperature_project(tmp_path / "p", "nano33ble", source="host-stream"))
    assert (b.source, b.part) == (HOST_STREAM, None)


def test_the_gesture_imu_on_the_nano_is_its_lsm9ds1_on_the_sensor_bus():
    from studio.core.project import load_project

    project = load_project("sample_projects/gesture/gesture.tinyml")
    project.board_id = "nano33ble"
    b = _binding(project)
    assert (b.source, b.part, b.bus, b.address) == (DRIVER, "lsm9ds1", "i2c0", 0x6B)


def test_a_replay_node_replays():
    from studio.core.project import load_project

    b = _binding(load_project("sample_projects/vibration/vibration.tinyml"))
    assert b.source == REPLAY


def test_a_node_reading_two_parts_is_refused_with_the_way_out(tmp_path):
    project = temperature_project(tmp_path / "p", "b-l475e-iot01a")
    project.graph.node("env").props["quantities"] = "all"  # hts221 and lps22hb
    with pytest.raises(BadInput, match="one sensor node per part"):
        generate(project, tmp_path / "fw", boards().get("b-l475e-iot01a"))
