"""Live sensor nodes say what they read: the board's own part, an external part on a bus, or the
host's stream; version 1 projects (which had no such properties) load unchanged."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodes.base import NodeError, TensorSpec, node_type
from studio.core.project import dumps, loads
from tests.nodes.node_helpers import make

ROOT = Path(__file__).resolve().parents[2]
LIVE = ["sensors.accelerometer", "sensors.microphone", "sensors.environment", "sensors.adc"]


@pytest.mark.parametrize("type_id", LIVE)
def test_a_live_sensor_reads_the_boards_own_part_by_default(type_id):
    p = node_type(type_id).defaults()
    assert (p["source"], p["part"], p["bus"], p["address"]) == ("board", "", "", 0)
    assert node_type(type_id).version == 2


@pytest.mark.parametrize("type_id", LIVE)
def test_source_is_one_of_board_external_host_stream(type_id):
    with pytest.raises(NodeError, match="'board', 'external', 'host-stream'"):
        node_type(type_id).check_props({"source": "wifi"})


def test_an_external_address_is_seven_bits():
    with pytest.raises(NodeError, match="address"):
        node_type("sensors.accelerometer").check_props({"address": 0x80})


def test_the_camera_stays_without_a_source():
    assert "source" not in node_type("sensors.camera").defaults()


@pytest.mark.parametrize("axes,kinds", [(3, ("accelerometer",)), (6, ("accelerometer", "gyroscope"))])
def test_an_imu_with_more_than_three_axes_needs_a_gyroscope(axes, kinds):
    node, p = make("sensors.accelerometer", axes=axes)
    assert node.sensor_kinds(p) == kinds


@pytest.mark.parametrize("quantities,kinds", [("both", ("temperature", "humidity")), ("pressure", ("pressure",)),
                                              ("all", ("temperature", "humidity", "pressure"))])
def test_environment_values_follow_its_quantities_in_order(quantities, kinds):
    node, p = make("sensors.environment", quantities=quantities, rate_hz=2.0)
    assert node.sensor_kinds(p) == kinds
    assert node.infer({}, p, None)["out"] == TensorSpec((len(kinds),), "f32", 2.0)


def test_a_version_1_project_loads_unchanged_reading_the_boards_part():
    text = (ROOT / "sample_projects" / "gesture" / "gesture.tinyml").read_text(encoding="utf-8")
    raw = json.loads(text)
    imu = next(n for n in raw["nodes"] if n["id"] == "imu")
    assert imu["type_version"] == 1 and "source" not in imu["props"]
    project = loads(text)
    props = project.graph.node("imu").props
    assert {k: props[k] for k in ("axes", "range_g", "rate_hz")} == imu["props"]
    saved = json.loads(dumps(project))
    imu2 = next(n for n in saved["nodes"] if n["id"] == "imu")
    assert imu2["type_version"] == 2
    assert loads(dumps(project)).graph.node("imu").props == props
