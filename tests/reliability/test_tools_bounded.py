"""External tools run with time limits in their own process group: a hanging build is a message,
not a traceback, and the children it started are ended with it."""
from __future__ import annotations

import os
import time

import pytest

from studio.core.processes import ToolTimedOut, run_limited
from studio.device.build import BuildError, build_firmware


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_pid(path, timeout_s=10.0) -> int:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.02)
    raise AssertionError("the fake tool never started its child")


def _fake_tools(tmp_path, make_body: str):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {"make": make_body,
               "arm-none-eabi-gcc": 'echo /usr/lib/fake/libc_nano.a',
               "arm-none-eabi-objcopy": "exit 0", "arm-none-eabi-size": "exit 0"}
    for name, body in scripts.items():
        p = bin_dir / name
        p.write_text(f"#!/bin/sh\n{body}\n")
        p.chmod(0o755)
    return bin_dir


def test_a_hanging_compiler_is_stopped_with_its_child_and_reported(tmp_path, monkeypatch):
    child_pid = tmp_path / "child.pid"
    # make starts a compiler child that hangs, then hangs itself
    bin_dir = _fake_tools(tmp_path, f"sleep 300 &\necho $! > {child_pid}\nsleep 300")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    out = tmp_path / "fw"
    out.mkdir()
    (out / "Makefile").write_text("all:\n")
    start = time.monotonic()
    with pytest.raises(BuildError, match="did not finish within 2 s"):
        build_firmware(out, timeout_s=2)
    assert time.monotonic() - start < 15
    pid = _wait_for_pid(child_pid)
    time.sleep(0.2)
    assert not _alive(pid), "the compiler's child outlived the build"


def test_a_tools_leftover_child_is_ended_when_the_tool_exits(tmp_path):
    child_pid = tmp_path / "child.pid"
    script = tmp_path / "tool.sh"
    script.write_text(f"#!/bin/sh\nsleep 300 >/dev/null 2>&1 &\necho $! > {child_pid}\nexit 0\n")
    script.chmod(0o755)
    done = run_limited([str(script)], 20)
    assert done.returncode == 0
    pid = _wait_for_pid(child_pid)
    time.sleep(0.2)
    assert not _alive(pid)


def test_run_limited_raises_a_domain_error_on_timeout(tmp_path):
    with pytest.raises(ToolTimedOut, match="did not finish within 0.5 s"):
        run_limited(["sleep", "30"], 0.5, "sleep")
