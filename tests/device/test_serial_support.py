"""Pretend boards for the serial tests and bench: real byte streams through a pty or a TCP socket.

Not mocks: the link under test opens the pty slave (by a stable symlink, as udev gives a board a
stable /dev/serial/by-id path) or connects to the socket, exactly as it does a board or QEMU.
This module holds helpers only; its one test checks the pacing writer itself.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import tty

from studio.device.protocol import encode_message


def inference_line(seq: int) -> bytes:
    return encode_message({"type": "inference", "seq": seq, "label": "yes" if seq % 2 else "no",
                           "index": seq % 2, "scores": [0.25, 0.75] if seq % 2 else [0.75, 0.25],
                           "dsp_us": 812, "model_us": 4031})


class PtyDevice:
    """A pty whose slave is reachable at ``link_path``; :meth:`replug` is the board going away and
    coming back as a new tty behind the same path."""

    def __init__(self, link_path: str):
        self.link_path = link_path
        self.master = self.slave = -1
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # what a UART delivers: no line editing, no echo, CR left alone
        tmp = self.link_path + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.link_path)
        self.master, self.slave = master, slave

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1

    def replug(self) -> None:
        self.unplug()
        self.plug()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def close(self) -> None:
        self.unplug()
        if os.path.lexists(self.link_path):
            os.unlink(self.link_path)


class SocketDevice:
    """A TCP server on 127.0.0.1 that serves one client at a time, like QEMU's ``-serial tcp:``.

    While "stopped" the port stays bound without listening: connections are refused as from a dead
    server, yet no other process on this shared machine (another test's QEMU picking a free port)
    can take the port, and the link's own retries cannot self-connect to it."""

    def __init__(self, port: int = 0, nodelay: bool = False):
        self.port = port
        # QEMU's -serial tcp: leaves Nagle on unless given nodelay=on; the default mirrors that
        self.nodelay = nodelay
        self.listener: socket.socket | None = None
        self.conn: socket.socket | None = None
        self.placeholder: socket.socket | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _bound(self) -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        self.port = s.getsockname()[1]
        return s

    def start(self) -> None:
        if self.placeholder is not None:
            self.placeholder.close()
            self.placeholder = None
        s = self._bound()
        s.listen(1)
        self.listener = s

    def accept(self, timeout_s: float = 10.0) -> None:
        assert self.listener is not None
        self.listener.settimeout(timeout_s)
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(None)
        if self.nodelay:
            self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(data)

    def stop(self) -> None:
        """The server goes away (the port is kept, see the class doc)."""
        for s in (self.conn, self.listener):
            if s is not None:
                s.close()
        self.conn = self.listener = None
        if self.placeholder is None:
            self.placeholder = self._bound()

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Releases everything, the port included."""
        self.stop()
        if self.placeholder is not None:
            self.placeholder.close()
            self.placeholder = None


def write_paced(write, lines_per_s: float, duration_s: float, first_seq: int = 0,
                batch_s: float = 0.01) -> int:
    """Writes inference lines at a steady rate (in 10 ms batches, as a UART drains a FIFO);
    returns the next sequence number."""
    seq = first_seq
    total = int(lines_per_s * duration_s)
    start = time.monotonic()
    while seq - first_seq < total:
        due = min(total, int((time.monotonic() - start) * lines_per_s) + 1)
        batch = b"".join(inference_line(first_seq + i) for i in range(seq - first_seq, due))
        if batch:
            write(batch)
            seq = first_seq + due
        time.sleep(batch_s)
    return seq


def wait_until(predicate, timeout_s: float = 10.0, poll_s: float = 0.01) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(poll_s)
    return predicate()


class Collector:
    """Thread-safe sink for messages and state events from a link."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.events = []

    def on_message(self, m) -> None:
        with self.lock:
            self.messages.append(m)

    def on_state(self, e) -> None:
        with self.lock:
            self.events.append(e)

    def seqs(self) -> list[int]:
        with self.lock:
            return [m.data["seq"] for m in self.messages if m.kind == "inference"]

    def count_state(self, state) -> int:
        with self.lock:
            return sum(1 for e in self.events if e.state == state)


def test_write_paced_writes_the_requested_number_of_lines():
    out = []
    assert write_paced(out.append, 1000, 0.05) == 50
    assert b"".join(out).count(b"\n") == 50
