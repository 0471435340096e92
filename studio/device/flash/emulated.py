"""The flasher of the emulated board: "flashing" starts QEMU with the image (the emulator runner,
``studio.device.emulator``, owns QEMU; this only adapts it to the flasher interface)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from studio.core.errors import StudioError
from studio.device.flash.base import FlashError, Flasher, FlashResult, OutputCallback, ProgressCallback, register_flasher


@register_flasher("emulator")
class EmulatorFlasher(Flasher):
    tool = "qemu-system-arm"
    image_suffix = ".elf"

    def flash(self, image: Path, port: str | None = None, *, on_output: OutputCallback | None = None,
              on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
              timeout_s: float | None = None) -> FlashResult:
        """Starts the emulator; the result's ``session`` is the running Emulator (the caller stops
        it) and ``serial_url`` is where its UART is served (the guest waits for that connection)."""
        from studio.device.emulator import Emulator  # QEMU plumbing is only needed here

        say = on_output or (lambda _line: None)
        start = time.monotonic()
        image = self.image_for(Path(image))
        if cancel is not None and cancel.is_set():
            raise FlashError("flashing was cancelled", "cancelled")
        machine = self.board.emulator_machine or "mps2-an386"
        try:
            emulator = Emulator(image, machine=machine).start()
        except StudioError as e:
            raise FlashError(e.message, "tool-missing" if "not found" in e.message else "failed") from None
        say(f"QEMU {machine} runs {image.name}; its serial port is {emulator.url}")
        if on_progress is not None:
            on_progress(1.0)
        return FlashResult(self.method, image, emulator.url, time.monotonic() - start,
                           serial_url=emulator.url, session=emulator)
