"""Sensor nodes: output specs from their properties; replay reads CSV, WAV and NPY safely."""
from __future__ import annotations

import wave

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nodes.base import NodeContext, NodeError, TensorSpec
from tests.nodes.node_helpers import make


def test_accelerometer_emits_one_value_per_axis_at_its_rate():
    node, p = make("sensors.accelerometer", axes=6, rate_hz=104.0)
    assert node.infer({}, p, None) == {"out": TensorSpec((6,), "f32", 104.0)}


def test_accelerometer_refuses_seven_axes():
    node, _ = make("sensors.accelerometer")
    with pytest.raises(NodeError, match="axes"):
        node.check_props({"axes": 7})


def test_microphone_emits_mono_samples_at_its_rate():
    node, p = make("sensors.microphone", rate_hz=16000.0)
    assert node.infer({}, p, None)["out"] == TensorSpec((1,), "f32", 16000.0)


def test_environment_emits_two_values_for_both_quantities():
    node, p = make("sensors.environment", quantities="both", rate_hz=0.5)
    assert node.infer({}, p, None)["out"] == TensorSpec((2,), "f32", 0.5)


def test_adc_emits_one_value():
    node, p = make("sensors.adc", channel=3, rate_hz=500.0)
    assert node.infer({}, p, None)["out"] == TensorSpec((1,), "f32", 500.0)


def test_rgb_camera_emits_height_width_three_frames():
    node, p = make("sensors.camera", width=160, height=120, color="rgb", fps=5.0)
    assert node.infer({}, p, None)["out"] == TensorSpec((120, 160, 3), "f32", 5.0)


def test_camera_cost_counts_its_frame_buffer():
    node, p = make("sensors.camera", width=96, height=96, color="grayscale")
    out = node.infer({}, p, None)
    assert node.cost({}, out, p, None).ram_bytes >= 96 * 96 * 4


# ---- replay -------------------------------------------------------------------------------------

def _write_wav(path, pcm: np.ndarray, rate_hz: int, width: int = 2) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate_hz)
        w.writeframes(pcm.astype("<i2" if width == 2 else "u1").tobytes())


def test_replay_reads_csv_columns_as_channels(ctx, project):
    (project / "rec.csv").write_text("ax,ay,az\n1,2,3\n4.5,-5,6e-1\n")
    node, p = make("sensors.replay", file="rec.csv", channels=3, rate_hz=50.0)
    data = node.load_samples(p, ctx)
    np.testing.assert_array_equal(data, np.array([[1, 2, 3], [4.5, -5, 0.6]], np.float32))
    assert node.infer({}, p, ctx)["out"] == TensorSpec((3,), "f32", 50.0)


def test_replay_names_line_and_column_of_a_bad_csv_cell(ctx, project):
    (project / "rec.csv").write_text("ax,ay\n1,2\n3,oops\n")
    node, p = make("sensors.replay", file="rec.csv", channels=2)
    with pytest.raises(NodeError, match=r"line 3 column 'ay'.*'oops'"):
        node.load_samples(p, ctx)


def test_replay_refuses_a_ragged_csv(ctx, project):
    (project / "rec.csv").write_text("a,b\n1,2\n3\n")
    node, p = make("sensors.replay", file="rec.csv", channels=2)
    with pytest.raises(NodeError, match="line 3 has 1 values"):
        node.load_samples(p, ctx)


def test_replay_normalises_16_bit_wav_to_unit_range(ctx, project):
    pcm = np.array([[0], [16384], [-32768], [32767]], np.int16)
    _write_wav(project / "a.wav", pcm, 16000)
    node, p = make("sensors.replay", file="a.wav", channels=1, rate_hz=16000.0)
    np.testing.assert_allclose(node.load_samples(p, ctx)[:, 0], [0.0, 0.5, -1.0, 32767 / 32768])


def test_replay_reads_stereo_wav_as_two_channels(ctx, project):
    _write_wav(project / "s.wav", np.array([[1, -1], [2, -2]], np.int16), 8000)
    node, p = make("sensors.replay", file="s.wav", channels=2, rate_hz=8000.0)
    assert node.load_samples(p, ctx).shape == (2, 2)


def test_replay_refuses_8_bit_wav(ctx, project):
    _write_wav(project / "b.wav", np.array([[128], [130]], np.uint8), 8000, width=1)
    node, p = make("sensors.replay", file="b.wav", channels=1, rate_hz=8000.0)
    with pytest.raises(NodeError, match="8-bit.*16-bit"):
        node.load_samples(p, ctx)


def test_replay_says_when_wav_rate_differs_from_the_setting(ctx, project):
    _write_wav(project / "a.wav", np.zeros((10, 1), np.int16), 8000)
    node, p = make("sensors.replay", file="a.wav", channels=1, rate_hz=16000.0)
    with pytest.raises(NodeError, match="8000 Hz.*set 'rate_hz' to 8000"):
        node.infer({}, p, ctx)


def test_replay_reads_npy_columns_as_channels(ctx, project):
    arr = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.save(project / "r.npy", arr)
    node, p = make("sensors.replay", file="r.npy", channels=3)
    data = node.load_samples(p, ctx)
    assert data.dtype == np.float32
    np.testing.assert_array_equal(data, arr)


def test_replay_reads_one_dimensional_npy_as_one_channel(ctx, project):
    np.save(project / "r.npy", np.ones(5, np.int16))
    node, p = make("sensors.replay", file="r.npy", channels=1)
    assert node.load_samples(p, ctx).shape == (5, 1)


def test_replay_refuses_a_pickled_npy(ctx, project):
    np.save(project / "evil.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    node, p = make("sensors.replay", file="evil.npy")
    with pytest.raises(NodeError, match="pickled"):
        node.load_samples(p, ctx)


def test_replay_refuses_a_path_leaving_the_project(ctx, project):
    (project.parent / "outside.csv").write_text("a\n1\n")
    node, p = make("sensors.replay", file="../outside.csv")
    with pytest.raises(NodeError, match="inside the project folder"):
        node.load_samples(p, ctx)


def test_replay_refuses_an_unknown_file_type(ctx, project):
    (project / "rec.txt").write_text("1\n2\n")
    node, p = make("sensors.replay", file="rec.txt")
    with pytest.raises(NodeError, match=r"\.csv, \.wav, \.npy"):
        node.load_samples(p, ctx)


def test_replay_refuses_garbage_posing_as_wav(ctx, project):
    (project / "x.wav").write_bytes(b"not a wave file at all")
    node, p = make("sensors.replay", file="x.wav")
    with pytest.raises(NodeError, match="not a readable PCM .wav"):
        node.load_samples(p, ctx)


def test_replay_refuses_nan_samples(ctx, project):
    np.save(project / "n.npy", np.array([1.0, np.nan]))
    node, p = make("sensors.replay", file="n.npy")
    with pytest.raises(NodeError, match="NaN"):
        node.load_samples(p, ctx)


def test_replay_infer_reports_a_channel_mismatch_on_its_output(ctx, project):
    np.save(project / "r.npy", np.zeros((4, 3), np.float32))
    node, p = make("sensors.replay", file="r.npy", channels=1)
    with pytest.raises(NodeError, match="has 3 channels.*set 'channels' to 3") as e:
        node.infer({}, p, ctx)
    assert e.value.port == "out"


def test_replay_without_a_file_asks_for_one(ctx):
    node, p = make("sensors.replay")
    with pytest.raises(NodeError, match="choose a recording"):
        node.infer({}, p, ctx)


def test_replay_cost_counts_the_recording_in_flash(ctx, project):
    np.save(project / "r.npy", np.zeros((1000, 2), np.float32))
    node, p = make("sensors.replay", file="r.npy", channels=2)
    out = node.infer({}, p, ctx)
    assert node.cost({}, out, p, ctx).detail["recording_bytes"] == 1000 * 2 * 4


@settings(max_examples=20, derandomize=True, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 20), st.integers(1, 4)),
                  elements=st.floats(-1e6, 1e6, width=32)))
def test_replay_csv_round_trips_any_table(tmp_path_factory, data):
    project = tmp_path_factory.mktemp("csv")
    header = ",".join(f"ch{i}" for i in range(data.shape[1]))
    rows = "\n".join(",".join(repr(float(v)) for v in row) for row in data)
    (project / "rec.csv").write_text(f"{header}\n{rows}\n")
    node, p = make("sensors.replay", file="rec.csv", channels=data.shape[1])
    np.testing.assert_array_equal(node.load_samples(p, NodeContext(project)), data)


def test_replay_cost_counts_a_wav_as_float32_values(ctx, project):
    _write_wav(project / "a.wav", np.zeros((100, 1), np.int16), 16000)
    node, p = make("sensors.replay", file="a.wav", channels=1, rate_hz=16000.0)
    out = node.infer({}, p, ctx)
    assert node.cost({}, out, p, ctx).detail["recording_bytes"] == 100 * 4


def test_replay_rereads_a_recording_whose_content_changed(ctx, project):
    import os

    np.save(project / "r.npy", np.zeros((4, 1), np.float32))
    node, p = make("sensors.replay", file="r.npy")
    assert node.load_samples(p, ctx).shape == (4, 1)
    np.save(project / "r.npy", np.zeros((6, 1), np.float32))
    os.utime(project / "r.npy", ns=(1, 1))  # a new mtime even on coarse file-system clocks
    assert node.load_samples(p, ctx).shape == (6, 1)


def test_replay_csv_tolerates_a_byte_order_mark_spaces_and_blank_lines(ctx, project):
    (project / "rec.csv").write_bytes("\ufeffx, y\n 1 , 2\n\n3,4\n\n".encode("utf-8"))
    node, p = make("sensors.replay", file="rec.csv", channels=2)
    np.testing.assert_array_equal(node.load_samples(p, ctx), [[1, 2], [3, 4]])


def test_replay_csv_with_only_a_header_is_refused(ctx, project):
    (project / "rec.csv").write_text("x,y\n")
    node, p = make("sensors.replay", file="rec.csv", channels=2)
    with pytest.raises(NodeError, match="at least one row of samples"):
        node.load_samples(p, ctx)
