"""codegen.sensor_binding (which part feeds a sensor node, and from where) and the driver-fed sensor
stage it selects in the generated firmware project."""
from dataclasses import dataclass

import pytest

from codegen.emitters.sensor_driver import ring_capacity_samples
from codegen.project_firmware import generate
from codegen.sensor_binding import DRIVER, NONE, REPLAY, sensor_binding
from nodes.base import Mode, Role
from nodes.sensors import Environment, Replay
from studio.core.boards import boards
from studio.core.errors import BadInput
from studio.core.plan import PlanStage
from tests.e2e.i2c_pipeline import WINDOW, temperature_project, with_binding_params

EMULATED = boards().get("qemu-mps2-an386")


def _stage(node_class=Environment, **props):
    return PlanStage("env", node_class.type_id, Role.SENSOR, Mode.SAMPLE, node_class,
                     {"quantities": "temperature", "rate_hz": 1.0, **props})


@dataclass
class _Board:
    id: str
    sensors: tuple
    emulated: bool = False


def test_the_emulated_board_keeps_replaying_unless_the_node_asks_for_its_part():
    assert sensor_binding(_stage(), EMULATED).source == REPLAY


def test_asking_for_the_driver_on_the_emulated_board_gets_its_tmp105_on_the_qemu_bus():
    b = sensor_binding(_stage(source="driver"), EMULATED)
    assert (b.source, b.part, b.bus, b.address, b.bus_index) == (DRIVER, "tmp105", "i2c3", 0x48, 3)


def test_a_named_part_bus_and_address_win_over_the_board_default():
    b = sensor_binding(_stage(part="tmp105", bus="i2c1", address="0x49"), EMULATED)
    assert (b.source, b.bus, b.address) == (DRIVER, "i2c1", 0x49)


def test_a_replay_node_always_replays():
    assert sensor_binding(_stage(Replay), EMULATED).source == REPLAY


def test_a_real_board_with_only_kind_names_has_no_known_part_and_keeps_its_old_stage():
    assert sensor_binding(_stage(), boards().get("nano33ble")).source == NONE


def test_structured_board_sensor_entries_give_the_part():
    board = _Board("some-board", ({"kind": "temperature", "part": "tmp105", "bus": "i2c1", "address": 0x48},))
    b = sensor_binding(_stage(), board)
    assert (b.source, b.part, b.bus, b.address) == (DRIVER, "tmp105", "i2c1", 0x48)


@pytest.mark.parametrize("props, words", [
    ({"part": "nosuchchip"}, "no driver for part 'nosuchchip'"),
    ({"part": "../tmp105"}, "no driver"),
    ({"part": "tmp105", "address": 0x90}, "outside the 7-bit"),
    ({"part": "tmp105", "bus": "i2c-main"}, "not a bus name"),
    ({"source": "wifi"}, "not one of"),
])
def test_bad_bindings_are_refused_with_a_message(props, words):
    with pytest.raises(BadInput, match=words.replace("(", r"\(").replace(".", r"\.")):
        sensor_binding(_stage(**props), EMULATED)


def test_a_driver_fed_project_builds_the_driver_ring_and_the_family_i2c_glue(tmp_path):
    with with_binding_params():
        project = temperature_project(tmp_path / "p", source="driver")
        generated = generate(project, tmp_path / "fw")
    makefile = (tmp_path / "fw" / "Makefile").read_text()
    for src in ("runtime/sensors/tmp105.c", "runtime/sensors/tms_sensor.c", "runtime/board/mps2_i2c.c",
                "runtime/board/tms_delay.c"):
        assert src in makefile
    assert "src/tms_replay.c" not in makefile  # the recording is not embedded
    pipeline = (tmp_path / "fw" / "src" / "pipeline.c").read_text()
    assert f"tms_ring_env_values[{ring_capacity_samples(WINDOW)}u * 1u]" in pipeline
    assert ring_capacity_samples(WINDOW) == WINDOW + 4 + 1
    assert generated.sample_source == DRIVER and generated.replay_samples == 0
