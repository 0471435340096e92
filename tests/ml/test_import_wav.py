"""Importing label folders of WAV clips: every width, other rates, and each problem kind."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.dataset import dataset_of
from studio.core.project import load_project, save_project
from studio.ml.errors import MLError
from studio.ml.importer import apply_import, load_split, plan_import
from tests.ml.import_helpers import RATE_HZ, WINDOW, mic_project, tone, tree_files, wav_tree, write_wav


@pytest.fixture
def project(tmp_path):
    return mic_project(tmp_path / "proj")


def _import(project, source, **kw):
    plan = plan_import(project, source, **kw)
    assert plan.problems == ()
    return plan, apply_import(project, plan)


def test_a_16_bit_tree_is_copied_with_stratified_splits(project, tmp_path):
    plan, result = _import(project, wav_tree(tmp_path / "src"))
    assert result.labels == ("hi", "lo") and result.imported == 20
    assert result.split == {"train": 16, "validation": 2, "test": 2}
    assert plan.counts["hi"] == {"train": 8, "validation": 1, "test": 1}
    ds = dataset_of(project)
    assert ds.kind == "wav" and ds.rate_hz == RATE_HZ and ds.channels == 1
    assert all((project.dir / s.file).is_file() and len(s.sha256) == 64 for s in ds.samples)


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_24", "PCM_32", "FLOAT"])
def test_other_widths_are_read_and_stored_as_16_bit(project, tmp_path, subtype):
    import soundfile

    _import(project, wav_tree(tmp_path / "src", subtype=subtype))
    clips, _ = load_split(project, "train")
    stored = project.dir / dataset_of(project).samples[0].file
    assert soundfile.info(str(stored)).subtype == "PCM_16"
    assert abs(float(np.max(np.abs(clips[0]))) - 0.5) < 0.02


def test_44_1_khz_audio_is_resampled_to_the_sensor_rate_keeping_its_pitch(project, tmp_path):
    src = tmp_path / "src"
    for label, f in (("a", 440.0), ("b", 1000.0)):
        for i in range(3):
            write_wav(src / label / f"{i}.wav", tone(f, 0.5, 44100), 44100, "PCM_24")
    _import(project, src)
    clips, y = load_split(project, "train")
    clip = clips[0][:, 0]
    assert clip.shape == (8000,)
    peak_hz = np.argmax(np.abs(np.fft.rfft(clip))) * RATE_HZ / clip.size
    assert abs(peak_hz - (440.0 if y[0] == 0 else 1000.0)) < 5


def test_a_tone_above_the_new_nyquist_is_filtered_out_not_aliased(project, tmp_path):
    src = tmp_path / "src"
    write_wav(src / "a" / "0.wav", tone(10000.0, 0.5, 44100), 44100)   # above 8 kHz
    write_wav(src / "b" / "0.wav", tone(500.0, 0.5, 44100), 44100)
    _import(project, src, split=(1.0, 0.0, 0.0))
    clips, y = load_split(project, "train")
    high = clips[list(y).index(0)][:, 0]
    assert float(np.sqrt(np.mean(high[400:-400] ** 2))) < 0.01


def test_a_channel_mismatch_is_a_problem_and_nothing_is_copied(project, tmp_path):
    src = wav_tree(tmp_path / "src")
    write_wav(src / "hi" / "stereo.wav", tone(300, 0.2, RATE_HZ, channels=2))
    plan = plan_import(project, src)
    assert [(f.endswith("stereo.wav"), "2 channel" in r) for f, r in plan.problems] == [(True, True)]
    with pytest.raises(MLError, match="nothing imported"):
        apply_import(project, plan)
    assert not (project.dir / "dataset").exists() and dataset_of(project).empty


def test_an_audio_clip_shorter_than_the_window_is_centred_in_silence(project, tmp_path):
    src = wav_tree(tmp_path / "src")
    write_wav(src / "lo" / "short.wav", tone(300, 0.05, RATE_HZ))
    plan = plan_import(project, src)
    assert plan.problems == ()
    assert [Path(f).name for f in plan.padded] == ["short.wav"]
    apply_import(project, plan)
    stored = next(s for s in dataset_of(project).samples if s.file.endswith("short.wav"))
    clip = read_sample_values(project.dir / stored.file)
    n = int(round(0.05 * RATE_HZ))
    before = (WINDOW - n) // 2
    assert clip.shape[0] == WINDOW
    assert not np.any(clip[:before - 1]) and not np.any(clip[before + n + 1:])
    assert np.max(np.abs(clip[before:before + n])) > 0.1


def test_an_unreadable_file_is_a_problem(project, tmp_path):
    src = wav_tree(tmp_path / "src")
    (src / "lo" / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("broken.wav") and "not a readable audio file" in reason


def test_an_empty_class_folder_is_a_problem(project, tmp_path):
    src = wav_tree(tmp_path / "src")
    (src / "empty").mkdir()
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("empty") and "holds no samples" in reason


def test_every_problem_is_listed_at_once(project, tmp_path):
    src = wav_tree(tmp_path / "src")
    (src / "empty").mkdir()
    (src / "lo" / "broken.wav").write_bytes(b"nope")
    stereo = np.stack([tone(300, 0.5, RATE_HZ)] * 2, axis=-1).reshape(-1, 2)
    write_wav(src / "hi" / "stereo.wav", stereo, RATE_HZ)   # the microphone gives one channel
    assert len(plan_import(project, src).problems) == 3


def test_skip_bad_imports_the_rest(project, tmp_path):
    src = wav_tree(tmp_path / "src")
    (src / "lo" / "broken.wav").write_bytes(b"nope")
    result = apply_import(project, plan_import(project, src), skip_bad=True)
    assert result.imported == 20 and result.skipped == 1


def test_cancel_leaves_the_project_folder_and_dataset_untouched(project, tmp_path):
    before = tree_files(project.dir)
    plan = plan_import(project, wav_tree(tmp_path / "src"))
    asked = []
    result = apply_import(project, plan, cancel=lambda: len(asked) > 5 or asked.append(1) is not None)
    assert result.cancelled and result.imported == 0
    assert tree_files(project.dir) == before and dataset_of(project).empty


def test_progress_reaches_one(project, tmp_path):
    seen = []
    apply_import(project, plan_import(project, wav_tree(tmp_path / "src")), progress=lambda f, t: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_adding_keeps_every_split_adds_classes_and_skips_duplicates(project, tmp_path):
    _import(project, wav_tree(tmp_path / "one"))
    before = {s.file: s.split for s in dataset_of(project).samples}
    save_project(project)
    again = load_project(project.path)
    src = wav_tree(tmp_path / "two", labels=("hi", "lo", "mid"))   # hi/lo are the same clips
    plan, result = _import(again, src)
    ds = dataset_of(again)
    assert plan.duplicates == 20 and result.imported == 10
    assert ds.labels == ("hi", "lo", "mid")
    assert {s.file: s.split for s in ds.samples if s.file in before} == before


def test_splits_depend_only_on_the_seed(tmp_path):
    def splits(name, seed):
        p = mic_project(tmp_path / name)
        _import(p, wav_tree(tmp_path / "src"), seed=seed)
        return sorted((s.file, s.split) for s in dataset_of(p).samples)

    assert splits("a", 3) == splits("b", 3) != splits("c", 4)


def test_an_unsaved_project_is_asked_to_be_saved_first(tmp_path):
    project = mic_project(tmp_path / "proj")
    project.path = None
    with pytest.raises(MLError, match="save project"):
        plan_import(project, wav_tree(tmp_path / "src"))


def test_a_source_inside_the_dataset_folder_is_refused(project, tmp_path):
    with pytest.raises(MLError, match="overlap"):
        plan_import(project, wav_tree(project.dir / "dataset" / "incoming"))


def test_importing_into_a_sample_like_description_starts_its_classes_afresh(project, tmp_path):
    project.dataset = {"folder": "data", "labels": ["yes", "unknown"], "split": {"test": 2},
                       "test": {"samples": "test/replay.wav", "labels": "test/labels.txt"}}
    _import(project, wav_tree(tmp_path / "src"))
    ds = dataset_of(project)
    assert ds.labels == ("hi", "lo") and ds.test is None and ds.counts["train"] == 16
    assert ds.folder == "dataset"   # not the sample's uncommitted 'data' folder


def read_sample_values(path):
    import soundfile

    data, _rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return data[:, 0]
