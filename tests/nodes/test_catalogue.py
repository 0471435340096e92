"""The catalogue as a whole: every required node type is there and keeps the contract."""
from __future__ import annotations

import re

import pytest

from nodes.base import NodeType, NodeError, catalogue, node_type

REQUIRED = [
    "sensors.accelerometer", "sensors.microphone", "sensors.environment", "sensors.adc",
    "sensors.camera", "sensors.replay",
    "dsp.window", "dsp.normalize", "dsp.biquad", "dsp.spectrum", "dsp.mfcc", "dsp.mfe", "dsp.stats",
    "dsp.downsample", "dsp.resize", "dsp.crop", "dsp.grayscale",
    "model.tflite", "model.keras",
    "quantize.int8", "quantize.float16", "quantize.dynamic_range",
    "outputs.serial", "outputs.gpio_led", "outputs.threshold_alert", "outputs.smoother",
]
ALL = [c.type_id for c in catalogue()]


def test_every_required_node_type_is_registered():
    missing = [t for t in REQUIRED if t not in ALL]
    assert missing == []


@pytest.mark.parametrize("type_id", ALL)
def test_type_id_names_its_category_module(type_id):
    cls = node_type(type_id)
    assert re.fullmatch(r"(sensors|dsp|model|quantize|outputs)\.[a-z0-9_]+", type_id)
    assert cls.category == type_id.split(".")[0]
    assert cls.title and cls.doc


@pytest.mark.parametrize("type_id", ALL)
def test_defaults_pass_their_own_checks(type_id):
    cls = node_type(type_id)
    assert cls.check_props({}) == cls.defaults()


@pytest.mark.parametrize("type_id", ALL)
def test_port_names_are_unique(type_id):
    cls = node_type(type_id)
    for ports in (cls.inputs, cls.outputs):
        names = [p.name for p in ports]
        assert len(names) == len(set(names))


@pytest.mark.parametrize("type_id", ALL)
def test_numeric_limits_are_enforced(type_id):
    cls = node_type(type_id)
    for p in cls.params:
        if p.type not in (int, float) or p.choices:
            continue
        if p.min is not None:
            with pytest.raises(NodeError, match=p.name):
                cls.check_props({p.name: p.type(p.min) - 1})
        if p.max is not None:
            with pytest.raises(NodeError, match=p.name):
                cls.check_props({p.name: p.type(p.max) + 1})


@pytest.mark.parametrize("type_id", ALL)
def test_choices_are_enforced(type_id):
    cls = node_type(type_id)
    for p in cls.params:
        if p.choices:
            bad = "not-a-choice" if p.type is str else p.type(max(p.choices)) + 1
            with pytest.raises(NodeError, match=p.name):
                cls.check_props({p.name: bad})


@pytest.mark.parametrize("type_id", ALL)
def test_asset_params_are_text(type_id):
    for p in node_type(type_id).params:
        if p.kind == "asset":
            assert p.type is str and p.default == ""


@pytest.mark.parametrize("type_id", [t for t in ALL if t.startswith("dsp.")])
def test_dsp_nodes_name_a_kernel_and_have_a_reference(type_id):
    cls = node_type(type_id)
    assert cls.kernel and cls.kernel.startswith("dsp/")
    assert cls.transform is not NodeType.transform  # its own numpy reference, not the base's refusal


@pytest.mark.parametrize("type_id", ALL)
def test_every_node_type_declares_its_role(type_id):
    from nodes.base import Role

    assert isinstance(node_type(type_id).role, Role)


@pytest.mark.parametrize("type_id", ["dsp.biquad", "dsp.mfe", "dsp.mfcc"])
def test_rate_dependent_nodes_name_their_sample_rate_property(type_id):
    cls = node_type(type_id)
    assert cls.param(cls.sample_rate_param).unit == "Hz"
