"""Datasets as project assets: importing labelled samples into the project folder and reading splits.

``import_folder`` takes a folder with one subfolder per label holding samples of one kind:

- ``.wav``: 16-bit PCM, any channel count, one sample rate for the whole set; a clip is (T, C)
  normalised to [-1, 1] (as ``sensors.replay`` reads it);
- ``.csv``: a header row and one column per channel; a clip is (T, C);
- ``.png``: 8-bit grayscale, RGB, gray+alpha or RGBA, non-interlaced (read here with zlib: no Qt,
  no image library); alpha is dropped and pixels scale to [0, 1]; a clip is (H, W, C), one size
  for the whole set.

``import_csv_export`` takes one CSV with a ``label`` column and numeric columns. Without a ``window``
column every row is one example: a clip of one sample (1, C) whose channels are the numeric columns
(tabular features for a pipeline without a window node). With a ``window`` column, the rows sharing
a window id (in file order) form one clip (T, C); every row of a window must carry the same label.
Each clip is stored as its own ``.csv`` file so every dataset reads the same way.

Both copy the samples into ``<project dir>/<dest>/<label folder>/`` — label folders sanitized to
``[A-Za-z0-9_-]``, never leaving the project folder — by writing a temporary folder inside the
project and renaming it into place, so a failure leaves nothing half-copied. They then record the
dataset in ``project.dataset`` (the caller saves the project)::

    "dataset": {"folder": "dataset", "kind": "wav", "labels": ["no", "yes"], "channels": 1,
                "rate_hz": 16000.0, "shape": null, "seed": 0, "split_fractions": [0.7, 0.15, 0.15],
                "split": {"train": 70, "validation": 15, "test": 15},
                "files": {"train": [{"file": "dataset/no/a.wav", "label": "no"}, ...], ...}}

A new import replaces the previous description's ``test`` and ``metrics`` (they described other
data). Splits are stratified per label and depend only on the file names and the seed.
``load_split(project, "train")`` reads one split back as clips and class indices.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import struct
import tempfile
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from nodes.base import NodeContext, NodeError
from nodes.sensors import Replay
from studio.core.errors import BadInput
from studio.core.files import read_bounded
from studio.core.project import Project, check_relative, safe_join
from studio.ml.errors import MLError

SPLITS = ("train", "validation", "test")
SAMPLE_SUFFIXES = (".wav", ".csv", ".png")
MAX_PNG_PIXELS = 4096 * 4096
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class DatasetInfo:
    """What an import recorded: the dataset folder (relative), the labels in class order, and the
    per-split file lists (relative paths with their labels)."""

    folder: str
    kind: str                                   # "wav", "csv" or "png"
    labels: tuple[str, ...]
    channels: int
    rate_hz: float | None                        # WAV's sample rate, or what the caller gave
    shape: tuple[int, ...] | None                # (H, W, C) of every image; None for recordings
    files: Mapping[str, tuple[tuple[str, str], ...]]   # split -> ((relative path, label), ...)

    def count(self, split: str) -> int:
        return len(self.files.get(split, ()))


@dataclass(frozen=True)
class _Sample:
    source: Path | None          # file to copy, or None when ``data`` is written as CSV
    name: str                    # file name in the label folder
    label: str
    data: np.ndarray | None = None
    header: tuple[str, ...] = ()


# ---- labels and names ----------------------------------------------------------------------------

def check_label(label: str, where: str) -> str:
    """A label as given, refused when it is empty or looks like a path."""
    if not isinstance(label, str) or not label.strip():
        raise MLError(f"{where}: a label must be non-empty text")
    if "/" in label or "\\" in label or label.strip() in (".", "..") or "\x00" in label:
        raise MLError(f"{where}: label {label!r} looks like a path; labels name classes, use letters, "
                      "digits, '_' or '-'")
    return label.strip()


def label_folder(label: str) -> str:
    """The folder name a label's samples go into: runs of other characters become '_'."""
    name = _SAFE.sub("_", label).strip("_")
    if not name:
        raise MLError(f"label {label!r} has no letters or digits to name its folder; rename it")
    return name[:64]


def _file_name(stem: str, suffix: str, taken: set[str]) -> str:
    base = (_SAFE.sub("_", stem).strip("_") or "sample")[:64]
    name, i = base + suffix, 1
    while name.lower() in taken:
        name, i = f"{base}_{i}{suffix}", i + 1
    taken.add(name.lower())
    return name


# ---- readers -------------------------------------------------------------------------------------

def read_png(path: Path) -> np.ndarray:
    """An 8-bit non-interlaced PNG as uint8 (H, W, C), C = 1 (gray) or 3 (RGB); alpha dropped."""
    try:
        data = read_bounded(path, what="image")   # a regular file of a bounded size (no FIFO, /dev/zero)
    except OSError as e:
        raise MLError(f"image '{path}' cannot be read: {e.strerror or e}") from None
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise MLError(f"image '{path}' is not a PNG file")
    pos, header, idat = 8, None, []
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise MLError(f"image '{path}' is truncated")
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise MLError(f"image '{path}' is damaged (bad checksum in its {ctype.decode('latin-1')!r} chunk)")
        if ctype == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13]) if length == 13 else None
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
        pos += 12 + length
    if header is None or not idat:
        raise MLError(f"image '{path}' has no image header or no image data")
    width, height, depth, color, _comp, _filt, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace != 0:
        raise MLError(f"image '{path}' is a {depth}-bit PNG of colour type {color}"
                      f"{', interlaced' if interlace else ''}; the importer reads 8-bit grayscale, RGB "
                      "or RGBA non-interlaced PNGs: re-save it as one")
    if width < 1 or height < 1 or width * height > MAX_PNG_PIXELS:
        raise MLError(f"image '{path}' is {width}×{height}; images must be 1…{MAX_PNG_PIXELS} pixels")
    stride = width * channels
    want = height * (stride + 1)
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(b"".join(idat), want)  # bounded: a zip bomb cannot grow past it
    except zlib.error as e:
        raise MLError(f"image '{path}' has damaged image data: {e}") from None
    if len(raw) < want:
        raise MLError(f"image '{path}' holds less image data than its {width}×{height} header says")
    return _unfilter(raw, height, stride, channels, path)[:, :, : 1 if channels <= 2 else 3].reshape(
        height, width, 1 if channels <= 2 else 3)


def _unfilter(raw: bytes, height: int, stride: int, bpp: int, path: Path) -> np.ndarray:
    """Undoes PNG's per-row filters (none, sub, up, average, Paeth)."""
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    rows = np.frombuffer(raw, dtype=np.uint8)[: height * (stride + 1)].reshape(height, stride + 1)
    for y in range(height):
        kind, line = int(rows[y, 0]), rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) & 0xFF
        elif kind in (1, 3, 4):
            cur = np.zeros(stride, dtype=np.int32)
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = prev[i]
                if kind == 1:
                    pred = a
                elif kind == 3:
                    pred = (a + b) >> 1
                else:
                    c = prev[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (line[i] + pred) & 0xFF
        else:
            raise MLError(f"image '{path}' row {y} has an unknown PNG filter type {kind}")
        out[y] = cur
        prev = cur
    return out.reshape(height, stride // bpp, bpp)


def _read_recording(path: Path) -> tuple[np.ndarray, int | None]:
    """A .wav or .csv through the replay sensor's own readers: (T, C) float32 and the WAV rate."""
    replay = Replay()
    ctx = NodeContext(path.parent)
    try:
        data = np.array(replay.load_samples({"file": path.name}, ctx), dtype=np.float32)
    except NodeError as e:
        raise MLError(f"sample '{path}': {e.message}") from None
    rate = None
    if path.suffix.lower() == ".wav":
        with wave.open(str(path), "rb") as w:
            rate = int(w.getframerate())
    return data, rate


def read_sample(path: Path) -> tuple[np.ndarray, int | None]:
    """One sample file as a float32 clip ((T, C) or (H, W, C) in [0, 1]) and its WAV rate."""
    if path.suffix.lower() == ".png":
        return read_png(path).astype(np.float32) / np.float32(255.0), None
    return _read_recording(path)


# ---- the import itself ---------------------------------------------------------------------------

def _project_dir(project: Project) -> Path:
    if project.dir is None:
        raise MLError(f"save project '{project.name}' first: its dataset is copied into its folder")
    return project.dir.resolve()


def _check_split(split: Sequence[float]) -> tuple[float, float, float]:
    if len(split) != 3 or any(not math.isfinite(float(f)) or float(f) < 0 for f in split):
        raise MLError(f"split {tuple(split)} must be three fractions (train, validation, test), none negative")
    total = sum(float(f) for f in split)
    if not math.isclose(total, 1.0, abs_tol=1e-6) or float(split[0]) <= 0:
        raise MLError(f"split {tuple(split)} must add up to 1 with a training part above 0")
    return float(split[0]), float(split[1]), float(split[2])


def _assign(names: Sequence[str], split: tuple[float, float, float], rng: np.random.Generator) -> dict[str, list[str]]:
    """One label's files into train/validation/test: shuffled by ``rng``, the sizes rounded, the
    training part never empty."""
    order = [names[i] for i in rng.permutation(len(names))]
    n = len(order)
    # cumulative boundaries rounded half up: the three parts always add up to n
    n_train = max(1, min(n, math.floor(n * split[0] + 0.5 + 1e-9)))
    n_val = max(0, min(n - n_train, math.floor(n * (split[0] + split[1]) + 0.5 + 1e-9) - n_train))
    n_test = n - n_train - n_val
    return {"test": order[:n_test], "validation": order[n_test:n_test + n_val], "train": order[n_test + n_val:]}


def _dest(project_dir: Path, dest: str) -> tuple[str, Path]:
    try:
        rel = check_relative(dest).as_posix()
        full = safe_join(project_dir, rel)
    except BadInput as e:
        raise MLError(f"dataset folder: {e.message}") from None
    if full == project_dir:
        raise MLError("the dataset folder must be a folder inside the project, not the project folder")
    return rel, full


def _write(project: Project, dest: str, samples: Sequence[_Sample], split: Sequence[float], seed: int,
           kind: str, channels: int, rate_hz: float | None, shape: tuple[int, ...] | None,
           source: Path | None = None) -> DatasetInfo:
    """Copies ``samples`` into the project (temp folder, then rename) and records the dataset."""
    project_dir = _project_dir(project)
    rel, full = _dest(project_dir, dest)
    if source is not None:
        src = source.resolve()
        if src == full or full in src.parents or src in full.parents:
            raise MLError(f"the source folder '{source}' and the dataset folder '{rel}' overlap; import "
                          "from a folder outside the dataset folder")
    if full.exists() and not full.is_dir():
        raise MLError(f"'{rel}' in the project folder is a file; choose another dataset folder")
    fractions = _check_split(split)
    labels = sorted({s.label for s in samples})
    folders: dict[str, str] = {}
    for label in labels:
        folder = label_folder(label)
        if folder in folders.values():
            other = next(k for k, v in folders.items() if v == folder)
            raise MLError(f"labels {other!r} and {label!r} both map to the folder '{folder}'; rename one")
        folders[label] = folder
    full.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{full.name}-import-", dir=full.parent))
    old: Path | None = None
    try:
        rels: dict[str, list[str]] = {label: [] for label in labels}
        for s in samples:
            target = tmp / folders[s.label] / s.name
            target.parent.mkdir(exist_ok=True)
            if s.source is not None:
                shutil.copyfile(s.source, target)
            else:
                _write_csv(target, s.header, s.data)
            rels[s.label].append(f"{rel}/{folders[s.label]}/{s.name}")
        if full.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{full.name}-old-", dir=full.parent))
            os.replace(full, old / "data")
        os.replace(tmp, full)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not full.exists():
            os.replace(old / "data", full)
        raise MLError(f"copying the dataset into '{rel}' failed: {e.strerror or e}") from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    rng = np.random.default_rng(seed)
    files: dict[str, list[tuple[str, str]]] = {s: [] for s in SPLITS}
    for label in labels:
        for part, names in _assign(sorted(rels[label]), fractions, rng).items():
            files[part].extend((name, label) for name in sorted(names))
    info = DatasetInfo(rel, kind, tuple(labels), channels, rate_hz, shape,
                       {k: tuple(v) for k, v in files.items()})
    kept = {k: v for k, v in project.dataset.items() if k not in ("test", "metrics")}
    project.dataset = {**kept, "folder": rel, "kind": kind, "labels": list(labels), "channels": channels,
                       "rate_hz": rate_hz, "shape": list(shape) if shape else None, "seed": int(seed),
                       "split_fractions": list(fractions),
                       "split": {k: len(v) for k, v in files.items()},
                       "files": {k: [{"file": f, "label": lab} for f, lab in v] for k, v in files.items()}}
    return info


def _write_csv(path: Path, header: Sequence[str], data: np.ndarray) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        for row in data:
            out.writerow([repr(float(v)) for v in row])


def import_folder(project: Project, source_dir: str | os.PathLike, dest: str = "dataset",
                  split: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0) -> DatasetInfo:
    """Imports a folder with one subfolder per label (see the module doc) into ``<project>/<dest>``
    and records it in ``project.dataset``. Every file is read (and so checked) before anything is
    copied; MLError names the first bad file."""
    source = Path(source_dir)
    if not source.is_dir():
        raise MLError(f"'{source}' is not a folder; choose a folder with one subfolder per label")
    samples: list[_Sample] = []
    kinds: set[str] = set()
    channels: int | None = None
    rate: int | None = None
    shape: tuple[int, ...] | None = None
    first: Path | None = None
    for sub in sorted(source.iterdir()):
        if sub.name.startswith("."):
            continue
        if sub.is_symlink():
            raise MLError(f"'{sub}' is a symbolic link; import real folders and files only")
        if not sub.is_dir():
            raise MLError(f"'{sub}' is a file at the top of the dataset folder; put samples in one "
                          "subfolder per label")
        label = check_label(sub.name, f"folder '{sub}'")
        taken: set[str] = set()
        for path in sorted(sub.iterdir()):
            if path.name.startswith("."):
                continue
            if path.is_symlink() or not path.is_file():
                raise MLError(f"'{path}' is not a regular file; a label folder holds sample files only")
            suffix = path.suffix.lower()
            if suffix not in SAMPLE_SUFFIXES:
                raise MLError(f"'{path}' is a '{suffix}' file; samples are {', '.join(SAMPLE_SUFFIXES)}")
            kinds.add(suffix)
            if len(kinds) > 1:
                raise MLError(f"'{path}' is a {suffix} file but the dataset already holds "
                              f"{', '.join(sorted(kinds - {suffix}))} files; use one kind of sample")
            clip, file_rate = read_sample(path)
            ch = int(clip.shape[-1])
            if channels is None:
                channels, rate, first = ch, file_rate, path
                shape = tuple(int(d) for d in clip.shape) if suffix == ".png" else None
            elif ch != channels:
                raise MLError(f"'{path}' has {ch} channels but '{first}' has {channels}; every sample "
                              "needs the same channels")
            elif file_rate != rate:
                raise MLError(f"'{path}' was recorded at {file_rate} Hz but '{first}' at {rate} Hz; "
                              "resample them to one rate")
            elif suffix == ".png" and tuple(clip.shape) != shape:
                raise MLError(f"image '{path}' is {clip.shape[1]}×{clip.shape[0]} but '{first}' is "
                              f"{shape[1]}×{shape[0]}; resize the images to one size")
            samples.append(_Sample(path, _file_name(path.stem, suffix, taken), label))
    if not samples:
        raise MLError(f"'{source}' holds no samples; put {', '.join(SAMPLE_SUFFIXES)} files in one "
                      "subfolder per label")
    if len({s.label for s in samples}) < 2:
        raise MLError(f"'{source}' holds samples of one label only; a classifier needs at least two")
    kind = next(iter(kinds)).lstrip(".")
    return _write(project, dest, samples, split, seed, kind, int(channels),
                  float(rate) if rate is not None else None, shape, source=source)


def import_csv_export(project: Project, csv_path: str | os.PathLike, dest: str = "dataset",
                      split: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0,
                      label_column: str = "label", window_column: str = "window",
                      ignore: Sequence[str] = ("timestamp", "time"), rate_hz: float | None = None) -> DatasetInfo:
    """Imports one CSV of labelled rows (see the module doc): each clip becomes its own ``.csv``
    file under ``<project>/<dest>/<label>/``. Columns in ``ignore`` are skipped; every other column
    but the label and window ones must be numeric."""
    path = Path(csv_path)
    try:
        text = read_bounded(path, what="CSV file").decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise MLError(f"'{path}' cannot be read as UTF-8 text: {e}") from None
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise MLError(f"'{path}' needs a header row and at least one row of samples")
    header = [h.strip() for h in rows[0]]
    if label_column not in header:
        raise MLError(f"'{path}' has no '{label_column}' column; its columns are {', '.join(header)}")
    li = header.index(label_column)
    wi = header.index(window_column) if window_column in header else None
    skip = {li, wi} | {i for i, h in enumerate(header) if h in set(ignore)}
    value_cols = [i for i in range(len(header)) if i not in skip]
    if not value_cols:
        raise MLError(f"'{path}' has no numeric columns besides '{label_column}'")
    groups: dict[str, list[list[float]]] = {}
    group_label: dict[str, str] = {}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise MLError(f"'{path}' line {n} has {len(row)} values, the header names {len(header)} columns")
        label = check_label(row[li], f"'{path}' line {n}")
        values = []
        for i in value_cols:
            try:
                v = float(row[i])
            except ValueError:
                raise MLError(f"'{path}' line {n} column '{header[i]}': {row[i]!r} is not a number") from None
            if not math.isfinite(v):
                raise MLError(f"'{path}' line {n} column '{header[i]}' is {row[i]!r}; values must be finite")
            values.append(v)
        key = row[wi].strip() if wi is not None else str(n)
        if key in group_label and group_label[key] != label:
            raise MLError(f"'{path}' line {n}: window '{key}' is labelled '{group_label[key]}' earlier and "
                          f"'{label}' here; a window has one label")
        group_label[key] = label
        groups.setdefault(key, []).append(values)
    names = tuple(header[i] for i in value_cols)
    samples = [_Sample(None, f"{k:06d}.csv", group_label[key], np.asarray(v, dtype=np.float32), names)
               for k, (key, v) in enumerate(groups.items())]
    if len({s.label for s in samples}) < 2:
        raise MLError(f"'{path}' holds examples of one label only; a classifier needs at least two")
    return _write(project, dest, samples, split, seed, "csv", len(value_cols),
                  float(rate_hz) if rate_hz is not None else None, None)


# ---- reading a split back ------------------------------------------------------------------------

def dataset_labels(project: Project) -> tuple[str, ...]:
    labels = project.dataset.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(v, str) for v in labels):
        raise MLError(f"project '{project.name}' has no imported dataset (no labels); import one first")
    return tuple(labels)


def split_files(project: Project, split: str) -> list[tuple[str, str]]:
    """(relative path, label) of each file of one split, as recorded."""
    if split not in SPLITS:
        raise MLError(f"unknown split '{split}'; choose one of {', '.join(SPLITS)}")
    files = project.dataset.get("files")
    if not isinstance(files, Mapping) or not isinstance(files.get(split, []), list):
        raise MLError(f"project '{project.name}' has no imported dataset file lists; import a dataset first")
    out = []
    for entry in files.get(split, []):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("file"), str) \
                or not isinstance(entry.get("label"), str):
            raise MLError(f"the dataset's '{split}' list has a malformed entry {entry!r}; re-import the dataset")
        out.append((entry["file"], entry["label"]))
    return out


def load_split(project: Project, split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The clips of one split (float32, as ``read_sample`` makes them) and their class indices in
    the dataset's label order."""
    labels = dataset_labels(project)
    index = {name: i for i, name in enumerate(labels)}
    root = _project_dir(project)
    clips, ys = [], []
    for rel, label in split_files(project, split):
        if label not in index:
            raise MLError(f"'{rel}' is labelled '{label}', not one of the dataset's labels; re-import it")
        try:
            path = safe_join(root, rel)
        except BadInput as e:
            raise MLError(f"dataset file: {e.message}") from None
        if not path.is_file():
            raise MLError(f"dataset file '{rel}' is missing from the project folder; re-import the dataset")
        clips.append(read_sample(path)[0])
        ys.append(index[label])
    return clips, np.asarray(ys, dtype=np.int32)
