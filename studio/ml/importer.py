"""Datasets as project assets: planning an import against the pipeline, applying it, reading splits.

Two steps, so a user sees every problem before anything is copied:

- ``plan_import(project, source, split, seed)`` reads every file of ``source`` and checks it against
  the pipeline's sensor and window (unreadable files, sample-rate, channel and length mismatches,
  image sizes, empty class folders); ``ImportPlan.problems`` is the one list of (file, reason) and
  ``ImportPlan.counts`` the samples per label and split the import would leave.
- ``apply_import(project, plan, skip_bad, progress, cancel)`` writes the planned samples into
  ``<project>/<folder>/<label>/`` through a staging folder inside the project and records them in
  the project's typed dataset (``studio.core.dataset``; the caller saves the project). A cancel or
  a failure leaves the project folder and the project as they were: nothing is half-imported.

Sources:

- a folder with one subfolder per label of ``.wav`` (8/16/24/32-bit PCM or float, read with
  soundfile/libsndfile), ``.csv`` (a header row, one column per channel), ``.npy`` (numeric,
  (T,), (T, C), (H, W) or (H, W, C); the header is read first and huge shapes refused) or
  ``.png``/``.jpg``/``.jpeg``/``.bmp`` images (read with Pillow);
- one ``.csv`` with a ``label`` column (and optionally ``window``: rows sharing it form one clip);
- Edge Impulse's data-acquisition export: ``training/`` and ``testing/`` folders (their split is
  kept) with an ``info.labels`` JSON (``{"files": [{"path", "category", "label": {"label"}}]}``),
  or without one, labels from the file names (``<label>.<id>.<ext>``); files are data-acquisition
  JSON (``payload.interval_ms``, ``payload.values``) or any of the formats above.

Audio at another rate than the sensor's is resampled with ``scipy.signal.resample_poly``: a
polyphase FIR low-pass (Kaiser window, β = 5) at the lower of the two Nyquist rates, so resampling
down does not alias. Stored recordings are 16-bit PCM WAV at the sensor's rate (what the replay
sensor and the firmware read) or CSV; images and NPY are copied. Adding to an existing dataset
keeps every sample's split, appends new classes after the existing ones (the model's output order)
and skips files whose stored bytes are already in the dataset (sha256).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from nodes.base import NodeContext, NodeError, Role, node_type
from nodes.sensors import Replay
from studio.core.dataset import SPLITS, Dataset, Sample, dataset_of, store_dataset
from studio.core.errors import BadInput
from studio.core.files import read_bounded
from studio.core.project import Project, check_relative, safe_join
from studio.ml.errors import MLError

AUDIO_SUFFIXES = (".wav",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
SAMPLE_SUFFIXES = AUDIO_SUFFIXES + (".csv", ".npy", ".json") + IMAGE_SUFFIXES
MAX_IMAGE_PIXELS = 4096 * 4096
MAX_NPY_ELEMENTS = 64 * 1024 * 1024
MAX_CLIP_SAMPLES = 64 * 1024 * 1024
DEFAULT_FOLDER = "dataset"
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
_EI_CATEGORY = {"training": "train", "testing": "test", "validation": "validation"}

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


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


# ---- what the pipeline expects -------------------------------------------------------------------

@dataclass(frozen=True)
class Expectation:
    """What the pipeline's sensor and window take: a stream of ``channels`` at ``rate_hz`` at least
    ``min_samples`` long, or images of ``image_shape`` (H, W, C). All None: no sensor (anything
    consistent is taken)."""

    sensor: str | None = None
    channels: int | None = None
    rate_hz: float | None = None
    min_samples: int = 1
    image_shape: tuple[int, int, int] | None = None
    audio: bool = False


def expectation(project: Project) -> Expectation:
    sensors = [n for n in project.graph.nodes if _role(n) is Role.SENSOR]
    if not sensors:
        return Expectation()
    node = sensors[0]
    cls = node_type(node.type_id)
    try:
        props = cls.check_props(node.props)
    except NodeError as e:
        raise MLError(f"sensor '{node.id}': {e.message}") from None
    windows = [n for n in project.graph.nodes if _role(n) is Role.WINDOW]
    min_samples = int(windows[0].props.get("window", 1)) if windows else 1
    if cls.plays_recording:
        return Expectation(node.id, int(props["channels"]), float(props["rate_hz"]), min_samples)
    try:
        out = cls().infer({}, props, NodeContext(project.dir))["out"]
    except (NodeError, KeyError) as e:
        raise MLError(f"sensor '{node.id}': {getattr(e, 'message', e)}") from None
    if len(out.shape) == 3:
        return Expectation(node.id, int(out.shape[2]), None, 1, tuple(int(d) for d in out.shape))  # type: ignore[arg-type]
    return Expectation(node.id, int(out.shape[-1]), float(out.rate_hz) if out.rate_hz else None, min_samples,
                       None, cls.records_audio)


def _role(node) -> Role | None:
    try:
        return node.spec.role
    except NodeError:
        return None


# ---- readers -------------------------------------------------------------------------------------

class _Bad(Exception):
    """One file's problem (its reason)."""


def read_image(path: Path) -> np.ndarray:
    """An image as uint8 (H, W, C), C = 1 (grayscale) or 3 (RGB; alpha dropped), read with Pillow."""
    from PIL import Image, UnidentifiedImageError

    try:
        data = read_bounded(path, what="image")   # a regular file of a bounded size (no FIFO, /dev/zero)
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise MLError(f"image '{path}' is {img.width}×{img.height}; images must be at most "
                              f"{MAX_IMAGE_PIXELS} pixels")
            gray = img.mode in ("1", "L", "LA", "I", "I;16", "F") or (img.mode == "P" and _palette_gray(img))
            arr = np.asarray(img.convert("L" if gray else "RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise MLError(f"image '{path}' cannot be read: {e}") from None
    return arr[:, :, None] if arr.ndim == 2 else arr


def _palette_gray(img) -> bool:
    pal = img.getpalette() or []
    return all(pal[i] == pal[i + 1] == pal[i + 2] for i in range(0, len(pal) - 2, 3))



def _read_npy(path: Path) -> np.ndarray:
    """A numeric .npy whose header is checked (shape, dtype) before its data is read."""
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _order, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=10000)
            elif version in ((2, 0), (3, 0)):
                shape, _order, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=10000)
            else:
                raise _Bad(f"unknown .npy version {version}")
    except (ValueError, OSError, EOFError) as e:
        raise _Bad(f"not a readable .npy array: {e}") from None
    if dtype.kind not in "biuf" or dtype.hasobject:
        raise _Bad(f"holds {dtype} values; a sample holds numbers")
    if len(shape) > 3 or math.prod(shape) > MAX_NPY_ELEMENTS:
        raise _Bad(f"has shape {shape}; samples are at most 3-D and {MAX_NPY_ELEMENTS} values")
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise _Bad(f"not a readable .npy array: {e}") from None
    return np.asarray(arr, dtype=np.float32)


def _read_wav(path: Path) -> tuple[np.ndarray, float]:
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, OSError, ValueError) as e:
        raise _Bad(f"not a readable audio file: {e}") from None
    if data.shape[0] == 0:
        raise _Bad("holds no samples")
    return data, float(rate)


def _read_csv_clip(text: str) -> np.ndarray:
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise _Bad("needs a header row and at least one row of samples")
    header = [h.strip().lower() for h in rows[0]]
    keep = [i for i, h in enumerate(header) if h not in ("timestamp", "time", "label")]
    if not keep:
        raise _Bad("has no value columns")
    try:
        data = np.array([[float(r[i]) for i in keep] for r in rows[1:]], dtype=np.float32)
    except (ValueError, IndexError):
        raise _Bad("has a row with a missing or non-numeric value") from None
    if not np.all(np.isfinite(data)):
        raise _Bad("holds NaN or infinite values")
    return data


def _read_acquisition_json(path: Path) -> tuple[np.ndarray, float | None]:
    """Edge Impulse's data-acquisition JSON: payload.values (T, C) every payload.interval_ms."""
    try:
        if path.stat().st_size > 256 * 1024 * 1024:
            raise _Bad("is larger than 256 MB")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _Bad(f"is not readable JSON: {e}") from None
    payload = doc.get("payload") if isinstance(doc, dict) else None
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
        raise _Bad("is not an Edge Impulse data-acquisition file (no payload.values)")
    try:
        values = np.array(payload["values"], dtype=np.float32)
    except (TypeError, ValueError):
        raise _Bad("payload.values is not a table of numbers") from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] == 0 or not np.all(np.isfinite(values)):
        raise _Bad(f"payload.values has shape {values.shape} or non-finite values; need (samples, axes)")
    interval = payload.get("interval_ms")
    rate = 1000.0 / float(interval) if isinstance(interval, (int, float)) and interval > 0 else None
    return values, rate


def resample_audio(data: np.ndarray, from_hz: float, to_hz: float) -> np.ndarray:
    """``data`` (T, C) from ``from_hz`` to ``to_hz`` with scipy's polyphase FIR (Kaiser β = 5)."""
    from fractions import Fraction

    from scipy.signal import resample_poly

    ratio = Fraction(to_hz / from_hz).limit_denominator(1000)
    out = resample_poly(data, ratio.numerator, ratio.denominator, axis=0, window=("kaiser", 5.0))
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def _wav_bytes(data: np.ndarray, rate_hz: float) -> bytes:
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, data, int(round(rate_hz)), subtype="PCM_16", format="WAV")
    return buf.getvalue()


def _csv_bytes(data: np.ndarray) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f"ch{i}" for i in range(data.shape[1])])
    for row in data:
        w.writerow([repr(float(v)) for v in row])
    return out.getvalue().encode("utf-8")


# ---- the plan ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedSample:
    source: str           # where it comes from (for messages): a path, or "file.csv line N"
    label: str
    split: str
    name: str             # file name in the label folder
    data: bytes           # the bytes to store
    sha256: str


@dataclass(frozen=True)
class ImportPlan:
    source: str
    folder: str                                   # project-relative dataset folder
    kind: str                                     # "wav", "csv", "npy", "image"
    labels: tuple[str, ...]                       # all labels after the import, in class order
    samples: tuple[PlannedSample, ...]            # what would be written
    problems: tuple[tuple[str, str], ...]         # (file, reason): nothing is imported while any
    counts: Mapping[str, Mapping[str, int]]       # label -> split -> samples after the import
    duplicates: int                               # files already in the dataset (skipped)
    channels: int | None
    rate_hz: float | None
    shape: tuple[int, ...] | None
    seed: int = 0
    split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
    bad_labels: frozenset = field(default_factory=frozenset)  # labels only bad files would add
    padded: tuple[str, ...] = ()                  # audio clips shorter than one window, padded with silence

    def split_counts(self) -> dict[str, int]:
        return {s: sum(c.get(s, 0) for c in self.counts.values()) for s in SPLITS}


@dataclass(frozen=True)
class ImportResult:
    labels: tuple[str, ...]
    split: Mapping[str, int]       # samples per split in the dataset after the import
    imported: int
    duplicates: int
    skipped: int                   # files with problems left out (skip_bad)
    cancelled: bool = False


@dataclass
class _Raw:
    source: str
    label: str
    split: str | None        # fixed by the source (Edge Impulse), else assigned
    path: Path | None = None
    data: np.ndarray | None = None   # already-parsed values (labelled CSV rows)
    rate_hz: float | None = None
    padded: bool = False             # an audio clip shorter than one window, centred in silence


def pad_audio(data: np.ndarray, samples: int) -> np.ndarray:
    """A clip (T, C) shorter than ``samples`` centred in silence to ``samples`` (a spoken word of
    0.6 s in a 1 s keyword window: what keyword-spotting datasets do with their short clips)."""
    missing = samples - data.shape[0]
    if missing <= 0:
        return data
    before = missing // 2
    return np.pad(data, ((before, missing - before), (0, 0)))


def _check_split(split: Sequence[float]) -> tuple[float, float, float]:
    if len(split) != 3 or any(not math.isfinite(float(f)) or float(f) < 0 for f in split):
        raise MLError(f"split {tuple(split)} must be three fractions (train, validation, test), none negative")
    total = sum(float(f) for f in split)
    if not math.isclose(total, 1.0, abs_tol=1e-6) or float(split[0]) <= 0:
        raise MLError(f"split {tuple(split)} must add up to 1 with a training part above 0")
    return float(split[0]), float(split[1]), float(split[2])


def _assign(n: int, split: tuple[float, float, float], rng: np.random.Generator) -> list[str]:
    """Split names for ``n`` items: shuffled by ``rng``, sizes rounded, the training part never empty."""
    n_train = max(1, min(n, math.floor(n * split[0] + 0.5 + 1e-9)))
    n_val = max(0, min(n - n_train, math.floor(n * (split[0] + split[1]) + 0.5 + 1e-9) - n_train))
    names = ["train"] * n_train + ["validation"] * n_val + ["test"] * (n - n_train - n_val)
    return [names[i] for i in rng.permutation(n)]


def _walk_label_folders(source: Path, problems: list) -> list[_Raw]:
    raws = []
    for sub in sorted(source.iterdir()):
        if sub.name.startswith("."):
            continue
        if sub.is_symlink():
            problems.append((str(sub), "is a symbolic link; import real folders and files only"))
            continue
        if not sub.is_dir():
            problems.append((str(sub), "is a file at the top of the dataset folder; put samples in one "
                                       "subfolder per label"))
            continue
        try:
            label = check_label(sub.name, f"folder '{sub}'")
        except MLError as e:
            problems.append((str(sub), e.message))
            continue
        found = 0
        for path in sorted(sub.rglob("*")):
            if any(part.startswith(".") for part in path.relative_to(sub).parts) or path.is_dir():
                continue
            found += 1
            raws.append(_Raw(str(path), label, None, path))
        if not found:
            problems.append((str(sub), f"class folder '{sub.name}' holds no samples"))
    return raws


def _edge_impulse(source: Path, problems: list) -> list[_Raw]:
    raws = []
    info = source / "info.labels"
    if info.is_file():
        try:
            doc = json.loads(info.read_text(encoding="utf-8"))
            files = doc["files"]
            if not isinstance(files, list):
                raise TypeError
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
            problems.append((str(info), f"is not an Edge Impulse info.labels file: {e}"))
            return []
        root = source.resolve()
        for i, entry in enumerate(files):
            try:
                rel = entry["path"]
                check_relative(rel)
                label_obj = entry.get("label") or {}
                label = label_obj.get("label") if isinstance(label_obj, dict) else None
                category = entry.get("category", "split")
            except (KeyError, TypeError, AttributeError, BadInput) as e:
                problems.append((f"{info} files[{i}]", f"malformed entry: {getattr(e, 'message', e)}"))
                continue
            path = (root / rel).resolve()
            if root not in path.parents:
                problems.append((f"{info} files[{i}]", f"path '{rel}' leaves the export folder"))
                continue
            if not label:
                problems.append((str(path), "has no label in info.labels (unlabelled samples are not imported)"))
                continue
            try:
                label = check_label(label, str(path))
            except MLError as e:
                problems.append((str(path), e.message))
                continue
            raws.append(_Raw(str(path), label, _EI_CATEGORY.get(category), path))
        return raws
    for folder, split in (("training", "train"), ("testing", "test"), ("validation", "validation")):
        d = source / folder
        if not d.is_dir():
            continue
        for path in sorted(d.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            label = path.name.split(".")[0]
            try:
                label = check_label(label, str(path))
            except MLError as e:
                problems.append((str(path), e.message))
                continue
            raws.append(_Raw(str(path), label, split, path))
    return raws


def _labelled_csv(path: Path, problems: list, label_column: str = "label",
                  window_column: str = "window") -> list[_Raw]:
    try:
        text = read_bounded(path, what="CSV file").decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        problems.append((str(path), f"cannot be read as UTF-8 text: {e}"))
        return []
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if len(rows) < 2:
        problems.append((str(path), "needs a header row and at least one row of samples"))
        return []
    header = [h.strip() for h in rows[0]]
    if label_column not in header:
        problems.append((str(path), f"has no '{label_column}' column; its columns are {', '.join(header)}"))
        return []
    li = header.index(label_column)
    wi = header.index(window_column) if window_column in header else None
    skip = {li, wi} | {i for i, h in enumerate(header) if h.lower() in ("timestamp", "time")}
    value_cols = [i for i in range(len(header)) if i not in skip]
    groups: dict[str, list[list[float]]] = {}
    first_line: dict[str, int] = {}
    group_label: dict[str, str] = {}
    bad: set[str] = set()
    for n, row in enumerate(rows[1:], start=2):
        where = f"{path} line {n}"
        key = row[wi].strip() if wi is not None and wi < len(row) else str(n)
        if len(row) != len(header):
            problems.append((where, f"has {len(row)} values, the header names {len(header)} columns"))
            bad.add(key)
            continue
        try:
            label = check_label(row[li], where)
            values = [float(row[i]) for i in value_cols]
            if not all(math.isfinite(v) for v in values):
                raise ValueError
        except MLError as e:
            problems.append((where, e.message))
            bad.add(key)
            continue
        except ValueError:
            problems.append((where, "has a non-numeric or non-finite value"))
            bad.add(key)
            continue
        if key in group_label and group_label[key] != label:
            problems.append((where, f"window '{key}' is labelled '{group_label[key]}' earlier and '{label}' here"))
            bad.add(key)
            continue
        group_label[key] = label
        first_line.setdefault(key, n)
        groups.setdefault(key, []).append(values)
    return [_Raw(f"{path} line {first_line[k]}", group_label[k], None, None, np.asarray(v, np.float32))
            for k, v in groups.items() if k not in bad]


def _decode(raw: _Raw, want: Expectation) -> tuple[str, np.ndarray, bytes, str]:
    """(kind, clip, bytes to store, suffix) of one raw sample, or _Bad with the reason."""
    if raw.data is not None:
        clip = raw.data
        return "csv", clip, _csv_bytes(clip), ".csv"
    path = raw.path
    assert path is not None
    if path.is_symlink() or not path.is_file():
        raise _Bad("is not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SAMPLE_SUFFIXES:
        raise _Bad(f"is a '{suffix}' file; samples are {', '.join(SAMPLE_SUFFIXES)}")
    if suffix in IMAGE_SUFFIXES:
        try:
            img = read_image(path)
        except MLError as e:
            raise _Bad(e.message.replace(f"image '{path}' ", "")) from None
        return "image", img.astype(np.float32) / np.float32(255.0), path.read_bytes(), suffix
    if suffix == ".npy":
        arr = _read_npy(path)
        if arr.ndim == 3 or (want.image_shape is not None and arr.ndim == 2):
            img = arr[:, :, None] if arr.ndim == 2 else arr
            buf = io.BytesIO()
            np.save(buf, img.astype(np.float32), allow_pickle=False)
            return "npy", img, buf.getvalue(), suffix
        return "npy", (arr[:, None] if arr.ndim == 1 else arr), path.read_bytes(), suffix
    if suffix == ".wav":
        data, rate = _read_wav(path)
        if want.rate_hz and not math.isclose(rate, want.rate_hz, rel_tol=1e-6):
            if not want.audio:
                raise _Bad(f"is recorded at {rate:g} Hz but the sensor '{want.sensor}' runs at "
                           f"{want.rate_hz:g} Hz")
            data = resample_audio(data, rate, want.rate_hz)
            rate = want.rate_hz
        if want.audio and 0 < data.shape[0] < want.min_samples:
            data = pad_audio(data, want.min_samples)
            raw.padded = True
        raw.rate_hz = rate
        return "wav", data, _wav_bytes(data, rate), ".wav"
    if suffix == ".json":
        data, rate = _read_acquisition_json(path)
        if rate and want.rate_hz and not math.isclose(rate, want.rate_hz, rel_tol=1e-3):
            raise _Bad(f"is sampled at {rate:g} Hz (interval_ms) but the sensor '{want.sensor}' runs at "
                       f"{want.rate_hz:g} Hz")
        raw.rate_hz = rate
        return "csv", data, _csv_bytes(data), ".csv"
    try:
        clip = _read_csv_clip(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as e:
        raise _Bad(f"cannot be read as UTF-8 text: {e}") from None
    return "csv", clip, path.read_bytes(), ".csv"


def _check_against(kind: str, clip: np.ndarray, want: Expectation, first: dict) -> None:
    if clip.ndim == 3:
        shape = tuple(int(d) for d in clip.shape)
        if want.image_shape is not None and shape != want.image_shape:
            raise _Bad(f"is {shape[1]}×{shape[0]}×{shape[2]} but the camera '{want.sensor}' gives "
                       f"{want.image_shape[1]}×{want.image_shape[0]}×{want.image_shape[2]}; resize or "
                       "convert it (or change the camera's size/colour)")
        if want.image_shape is None and want.sensor is not None:
            raise _Bad(f"is an image but the sensor '{want.sensor}' records a stream")
        if "shape" in first and first["shape"] != shape:
            raise _Bad(f"is {shape} but '{first['source']}' is {first['shape']}; use one size")
        first.setdefault("shape", shape)
        first.setdefault("source", "the first image")
        return
    if want.image_shape is not None:
        raise _Bad(f"is a recording but the sensor '{want.sensor}' is a camera")
    channels = int(clip.shape[1])
    if want.channels is not None and channels != want.channels:
        raise _Bad(f"has {channels} channel(s) but the sensor '{want.sensor}' gives {want.channels}")
    if "channels" in first and first["channels"] != channels:
        raise _Bad(f"has {channels} channel(s) but the other samples have {first['channels']}")
    if clip.shape[0] > MAX_CLIP_SAMPLES:
        raise _Bad(f"holds {clip.shape[0]} samples; a sample holds at most {MAX_CLIP_SAMPLES}")
    if clip.shape[0] < want.min_samples:
        raise _Bad(f"holds {clip.shape[0]} samples, fewer than one window ({want.min_samples})")
    first.setdefault("channels", channels)


def _file_name(stem: str, suffix: str, taken: set[str]) -> str:
    base = (_SAFE.sub("_", stem).strip("_") or "sample")[:64]
    name, i = base + suffix, 1
    while name.lower() in taken:
        name, i = f"{base}_{i}{suffix}", i + 1
    taken.add(name.lower())
    return name


def _project_dir(project: Project) -> Path:
    if project.dir is None:
        raise MLError(f"save project '{project.name}' first: its dataset is copied into its folder")
    return project.dir.resolve()


def plan_import(project: Project, source: str | os.PathLike, split: Sequence[float] = (0.8, 0.1, 0.1),
                seed: int = 0, folder: str | None = None) -> ImportPlan:
    """Reads and checks every file of ``source`` against the pipeline (see the module doc); copies
    nothing. MLError only for a source that cannot be imported at all (missing, unknown layout)."""
    root = _project_dir(project)
    fractions = _check_split(split)
    src = Path(source)
    if not src.exists():
        raise MLError(f"'{src}' does not exist; choose a folder of label folders, a labelled CSV or an "
                      "Edge Impulse export")
    existing = dataset_of(project)
    rel = folder or (existing.folder if existing.samples else "") or DEFAULT_FOLDER
    try:
        rel = check_relative(rel).as_posix()
        full = safe_join(root, rel)
    except BadInput as e:
        raise MLError(f"dataset folder: {e.message}") from None
    if src.is_dir():
        s = src.resolve()
        if s == full or full in s.parents or s in full.parents or s == root:
            raise MLError(f"the source '{src}' and the dataset folder '{rel}' overlap; import from a folder "
                          "outside the project's dataset folder")
    want = expectation(project)
    problems: list[tuple[str, str]] = []
    if src.is_file():
        if src.suffix.lower() != ".csv":
            raise MLError(f"'{src}' is a file; a single-file import is a CSV with a 'label' column")
        raws = _labelled_csv(src, problems)
    elif (src / "info.labels").is_file() or (src / "training").is_dir() or (src / "testing").is_dir():
        raws = _edge_impulse(src, problems)
    else:
        raws = _walk_label_folders(src, problems)

    first: dict = {}
    kinds: set[str] = set()
    decoded: list[tuple[_Raw, str, bytes, str]] = []
    for raw in raws:
        try:
            kind, clip, data, suffix = _decode(raw, want)
            _check_against(kind, clip, want, first)
            if existing.kind and kind != existing.kind and existing.samples:
                raise _Bad(f"is a {kind} sample but the dataset holds {existing.kind} samples")
            kinds.add(kind)
            if len(kinds) > 1:
                raise _Bad(f"is a {kind} sample but others are {', '.join(sorted(kinds - {kind}))}; "
                           "use one kind")
        except _Bad as e:
            problems.append((raw.source, str(e)))
            continue
        decoded.append((raw, kind, data, suffix))

    known = {s.sha256 for s in existing.samples if s.sha256}
    known_files = {s.file for s in existing.samples}
    duplicates = 0
    # a description without samples (a sample project's committed test recording) describes other
    # data: its classes do not carry over
    kept = existing.labels if existing.samples else ()
    labels = list(kept)
    fresh = sorted({raw.label for raw, *_ in decoded} - set(labels))
    labels += fresh
    folders = {label_folder(x): x for x in kept}
    for label in fresh:
        f = label_folder(label)
        if f in folders:
            problems.append((src.as_posix(), f"labels {folders[f]!r} and {label!r} both map to the folder "
                                             f"'{f}'; rename one"))
        folders[f] = label
    taken: dict[str, set[str]] = {}
    for s in existing.samples:
        taken.setdefault(str(Path(s.file).parent), set()).add(Path(s.file).name.lower())
    if full.is_dir():
        for d in full.iterdir():
            if d.is_dir():
                taken.setdefault(f"{rel}/{d.name}", set()).update(p.name.lower() for p in d.iterdir())
    per_label: dict[str, list[tuple[_Raw, bytes, str, str]]] = {}
    for raw, kind, data, suffix in decoded:
        sha = hashlib.sha256(data).hexdigest()
        if sha in known:
            duplicates += 1
            continue
        known.add(sha)
        per_label.setdefault(raw.label, []).append((raw, data, suffix, sha))
    rng = np.random.default_rng(seed)
    planned: list[PlannedSample] = []
    for label in sorted(per_label):
        items = per_label[label]
        free = [i for i, (raw, *_r) in enumerate(items) if raw.split is None]
        assigned = dict(zip(free, _assign(len(free), fractions, rng))) if free else {}
        lf = label_folder(label)
        names = taken.setdefault(f"{rel}/{lf}", set())
        for i, (raw, data, suffix, sha) in enumerate(items):
            stem = Path(raw.path).stem if raw.path is not None else f"{lf}_{len(names):05d}"
            name = _file_name(stem, suffix, names)
            while f"{rel}/{lf}/{name}" in known_files:
                name = _file_name(stem, suffix, names)
            planned.append(PlannedSample(raw.source, label, raw.split or assigned[i], name, data, sha))
    counts = {label: {s: 0 for s in SPLITS} for label in labels}
    for s in existing.samples:
        counts[s.label][s.split] += 1
    for p in planned:
        counts[p.label][p.split] += 1
    bad_labels: frozenset = frozenset()  # labels come from readable files only
    kind = existing.kind if existing.kind and existing.samples else (next(iter(kinds)) if kinds else "")
    rate = next((raw.rate_hz for raw, *_ in decoded if raw.rate_hz), None) or existing.rate_hz
    if want.rate_hz and kind in ("wav", "csv", "npy"):
        rate = want.rate_hz if kind == "wav" or rate is None else rate
    shape = first.get("shape") or existing.shape
    if not planned and not problems and not duplicates:
        problems.append((str(src), "holds no samples"))
    return ImportPlan(str(src), rel, kind, tuple(labels), tuple(planned), tuple(problems), counts, duplicates,
                      first.get("channels", existing.channels), rate, tuple(shape) if shape else None,
                      int(seed), fractions, bad_labels,
                      tuple(raw.source for raw, *_ in decoded if raw.padded))


# ---- applying it ---------------------------------------------------------------------------------

def apply_import(project: Project, plan: ImportPlan, skip_bad: bool = False, progress: ProgressFn | None = None,
                 cancel: CancelFn | None = None) -> ImportResult:
    """Writes ``plan``'s samples into the project and records them in its dataset (the caller saves
    the project). Refused while the plan has problems unless ``skip_bad``. ``cancel()`` is asked
    before each file; a cancelled or failed import leaves the project and its folder untouched."""
    if plan.problems and not skip_bad:
        listed = "; ".join(f"{f}: {r}" for f, r in plan.problems[:5])
        raise MLError(f"{len(plan.problems)} problem(s), nothing imported: {listed}"
                      + (" …" if len(plan.problems) > 5 else ""))
    existing = dataset_of(project)
    root = _project_dir(project)
    full = safe_join(root, plan.folder)
    labels = tuple(x for x in plan.labels if x not in plan.bad_labels)
    if full.exists() and not full.is_dir():
        raise MLError(f"'{plan.folder}' in the project folder is a file; choose another dataset folder")
    try:
        full.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=full))
    except OSError as e:
        raise MLError(f"cannot write into '{plan.folder}': {e.strerror or e}") from None
    moved: list[Path] = []
    made_dirs: list[Path] = []
    n = len(plan.samples)
    try:
        for i, s in enumerate(plan.samples):
            if cancel is not None and cancel():
                return ImportResult(existing.labels, existing.counts, 0, plan.duplicates, 0, cancelled=True)
            (staging / f"{i:06d}").write_bytes(s.data)
            if progress is not None:
                progress((i + 1) / max(n, 1) * 0.9, f"copying {s.source}")
        if cancel is not None and cancel():
            return ImportResult(existing.labels, existing.counts, 0, plan.duplicates, 0, cancelled=True)
        for i, s in enumerate(plan.samples):
            d = full / label_folder(s.label)
            if not d.exists():
                d.mkdir()
                os.chmod(d, 0o755)
                made_dirs.append(d)
            target = d / s.name
            if target.exists():
                raise OSError(f"'{target}' exists")
            os.replace(staging / f"{i:06d}", target)
            os.chmod(target, 0o644)
            moved.append(target)
    except OSError as e:
        for t in reversed(moved):
            t.unlink(missing_ok=True)
        for d in reversed(made_dirs):
            shutil.rmtree(d, ignore_errors=True)
        raise MLError(f"copying the dataset into '{plan.folder}' failed (nothing was imported): "
                      f"{e.strerror or e}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    samples = existing.samples + tuple(
        Sample(f"{plan.folder}/{label_folder(s.label)}/{s.name}", s.label, s.split, s.sha256) for s in plan.samples)
    updated = replace(existing, folder=plan.folder, kind=plan.kind or existing.kind, labels=labels,
                      channels=plan.channels, rate_hz=plan.rate_hz, shape=plan.shape, seed=plan.seed,
                      split_fractions=plan.split_fractions, samples=samples,
                      metrics=existing.metrics if not plan.samples else {})
    if plan.samples and existing.test is not None and not existing.samples:
        updated = replace(updated, test=None)  # a sample project's recording described other data
    store_dataset(project, updated)
    if progress is not None:
        progress(1.0, f"imported {len(plan.samples)} samples")
    skipped = len(plan.problems)
    return ImportResult(labels, updated.counts, len(plan.samples), plan.duplicates, skipped)


# ---- the calls of before, as plan + apply --------------------------------------------------------

def _plan_or_raise(project, source, split, seed, folder) -> ImportPlan:
    plan = plan_import(project, source, split, seed, folder)
    if plan.problems:
        f, r = plan.problems[0]
        raise MLError(f"'{f}' {r}" + (f" (and {len(plan.problems) - 1} more problems)"
                                      if len(plan.problems) > 1 else ""))
    return plan


def import_folder(project: Project, source_dir: str | os.PathLike, dest: str = DEFAULT_FOLDER,
                  split: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0) -> ImportResult:
    """Imports a folder of label folders; MLError names the first problem (``plan_import`` lists all)."""
    if not Path(source_dir).is_dir():
        raise MLError(f"'{source_dir}' is not a folder; choose a folder with one subfolder per label")
    return apply_import(project, _plan_or_raise(project, source_dir, split, seed, dest))


def import_csv_export(project: Project, csv_path: str | os.PathLike, dest: str = DEFAULT_FOLDER,
                      split: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0) -> ImportResult:
    """Imports one CSV with a ``label`` column (rows sharing a ``window`` form one clip)."""
    return apply_import(project, _plan_or_raise(project, csv_path, split, seed, dest))


# ---- reading a split back ------------------------------------------------------------------------

def dataset_labels(project: Project) -> tuple[str, ...]:
    labels = dataset_of(project).labels
    if not labels:
        raise MLError(f"project '{project.name}' has no imported dataset (no labels); import one first "
                      "(tinyml-studio import PROJECT FOLDER)")
    return labels


def split_files(project: Project, split: str) -> list[tuple[str, str]]:
    """(relative path, label) of each file of one split, as recorded."""
    if split not in SPLITS:
        raise MLError(f"unknown split '{split}'; choose one of {', '.join(SPLITS)}")
    ds = dataset_of(project)
    if not ds.samples:
        raise MLError(f"project '{project.name}' has no imported samples; import a dataset first "
                      "(tinyml-studio import PROJECT FOLDER)")
    return [(s.file, s.label) for s in ds.split(split)]


def read_sample(path: Path) -> tuple[np.ndarray, int | None]:
    """One stored sample as a float32 clip ((T, C) or (H, W, C) in [0, 1]) and its WAV rate."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return read_image(path).astype(np.float32) / np.float32(255.0), None
    if suffix == ".npy":
        try:
            arr = _read_npy(path)
        except _Bad as e:
            raise MLError(f"sample '{path}' {e}") from None
        if arr.ndim == 3:
            return arr, None
    replay = Replay()
    try:
        data = np.array(replay.load_samples({"file": path.name}, NodeContext(path.parent)), dtype=np.float32)
    except NodeError as e:
        raise MLError(f"sample '{path}': {e.message}") from None
    rate = None
    if suffix == ".wav":
        import soundfile

        rate = int(soundfile.info(str(path)).samplerate)
    return data, rate


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


def dataset_description(project: Project) -> Dataset:
    """The project's typed dataset (``studio.core.dataset.dataset_of``)."""
    return dataset_of(project)
