"""Firmware whose serial protocol goes out on the board's own USB (CDC-ACM), built with the real
arm-none-eabi-gcc for the Nano 33 BLE Sense (nRF52840) and the Raspberry Pi Pico (RP2040). Built and
linked only: nothing here ran on a board."""
from __future__ import annotations

import dataclasses
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from codegen.firmware import write_firmware
from codegen.firmware_boards import board_glue, cpu_flags
from studio.core.sample_source import HostStream
from studio.device.build import build_firmware
from tests.codegen.usb import usb_spec
from tests.codegen.usb.usb_host import board_header
from codegen.usb_serial import usb_defines
from tests.e2e.test_firmware_boards import CATALOGUE, FIXTURE_MODEL, STAGES

pytestmark = pytest.mark.slow

RUNTIME = Path(__file__).parents[2] / "codegen" / "runtime"
USB_BOARDS = [("nano33ble", "nrf52840", "usb/nrf52840_usbd.c"), ("rpi-pico", "rp2040", "usb/rp2040_usb.c")]


def _build(tmp_path: Path, board):
    files = write_firmware(tmp_path / board.id, board, "usb", STAGES, FIXTURE_MODEL, ["a", "b", "c"],
                           replay=np.linspace(-1, 1, 16, dtype=np.float32))
    return files, build_firmware(files.out_dir)


@pytest.mark.parametrize("board_id", ["nano33ble", "rpi-pico"])
def test_usb_firmware_links_and_its_image_holds_the_descriptors(tmp_path, board_id):
    board = CATALOGUE.get(board_id)
    files, result = _build(tmp_path, board)
    assert 0 < result.flash_bytes <= board.flash_budget_bytes
    image = (files.out_dir / "build" / "firmware.bin").read_bytes()
    device = struct.pack("<BBHBBBBHHHBBBB", 18, 1, 0x0200, 0xEF, 0x02, 0x01, 64,
                         board.usb_vid, board.usb_pid, 0x0100, 1, 2, 3, 1)
    assert image.count(device) == 1
    at = image.find(bytes([9, 2, 75, 0, 2, 1, 0, 0x80]))
    assert at >= 0
    usb_spec.check_cdc_acm(usb_spec.parse_configuration(image[at:at + 75]))
    symbols = subprocess.run(["arm-none-eabi-nm", str(files.out_dir / "build" / "firmware.elf")],
                             capture_output=True, text=True, check=True).stdout
    assert " tms_usb_cdc_on_setup" in symbols and " tms_usbd_enter_bootloader" in symbols


@pytest.mark.parametrize("board_id", ["nano33ble", "rpi-pico"])
def test_host_stream_firmware_reading_the_usb_port_links(tmp_path, board_id):
    board = CATALOGUE.get(board_id)
    files = write_firmware(tmp_path / board.id, board, "usb", STAGES, FIXTURE_MODEL, ["a", "b", "c"],
                           host_stream=HostStream(block_samples=32, channels=1))
    assert build_firmware(files.out_dir).flash_bytes > 0
    symbols = subprocess.run(["arm-none-eabi-nm", str(files.out_dir / "build" / "firmware.elf")],
                             capture_output=True, text=True, check=True).stdout
    assert " tms_hoststream_next" in symbols and " tms_uart_read_byte" in symbols


@pytest.mark.parametrize("board_id", ["nano33ble", "rpi-pico"])
def test_the_uart_pin_stays_an_option(tmp_path, board_id):
    board = dataclasses.replace(CATALOGUE.get(board_id), serial_transport="uart")
    files, result = _build(tmp_path, board)
    assert result.flash_bytes > 0
    assert not (files.out_dir / "runtime" / "usb").exists()
    assert "adapter" in board_glue(board).serial


@pytest.mark.parametrize("board_id,family,controller", USB_BOARDS)
def test_usb_runtime_cross_compiles_as_strict_c99_for_the_board_cpu(tmp_path, board_id, family, controller):
    board = CATALOGUE.get(board_id)
    flags, _ = cpu_flags(board)
    include = board_header(usb_defines(board, family))
    for source in ["usb/tms_usb_desc.c", "usb/tms_usb_cdc.c", "usb/tms_usb_uart.c", controller]:
        subprocess.run(["arm-none-eabi-gcc", *flags.split(), "-std=c99", "-Wall", "-Wextra", "-Werror", "-Os",
                        f"-I{RUNTIME}", f"-I{include}", "-c", str(RUNTIME / source), "-o",
                        str(tmp_path / (Path(source).stem + ".o"))], check=True, capture_output=True)
