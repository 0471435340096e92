"""The picotool flasher restarts a Pico running the generated USB firmware into BOOTSEL with a
1200-baud touch (studio/device/flash/touch.py), on a pseudo-terminal standing in for the board's
CDC-ACM port (the speed the port was opened at is visible on the pty's master side)."""
from __future__ import annotations

import os
import pty
import termios

import pytest

from studio.core.boards import boards
from studio.device.flash import flasher_for


@pytest.fixture
def fake_port():
    master, slave = pty.openpty()
    termios_attrs = termios.tcgetattr(master)
    termios_attrs[4] = termios_attrs[5] = termios.B115200
    termios.tcsetattr(master, termios.TCSANOW, termios_attrs)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _picotool():
    flasher = flasher_for(boards().get("rpi-pico"))
    flasher.touch_leave_s = flasher.touch_settle_s = 0.0
    return flasher


def test_a_tty_port_is_touched_at_1200_baud_and_picotool_then_finds_bootsel_itself(fake_port):
    master, name = fake_port
    said = []
    assert _picotool().resolve_port(name, said.append) is None
    assert termios.tcgetattr(master)[4] == termios.B1200
    assert any("1200 baud touch" in line for line in said)


def test_a_bootsel_serial_number_is_passed_to_picotool_untouched():
    said = []
    assert _picotool().resolve_port("E6614C311B4A8A2F", said.append) == "E6614C311B4A8A2F"
    assert said == []
