"""The 1200-baud "touch": opening a native-USB board's CDC-ACM port at 1200 baud and closing it asks
the firmware to restart into its bootloader (Arduino's convention; the generated firmware follows it,
codegen/runtime/usb/tms_usb_cdc.c). Used by flashers whose tool talks to the bootloader over
something other than that serial port (picotool: the RP2040's BOOTSEL device)."""
from __future__ import annotations

import os
import re
import time

import serial

from studio.core.boards import Board
from studio.device.flash.base import OutputCallback
from studio.device.ports import SCORE_EXACT, best_port


def is_serial_device(port: str) -> bool:
    """A tty path or a Windows COM port, as opposed to e.g. a USB serial number."""
    return os.path.exists(port) or re.fullmatch(r"COM\d+", port, re.IGNORECASE) is not None


def running_board_port(board: Board) -> str | None:
    """The board's own USB serial port (its profile's VID:PID), when one is plugged in."""
    found = best_port(board)
    return found.device if found is not None and found.score >= SCORE_EXACT else None


def send_touch(port: str, on_output: OutputCallback) -> bool:
    """Opens ``port`` at 1200 baud and closes it; False (said) when it cannot be opened."""
    try:
        serial.Serial(port, 1200).close()
    except (serial.SerialException, OSError) as e:
        on_output(f"could not reset {port} into the bootloader ({e}); trying the board as it is")
        return False
    on_output(f"asked {port} to reset into the bootloader (1200 baud touch)")
    return True


def touch_1200(port: str, on_output: OutputCallback, leave_s: float = 3.0, settle_s: float = 1.0) -> bool:
    """Touches ``port`` and waits for the board to leave it (up to ``leave_s``) and its bootloader to
    enumerate (``settle_s``); False when the port could not be opened."""
    if not send_touch(port, on_output):
        return False
    deadline = time.monotonic() + leave_s
    while time.monotonic() < deadline and os.path.exists(port):
        time.sleep(0.05)
    time.sleep(settle_s)
    return True
