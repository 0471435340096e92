"""Flashing firmware onto a board, one flasher class per ``flash_method`` of the board profiles.

Use :func:`flasher_for` (or :func:`flash_board`) with a Board; each flasher runs the real tool with
an argument list, streams its output line by line to ``on_output``, reports progress (0..1) to
``on_progress`` where the tool prints it, stops when ``cancel`` (a threading.Event) is set, and
raises :class:`FlashError` whose message says what to do. Adding a method is one class with
``@register_flasher("name")`` in one of these modules.
"""
from __future__ import annotations

import threading
from pathlib import Path

from studio.core.boards import Board
from studio.device.flash.base import (
    Failure, FlashError, Flasher, FlashResult, OutputCallback, ProgressCallback, ToolRun, flasher_class,
    flasher_methods, percent_in, register_flasher, run_tool,
)
# importing the modules registers their flashers
from studio.device.flash import (  # noqa: F401,E402
    bootloader_flashers, drive_flashers, emulated, probe_flashers, serial_flashers,
)


def flasher_for(board: Board) -> Flasher:
    """The flasher for the board's ``flash_method`` (FlashError for ``none`` or an unknown one)."""
    return flasher_class(board.flash_method)(board)


def flash_board(board: Board, image: Path, port: str | None = None, *,
                on_output: OutputCallback | None = None, on_progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None, timeout_s: float | None = None) -> FlashResult:
    return flasher_for(board).flash(image, port, on_output=on_output, on_progress=on_progress,
                                    cancel=cancel, timeout_s=timeout_s)


__all__ = ["Failure", "FlashError", "FlashResult", "Flasher", "ToolRun", "flash_board", "flasher_class",
           "flasher_for", "flasher_methods", "percent_in", "register_flasher", "run_tool"]
