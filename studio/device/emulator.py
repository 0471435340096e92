"""Running firmware on the emulated Cortex-M4F board (QEMU mps2-an386).

QEMU runs with ``-icount shift=0``: every guest instruction advances virtual time by exactly 1 ns,
so timings measured inside the firmware (SysTick, clocked at the board's ``clock_hz`` in virtual
time) are deterministic. The firmware (``tms_timer.c``) scales SysTick ticks by ``1e9 / clock_hz``
(40 on the 25 MHz mps2) so its ``*_cycles`` are instructions and its ``*_us`` the time at the
profile's clock with one instruction per cycle. The serial port is a TCP server QEMU opens
on a free local port and holds the guest until a reader connects, so no output is lost; the
firmware ends its run with a semihosting exit, which becomes QEMU's exit code.

Parts the firmware reads through a driver are attached as QEMU's own I2C device models
(``EmulatedI2CDevice``: which part, at which address, reading which value, as the caller's sensor
binding says; ``QEMU_I2C_MODELS`` maps a part to QEMU's model and the QOM property that sets its
reading). QEMU 7.2 puts a ``-device`` I2C model on the last I2C bus the machine made, and there is no
unambiguous ``bus=`` name for the others: on mps2 that is the SBCon at 0x4002A000, bus ``i2c3`` of
``codegen/runtime/board/mps2_i2c.c`` (checked with ``info qtree``).

``sleep=off`` (``warp_idle``, the default): while the guest sleeps (WFI until its next sample tick,
``tms_power.c``) virtual time jumps to the next timer deadline at once instead of passing in real
time (QEMU's default, ``sleep=on``). A run paced at the sensor's rate then takes the wall time of the
instructions it executes, not of the seconds of audio it replays, and the time asleep stays
deterministic. A host-stream run passes ``warp_idle=False``: there the guest sleeps waiting for the
host's bytes, which come in real time, and warping would only spin QEMU through SysTick wraps
while it waits (measured: 4.0 instead of 17.1 kB/s streamed).
"""
from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

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
EXIT_SENSOR_ERROR = 4

# part -> (QEMU 7.2 device model, the QOM property that sets its reading, property units per unit of
# the node's value): QEMU's tmp105 takes its temperature in milli-degrees Celsius
QEMU_I2C_MODELS = {"tmp105": ("tmp105", "temperature", 1000.0)}
# the bus (board numbering) where QEMU's -device I2C models land, per machine
QEMU_I2C_BUS = {"mps2-an385": 3, "mps2-an386": 3, "mps2-an500": 3, "mps2-an505": 3}


@dataclass(frozen=True)
class EmulatedI2CDevice:
    """A part on the emulated board's I2C bus 0, reading ``value`` (in the node's unit, e.g. degC)."""

    part: str
    address: int
    value: float | None = None
    bus: int = 3

    def qemu_args(self, machine: str = "mps2-an386", index: int = 0) -> list[str]:
        if self.part not in QEMU_I2C_MODELS:
            raise EmulatorError(f"QEMU has no model of the part '{self.part}' "
                                f"(it emulates: {', '.join(QEMU_I2C_MODELS)})")
        if not 0x08 <= self.address <= 0x77:
            raise EmulatorError(f"I2C address 0x{self.address:02x} is outside 0x08..0x77")
        if QEMU_I2C_BUS.get(machine) != self.bus:
            raise EmulatorError(f"QEMU attaches I2C parts to bus i2c{QEMU_I2C_BUS.get(machine)} of {machine} "
                                f"only; put the {self.part} there (it is on i2c{self.bus})")
        # the reading is set over QMP once the machine is reset (a reset zeroes what -device set)
        return ["-device", f"{QEMU_I2C_MODELS[self.part][0]},address=0x{self.address:02x},id={qom_id(index)}"]

    def qom_value(self) -> int:
        """The reading in the units of the QEMU model's property."""
        return round(self.value * QEMU_I2C_MODELS[self.part][2])


def qom_id(index: int) -> str:
    return f"tms_i2c{index}"


class _Qmp:
    """QEMU's machine protocol on a unix socket: JSON commands, one reply each (events are skipped)."""

    def __init__(self, path: Path, timeout_s: float):
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise EmulatorError("QEMU's machine protocol socket did not open") from None
                time.sleep(0.02)
        self.sock.settimeout(None)  # the greeting comes once the guest's serial reader has connected
        self.reader = self.sock.makefile("r", encoding="utf-8")
        self.lock = threading.Lock()
        self._reply()  # greeting
        self.command("qmp_capabilities")

    def _reply(self) -> dict:
        while True:
            line = self.reader.readline()
            if not line:
                raise EmulatorError("QEMU closed its machine protocol socket")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, name: str, **arguments) -> dict:
        with self.lock:
            self.sock.sendall((json.dumps({"execute": name, "arguments": arguments} if arguments
                                          else {"execute": name}) + "\n").encode())
            reply = self._reply()
        if "error" in reply:
            raise EmulatorError(f"QEMU refused {name}: {reply['error'].get('desc', reply['error'])}")
        return reply.get("return", {})

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


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
    if code == EXIT_SENSOR_ERROR:
        return f"stopped because a sensor did not answer (exit status {code})"
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
                 i2c_devices: Sequence[EmulatedI2CDevice] = (), warp_idle: bool = True):
        self.elf = Path(elf)
        if machine not in _MACHINE_CPUS:
            raise EmulatorError(f"machine '{machine}' is not supported; use one of {', '.join(_MACHINE_CPUS)}")
        if not self.elf.is_file():
            raise EmulatorError(f"{self.elf}: no firmware image (build it first)")
        self.machine = machine
        self.warp_idle = warp_idle
        self.start_timeout_s = start_timeout_s
        self.i2c_devices = tuple(i2c_devices)
        self.device_args = [arg for i, device in enumerate(self.i2c_devices) for arg in device.qemu_args(machine, i)]
        self.port = 0
        self._proc: subprocess.Popen | None = None
        self._qmp_dir: tempfile.TemporaryDirectory | None = None
        self._qmp: _Qmp | None = None
        self._qmp_error: BaseException | None = None
        self._qmp_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def command(self, port: int) -> list[str]:
        return [str(qemu_system_arm()), "-machine", self.machine, "-cpu", _MACHINE_CPUS[self.machine],
                "-nographic", "-monitor", "none", "-semihosting-config", "enable=on,target=native",
                "-icount", f"shift={ICOUNT_SHIFT},sleep={'off' if self.warp_idle else 'on'}",
                "-serial", f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on",
                *self.device_args, *self._qmp_args(), "-kernel", str(self.elf)]

    def _qmp_args(self) -> list[str]:
        """With I2C parts: the guest starts paused (-S) and the machine protocol socket sets the parts'
        readings, then continues it (``_start_parts``)."""
        if not self.i2c_devices:
            return []
        if self._qmp_dir is None:
            self._qmp_dir = tempfile.TemporaryDirectory(prefix="tms-qmp-")
        return ["-S", "-qmp", f"unix:{Path(self._qmp_dir.name) / 'qmp.sock'},server=on,wait=off"]

    def _start_parts(self) -> None:
        try:
            self._qmp = _Qmp(Path(self._qmp_dir.name) / "qmp.sock", self.start_timeout_s)
            for i, device in enumerate(self.i2c_devices):
                if device.value is not None:
                    self._set(i, device)
            self._qmp.command("cont")
        except (EmulatorError, OSError, ValueError) as e:
            self._qmp_error = e

    def _set(self, index: int, device: EmulatedI2CDevice) -> None:
        self._qmp.command("qom-set", path=f"/machine/peripheral/{qom_id(index)}",
                          property=QEMU_I2C_MODELS[device.part][1], value=device.qom_value())

    def set_i2c_value(self, index: int, value: float) -> None:
        """Changes what the ``index``-th I2C part reads, while the guest runs."""
        if self._qmp_thread is not None:
            self._qmp_thread.join(self.start_timeout_s)
        if self._qmp is None:
            raise EmulatorError(f"the emulated parts are not reachable: {self._qmp_error or 'not started'}")
        self._set(index, EmulatedI2CDevice(self.i2c_devices[index].part, self.i2c_devices[index].address, value,
                                           self.i2c_devices[index].bus))

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
                if self.i2c_devices:
                    # QEMU answers its machine protocol once a reader has connected to the serial port
                    self._qmp_thread = threading.Thread(target=self._start_parts, daemon=True)
                    self._qmp_thread.start()
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
        if self._qmp is not None:
            self._qmp.close()
            self._qmp = None
        if self._qmp_dir is not None:
            self._qmp_dir.cleanup()
            self._qmp_dir = None
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


def run_lines(elf: Path, count: int, timeout_s: float = 30.0, machine: str = "mps2-an386",
              i2c_devices: Sequence[EmulatedI2CDevice] = ()) -> list[str]:
    """Runs ``elf`` and returns the first ``count`` lines it prints (fewer if it exits first)."""
    lines: list[str] = []
    buf = b""
    deadline = time.monotonic() + timeout_s
    with Emulator(elf, machine=machine, i2c_devices=i2c_devices) as emu:
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
