"""An emulator killed mid-run is a failure with its exit status, never a pass (run and evaluate):
the tests start the real CLI, find its real qemu-system-arm and SIGKILL it while the guest runs."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from studio.device.toolchain import qemu_system_arm
from tests.reliability.helpers import ROOT, copy_sample, no_traceback

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _need_qemu():
    try:
        qemu_system_arm()
    except Exception as e:  # noqa: BLE001 - any reason the tool is missing
        pytest.skip(f"no qemu-system-arm: {e}")


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _running_qemu(cli_pid: int) -> tuple[int, int] | None:
    """(pid, serial port) of a live QEMU the CLI started, or None."""
    for pid in _children(cli_pid):
        try:
            cmd = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"qemu-system-arm") and state != "Z":
            port = re.search(rb"tcp:127\.0\.0\.1:(\d+)", b" ".join(cmd))
            return pid, int(port.group(1)) if port else 0
    return None


def _reader_connected(port: int) -> bool:
    wanted = f":{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as f:
        return any(p[1].endswith(wanted) and p[3] == "01" for p in (line.split() for line in f.readlines()[1:]))


def _start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "studio", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))


def _kill_qemu_when(proc: subprocess.Popen, ready, deadline_s: float = 240) -> list[bool]:
    """SIGKILLs the CLI's QEMU once ``ready(port)`` holds; returns [killed] (filled by a thread)."""
    killed: list[bool] = []

    def watch():
        end = time.monotonic() + deadline_s
        while time.monotonic() < end and proc.poll() is None:
            found = _running_qemu(proc.pid)
            if found and ready(found[1]):
                os.kill(found[0], signal.SIGKILL)
                killed.append(True)
                return
            time.sleep(0.002)
    threading.Thread(target=watch, daemon=True).start()
    return killed


def test_run_with_the_emulator_killed_after_its_first_result_fails(tmp_path):
    project = copy_sample("kws", tmp_path)
    proc = _start("run", project, "--emulate", "--json", "--out", tmp_path / "fw")
    first = threading.Event()
    killed = _kill_qemu_when(proc, lambda port: first.is_set())
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if '"inference"' in line:
            first.set()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert killed, "the watcher never found a running QEMU"
    inferences = sum('"inference"' in x for x in lines)
    assert 0 < inferences < 12, "the kill did not land mid-run"
    assert proc.returncode == 1, err
    assert "killed by SIGKILL" in err and "Traceback" not in err


def test_evaluate_with_the_emulator_killed_mid_run_fails(tmp_path):
    project = copy_sample("kws", tmp_path)
    proc = _start("evaluate", project, "--emulate", "--json", "--out", tmp_path / "fw")
    # the guest runs once the reader is connected; kill it 0.1 s into its 0.4 s recording
    connected_at: list[float] = []

    def ready(port: int) -> bool:
        if not connected_at and _reader_connected(port):
            connected_at.append(time.monotonic())
        return bool(connected_at) and time.monotonic() - connected_at[0] > 0.1
    killed = _kill_qemu_when(proc, ready)
    out, err = proc.communicate(timeout=300)
    assert killed
    assert proc.returncode == 1, out + err
    assert "killed by SIGKILL" in err and no_traceback(subprocess.CompletedProcess([], 1, out, err))
    assert '"agreement"' not in out
