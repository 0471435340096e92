"""The host reference pipeline: features equal the node references applied by hand, windows are
framed as the firmware frames them, shapes follow the model input."""
from __future__ import annotations

import numpy as np
import pytest

from nodes.base import Mode
from nodes.dsp import Biquad, Normalize, Spectrum, Statistics, Window
from studio.ml.errors import MLError
from studio.ml.pipeline import features_for_clip, features_for_stream, frame_stream, pipeline_plan
from studio.ml.recipe import StageSpec
from tests.ml.ml_helpers import chain_project

LOWPASS = {"kind": "lowpass", "cutoff_hz": 10.0, "q": 0.7071, "stages": 2, "sample_rate_hz": 100.0}
WINDOW = {"window": 32, "hop": 16}
SPECTRUM = {"n_fft": 32, "window": "hann", "bins": 8, "log": True, "log_floor": 1e-3}
STATS = {"mean": True, "rms": False, "std": True, "min": False, "max": False, "kurtosis": True}


def _stream_project(tmp_path):
    return chain_project(tmp_path, StageSpec("lp", "dsp.biquad", LOWPASS),
                         StageSpec("scale", "dsp.normalize", {"mode": "fixed", "scale": 2.0, "offset": -0.5}),
                         StageSpec("win", "dsp.window", WINDOW),
                         StageSpec("spec", "dsp.spectrum", SPECTRUM),
                         StageSpec("stats", "dsp.stats", STATS))


def test_features_for_stream_equal_node_references_applied_by_hand(tmp_path, stream):
    project = _stream_project(tmp_path)
    got = features_for_stream(project, stream)

    x = Biquad().transform(stream, Biquad.check_props(LOWPASS))
    x = Normalize().transform(x, Normalize.check_props({"mode": "fixed", "scale": 2.0, "offset": -0.5}))
    frames = Window().transform(x, Window.check_props(WINDOW))
    want = np.stack([Statistics().transform(Spectrum().transform(f, Spectrum.check_props(SPECTRUM)),
                                            Statistics.check_props(STATS)) for f in frames])
    np.testing.assert_array_equal(got, want)


def test_stream_nodes_run_once_over_the_whole_stream_not_per_window(tmp_path, stream):
    project = chain_project(tmp_path, StageSpec("lp", "dsp.biquad", LOWPASS), StageSpec("win", "dsp.window", WINDOW))
    got = features_for_stream(project, stream)
    filtered_per_window = Biquad().transform(stream[16:48], Biquad.check_props(LOWPASS))
    assert not np.allclose(got[1], filtered_per_window)  # the filter carries its state across windows
    np.testing.assert_array_equal(got[1], Biquad().transform(stream, Biquad.check_props(LOWPASS))[16:48])


@pytest.mark.parametrize("samples, frames", [(31, 0), (32, 1), (47, 1), (48, 2), (300, 17)])
def test_window_count_is_whole_frames_every_hop_after_the_first_full_window(tmp_path, stream, samples, frames):
    project = chain_project(tmp_path, StageSpec("win", "dsp.window", WINDOW))
    assert features_for_stream(project, stream[:samples]).shape[0] == frames


def test_frame_k_covers_samples_k_hop_to_k_hop_plus_window(tmp_path, stream):
    project = chain_project(tmp_path, StageSpec("win", "dsp.window", WINDOW))
    got = features_for_stream(project, stream)
    for k in (0, 1, 16):
        np.testing.assert_array_equal(got[k], stream[16 * k: 16 * k + 32])


def test_frame_stream_matches_the_window_node_reference(stream):
    for window, hop in ((32, 16), (10, 10), (7, 3), (50, 64)):
        want = Window().transform(stream, Window.check_props({"window": window, "hop": hop}))
        np.testing.assert_array_equal(frame_stream(stream, window, hop), want)


def test_without_a_window_each_stream_sample_is_one_model_input(tmp_path, stream):
    project = chain_project(tmp_path, StageSpec("scale", "dsp.normalize", {"mode": "fixed", "scale": 3.0}))
    got = features_for_stream(project, stream, input_shape=(3,))
    np.testing.assert_array_equal(got, stream * np.float32(3.0))


def test_features_are_reshaped_to_the_model_input_shape(tmp_path, stream):
    project = _stream_project(tmp_path)
    got = features_for_stream(project, stream, input_shape=(9,))
    assert got.shape == (17, 9)
    np.testing.assert_array_equal(got, features_for_stream(project, stream).reshape(17, 9))


def test_a_model_input_of_another_size_is_refused_with_both_sizes(tmp_path, stream):
    project = _stream_project(tmp_path)
    with pytest.raises(MLError, match="9 values.*takes 10"):
        features_for_stream(project, stream, input_shape=(10,))


def test_features_for_clip_is_the_first_window_of_the_clip(tmp_path, stream):
    project = _stream_project(tmp_path)
    np.testing.assert_array_equal(features_for_clip(project, stream[:40]),
                                  features_for_stream(project, stream[:40])[0])


def test_a_clip_shorter_than_the_window_is_refused(tmp_path, stream):
    project = _stream_project(tmp_path)
    with pytest.raises(MLError, match="pad the clip"):
        features_for_clip(project, stream[:31])


def test_the_chain_runs_from_the_sensor_through_the_window_to_the_model(tmp_path):
    plan = pipeline_plan(_stream_project(tmp_path))
    path = plan.feature_path()
    assert [(s.node_id, s.mode) for s in path] == [("imu", Mode.SAMPLE), ("lp", Mode.SAMPLE),
                                                   ("scale", Mode.SAMPLE), ("win", Mode.WINDOW),
                                                   ("spec", Mode.FRAME), ("stats", Mode.FRAME)]
    assert plan.model.node_id == "model"


def test_a_pipeline_without_a_model_node_is_refused(tmp_path, stream):
    project = chain_project(tmp_path, StageSpec("win", "dsp.window", WINDOW))
    project.graph.remove_node("model")
    with pytest.raises(MLError, match="exactly one model node"):
        features_for_stream(project, stream)


def test_samples_with_nan_are_refused(tmp_path, stream):
    project = chain_project(tmp_path, StageSpec("win", "dsp.window", WINDOW))
    bad = stream.copy()
    bad[5, 1] = np.nan
    with pytest.raises(MLError, match="NaN"):
        features_for_stream(project, bad)


def test_frame_minmax_on_a_stream_scales_each_sample_by_its_own_range(tmp_path, stream):
    project = chain_project(tmp_path, StageSpec("mm", "dsp.normalize", {"mode": "frame_minmax"}))
    got = features_for_stream(project, stream, input_shape=(3,))
    want = np.stack([Normalize().transform(row, Normalize.check_props({"mode": "frame_minmax"})) for row in stream])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got.min(axis=1), 0.0, atol=1e-5)  # float32 x·scale + offset
    np.testing.assert_allclose(got.max(axis=1), 1.0, atol=1e-5)


def test_a_camera_stream_runs_every_node_on_each_image(tmp_path):
    camera = StageSpec("cam", "sensors.camera", {"width": 16, "height": 12, "color": "rgb", "fps": 1.0})
    project = chain_project(tmp_path, StageSpec("gray", "dsp.grayscale", {}),
                            StageSpec("small", "dsp.resize", {"width": 8, "height": 6, "method": "bilinear"}),
                            sensor=camera)
    images = np.random.default_rng(9).uniform(0, 1, (3, 12, 16, 3)).astype(np.float32)
    got = features_for_stream(project, images)
    gray, small = pipeline_plan(project).feature_path()[1:]
    want = np.stack([small.node.transform(gray.node.transform(img, gray.props), small.props) for img in images])
    assert got.shape == (3, 6, 8, 1)
    np.testing.assert_array_equal(got, want)
