"""Small node types of our own for testing the graph, project and validation mechanics apart from
the real catalogue (whose nodes change as it grows). Registered under the 'testing' category."""
from __future__ import annotations

import pytest

from nodes.base import REGISTRY, Cost, Role, NodeError, NodeType, Param, Port, TensorSpec, register


class _Source(NodeType):
    type_id = "testing.source"
    title = "Test source"
    category = "sensors"
    role = Role.SENSOR
    outputs = [Port("out")]
    params = [Param("channels", int, 3, min=1, max=16), Param("rate_hz", float, 100.0, min=1.0),
              Param("data", str, "", kind="asset")]

    def infer(self, inputs, p, ctx):
        return {"out": TensorSpec((p["channels"],), "f32", p["rate_hz"])}

    def cost(self, inputs, outputs, p, ctx):
        return Cost(ram_bytes=0, flash_bytes=200, ops=p["channels"])


class _Window(NodeType):
    type_id = "testing.window"
    title = "Test window"
    category = "dsp"
    role = Role.WINDOW
    inputs = [Port("in")]
    outputs = [Port("out")]
    params = [Param("window", int, 50, min=1), Param("hop", int, 25, min=1)]

    def infer(self, inputs, p, ctx):
        x = inputs["in"]
        if len(x.shape) != 1:
            raise NodeError(f"input 'in' must be a stream of samples, got {x.describe()}", port="in")
        return {"out": TensorSpec((p["window"], x.shape[0]), "f32", x.rate_hz / p["hop"])}

    def cost(self, inputs, outputs, p, ctx):
        return Cost(ram_bytes=outputs["out"].bytes * 2, flash_bytes=300, ops=outputs["out"].elements)


class _Dense(NodeType):
    type_id = "testing.dense"
    title = "Test dense"
    category = "model"
    role = Role.MODEL
    inputs = [Port("in")]
    outputs = [Port("scores")]
    params = [Param("units", int, 4, min=1), Param("labels", list, [])]

    def infer(self, inputs, p, ctx):
        return {"scores": TensorSpec((p["units"],), "f32", inputs["in"].rate_hz)}

    def cost(self, inputs, outputs, p, ctx):
        macs = inputs["in"].elements * p["units"]
        return Cost(ram_bytes=4 * p["units"], flash_bytes=macs, ops=2 * macs)

    def labels(self, p, ctx):
        return p["labels"] or None


class _Sink(NodeType):
    type_id = "testing.sink"
    title = "Test sink"
    category = "outputs"
    role = Role.RESULT
    inputs = [Port("in")]

    def infer(self, inputs, p, ctx):
        return {}


class _IntOut(NodeType):
    type_id = "testing.intsource"
    title = "Int source"
    category = "sensors"
    role = Role.SENSOR
    outputs = [Port("out", dtypes=("i16",))]

    def infer(self, inputs, p, ctx):
        return {"out": TensorSpec((1,), "i16", 10.0)}


TEST_TYPES = (_Source, _Window, _Dense, _Sink, _IntOut)


@pytest.fixture(autouse=True)
def testing_node_types():
    """Registers the testing types for a test of this folder only, so the catalogue other test
    folders see is the real one."""
    for cls in TEST_TYPES:
        register(cls)
    yield
    for cls in TEST_TYPES:
        REGISTRY.pop(cls.type_id, None)


@pytest.fixture
def chain():
    """source -> window -> dense -> sink, all connected."""
    from studio.core.graph import Graph

    g = Graph()
    g.add_node("testing.source", node_id="src")
    g.add_node("testing.window", node_id="win")
    g.add_node("testing.dense", {"labels": ["a", "b", "c", "d"]}, node_id="net")
    g.add_node("testing.sink", node_id="out")
    g.connect("src", "out", "win", "in")
    g.connect("win", "out", "net", "in")
    g.connect("net", "scores", "out", "in")
    return g


@pytest.fixture
def board():
    from studio.core.boards import boards

    return boards().get("qemu-mps2-an386")
