"""Atomic file writes: a temporary file beside the target, flushed, then renamed over it.

The temporary file is made private (``mkstemp``); before the rename it gets the mode the target
has, or the mode a plainly created file would have (0666 less the umask), so a project folder
shared with a team stays readable by it.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Callable, Iterator

# the one guard before reading a file from outside (regular files only, size checked first); it
# lives in the node catalogue, the lowest layer, so nodes, core, ml and the CLI share it
from nodes.datafiles import (MAX_ASSET_BYTES, FileRefused, open_regular, read_bounded,  # noqa: F401
                             regular_file_size)


def _read_umask() -> int:
    mask = os.umask(0o022)   # the umask cannot be read without setting it: set and restore, once
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def replace_with(tmp: Path, target: Path) -> None:
    """Gives ``tmp`` the target's mode and renames it over ``target``."""
    os.chmod(tmp, file_mode(target))
    os.replace(tmp, target)


STALE_TEMP_S = 600.0


def remove_stale_temps(target: Path, older_than_s: float = STALE_TEMP_S) -> None:
    """Removes the temporary files an earlier writer of ``target`` left behind when it was killed
    (``.<name>.*.tmp`` beside it) that are older than ``older_than_s``: younger ones may belong
    to a writer that is still running (0 when the caller holds ``folder_lock``)."""
    import time

    now = time.time()
    try:
        candidates = list(target.parent.glob(f".{glob_escape(target.name)}.*.tmp"))
    except OSError:
        return
    for tmp in candidates:
        try:
            if tmp.is_file() and not tmp.is_symlink() and now - tmp.lstat().st_mtime >= older_than_s:
                tmp.unlink()
        except OSError:
            continue


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An advisory exclusive lock on ``folder`` (flock on the folder itself, so no lock file is
    left in the user's folder): cooperating savers of one project take turns. Where locking is not
    available the block runs unlocked; atomic renames still keep every file whole."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass
        yield
    finally:
        os.close(fd)   # closing releases the lock


def atomic_write(target: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Writes ``target`` through ``write(file)`` atomically; OSError (nothing changed) on failure."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        replace_with(Path(tmp), target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_save_with(target: Path, save: Callable[[Path], None], suffix: str) -> None:
    """For writers that take a path (Keras ``model.save``): ``save`` writes a temporary path with
    ``suffix`` beside the target, which is then renamed over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    try:
        save(Path(tmp))
        replace_with(Path(tmp), target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
