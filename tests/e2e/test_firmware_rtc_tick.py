"""The gesture sample's firmware for the Arduino Nano 33 BLE Sense (nRF52840), built with the real
arm-none-eabi-gcc: it sleeps between sample ticks of RTC1, whose interrupt is in the vector table.
Built, not run: no board here (the tick's register sequence is checked against a model in
tests/codegen/test_nrf52840_rtc_tick.py)."""
from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from codegen.project_firmware import generate
from studio.core.boards import boards
from studio.core.project import load_project
from studio.device.build import build_firmware

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RTC1_IRQ = 17


def _symbols(elf: Path) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    return {parts[2]: int(parts[0], 16) for parts in (line.split() for line in out.splitlines()) if len(parts) == 3}


def test_gesture_firmware_for_nano33ble_wakes_on_rtc1_and_builds(tmp_path):
    board = boards().get("nano33ble")
    project = load_project(ROOT / "sample_projects" / "gesture" / "gesture.tinyml")
    files = generate(project, tmp_path / "fw", board).files
    result = build_firmware(files.out_dir)
    assert 0 < result.flash_bytes <= board.flash_budget_bytes
    image = (files.out_dir / "build" / "firmware.bin").read_bytes()
    symbols = _symbols(files.out_dir / "build" / "firmware.elf")
    vectors = struct.unpack(f"<{16 + RTC1_IRQ + 1}I", image[:4 * (16 + RTC1_IRQ + 1)])
    assert vectors[16 + RTC1_IRQ] == symbols["tms_nrf52840_rtc1_irq_handler"] | 1   # Thumb
    assert vectors[15] == symbols["tms_systick_handler"] | 1
    assert "#define TMS_SLEEP_WFI 1" in (files.out_dir / "src" / "tms_board.h").read_text()
