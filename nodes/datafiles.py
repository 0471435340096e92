"""Reading numeric data files that arrive with a project (recordings, representative features).

Project folders come from other teams, so a ``.npy`` is read with ``allow_pickle=False`` and must
hold one plain numeric array; every refusal is a ``NodeError`` naming the file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nodes.base import NodeError


def load_numeric_npy(path: Path, what: str, mmap: bool = False) -> np.ndarray:
    """The array in ``path`` (memory-mapped when ``mmap``); ``what`` names it in messages
    ("recording", "representative data")."""
    name = f"{what} '{path.name}'"
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
