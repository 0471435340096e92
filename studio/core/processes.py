"""External tools (compiler, make, emulator, flashers) run with a time limit in a process group of
their own, so a tool that hangs, or leaves a child behind, is ended whole: SIGTERM to the group,
then SIGKILL. One runner for every layer that starts a tool; argument lists only, never a shell.
"""
from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
from typing import Sequence

from studio.core.errors import StudioError


class ToolTimedOut(StudioError):
    """A tool ran past its time limit; it and every process it started were ended."""

    def __init__(self, what: str, timeout_s: float, output: str = ""):
        self.output = output
        super().__init__(f"{what} did not finish within {timeout_s:g} s; it was stopped")


# the groups popen_group started and nobody has ended yet: ended too when this program is
# stopped by a signal or exits (end_groups_with_program), so no emulator outlives a killed verb
_LIVE: dict[int, subprocess.Popen] = {}
_LIVE_LOCK = threading.Lock()
_INSTALLED = False


def _forget(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.pop(proc.pid, None)


def end_all_groups() -> int:
    """SIGKILLs every process group started here and not yet ended; how many there were."""
    with _LIVE_LOCK:
        procs = list(_LIVE.values())
        _LIVE.clear()
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return len(procs)


def end_groups_with_program() -> None:
    """Called once by a command-line entry point (in the main thread): SIGTERM, SIGHUP or a normal
    exit end every tool group still running (an emulator, a compiler) before the program goes.
    SIGKILL of this program cannot be caught; the groups then stay (their own timeouts end them)."""
    global _INSTALLED
    if _INSTALLED or threading.current_thread() is not threading.main_thread():
        return
    _INSTALLED = True
    atexit.register(end_all_groups)

    def stop(signum, _frame):
        end_all_groups()
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def end_group(proc: subprocess.Popen, grace_s: float = 3.0) -> None:
    """Ends ``proc``'s whole process group (it was started with ``start_new_session``)."""
    _forget(proc)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(timeout=grace_s)
            if sig == signal.SIGTERM:
                # the leader is gone; its children may not be: make sure
                os.killpg(proc.pid, signal.SIGKILL)
            break
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            break


def popen_group(argv: Sequence[str], **kwargs) -> subprocess.Popen:
    """``subprocess.Popen`` in a new session (its own process group), for ``end_group``."""
    proc = subprocess.Popen(list(argv), start_new_session=True, **kwargs)
    with _LIVE_LOCK:
        _LIVE[proc.pid] = proc
    return proc


def run_limited(argv: Sequence[str], timeout_s: float, what: str | None = None, *, cwd=None, env=None,
                text: bool = True) -> subprocess.CompletedProcess:
    """Runs ``argv`` to completion capturing stdout and stderr, like ``subprocess.run``; past
    ``timeout_s`` (or on any interruption) its whole process group is ended and ToolTimedOut raised.
    FileNotFoundError when the program does not exist."""
    proc = popen_group(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       cwd=cwd, env=env, text=text)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        end_group(proc)
        out, err = proc.communicate()
        raise ToolTimedOut(what or os.path.basename(str(argv[0])), timeout_s, (out or "") + (err or "")) from None
    except BaseException:
        end_group(proc)
        raise
    # a child the tool left running (still in its group) must not outlive it
    _forget(proc)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)
