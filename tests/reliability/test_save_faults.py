"""Saving survives kills and concurrency: the project file and its .bak are always whole, stale
temporary files are cleaned up, two savers never leave a torn file."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from studio.core.project import load_project, loads, save_project
from tests.reliability.helpers import ROOT, copy_sample

pytestmark = pytest.mark.slow

# saves the project over and over with content that alternates in size (2 MB of notes or 1 MB)
_SAVER = """
import sys
from studio.core.project import load_project, save_project
p = load_project(sys.argv[1])
tag = sys.argv[2]
print("ready", flush=True)
i = 0
while True:
    p.dataset["notes"] = (tag + str(i)) * (200_000 if i % 2 else 100_000)
    save_project(p, overwrite_changed=True)
    i += 1
"""


def _saver(path, tag="x") -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(path), tag], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _whole(path) -> bool:
    loads(path.read_text(encoding="utf-8"), path)   # raises on a torn or truncated file
    return True


def test_kills_at_random_points_leave_the_file_and_its_backup_whole(tmp_path):
    path = copy_sample("gesture", tmp_path)
    rng = random.Random(12)
    backup = path.with_name(path.name + ".bak")
    for _ in range(50):
        proc = _saver(path)
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _whole(path)
        if backup.exists():
            assert _whole(backup)
    assert backup.exists()


def test_stale_temporary_files_of_a_killed_saver_are_removed_by_the_next_save(tmp_path):
    path = copy_sample("gesture", tmp_path)
    stale = [path.parent / f".{path.name}.abc123.tmp", path.parent / f".{path.name}.bak.def456.tmp"]
    for s in stale:
        s.write_text("half a proj")
    save_project(load_project(path))
    assert not any(s.exists() for s in stale)
    assert not list(path.parent.glob("*.tmp")) and not list(path.parent.glob(".*.tmp"))


def test_two_concurrent_savers_never_leave_a_torn_file(tmp_path):
    path = copy_sample("gesture", tmp_path)
    savers = [_saver(path, "a"), _saver(path, "b")]
    try:
        end = time.monotonic() + 3.0
        checks = 0
        while time.monotonic() < end:
            assert _whole(path)
            checks += 1
    finally:
        for p in savers:
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=30)
    assert checks > 0
    assert _whole(path) and _whole(path.with_name(path.name + ".bak"))
    save_project(load_project(path))
    assert not list(path.parent.glob(".*.tmp"))
