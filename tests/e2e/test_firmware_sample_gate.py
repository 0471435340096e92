"""A stream downsampler feeds the window only on the samples it produces: on the emulated board the
frames after it are the frames the numpy references make (no repeated samples)."""
from __future__ import annotations

import json

import numpy as np

from codegen.emit_dsp import emit_stage
from codegen.firmware import write_firmware
from codegen.project_firmware import sensor_stage
from codegen.stage import buffer_name
from nodes.base import NodeContext, TensorSpec, node_type
from studio.core.boards import boards
from studio.core.graph import Graph
from studio.core.host import run_to_features
from studio.core.validate import validate
from studio.device.build import build_firmware
from studio.device.emulator import run_lines


def test_downsampled_stream_reaches_the_window_once_per_output(tmp_path):
    board = boards().get("qemu-mps2-an386")
    chain = [("down", "dsp.downsample", {"factor": 2, "method": "average"}),
             ("win", "dsp.window", {"window": 4, "hop": 4}),
             ("st", "dsp.stats", {"mean": True, "rms": False, "std": False, "min": True, "max": True})]
    samples = (np.arange(64, dtype=np.float32) % 13)[:, None] / 4.0
    spec = TensorSpec((1,), "f32", 100.0)
    stages = [sensor_stage("src", spec)]
    prev = "src"
    for node_id, type_id, props in chain:
        cls = node_type(type_id)
        p = cls.check_props(props)
        out = cls().infer({"in": spec}, p, NodeContext())
        stages.append(emit_stage(node_id, type_id, p, {"in": spec}, out, {"in": buffer_name(prev, "out")},
                                 fpu=True))
        spec, prev = out["out"], node_id
    labels = ["mean", "min", "max"]
    files = write_firmware(tmp_path / "fw", board, "gate", stages, None, labels, samples)
    build_firmware(files.out_dir)
    lines = [json.loads(x) for x in run_lines(files.elf, count=64, timeout_s=60) if x.startswith("{")]
    device = np.array([m["scores"] for m in lines if m["type"] == "inference"], dtype=np.float32)
    host = run_to_features(_host_plan(chain, board), samples).reshape(len(device) if len(device) else -1, -1)
    assert device.shape == host.shape == (8, 3)
    np.testing.assert_allclose(device, host, rtol=1e-5, atol=1e-5)


def _host_plan(chain, board):
    """The plan of the same chain behind a 1-axis 100 Hz sensor: what the host executor runs."""
    g = Graph()
    g.add_node("sensors.accelerometer", {"axes": 1, "rate_hz": 100.0}, node_id="src")
    prev = "src"
    for node_id, type_id, props in chain:
        g.add_node(type_id, props, node_id=node_id)
        g.connect(prev, "out", node_id, "in")
        prev = node_id
    plan = validate(g, board).plan
    assert plan is not None
    return plan
