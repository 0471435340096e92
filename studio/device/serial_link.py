"""A live serial connection to a board or an emulator, robust to the device coming and going.

Owns opening a port (a device path or a pyserial URL such as ``socket://127.0.0.1:PORT``),
the reader loop that turns bytes into protocol messages, reconnection with backoff, and the
user-facing explanation when a port cannot be opened. No Qt: the UI runs :meth:`SerialLink.run`
(or :meth:`SerialLink.start`) on a worker thread and receives messages and state changes through
callbacks, which are called on the reader thread.
"""
from __future__ import annotations

import errno
import queue
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import Callable

import serial

from studio.core.errors import StudioError
from studio.device.protocol import Counters, LineAssembler, Message, parse_line

# One read takes at most this much; small enough that the loop stays responsive, large enough
# that 1,000 lines/s costs a few hundred reads per second, not tens of thousands.
READ_CHUNK_BYTES = 4096


class LinkState(str, Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True)
class LinkEvent:
    """A change of the link's state, with a sentence for the status bar."""

    state: LinkState
    message: str
    port: str


class SerialLinkError(StudioError):
    """A port that cannot be opened or read; ``reason`` says which kind so callers can decide
    whether waiting could help (``missing``, ``refused``) or not (``permission``, ``busy``)."""

    def __init__(self, message: str, reason: str = "io"):
        super().__init__(message)
        self.reason = reason


def is_url(port: str) -> bool:
    return "://" in port


def explain_open_error(port: str, exc: BaseException) -> SerialLinkError:
    """Turns pyserial's open failure into a message that says what to do."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code is None and isinstance(exc, serial.SerialException):
        # pyserial folds the OS error into the text for URLs and for the exclusive lock
        for name, value in (("Errno 111", errno.ECONNREFUSED), ("Errno 13", errno.EACCES),
                            ("Errno 2]", errno.ENOENT), ("Errno 16", errno.EBUSY),
                            ("Errno 11", errno.EAGAIN), ("FileNotFoundError(2", errno.ENOENT)):
            if name in text:
                code = value
                break
    if code == errno.EACCES:
        fix = ("add yourself to the dialout group: sudo usermod -aG dialout $USER, then log in again"
               if sys.platform.startswith("linux") else "check that your user may open serial ports")
        return SerialLinkError(f"permission denied opening {port}: {fix}", "permission")
    # Windows says "Access is denied" for a COM port another program holds
    if code in (errno.EBUSY, errno.EAGAIN) or "exclusively lock" in text or "Access is denied" in text:
        return SerialLinkError(
            f"{port} is busy: another program has it open (a serial monitor, screen, minicom, the "
            "Arduino IDE or ModemManager); close it and try again", "busy")
    if code == errno.ECONNREFUSED:
        return SerialLinkError(
            f"nothing is listening at {port}: is the emulator (or the serial server) running?", "refused")
    if code == errno.ENOENT and not is_url(port):
        return SerialLinkError(f"no such port {port}; {_ports_found()}", "missing")
    return SerialLinkError(f"cannot open {port}: {text}", "io")


def _ports_found() -> str:
    from studio.device.ports import ports_summary
    return ports_summary()


def open_port(port: str, baud: int = 115200) -> serial.SerialBase:
    """Opens a port for non-blocking reads; raises :class:`SerialLinkError` with the fix."""
    try:
        # exclusive: two programs reading one UART each get half the bytes; refuse instead
        kwargs = {} if is_url(port) else {"exclusive": True}
        ser = serial.serial_for_url(port, baudrate=baud, timeout=0, do_not_open=True, **kwargs)
        if is_url(port):
            # pyserial's socket open() discards whatever already arrived; an emulator starts
            # printing as soon as we connect, so that would eat its hello line.
            ser.reset_input_buffer = lambda: None
        ser.open()
        if is_url(port):
            del ser.reset_input_buffer
            sock = getattr(ser, "_socket", None)
            if sock is not None and sock.getsockname() == sock.getpeername():
                # TCP "simultaneous open": retrying a dead local port from the ephemeral range can
                # connect a socket to itself; that is no server, so treat it as refused
                close_port(ser)
                raise SerialLinkError(f"nothing is listening at {port}: is the emulator (or the serial "
                                      "server) running?", "refused")
        return ser
    except (serial.SerialException, OSError, ValueError) as e:
        raise explain_open_error(port, e) from None


def close_port(ser: serial.SerialBase) -> None:
    """Closes a port, ignoring a device that is already gone."""
    sock = getattr(ser, "_socket", None)
    if sock is not None:
        # pyserial's socket close() sleeps 0.3 s "for quick reconnects"; that would stall stop()
        # in the UI and every reconnect, and our backoff already paces reconnects.
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the peer already closed it
        sock.close()
        ser._socket = None
        ser.is_open = False
        return
    try:
        ser.close()
    except (serial.SerialException, OSError):
        pass  # the device is already gone; nothing left to release


class SerialLink:
    """Reads protocol messages from one port until stopped, reconnecting when the device goes.

    ``on_message(Message)`` and ``on_state(LinkEvent)`` are called on the reader thread. Without
    ``on_message`` the messages go to :attr:`messages` (a queue the caller drains).

    ``give_up_after_s``: ``None`` retries forever (the UI: the user may plug the board in later);
    a number makes :meth:`run` give up when the port cannot be opened for that long — raising
    :class:`SerialLinkError` if it never connected, returning if the stream ended after it did.
    """

    def __init__(self, port: str, baud: int = 115200, *,
                 on_message: Callable[[Message], None] | None = None,
                 on_state: Callable[[LinkEvent], None] | None = None,
                 reconnect: bool = True,
                 give_up_after_s: float | None = None,
                 backoff_initial_s: float = 0.05,
                 backoff_max_s: float = 1.0,
                 poll_s: float = 0.05):
        self.port = port
        self.baud = baud
        self.on_message = on_message
        self.on_state = on_state
        self.reconnect = reconnect
        self.give_up_after_s = give_up_after_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.poll_s = poll_s
        self.messages: queue.Queue[Message] = queue.Queue()
        self.counters = Counters()
        self.connections = 0
        # why the last attempt to open the port failed (None once it opened)
        self.last_error: SerialLinkError | None = None
        self.state = LinkState.STOPPED
        self._stop = threading.Event()
        self._serial: serial.SerialBase | None = None
        self._assembler = LineAssembler()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()

    # --- control ---------------------------------------------------------------------------

    def start(self) -> threading.Thread:
        """Runs the reader loop on a daemon thread (errors surface as state events)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run_quietly, name=f"serial {self.port}", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, join_timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(join_timeout_s)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def send(self, data: bytes) -> None:
        """Writes to the device (e.g. a command line); raises if the link is down."""
        with self._write_lock:
            ser = self._serial
            if ser is None:
                raise SerialLinkError(f"{self.port} is not connected", "io")
            try:
                ser.write(data)
            except (serial.SerialException, OSError) as e:
                raise SerialLinkError(f"cannot write to {self.port}: {e}", "io") from None

    # --- the loop --------------------------------------------------------------------------

    def _run_quietly(self) -> None:
        try:
            self.run()
        except SerialLinkError:
            pass  # run() has already reported it as the STOPPED event's message
        except Exception as e:
            # a bug in a callback: the status bar must not go on saying "connected"; the
            # traceback still reaches threading.excepthook
            self._set_state(LinkState.STOPPED, f"the serial reader stopped on an internal error: {e!r}")
            raise

    def run(self) -> None:
        """The reader loop; blocks until :meth:`stop`, or until it gives up (see class doc).
        A stop requested before the loop starts is honoured (it returns at once)."""
        delay_s = self.backoff_initial_s
        failing_since = time.monotonic()
        ever_connected = False
        self._set_state(LinkState.CONNECTING, f"opening {self.port}")
        while not self._stop.is_set():
            try:
                ser = open_port(self.port, self.baud)
            except SerialLinkError as e:
                self.last_error = e
                waited_s = time.monotonic() - failing_since
                # waiting does not fix permissions; a busy or missing port may free up or appear
                hopeless = e.reason == "permission" and not ever_connected
                if (not self.reconnect or hopeless
                        or (self.give_up_after_s is not None and waited_s >= self.give_up_after_s)):
                    if ever_connected:
                        self._set_state(LinkState.STOPPED, f"{self.port} did not come back: {e.message}")
                        return
                    self._set_state(LinkState.STOPPED, e.message)
                    raise
                self._set_state(LinkState.RECONNECTING, f"{e.message} (retrying in {delay_s:.2f} s)")
                self._stop.wait(delay_s)
                delay_s = min(delay_s * 2, self.backoff_max_s)
                continue
            ever_connected = True
            self.last_error = None
            self.connections += 1
            delay_s = self.backoff_initial_s
            with self._write_lock:
                self._serial = ser
            self._assembler.reset()
            self._set_state(LinkState.CONNECTED, f"connected to {self.port}")
            try:
                reason = self._read_until_gone(ser)
            finally:  # also on Ctrl-C or a callback's exception: release the port
                with self._write_lock:
                    self._serial = None
                close_port(ser)
            # a line cut by the disconnect is still shown (as malformed, usually)
            for line in self._assembler.flush():
                self._deliver(parse_line(line))
            if self._stop.is_set():
                break
            self._set_state(LinkState.DISCONNECTED, reason)
            if not self.reconnect:
                break
            failing_since = time.monotonic()
            self._set_state(LinkState.RECONNECTING, f"waiting for {self.port} to come back")
        self._set_state(LinkState.STOPPED, "stopped")

    def _read_until_gone(self, ser: serial.SerialBase) -> str:
        """Reads until the device goes away or we are stopped; returns why it ended. Only the
        I/O is guarded: an exception from a callback is a bug to see, not a disconnect."""
        try:
            fd = ser.fileno()
        except (AttributeError, OSError, serial.SerialException):
            fd = None
        while not self._stop.is_set():
            try:
                data = self._read_available(ser, fd)
            except (serial.SerialException, OSError, ValueError) as e:
                # ValueError: select() on an fd closed under us by a concurrent close()
                return f"{self.port} disconnected: {e}"
            if data:
                for line in self._assembler.feed(data):
                    self._deliver(parse_line(line))
        return "stopped"

    def _read_available(self, ser: serial.SerialBase, fd: int | None) -> bytes:
        """What has arrived, waiting at most ``poll_s`` for something to."""
        if fd is not None:
            ready, _, _ = select.select([fd], [], [], self.poll_s)
            # timeout=0 makes this one os.read/recv of what is there. A larger blocking read would
            # lose its partial bytes if the device vanished halfway through it.
            return ser.read(READ_CHUNK_BYTES) if ready else b""
        waiting = ser.in_waiting
        if not waiting:
            self._stop.wait(self.poll_s / 5)
            return b""
        return ser.read(min(waiting, READ_CHUNK_BYTES))

    def _deliver(self, message: Message) -> None:
        self.counters.add(message)
        if self.on_message is not None:
            self.on_message(message)
        else:
            self.messages.put(message)

    def _set_state(self, state: LinkState, message: str) -> None:
        self.state = state
        if self.on_state is not None:
            self.on_state(LinkEvent(state, message, self.port))
