"""The serial link over real byte streams: a pty and a TCP socket, losses, garbage, reconnects."""
from __future__ import annotations

import os
import random
import socket
import sys
import threading

import pytest
import serial

from studio.device.protocol import MAX_LINE_BYTES
from studio.device.serial_link import (
    LinkState, SerialLink, SerialLinkError, close_port, explain_open_error, open_port,
)

# the pretend boards live next to this file; found by path so that pytest's import mode
# (prepend or importlib) does not matter
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serial_support import Collector, PtyDevice, SocketDevice, inference_line, wait_until, write_paced  # noqa: E402


@pytest.fixture
def pty_device(tmp_path):
    dev = PtyDevice(str(tmp_path / "ttyBOARD"))
    yield dev
    dev.close()


@pytest.fixture
def socket_device():
    dev = SocketDevice()
    yield dev
    dev.close()


def _start(port: str, **kw) -> tuple[SerialLink, Collector]:
    sink = Collector()
    link = SerialLink(port, on_message=sink.on_message, on_state=sink.on_state, **kw)
    link.start()
    return link, sink


def test_pty_link_receives_1000_lines_per_second_without_loss(pty_device):
    link, sink = _start(pty_device.link_path)
    try:
        assert wait_until(lambda: link.state == LinkState.CONNECTED)
        sent = write_paced(pty_device.write, 1000, 2.0)
        assert wait_until(lambda: len(sink.seqs()) >= sent)
        assert sink.seqs() == list(range(sent))
        assert link.counters.malformed == 0
    finally:
        link.stop()


def test_socket_link_receives_1000_lines_per_second_without_loss(socket_device):
    link, sink = _start(socket_device.url)
    try:
        socket_device.accept()
        sent = write_paced(socket_device.write, 1000, 2.0)
        assert wait_until(lambda: len(sink.seqs()) >= sent)
        assert sink.seqs() == list(range(sent))
    finally:
        link.stop()


def test_garbage_truncated_and_oversized_lines_are_counted_malformed(pty_device):
    link, sink = _start(pty_device.link_path)
    try:
        assert wait_until(lambda: link.state == LinkState.CONNECTED)
        pty_device.write(b"\xff\xfe\x01\x02garbage\x80\n")
        pty_device.write(b'{"type":"inference","seq":1,"lab\n')
        pty_device.write(b'{"type":"log","message":"' + b"x" * (MAX_LINE_BYTES + 100) + b'"}\n')
        pty_device.write(b"boot banner\r\n" + inference_line(5))
        assert wait_until(lambda: link.counters.lines >= 5)
        assert link.counters.summary() == {"type": "summary", "lines": 5, "parsed": 1, "malformed": 3}
        assert sink.seqs() == [5]
    finally:
        link.stop()


def test_link_reconnects_when_the_pty_is_replaced_behind_the_same_path(pty_device):
    link, sink = _start(pty_device.link_path)
    try:
        assert wait_until(lambda: link.state == LinkState.CONNECTED)
        pty_device.write(b"".join(inference_line(i) for i in range(100)))
        assert wait_until(lambda: len(sink.seqs()) == 100)
        pty_device.replug()
        assert wait_until(lambda: link.connections == 2 and link.state == LinkState.CONNECTED)
        pty_device.write(b"".join(inference_line(i) for i in range(100, 200)))
        assert wait_until(lambda: len(sink.seqs()) == 200)
        assert sink.seqs() == list(range(200))
        assert sink.count_state(LinkState.DISCONNECTED) == 1
    finally:
        link.stop()


def test_link_reconnects_when_the_socket_server_restarts_on_the_same_port(socket_device):
    link, sink = _start(socket_device.url)
    try:
        socket_device.accept()
        socket_device.write(b"".join(inference_line(i) for i in range(100)))
        assert wait_until(lambda: len(sink.seqs()) == 100)
        socket_device.stop()
        assert wait_until(lambda: sink.count_state(LinkState.RECONNECTING) >= 2)  # refused meanwhile
        socket_device.start()
        socket_device.accept()
        socket_device.write(b"".join(inference_line(i) for i in range(100, 200)))
        assert wait_until(lambda: len(sink.seqs()) == 200)
        assert sink.seqs() == list(range(200)) and link.connections == 2
    finally:
        link.stop()


def test_line_cut_by_a_disconnect_is_delivered_as_malformed(socket_device):
    link, sink = _start(socket_device.url)
    try:
        socket_device.accept()
        socket_device.write(inference_line(0) + b'{"type":"inference","se')
        socket_device.stop()
        assert wait_until(lambda: link.counters.lines == 2)
        assert (link.counters.parsed, link.counters.malformed) == (1, 1)
    finally:
        link.stop()


def test_lines_sent_the_moment_a_client_connects_are_kept():
    # QEMU starts printing as soon as we connect; plain pyserial open() discards what arrived
    # during it (about 1 in 5 hello lines here). The server is a forked process so that it
    # really races the open, as QEMU does.
    for _ in range(20):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        pid = os.fork()
        if pid == 0:  # child: the "emulator"
            try:
                conn, _ = listener.accept()
                conn.sendall(b"hello from the firmware\n")
                conn.close()
            finally:
                os._exit(0)
        port = listener.getsockname()[1]
        listener.close()
        ser = open_port(f"socket://127.0.0.1:{port}")
        try:
            ser.timeout = 5
            assert ser.read(24) == b"hello from the firmware\n"
        finally:
            close_port(ser)
            os.waitpid(pid, 0)


def test_stop_ends_the_reader_thread(pty_device):
    link, _ = _start(pty_device.link_path)
    assert wait_until(lambda: link.state == LinkState.CONNECTED)
    link.stop()
    assert link._thread is not None and not link._thread.is_alive()
    assert link.state == LinkState.STOPPED


def test_run_gives_up_and_returns_when_the_stream_ends_for_good(socket_device):
    link = SerialLink(socket_device.url, give_up_after_s=0.3)
    done = threading.Event()
    t = threading.Thread(target=lambda: (link.run(), done.set()), daemon=True)
    t.start()
    socket_device.accept()
    socket_device.write(inference_line(0))
    assert wait_until(lambda: link.counters.parsed == 1)
    socket_device.stop()
    assert done.wait(10)
    assert link.state == LinkState.STOPPED


def test_run_raises_when_the_port_never_appears(tmp_path):
    link = SerialLink(str(tmp_path / "ttyNONE"), give_up_after_s=0.2)
    with pytest.raises(SerialLinkError) as e:
        link.run()
    assert e.value.reason == "missing"


def test_missing_port_error_lists_the_ports_found(tmp_path):
    with pytest.raises(SerialLinkError) as e:
        open_port(str(tmp_path / "ttyACM9"))
    assert "no such port" in e.value.message and ("ports found" in e.value.message
                                                   or "no serial ports found" in e.value.message)


def test_busy_port_error_says_another_program_has_it(pty_device):
    first = open_port(pty_device.link_path)
    try:
        with pytest.raises(SerialLinkError) as e:
            open_port(pty_device.link_path)
        assert e.value.reason == "busy" and "another program" in e.value.message
    finally:
        close_port(first)


def test_refused_socket_error_asks_whether_the_emulator_runs(socket_device):
    url = socket_device.url
    socket_device.stop()
    with pytest.raises(SerialLinkError) as e:
        open_port(url)
    assert e.value.reason == "refused" and "emulator" in e.value.message


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_permission_denied_error_suggests_the_dialout_group(pty_device):
    # a pty slave belongs to its creator (root, mode 0620): 'nobody' may not read it, as a fresh
    # user may not read /dev/ttyACM0 before joining dialout. The interpreter lives under /root,
    # so the child is a fork that drops privileges rather than a new process.
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                open_port(os.path.realpath(pty_device.link_path))
                report = "opened"
            except SerialLinkError as e:
                report = f"{e.reason} {e.message}"
            os.write(write_fd, report.encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as r:
        report = r.read().decode()
    os.waitpid(pid, 0)
    assert report.startswith("permission"), report
    assert "sudo usermod -aG dialout $USER" in report


def test_stop_right_after_start_is_not_lost(pty_device):
    link, _ = _start(pty_device.link_path)
    link.stop()
    assert link._thread is not None and not link._thread.is_alive()


def test_state_events_tell_the_story_of_a_disconnect(socket_device):
    link, sink = _start(socket_device.url)
    try:
        socket_device.accept()
        assert wait_until(lambda: link.state == LinkState.CONNECTED)
        socket_device.stop()
        assert wait_until(lambda: sink.count_state(LinkState.RECONNECTING) >= 2)
    finally:
        link.stop()
    states = [e.state for e in sink.events]
    assert states[:4] == [LinkState.CONNECTING, LinkState.CONNECTED, LinkState.DISCONNECTED,
                          LinkState.RECONNECTING]
    assert states[-1] == LinkState.STOPPED
    assert "nothing is listening" in sink.events[4].message


def test_valid_lines_between_random_garbage_all_arrive(socket_device):
    rng = random.Random(1234)  # fixed seed: the same garbage on every run
    link, sink = _start(socket_device.url)
    try:
        socket_device.accept()
        for i in range(300):
            garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
            socket_device.write(garbage + b"\n" + inference_line(i))
        assert wait_until(lambda: len(sink.seqs()) >= 300)
        assert sink.seqs() == list(range(300))
        assert link.counters.malformed > 100 and link.state == LinkState.CONNECTED
    finally:
        link.stop()


def test_windows_access_denied_means_another_program_holds_the_port():
    # pyserial's serialwin32 words it so: the repr of ctypes.WinError()
    exc = serial.SerialException("could not open port 'COM3': PermissionError(13, 'Access is denied.', None, 5)")
    assert explain_open_error("COM3", exc).reason == "busy"


def test_windows_missing_com_port_is_reported_missing():
    exc = serial.SerialException("could not open port 'COM9': FileNotFoundError(2, 'The system cannot find "
                                 "the file specified.', None, 2)")
    assert explain_open_error("COM9", exc).reason == "missing"


def test_an_error_in_the_message_callback_is_raised_not_taken_for_a_disconnect(socket_device):
    def broken(message):
        raise ValueError("a bug in the caller")
    link = SerialLink(socket_device.url, on_message=broken)
    errors = []
    t = threading.Thread(target=lambda: _catch(link.run, errors), daemon=True)
    t.start()
    socket_device.accept()
    socket_device.write(inference_line(0))
    t.join(10)
    assert [str(e) for e in errors] == ["a bug in the caller"] and link.connections == 1


def _catch(fn, errors):
    try:
        fn()
    except ValueError as e:
        errors.append(e)
