"""A verb stopped by SIGTERM (e.g. by `timeout`) ends the tool groups it started: no emulator or
compiler is left running after it (real processes, real signals)."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from studio.core import processes

CHILD = textwrap.dedent("""
    import sys, time
    from studio.core.processes import end_groups_with_program, popen_group
    end_groups_with_program()
    tool = popen_group(["sleep", "120"])
    print(tool.pid, flush=True)
    time.sleep(120)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie waiting for its (gone) parent counts as ended
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def _start_parent():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    parent = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env)
    tool_pid = int(parent.stdout.readline())
    assert _alive(tool_pid)
    return parent, tool_pid


def _ended_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signalled_program_ends_the_tool_groups_it_started(sig):
    parent, tool_pid = _start_parent()
    parent.send_signal(sig)
    assert parent.wait(timeout=20) == 128 + sig
    assert _ended_within(tool_pid, 10), f"the tool (pid {tool_pid}) outlived its program"


def test_without_the_handler_the_tool_would_outlive_it():
    """The control: the same tool in its own session survives a plain SIGKILL of its program, which
    is what the handler prevents for the signals that can be caught."""
    parent, tool_pid = _start_parent()
    parent.kill()
    parent.wait(timeout=20)
    try:
        assert not _ended_within(tool_pid, 1.0)
    finally:
        os.killpg(tool_pid, signal.SIGKILL)


def test_an_ended_group_is_forgotten():
    proc = processes.popen_group(["sleep", "30"])
    assert proc.pid in processes._LIVE
    processes.end_group(proc, grace_s=2)
    assert proc.pid not in processes._LIVE
    assert proc.poll() is not None
