"""Firmware for real boards, built with the real arm-none-eabi-gcc (not run: no hardware here)."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from codegen.firmware import write_firmware
from codegen.stage import StageCode, buffer_name
from studio.core.boards import BoardCatalogue
from studio.core.paths import builtin_boards_dir
from studio.device.build import build_firmware

pytestmark = pytest.mark.slow

FIXTURE_MODEL = Path(__file__).parents[1] / "codegen" / "test_firmware_fixture_model"
CATALOGUE = BoardCatalogue(dirs=[builtin_boards_dir()])
MIC, WIN = buffer_name("mic", "out"), buffer_name("win", "out")
STAGES = [
    StageCode("mic", "sample", declarations=f"static float {MIC}[1];", run=f"{MIC}[0] = tms_sample[0];"),
    StageCode("win", "window", declarations=f"static float {WIN}[4];\nstatic uint32_t fill;",
              run=f"{WIN}[fill++] = {MIC}[0];\nif (fill == 4u) {{\n    fill = 0u;\n    tms_frame_ready = 1;\n}}"),
]


def _crc32_mpeg2(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def _build(tmp_path: Path, board_id: str):
    board = CATALOGUE.get(board_id)
    files = write_firmware(tmp_path / board_id, board, "boards", STAGES, FIXTURE_MODEL, ["a", "b", "c"],
                           replay=np.linspace(-1, 1, 16, dtype=np.float32))
    return board, files, build_firmware(files.out_dir)


@pytest.mark.parametrize("board_id", ["nano33ble", "rpi-pico", "b-l475e-iot01a"])
def test_firmware_builds_for_the_board_and_fits_its_budget(tmp_path, board_id):
    board, files, result = _build(tmp_path, board_id)
    assert {p.name for p in (files.out_dir / "build").iterdir()} >= {
        "firmware.elf", "firmware.bin", "firmware.hex", "firmware.map"}
    assert 0 < result.flash_bytes <= board.flash_budget_bytes
    assert result.ram_bytes + result.stack_bytes <= board.ram_budget_bytes


@pytest.mark.parametrize("board_id", ["nano33ble", "b-l475e-iot01a"])
def test_vector_table_points_into_the_board_memory_map(tmp_path, board_id):
    board, files, _ = _build(tmp_path, board_id)
    initial_sp, reset = struct.unpack("<2I", (files.out_dir / "build" / "firmware.bin").read_bytes()[:8])
    app_start = board.flash_origin + board.reserved_flash_bytes
    assert board.ram_origin < initial_sp <= board.ram_origin + board.ram_budget_bytes and initial_sp % 8 == 0
    assert reset & 1 == 1  # Thumb
    assert app_start <= reset < board.flash_origin + board.flash_bytes


def test_rp2040_image_opens_with_a_boot2_the_boot_rom_accepts(tmp_path):
    board, files, _ = _build(tmp_path, "rpi-pico")
    image = (files.out_dir / "build" / "firmware.bin").read_bytes()
    boot2 = image[:256]
    assert struct.unpack("<I", boot2[252:])[0] == _crc32_mpeg2(boot2[:252])
    initial_sp, reset = struct.unpack("<2I", image[256:264])
    assert board.ram_origin < initial_sp <= board.ram_origin + board.ram_bytes
    assert reset & 1 == 1 and board.flash_origin + 0x100 < reset < board.flash_origin + len(image)


def test_firmware_for_a_live_sensor_builds_without_replay_data(tmp_path):
    board = CATALOGUE.get("nano33ble")
    imu = buffer_name("imu", "out")
    stages = [StageCode("imu", "sample", declarations=f"static float {imu}[3];",
                        run=f"{imu}[0] = 0.5f;\n{imu}[1] = -0.5f;\n{imu}[2] = 0.0f;")]
    files = write_firmware(tmp_path, board, "live", stages, None, ["x", "y", "z"], replay=None)
    assert not (files.out_dir / "src" / "tms_replay.c").exists()
    assert build_firmware(files.out_dir).flash_bytes > 0
