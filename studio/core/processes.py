"""External tools (compiler, make, emulator, flashers) run with a time limit in a process group of
their own, so a tool that hangs, or leaves a child behind, is ended whole: SIGTERM to the group,
then SIGKILL. One runner for every layer that starts a tool; argument lists only, never a shell.
"""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Sequence

from studio.core.errors import StudioError


class ToolTimedOut(StudioError):
    """A tool ran past its time limit; it and every process it started were ended."""

    def __init__(self, what: str, timeout_s: float, output: str = ""):
        self.output = output
        super().__init__(f"{what} did not finish within {timeout_s:g} s; it was stopped")


def end_group(proc: subprocess.Popen, grace_s: float = 3.0) -> None:
    """Ends ``proc``'s whole process group (it was started with ``start_new_session``)."""
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
    return subprocess.Popen(list(argv), start_new_session=True, **kwargs)


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
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)
