"""Datasets imported as project assets: folders of WAV/CSV/PNG, one CSV export, and the splits."""
from __future__ import annotations

import struct
import wave
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from studio.ml.errors import MLError
from studio.ml.importer import import_csv_export, import_folder, load_split, read_png
from tests.ml.ml_helpers import chain_project


# ---- writers of the test data --------------------------------------------------------------------

def write_wav(path: Path, pcm: np.ndarray, rate_hz: int = 8000) -> None:
    pcm = np.asarray(pcm, dtype="<i2")
    pcm = pcm[:, None] if pcm.ndim == 1 else pcm
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(pcm.tobytes())


def write_csv(path: Path, data: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ",".join(f"ch{i}" for i in range(data.shape[1]))
    path.write_text(header + "\n" + "".join(",".join(repr(float(v)) for v in row) + "\n" for row in data))


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def encode_png(pixels: np.ndarray, interlace: int = 0, depth: int = 8) -> bytes:
    """A PNG of uint8 (H, W, C) pixels, C = 1, 2, 3 or 4; row y uses filter type y % 5."""
    h, w, c = pixels.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = pixels.reshape(h, w * c).astype(np.int32)
    out = bytearray()
    prev = np.zeros(w * c, dtype=np.int32)
    for y in range(h):
        kind, raw = y % 5, rows[y]
        filt = []
        for i in range(w * c):
            a = int(raw[i - c]) if i >= c else 0
            b = int(prev[i])
            cc = int(prev[i - c]) if i >= c else 0
            pred = [0, a, b, (a + b) >> 1, _paeth(a, b, cc)][kind]
            filt.append((int(raw[i]) - pred) & 0xFF)
        out.append(kind)
        out.extend(filt)
        prev = raw

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(out))) + chunk(b"IEND", b"")


def wav_folder(root: Path, per_label: int = 10, labels=("idle", "wave")) -> Path:
    rng = np.random.default_rng(0)
    for k, label in enumerate(labels):
        for i in range(per_label):
            write_wav(root / label / f"{label}_{i:02d}.wav", rng.integers(-3000, 3000, 64) + 1000 * k)
    return root


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "proj"
    folder.mkdir()
    return chain_project(folder)


def _files(info_or_project) -> dict:
    return info_or_project.dataset["files"]


# ---- folders -------------------------------------------------------------------------------------

def test_wav_folder_is_copied_into_the_project_with_stratified_splits(project, tmp_path):
    info = import_folder(project, wav_folder(tmp_path / "src"))
    d = project.dataset
    assert d["split"] == {"train": 14, "validation": 4, "test": 2}
    assert d["labels"] == ["idle", "wave"] and d["kind"] == "wav"
    assert d["rate_hz"] == 8000.0 and d["channels"] == 1
    for part in ("train", "validation", "test"):
        assert {e["label"] for e in d["files"][part]} == {"idle", "wave"}
        assert info.count(part) == d["split"][part]
    listed = sorted(e["file"] for part in d["files"].values() for e in part)
    on_disk = sorted(p.relative_to(project.dir).as_posix() for p in (project.dir / "dataset").rglob("*.wav"))
    assert listed == on_disk and len(on_disk) == 20
    assert not [p for p in project.dir.iterdir() if p.name.startswith(".")]   # no temp folder left


def test_splits_depend_only_on_the_seed(tmp_path):
    src = wav_folder(tmp_path / "src")
    made = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        (tmp_path / name).mkdir()
        p = chain_project(tmp_path / name)
        import_folder(p, src, seed=seed)
        made.append(p.dataset["files"])
    assert made[0] == made[1]
    assert made[0] != made[2]


def test_load_split_reads_the_copied_samples_with_their_class_indices(project, tmp_path):
    import_folder(project, wav_folder(tmp_path / "src"), split=(0.5, 0.5, 0.0))
    clips, y = load_split(project, "validation")
    assert len(clips) == 10 and y.tolist() == [0] * 5 + [1] * 5
    first = project.dataset["files"]["validation"][0]["file"]
    with wave.open(str(project.dir / first), "rb") as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert np.array_equal(clips[0][:, 0], pcm.astype(np.float32) / 32768.0)
    test_clips, test_y = load_split(project, "test")
    assert test_clips == [] and test_y.shape == (0,)


def test_csv_samples_keep_their_channels(project, tmp_path):
    rng = np.random.default_rng(1)
    for label in ("a", "b"):
        for i in range(4):
            write_csv(tmp_path / "src" / label / f"{i}.csv", rng.normal(size=(20, 3)).astype(np.float32))
    import_folder(project, tmp_path / "src", split=(0.5, 0.25, 0.25))
    clips, _ = load_split(project, "train")
    assert project.dataset["channels"] == 3 and project.dataset["rate_hz"] is None
    assert all(c.shape == (20, 3) for c in clips)


def test_png_reader_undoes_every_filter_type(tmp_path):
    rng = np.random.default_rng(2)
    for channels in (1, 2, 3, 4):
        pixels = rng.integers(0, 256, (7, 5, channels), dtype=np.uint8)
        path = tmp_path / f"img{channels}.png"
        path.write_bytes(encode_png(pixels))
        want = pixels[:, :, :1] if channels <= 2 else pixels[:, :, :3]   # alpha dropped
        assert np.array_equal(read_png(path), want)


def test_png_folder_records_the_image_shape(project, tmp_path):
    rng = np.random.default_rng(3)
    for label in ("cat", "dog"):
        for i in range(3):
            (tmp_path / "src" / label).mkdir(parents=True, exist_ok=True)
            (tmp_path / "src" / label / f"{i}.png").write_bytes(
                encode_png(rng.integers(0, 256, (6, 4, 3), dtype=np.uint8)))
    import_folder(project, tmp_path / "src", split=(0.34, 0.33, 0.33))
    clips, _ = load_split(project, "train")
    assert project.dataset["shape"] == [6, 4, 3] and project.dataset["kind"] == "png"
    assert clips[0].shape == (6, 4, 3) and 0.0 <= clips[0].min() and clips[0].max() <= 1.0


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from([1, 2, 3, 4]))))
def test_png_reader_round_trips_any_8_bit_image(tmp_path_factory, pixels):
    path = tmp_path_factory.mktemp("png") / "p.png"
    path.write_bytes(encode_png(pixels))
    want = pixels[:, :, :1] if pixels.shape[2] <= 2 else pixels[:, :, :3]
    assert np.array_equal(read_png(path), want)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(0, 255))
def test_a_png_with_any_byte_changed_reads_or_is_refused_cleanly(tmp_path_factory, at, value):
    data = bytearray(encode_png(np.arange(48, dtype=np.uint8).reshape(4, 4, 3)))
    data[at % len(data)] = value
    path = tmp_path_factory.mktemp("png") / "p.png"
    path.write_bytes(bytes(data))
    try:
        assert read_png(path).shape == (4, 4, 3)
    except MLError as e:
        assert "p.png" in e.message


@pytest.mark.parametrize("interlace, depth", [(1, 8), (0, 16)])
def test_png_kinds_it_cannot_read_are_refused_by_name(tmp_path, interlace, depth):
    path = tmp_path / "odd.png"
    path.write_bytes(encode_png(np.zeros((2, 2, 1), np.uint8), interlace=interlace, depth=depth))
    with pytest.raises(MLError, match="odd.png.*8-bit"):
        read_png(path)


def test_damaged_png_is_refused(tmp_path):
    data = bytearray(encode_png(np.zeros((3, 3, 3), np.uint8)))
    data[40] ^= 0xFF
    (tmp_path / "bad.png").write_bytes(bytes(data))
    with pytest.raises(MLError, match="bad.png"):
        read_png(tmp_path / "bad.png")


# ---- refusals leave nothing behind ---------------------------------------------------------------

def _nothing_written(project) -> bool:
    return sorted(p.name for p in project.dir.iterdir()) == [] and project.dataset == {}


def test_empty_folder_is_refused(project, tmp_path):
    (tmp_path / "src" / "a").mkdir(parents=True)
    with pytest.raises(MLError, match="holds no samples"):
        import_folder(project, tmp_path / "src")
    assert _nothing_written(project)


def test_mixed_channel_counts_are_refused_naming_the_file(project, tmp_path):
    src = wav_folder(tmp_path / "src", per_label=2)
    write_wav(src / "wave" / "stereo.wav", np.zeros((32, 2)))
    with pytest.raises(MLError, match="stereo.wav.*2 channels"):
        import_folder(project, src)
    assert _nothing_written(project)


def test_unreadable_sample_is_refused_naming_the_file(project, tmp_path):
    src = wav_folder(tmp_path / "src", per_label=2)
    (src / "idle" / "broken.wav").write_bytes(b"RIFF not really")
    with pytest.raises(MLError, match="broken.wav"):
        import_folder(project, src)
    assert _nothing_written(project)


@pytest.mark.parametrize("dest", ["../outside", "/tmp/abs", "a/../../x", "."])
def test_dataset_folder_outside_the_project_is_refused(project, tmp_path, dest):
    with pytest.raises(MLError):
        import_folder(project, wav_folder(tmp_path / "src", per_label=2), dest=dest)
    assert not (tmp_path / "outside").exists() and not (tmp_path / "x").exists()
    assert _nothing_written(project)


def test_hostile_label_in_a_csv_export_is_refused(project, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("label,x\nok,1\n../../evil,2\n")
    with pytest.raises(MLError, match="line 3.*looks like a path"):
        import_csv_export(project, path)
    assert _nothing_written(project)
    assert not (tmp_path / "evil").exists()


def test_labels_are_sanitized_into_folders_inside_the_project(project, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("label,x\nbig dog!,1\nbig dog!,2\nc:at,3\nc:at,4\n")
    import_csv_export(project, path, split=(0.5, 0.5, 0.0))
    assert sorted(p.name for p in (project.dir / "dataset").iterdir()) == ["big_dog", "c_at"]
    assert project.dataset["labels"] == ["big dog!", "c:at"]


def test_labels_sharing_a_folder_name_are_refused(project, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("label,x\na b,1\na_b,2\n")
    with pytest.raises(MLError, match="both map to the folder 'a_b'"):
        import_csv_export(project, path)
    assert _nothing_written(project)


def test_a_symlinked_label_folder_is_refused(project, tmp_path):
    src = wav_folder(tmp_path / "src", per_label=2)
    (src / "elsewhere").symlink_to(tmp_path)
    with pytest.raises(MLError, match="symbolic link"):
        import_folder(project, src)


def test_reimport_replaces_the_previous_dataset(project, tmp_path):
    import_folder(project, wav_folder(tmp_path / "one", labels=("x", "y"), per_label=3))
    project.dataset["metrics"] = {"int8_accuracy": 0.9}
    import_folder(project, wav_folder(tmp_path / "two", labels=("p", "q"), per_label=3))
    assert sorted(p.name for p in (project.dir / "dataset").iterdir()) == ["p", "q"]
    assert "metrics" not in project.dataset
    assert sorted(p.name for p in project.dir.iterdir()) == ["dataset"]


# ---- one CSV export ------------------------------------------------------------------------------

def test_csv_export_rows_become_one_sample_clips(project, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("timestamp,f1,f2,label\n" + "".join(f"{i},{i}.5,{-i},{'on' if i % 2 else 'off'}\n"
                                                        for i in range(8)))
    import_csv_export(project, path, split=(0.5, 0.25, 0.25))
    clips, y = load_split(project, "train")
    assert project.dataset["split"] == {"train": 4, "validation": 2, "test": 2}
    assert all(c.shape == (1, 2) for c in clips)
    assert {(float(c[0, 0]) - 0.5, lab) for c, lab in zip(clips, y)} <= {(float(i), i % 2) for i in range(8)}


def test_csv_export_groups_rows_by_window(project, tmp_path):
    rows = "".join(f"w{k},{'up' if k < 2 else 'down'},{k}.0,{t}.0\n" for k in range(4) for t in range(5))
    path = tmp_path / "export.csv"
    path.write_text("window,label,a,b\n" + rows)
    import_csv_export(project, path, split=(0.5, 0.5, 0.0))
    clips, y = load_split(project, "train")
    assert len(clips) == 2 and sorted(y.tolist()) == [0, 1]
    assert all(c.shape == (5, 2) and np.array_equal(c[:, 1], np.arange(5)) for c in clips)


def test_csv_export_window_with_two_labels_is_refused(project, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("window,label,a\n1,up,0\n1,down,1\n2,down,1\n")
    with pytest.raises(MLError, match="line 3: window '1'"):
        import_csv_export(project, path)
    assert _nothing_written(project)


def test_csv_export_with_a_non_number_names_the_cell(project, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("label,a\nup,1\ndown,oops\n")
    with pytest.raises(MLError, match="line 3 column 'a'"):
        import_csv_export(project, path)


def test_mixed_sample_rates_are_refused_naming_the_file(project, tmp_path):
    src = wav_folder(tmp_path / "src", per_label=2)
    write_wav(src / "wave" / "fast.wav", np.zeros(32), rate_hz=16000)
    with pytest.raises(MLError, match="fast.wav.*16000 Hz"):
        import_folder(project, src)
    assert _nothing_written(project)


def test_mixed_sample_kinds_are_refused_naming_the_file(project, tmp_path):
    src = wav_folder(tmp_path / "src", per_label=2)
    write_csv(src / "wave" / "z.csv", np.zeros((4, 1)))
    with pytest.raises(MLError, match="z.csv.*one kind of sample"):
        import_folder(project, src)
    assert _nothing_written(project)


def test_a_split_that_does_not_add_up_is_refused(project, tmp_path):
    with pytest.raises(MLError, match="add up to 1"):
        import_folder(project, wav_folder(tmp_path / "src", per_label=2), split=(0.5, 0.2, 0.2))
    assert _nothing_written(project)
