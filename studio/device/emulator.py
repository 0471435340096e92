"""Running firmware on the emulated Cortex-M4F board (QEMU mps2-an386).

QEMU runs with ``-icount shift=0``: every guest instruction advances virtual time by exactly 1 ns,
so timings measured inside the firmware (SysTick, clocked at the board's ``clock_hz`` in virtual
time) are deterministic. The firmware (``tms_timer.c``) scales SysTick ticks by ``1e9 / clock_hz``
(40 on the 25 MHz mps2) so its ``*_cycles`` are instructions and its ``*_us`` the time at the
profile's clock with one instruction per cycle. The serial port is a TCP server QEMU opens
on a free local port and holds the guest until a reader connects, so no output is lost; the
firmware ends its run with a semihosting exit, which becomes QEMU's exit code.

``sleep=off`` (``warp_idle``, the default): while the guest sleeps (WFI until its next sample tick,
``tms_power.c``) virtual time jumps to the next timer deadline at once instead of passing in real
time (QEMU's default, ``sleep=on``). A run paced at the sensor's rate then takes the wall time of the
instructions it executes, not of the seconds of audio it replays, and the time asleep stays
deterministic. A host-stream run passes ``warp_idle=False``: there the guest sleeps waiting for the
host's bytes, which come in real time, and warping would only spin QEMU through SysTick wraps
while it waits (measured: 4.0 instead of 17.1 kB/s streamed).
"""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.processes import end_group, popen_group
from studio.device.toolchain import qemu_system_arm

ICOUNT_SHIFT = 0
NS_PER_INSTRUCTION = 2 ** ICOUNT_SHIFT
_MACHINE_CPUS = {"mps2-an385": "cortex-m3", "mps2-an386": "cortex-m4", "mps2-an500": "cortex-m7",
                 "mps2-an505": "cortex-m33"}
# a fault handler in the firmware exits with this code (TMS_EXIT_FAULT in tms_board.h)
EXIT_FAULT = 3
EXIT_MODEL_ERROR = 2


class EmulatorError(StudioError):
    """QEMU could not start, or the run did not behave (no connection, timeout)."""


def describe_exit(code: int | None) -> str:
    """What the emulated board's exit status means, for a message."""
    import signal

    if code is None:
        return "did not exit"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name} (exit status {code})"
    if code == EXIT_FAULT:
        return f"stopped on a CPU fault (exit status {code})"
    if code == EXIT_MODEL_ERROR:
        return f"stopped because the model returned an error (exit status {code})"
    return f"exited with status {code}"


def instructions_from_cycles(cycles: int, clock_hz: int) -> int:
    """Guest instructions in a span the emulated firmware reported as ``cycles``: the same number, as
    its timer counts one instruction as one cycle of ``clock_hz`` (kept so callers need not know)."""
    del clock_hz
    return int(cycles)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """``with Emulator(elf) as emu:`` starts QEMU with the image; read ``emu.url`` (or ``connect()``);
    ``wait()`` returns the firmware's exit code; leaving the block stops QEMU."""

    def __init__(self, elf: Path, machine: str = "mps2-an386", start_timeout_s: float = 10.0,
                 warp_idle: bool = True):
        self.elf = Path(elf)
        if machine not in _MACHINE_CPUS:
            raise EmulatorError(f"machine '{machine}' is not supported; use one of {', '.join(_MACHINE_CPUS)}")
        if not self.elf.is_file():
            raise EmulatorError(f"{self.elf}: no firmware image (build it first)")
        self.machine = machine
        self.warp_idle = warp_idle
        self.start_timeout_s = start_timeout_s
        self.port = 0
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def command(self, port: int) -> list[str]:
        return [str(qemu_system_arm()), "-machine", self.machine, "-cpu", _MACHINE_CPUS[self.machine],
                "-nographic", "-monitor", "none", "-semihosting-config", "enable=on,target=native",
                "-icount", f"shift={ICOUNT_SHIFT},sleep={'off' if self.warp_idle else 'on'}", "-serial", f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on",
                "-kernel", str(self.elf)]

    def start(self) -> "Emulator":
        # the port is picked before QEMU binds it, so another process may take it in between; retry
        last_error = ""
        for _ in range(3):
            self.port = _free_port()
            # stdout would only carry semihosting console output; nobody reads it, so it must not
            # be a pipe that fills up and stalls the guest
            self._proc = popen_group(self.command(self.port), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_listening():
                return self
            last_error = self._collect_stderr()
        raise EmulatorError(f"QEMU did not open its serial port: {last_error or 'no message'}")

    def _wait_listening(self) -> bool:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            # QEMU prints nothing when its listener is up, so probe the listening socket table
            if _port_listening(self.port):
                return True
            time.sleep(0.02)
        return False

    def _collect_stderr(self) -> str:
        if self._proc is None:
            return ""
        if self._proc.poll() is None:
            end_group(self._proc)
        _, err = self._proc.communicate(timeout=5)
        self._proc = None
        return err.decode("utf-8", "replace").strip()

    def connect(self, timeout_s: float = 10.0) -> socket.socket:
        """A plain TCP connection to the guest's UART; connecting lets the guest start."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout_s)

    def wait(self, timeout_s: float = 60.0) -> int:
        """The firmware's exit code (semihosting), once QEMU has exited."""
        if self._proc is None:
            raise EmulatorError("the emulator is not running")
        try:
            return self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise EmulatorError(f"the firmware did not exit within {timeout_s:.0f} s") from None

    def stop(self) -> None:
        """Ends QEMU if it still runs (terminate, then kill)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            end_group(proc, grace_s=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _port_listening(port: int) -> bool:
    """True when something listens on 127.0.0.1:port, seen in /proc/net/tcp without connecting
    (a connection would be taken as the reader and start the guest)."""
    wanted = f"0100007F:{port:04X}"
    try:
        with open("/proc/net/tcp", encoding="ascii") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if len(parts) > 3 and parts[1] == wanted and parts[3] == "0A":  # 0A = LISTEN
                    return True
    except OSError:
        # no procfs (not Linux): fall back to giving QEMU a moment
        time.sleep(0.5)
        return True
    return False


def run_lines(elf: Path, count: int, timeout_s: float = 30.0, machine: str = "mps2-an386") -> list[str]:
    """Runs ``elf`` and returns the first ``count`` lines it prints (fewer if it exits first)."""
    lines: list[str] = []
    buf = b""
    deadline = time.monotonic() + timeout_s
    with Emulator(elf, machine=machine) as emu:
        with emu.connect(timeout_s) as sock:
            while len(lines) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EmulatorError(f"read {len(lines)} of {count} lines in {timeout_s:.0f} s")
                sock.settimeout(remaining)
                try:
                    chunk = sock.recv(4096)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf and len(lines) < count:
                    line, buf = buf.split(b"\n", 1)
                    lines.append(line.decode("utf-8", "replace").rstrip("\r"))
    return lines
