"""What every flasher shares: the error type, the registry by method name, running an external
tool with its output streamed line by line (cancellable), progress parsing and failure mapping.

A flasher is one class registered under a board profile's ``flash_method``; it only says how to
build the tool's argument list, which image format it loads, and which of the tool's messages
mean what. Running, streaming, cancelling and explaining failures happen here, once.
"""
from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable

from studio.core.boards import Board
from studio.core.errors import StudioError
from studio.core.flash_methods import FLASH_METHODS
from studio.core.processes import end_group, popen_group
from studio.device.protocol import LineAssembler

OutputCallback = Callable[[str], None]
ProgressCallback = Callable[[float], None]

# How many of the tool's last lines a failure message quotes.
TAIL_LINES = 12
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s?%")


class FlashError(StudioError):
    """Flashing failed; ``kind`` is one of ``tool-missing``, ``no-device``, ``wrong-port``,
    ``permission``, ``verify``, ``bad-image``, ``bad-option``, ``cancelled``, ``timeout``,
    ``failed``. ``output`` holds the tool's last lines."""

    def __init__(self, message: str, kind: str = "failed", output: Iterable[str] = ()):
        super().__init__(message)
        self.kind = kind
        self.output = tuple(output)


@dataclass(frozen=True)
class FlashResult:
    method: str
    image: Path
    port: str | None
    duration_s: float
    output: tuple[str, ...] = ()
    # where to read the board's serial output afterwards, if the flasher knows (the emulator)
    serial_url: str | None = None
    # a running emulator (studio.device.emulator.Emulator) the caller must stop()
    session: Any = None


@dataclass(frozen=True)
class ToolRun:
    """One finished run of an external tool."""

    argv: tuple[str, ...]
    returncode: int | None
    lines: tuple[str, ...]
    cancelled: bool
    timed_out: bool
    duration_s: float

    @property
    def tail(self) -> tuple[str, ...]:
        return self.lines[-TAIL_LINES:]


@dataclass(frozen=True)
class Failure:
    """A tool message (regex, case-insensitive) and what it means for the user. ``message`` may
    use ``{port}``, ``{tool}``, ``{board}``, ``{ports}`` (the ports found) and the regex's named
    groups."""

    pattern: str
    kind: str
    message: str
    # also a failure when the tool exits 0 (verify messages; tools that exit 0 whatever happened)
    always: bool = False


def clean_line(raw: bytes) -> str:
    return _ANSI.sub("", raw.decode("utf-8", errors="replace")).rstrip()


def run_tool(argv: list[str], on_line: OutputCallback | None = None, cancel: threading.Event | None = None,
             timeout_s: float | None = None, keep_lines: int = 2000, env: dict[str, str] | None = None,
             cwd: str | os.PathLike | None = None) -> ToolRun:
    """Runs ``argv`` (no shell), calling ``on_line`` for every line of its stdout+stderr as it
    comes (CR-separated progress updates count as lines). Setting ``cancel`` or running past
    ``timeout_s`` terminates the tool. Raises FileNotFoundError if the program does not exist."""
    start = time.monotonic()
    proc = popen_group(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, cwd=cwd)
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    assembler = LineAssembler()
    lines: deque[str] = deque(maxlen=keep_lines)
    cancelled = timed_out = False

    def emit(raw_lines: list[bytes]) -> None:
        for raw in raw_lines:
            text = clean_line(raw)
            if text:
                lines.append(text)
                if on_line is not None:
                    on_line(text)

    try:
        while True:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            if timeout_s is not None and time.monotonic() - start > timeout_s:
                timed_out = True
                break
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                if proc.poll() is not None:
                    break  # exited, and a child it left behind keeps the pipe open: do not wait on it
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break  # the tool closed its output: it has exited (or is about to)
            emit(assembler.feed(chunk))
    finally:
        if proc.poll() is None and (cancelled or timed_out):
            _end(proc)
        emit(assembler.flush())
        try:
            returncode = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # closed its output but hangs on: do not wait forever
            _end(proc)
            returncode = proc.returncode
        proc.stdout.close()
    return ToolRun(tuple(argv), returncode, tuple(lines), cancelled, timed_out, time.monotonic() - start)


def _end(proc: subprocess.Popen) -> None:
    end_group(proc)   # the tool's own children (a flasher's helper) too


def percent_in(line: str) -> float | None:
    """The last percentage in a progress line (``[====>   ] 42%``, ``(42 %)``) as 0..1."""
    found = _PERCENT.findall(line)
    if not found:
        return None
    value = float(found[-1])
    return value / 100.0 if value <= 100 else None


# --- registry ------------------------------------------------------------------------------------

_REGISTRY: dict[str, type[Flasher]] = {}


def register_flasher(method: str):
    """Class decorator: the flasher for board profiles whose ``flash_method`` is ``method``."""
    if method not in FLASH_METHODS:
        raise ValueError(f"flash method '{method}' is not declared in studio.core.flash_methods")

    def decorate(cls: type[Flasher]) -> type[Flasher]:
        if method in _REGISTRY and _REGISTRY[method] is not cls:
            raise ValueError(f"two flashers registered for '{method}'")
        cls.method = method
        _REGISTRY[method] = cls
        return cls
    return decorate


def flasher_methods() -> list[str]:
    return sorted(_REGISTRY)


def flasher_class(method: str) -> type[Flasher]:
    if method == "none":
        raise FlashError("this board is not flashed by TinyML Studio: load build/firmware.bin with the "
                         "vendor's tool (the generated project's README says how)", "bad-option")
    if method not in _REGISTRY:
        raise FlashError(f"no flasher for method '{method}' (known: {', '.join(flasher_methods())})",
                         "bad-option")
    return _REGISTRY[method]


# --- the base class ------------------------------------------------------------------------------

class Flasher:
    """Flashes one board with one method. Subclasses set the class attributes and
    :meth:`command`; the rest is shared."""

    method: ClassVar[str] = ""
    tool: ClassVar[str] = ""               # the program looked up on PATH
    install: ClassVar[str] = ""            # the exact command that installs it
    image_suffix: ClassVar[str] = ".bin"   # the image format the tool loads
    failures: ClassVar[tuple[Failure, ...]] = ()
    default_timeout_s: ClassVar[float] = 300.0

    def __init__(self, board: Board):
        self.board = board
        self.options: dict[str, Any] = dict(board.flash_options)

    # -- what subclasses provide --

    def command(self, image: Path, port: str | None) -> list[str]:
        raise NotImplementedError

    def resolve_port(self, port: str | None, on_output: OutputCallback) -> str | None:
        """The port (or drive, or probe) to use; default: whatever the caller gave."""
        return port

    def progress(self, line: str) -> float | None:
        return percent_in(line)

    # -- shared --

    def executable(self) -> str:
        found = shutil.which(self.tool)
        if found is None:
            raise FlashError(f"'{self.tool}' was not found on PATH; install it with: {self.install}",
                             "tool-missing")
        return found

    def image_for(self, image: Path) -> Path:
        """The sibling of ``image`` in the format this tool loads (build/firmware.elf ->
        build/firmware.bin)."""
        image = Path(image)
        candidate = image if image.suffix == self.image_suffix else image.with_suffix(self.image_suffix)
        if not candidate.is_file():
            raise FlashError(f"{candidate}: no {self.image_suffix} image to flash; build the project first "
                             "(tinyml-studio build PROJECT --out DIR)", "bad-image")
        return candidate

    def flash(self, image: Path, port: str | None = None, *, on_output: OutputCallback | None = None,
              on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
              timeout_s: float | None = None) -> FlashResult:
        """Flashes ``image``, streaming the tool's output; raises :class:`FlashError` with the fix."""
        say = on_output or (lambda _line: None)
        image = self.image_for(Path(image))
        port = self.resolve_port(port, say)
        argv = self.command(image, port)
        say("$ " + " ".join(shlex.quote(a) for a in argv))

        def on_line(line: str) -> None:
            say(line)
            if on_progress is not None:
                fraction = self.progress(line)
                if fraction is not None:
                    on_progress(fraction)

        try:
            run = run_tool(argv, on_line, cancel, timeout_s or self.default_timeout_s, env=_tool_env())
        except FileNotFoundError:
            raise FlashError(f"'{argv[0]}' was not found; install it with: {self.install}", "tool-missing") from None
        except PermissionError:
            raise FlashError(f"'{argv[0]}' is not executable (check its permissions)", "tool-missing") from None
        self.check(run, port)
        return FlashResult(self.method, image, port, run.duration_s, run.tail)

    def check(self, run: ToolRun, port: str | None) -> None:
        """Raises the FlashError that explains a failed run; returns for a good one."""
        if run.cancelled:
            raise FlashError("flashing was cancelled; the board may hold a partial image, flash again "
                             "before running it", "cancelled", run.tail)
        if run.timed_out:
            raise FlashError(f"{self.tool} did not finish in {run.duration_s:.0f} s and was stopped:\n"
                             + "\n".join(run.tail), "timeout", run.tail)
        failed = run.returncode != 0
        for failure in self.failures:
            if not failed and not (failure.always or failure.kind == "verify"):
                continue
            for line in run.lines:
                m = re.search(failure.pattern, line, re.IGNORECASE)
                if m:
                    fields = {"port": port or "the port", "tool": self.tool, "board": self.board.name,
                              **{k: v for k, v in m.groupdict().items() if v is not None}}
                    if "{ports}" in failure.message:
                        from studio.device.ports import ports_summary
                        fields["ports"] = ports_summary()
                    raise FlashError(failure.message.format(**fields), failure.kind, run.tail)
        if failed:
            raise FlashError(f"{self.tool} failed (exit code {run.returncode}); its last lines:\n"
                             + "\n".join(run.tail), "failed", run.tail)


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    # plain output: colour codes and box drawing get in the way of line-by-line parsing
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", "PYTHONUNBUFFERED": "1"})
    return env
