"""Reading numeric data files that arrive with a project (recordings, representative features).

Project folders come from other teams, so a ``.npy`` is read with ``allow_pickle=False`` and must
hold one plain numeric array; every refusal is a ``NodeError`` naming the file.

It also holds the one guard every layer uses before reading a file that came from outside
(``studio.core.files`` re-exports it for the layers above): only regular files are opened (a FIFO
would hang the reader, ``/dev/zero`` would never end), and only up to a size checked before reading
(a sparse file may claim gigabytes). A refusal is a ``FileRefused``, an ``OSError``, so each reader's
existing "cannot read" handling names it.
"""
from __future__ import annotations

import io
import math
import os
import stat
from pathlib import Path

import numpy as np

from nodes.base import NodeError

MAX_ASSET_BYTES = 1 << 30      # a recording, dataset file or model a project brings along
MAX_NPY_HEADER_BYTES = 1 << 16


class FileRefused(OSError):
    """A file that is not read: not a regular file, or larger than the reader accepts."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder")):
        if test(mode):
            return name
    return "special file"


def _check(st: os.stat_result, max_bytes: int, what: str) -> int:
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(f"the {what} is a {_kind(st.st_mode)}, not a regular file")
    if st.st_size > max_bytes:
        raise FileRefused(f"the {what} is {st.st_size:,} bytes; at most {max_bytes:,} are read")
    return st.st_size


def regular_file_size(path: str | os.PathLike, max_bytes: int = MAX_ASSET_BYTES, what: str = "file") -> int:
    """The size of ``path`` after checking it is a regular file of at most ``max_bytes``;
    ``FileRefused`` (an OSError) otherwise. For readers that take a path (wave, Keras)."""
    return _check(os.stat(path), max_bytes, what)


def open_regular(path: str | os.PathLike, max_bytes: int = MAX_ASSET_BYTES, what: str = "file") -> io.BufferedReader:
    """``path`` opened for binary reading once it is known to be a regular file of at most
    ``max_bytes``; opened non-blocking first so a FIFO swapped in meanwhile cannot hang it."""
    regular_file_size(path, max_bytes, what)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        _check(os.fstat(fd), max_bytes, what)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike, max_bytes: int = MAX_ASSET_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (checked before and while reading)."""
    with open_regular(path, max_bytes, what) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused(f"the {what} grew beyond {max_bytes:,} bytes while it was read")
    return data


def check_npy_header(path: Path, what: str) -> None:
    """Refuses a .npy whose header claims more data than the file holds, before numpy allocates it
    (a 100-byte file may claim 1e11 elements)."""
    name = f"{what} '{path.name}'"
    try:
        with open_regular(path, MAX_ASSET_BYTES, what) as f:
            size = os.fstat(f.fileno()).st_size
            version = np.lib.format.read_magic(f)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _fortran, dtype = reader(f, max_header_size=MAX_NPY_HEADER_BYTES)
            data_bytes = size - f.tell()
    except (ValueError, EOFError) as e:
        raise NodeError(f"{name} is not a readable .npy array: {e}") from None
    except OSError as e:
        raise NodeError(f"{name} cannot be read: {e}") from None
    if dtype.hasobject:
        return  # np.load refuses it with its own message (pickled data)
    claimed = math.prod(int(n) for n in shape) * dtype.itemsize
    if claimed > data_bytes:
        raise NodeError(f"{name}: its header claims shape {tuple(shape)} ({claimed:,} bytes) but the file "
                        f"holds {data_bytes:,} bytes of data")


def load_numeric_npy(path: Path, what: str, mmap: bool = False) -> np.ndarray:
    """The array in ``path`` (memory-mapped when ``mmap``); ``what`` names it in messages
    ("recording", "representative data")."""
    name = f"{what} '{path.name}'"
    check_npy_header(Path(path), what)
    try:
        arr = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise NodeError(f"{name} holds Python objects (pickled data); for safety only plain numeric "
                            ".npy arrays are read") from None
        raise NodeError(f"{name} is not a readable .npy array: {e}") from None
    except OSError as e:
        raise NodeError(f"{name} cannot be read: {e}") from None
    if not isinstance(arr, np.ndarray):
        raise NodeError(f"{name} must hold one array, not an archive of several")
    if arr.dtype.kind not in "biuf":
        raise NodeError(f"{name} has {arr.dtype} values; it must hold numbers")
    return arr


MAX_KERAS_CONFIG_BYTES = 16 * 1024 * 1024
MAX_KERAS_MEMBERS = 10_000
MAX_JSON_DEPTH = 200


def json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays/objects at most ``limit`` deep (scanned without recursion,
    so a hostile file cannot make the parser overflow the stack)."""
    depth, in_string, escaped = 0, False, False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > limit:
                return False
        elif c in "]}":
            depth -= 1
    return True


def parse_bounded_json(raw: bytes | str, name: str) -> object:
    """JSON of at most ``MAX_KERAS_CONFIG_BYTES`` nested at most ``MAX_JSON_DEPTH`` deep."""
    import json

    if len(raw) > MAX_KERAS_CONFIG_BYTES:
        raise NodeError(f"'{name}': its model config is {len(raw):,} bytes; at most "
                        f"{MAX_KERAS_CONFIG_BYTES:,} are read")
    text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
    if not json_depth_ok(text):
        raise NodeError(f"'{name}': its model config nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise NodeError(f"'{name}' is not a readable Keras model: {e}") from None


def read_keras_config(path: Path) -> object:
    """The ``config.json`` of a ``.keras`` archive, bounded before it is unpacked (a 1.3 MB archive
    may inflate it to gigabytes) and checked for depth; the archive's member count is bounded too.
    A NodeError names the file."""
    import zipfile

    name = Path(path).name
    try:
        with open_regular(path, MAX_ASSET_BYTES, f"model '{name}'") as f, zipfile.ZipFile(f) as z:
            infos = z.infolist()
            if len(infos) > MAX_KERAS_MEMBERS:
                raise NodeError(f"'{name}' holds {len(infos):,} files; a Keras model holds a few")
            info = z.getinfo("config.json")
            if info.file_size > MAX_KERAS_CONFIG_BYTES:
                raise NodeError(f"'{name}': its config.json unpacks to {info.file_size:,} bytes; at most "
                                f"{MAX_KERAS_CONFIG_BYTES:,} are read")
            with z.open(info) as member:
                raw = member.read(MAX_KERAS_CONFIG_BYTES + 1)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError, RuntimeError) as e:
        raise NodeError(f"'{name}' is not a readable Keras model: {e}") from None
    return parse_bounded_json(raw, name)
