"""Shared by the reliability tests: the CLI as a user runs it (a real subprocess) and a copy of a
sample project in a temporary folder."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, timeout: float = 300, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "studio", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or ROOT, env=full_env)


def copy_sample(name: str, dest: Path) -> Path:
    """The sample project ``name`` copied under ``dest``; returns its .tinyml file."""
    target = dest / name
    shutil.copytree(ROOT / "sample_projects" / name, target)
    return target / f"{name}.tinyml"


def no_traceback(r: subprocess.CompletedProcess) -> bool:
    return "Traceback" not in r.stderr and "Traceback" not in r.stdout


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: str = "64k", read_only: bool = False):
    """A real tmpfs mounted at ``where`` (needs root): a disk that fills up, or a read-only one."""
    where.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if read_only else "")
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@contextlib.contextmanager
def read_only_folder(where: Path):
    """A folder this process cannot write: chmod for a user, a read-only mount for root."""
    if os.geteuid() != 0:
        where.mkdir(parents=True, exist_ok=True)
        where.chmod(0o500)
        try:
            yield where
        finally:
            where.chmod(0o700)
    else:
        with mounted_tmpfs(where, read_only=True) as w:
            yield w
