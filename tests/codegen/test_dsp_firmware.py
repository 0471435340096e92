"""Every DSP stage placed by the real firmware writer into a generated project that builds with
`make` (arm-none-eabi-gcc, the project's own flags): the runtime files each stage names are enough."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from codegen.emit_dsp import emit_stage
from codegen.firmware import write_firmware
from codegen.project_firmware import sensor_stage
from codegen.stage import StageCode, buffer_name
from nodes.base import NodeContext, TensorSpec, node_type
from studio.core.boards import boards

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which("make") is None,
                                 reason="needs arm-none-eabi-gcc and make")]

AUDIO = TensorSpec((1,), "f32", 16000.0)
IMU = TensorSpec((3,), "f32", 100.0)
CAMERA = TensorSpec((48, 64, 3), "f32", 1.0)


def stages(q15_fft: bool) -> list[StageCode]:
    out: list[StageCode] = [sensor_stage("mic", AUDIO), sensor_stage("imu", IMU), sensor_stage("cam", CAMERA)]
    specs = {"mic": AUDIO, "imu": IMU, "cam": CAMERA}
    chain = [  # node id, type, props, upstream
        ("hp", "dsp.biquad", {"kind": "highpass", "cutoff_hz": 50.0}, "mic"),
        ("gain", "dsp.normalize", {"scale": 2.0}, "hp"),
        ("win", "dsp.window", {"window": 16000, "hop": 8000}, "gain"),
        ("mfcc", "dsp.mfcc", {}, "win"),
        ("mfe", "dsp.mfe", {"n_mels": 32}, "win"),
        ("mfcc_delta", "dsp.delta", {}, "mfcc"),
        ("imu_win", "dsp.window", {"window": 128, "hop": 64}, "imu"),
        ("imu_lp", "dsp.biquad", {"cutoff_hz": 10.0, "sample_rate_hz": 100.0}, "imu_win"),
        ("imu_ds", "dsp.downsample", {"factor": 2}, "imu_lp"),
        ("imu_stats", "dsp.stats", {"skew": True, "zero_crossings": True}, "imu_ds"),
        ("imu_fft", "dsp.spectrum", {"n_fft": 128, "log": True}, "imu_win"),
        ("imu_scale", "dsp.normalize", {"mode": "frame_minmax"}, "imu_fft"),
        ("gray", "dsp.grayscale", {}, "cam"),
        ("crop", "dsp.crop", {"x": 8, "y": 0, "width": 48, "height": 48}, "gray"),
        ("small", "dsp.resize", {"width": 24, "height": 24}, "crop"),
    ]
    for node_id, type_id, props, src in chain:
        cls = node_type(type_id)
        p = cls.check_props(props)
        outputs = cls().infer({"in": specs[src]}, p, NodeContext())
        specs[node_id] = outputs["out"]
        out.append(emit_stage(node_id, type_id, p, {"in": specs[src]}, outputs, {"in": buffer_name(src, "out")},
                              fpu=not q15_fft, q15_fft=q15_fft))
    return out


@pytest.mark.parametrize("board_id,q15_fft", [("nano33ble", False), ("rpi-pico", True)],
                         ids=["cortex-m4f-float", "cortex-m0plus-q15"])
def test_a_project_with_every_dsp_stage_builds(board_id, q15_fft, tmp_path):
    write_firmware(tmp_path, boards().get(board_id), "dsp stages", stages(q15_fft), None, ["x"],
                   feature_buffer=buffer_name("small", "out"))
    done = subprocess.run(["make", "-s"], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "build" / "firmware.elf").is_file()
