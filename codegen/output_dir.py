"""The folders firmware generation writes into, and the rule that keeps the user's files safe.

A folder the generator made carries a marker file (``.tinyml-firmware``); only such a folder has its
generated sub-folders (``src/``, ``runtime/`` ...) replaced. A folder with other content and no marker
is refused unless the user passes ``--force`` (their explicit choice). The project's own folder, any
folder above it, and any folder holding one of its assets are refused always: generating there
would replace the project's files.
"""
from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Iterable

from studio.core.errors import BadInput

MARKER = ".tinyml-firmware"
MARKER_TEXT = "This folder was written by tinyml-studio; its generated files are replaced on each generation.\n"
# the sub-folders a generation replaces as a whole (a stale source must not be compiled into the next)
OWNED_SUBDIRS = ("src", "runtime", "model", "tools", "firmware")


def os_error_message(path: Path, e: OSError) -> str:
    """A message a user can act on for a failed write (read-only folder, full disk ...)."""
    if e.errno == errno.ENOSPC:
        why = "the disk is full"
    elif e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "the folder is not writable"
    else:
        why = e.strerror or str(e)
    return f"cannot write the firmware into {path}: {why}"


def project_paths(project) -> tuple[Path, ...]:
    """The project file, its folder and its assets: places a generation must never write over."""
    from studio.core.project import safe_join

    if project.dir is None:
        return ()
    found = [Path(project.dir), Path(project.path)]
    for rel in project.asset_paths():
        try:
            found.append(safe_join(Path(project.dir), rel))
        except BadInput:
            continue
    return tuple(found)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def claim_output_dir(out_dir: Path, *, force: bool = False, protected: Iterable[Path] = ()) -> Path:
    """Makes ``out_dir`` ready for a generation and returns it (resolved), or raises BadInput.

    Refuses a path that is not a folder, the project's folder (or one above it), a folder holding a
    project asset, and a non-empty folder without the marker unless ``force``. Then writes the
    marker and removes the generated sub-folders of the previous generation."""
    out_dir = Path(out_dir)
    if "\0" in str(out_dir):
        raise BadInput("the output folder's name contains a NUL character")
    try:
        resolved = out_dir.resolve()
    except (OSError, RuntimeError) as e:
        raise BadInput(f"{out_dir}: not a usable output folder ({e})") from None
    for p in protected:
        p = Path(p).resolve()
        if _inside(p, resolved):
            what = "is the project's folder (or holds it)" if p.is_dir() else f"holds the project's file {p.name}"
            raise BadInput(f"{out_dir}: {what}; generate into a folder of its own, e.g. build/<board> "
                           "beside the project")
    if resolved.exists() and not resolved.is_dir():
        raise BadInput(f"{out_dir}: exists and is not a folder")
    try:
        if resolved.is_dir():
            entries = [e.name for e in os.scandir(resolved)]
            if entries and MARKER not in entries and not force:
                raise BadInput(f"{out_dir}: the folder holds other files and was not made by tinyml-studio "
                               f"(no {MARKER}); choose an empty folder, or pass --force to write into it "
                               f"(its {', '.join(OWNED_SUBDIRS)} folders are then replaced)")
            if (resolved / MARKER).is_symlink() or (resolved / MARKER).exists() and not (resolved / MARKER).is_file():
                raise BadInput(f"{out_dir}: {MARKER} is not a plain file")
        resolved.mkdir(parents=True, exist_ok=True)
        (resolved / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        for sub in OWNED_SUBDIRS:
            target = resolved / sub
            if target.is_symlink() or target.is_file():
                target.unlink()
            elif target.is_dir():
                shutil.rmtree(target)
    except OSError as e:
        raise BadInput(os_error_message(out_dir, e)) from None
    return resolved
