"""Firmware built with the real arm-none-eabi-gcc and run on QEMU's mps2-an386 (Cortex-M4F)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from codegen.firmware import write_firmware
from codegen.stage import StageCode, buffer_name
from studio.core.boards import BoardCatalogue
from studio.core.paths import builtin_boards_dir
from studio.device.build import BuildError, build_firmware
from studio.device.emulator import EXIT_FAULT, Emulator, instructions_from_cycles, run_lines

pytestmark = pytest.mark.slow

FIXTURE_MODEL = Path(__file__).parents[1] / "codegen" / "test_firmware_fixture_model"
BOARD = BoardCatalogue(dirs=[builtin_boards_dir()]).get("qemu-mps2-an386")
WINDOW = 4
FIXTURE_WEIGHTS = np.array([[3, 1, -2, 0], [-1, 2, 1, 1], [0, -3, 2, 4]], dtype=np.int32)
MIC, WIN, GAIN = buffer_name("mic", "out"), buffer_name("win", "out"), buffer_name("gain", "out")


def _stages(extra_frame_c: str = "", extra_decl: str = "") -> list[StageCode]:
    return [
        StageCode("mic", "sample", declarations=f"static float {MIC}[1];", run=f"{MIC}[0] = tms_sample[0];"),
        StageCode("win", "window", declarations=f"static float {WIN}[{WINDOW}];\nstatic uint32_t win_fill;",
                  run=f"{WIN}[win_fill++] = {MIC}[0];\nif (win_fill == {WINDOW}u) {{\n"
                      f"    win_fill = 0u;\n    tms_frame_ready = 1;\n}}"),
        StageCode("gain", "frame", declarations=f"static float {GAIN}[{WINDOW}];\n{extra_decl}",
                  run=f"for (int k = 0; k < {WINDOW}; k++) {{\n    {GAIN}[k] = {WIN}[k] * 2.0f;\n}}\n{extra_frame_c}"),
    ]


def _build(tmp_path: Path, replay: np.ndarray, name="demo", labels=("yes", "no", "maybe"), **kw):
    files = write_firmware(tmp_path / "fw", BOARD, name, kw.pop("stages", None) or _stages(), FIXTURE_MODEL,
                           list(labels), replay=replay, **kw)
    return files, build_firmware(files.out_dir)


def _expected_scores(replay: np.ndarray) -> np.ndarray:
    """numpy mirror of the firmware: gain x2, TFLite QUANTIZE, the fixture model, DEQUANTIZE."""
    frames = replay.astype(np.float32).reshape(-1, WINDOW) * np.float32(2.0)
    x = frames / np.float32(0.05)
    rounded = np.sign(x) * np.floor(np.abs(x) + np.float32(0.5))  # half away from zero, like roundf
    q = np.clip(rounded.astype(np.int32) + 3, -128, 127)
    acc = (q - 3) @ FIXTURE_WEIGHTS.T
    out = np.clip((acc >> 2) - 128, -128, 127)
    return np.float32(0.00390625) * (out + 128).astype(np.float32)


def _read_all(elf: Path, timeout_s: float = 30.0) -> tuple[list[dict], int]:
    with Emulator(elf) as emu:
        with emu.connect(timeout_s) as sock:
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
        code = emu.wait(timeout_s)
    return [json.loads(line) for line in data.decode("utf-8").splitlines()], code


def test_emulated_firmware_prints_hello_then_one_inference_per_window_and_exits_0(tmp_path):
    replay = np.random.default_rng(1).uniform(-2, 2, size=WINDOW * 12).astype(np.float32)
    files, _ = _build(tmp_path, replay)
    messages, code = _read_all(files.elf)
    assert code == 0
    assert messages[0] == {"type": "hello", "project": "demo", "board": "qemu-mps2-an386",
                           "build": files.build_id, "clock_hz": BOARD.clock_hz}
    inferences = [m for m in messages if m["type"] == "inference"]
    assert [m["seq"] for m in inferences] == list(range(12))
    assert messages[-1] == {"type": "end", "inferences": 12}


def test_emulated_scores_match_tflite_quantization_arithmetic(tmp_path):
    replay = np.random.default_rng(2).uniform(-3, 3, size=WINDOW * 16).astype(np.float32)
    files, _ = _build(tmp_path, replay)
    messages, _ = _read_all(files.elf)
    scores = np.array([m["scores"] for m in messages if m["type"] == "inference"])
    expected = _expected_scores(replay)
    np.testing.assert_allclose(scores, expected, atol=0.5e-5 + 1e-7)
    labels = ["yes", "no", "maybe"]
    assert [m["label"] for m in messages if m["type"] == "inference"] == [labels[i] for i in expected.argmax(axis=1)]


def test_hostile_project_name_and_labels_build_and_print_back_intact(tmp_path):
    name = 'my "proj" \\ */ #include <stdio.h>\nline2 ??/ naïve ☃'
    labels = ['say "yes"', "back\\slash */ /* #define X", "ünïcödé\n\ttab"]
    replay = np.full(WINDOW * 3, 1.5, dtype=np.float32)
    files, _ = _build(tmp_path, replay, name=name, labels=labels)
    lines = run_lines(files.elf, 3)
    hello, first = json.loads(lines[0]), json.loads(lines[1])
    assert hello["project"] == name
    assert first["label"] in labels and first["label"] == labels[first["index"]]


def test_image_over_the_profile_ram_fails_to_link_with_a_clear_message(tmp_path):
    big = "static volatile uint8_t tms_big[300u * 1024u];"
    stages = _stages(extra_frame_c="tms_big[0] = 1u;", extra_decl=big)
    with pytest.raises(BuildError, match=r"does not fit the board: it overflows RAM \(data \+ bss \+ stack\) by \d+ bytes"):
        _build(tmp_path, np.zeros(WINDOW), stages=stages)


def test_image_over_the_profile_flash_fails_to_link(tmp_path):
    # a volatile index keeps the compiler from folding the table away
    big = "static const uint8_t tms_table[1100u * 1024u] = {1u};\nstatic volatile uint32_t tms_at;"
    stages = _stages(extra_frame_c=f"{GAIN}[0] += (float)tms_table[tms_at];", extra_decl=big)
    with pytest.raises(BuildError, match=r"overflows flash \(code \+ constants\)"):
        _build(tmp_path, np.zeros(WINDOW), stages=stages)


def test_compile_error_is_a_build_error_carrying_the_compiler_message(tmp_path):
    stages = _stages(extra_frame_c="this_is_not_c;")
    with pytest.raises(BuildError, match="this_is_not_c") as info:
        _build(tmp_path, np.zeros(WINDOW), stages=stages)
    assert "error" in info.value.log


def test_fault_in_a_stage_ends_the_emulated_run_with_the_fault_exit_code(tmp_path):
    # 0xF0000000 is unmapped on mps2-an386: the store is a BusFault, escalated to HardFault
    stages = _stages(extra_frame_c="*(volatile uint32_t *)0xF0000000u = 1u;")
    files, _ = _build(tmp_path, np.zeros(WINDOW * 2, dtype=np.float32), stages=stages)
    _, code = _read_all(files.elf)
    assert code == EXIT_FAULT


def test_sizes_are_read_from_the_linked_image(tmp_path):
    _, result = _build(tmp_path, np.zeros(WINDOW * 2, dtype=np.float32))
    assert result.ok and result.elf.is_file()
    assert result.text_bytes > 1000 and result.stack_bytes == BOARD.stack_bytes
    assert result.flash_bytes == result.text_bytes + result.data_bytes
    assert result.ram_bytes == result.data_bytes + result.bss_bytes
    assert result.ram_bytes + result.stack_bytes <= BOARD.ram_budget_bytes


def test_emulated_timing_is_deterministic_and_counts_instructions(tmp_path):
    # a frame stage that executes exactly 2 * N instructions (subs + bne per iteration)
    n = 50_000
    loop = (f'{{ uint32_t n = {n}u; __asm volatile("1: subs %0, %0, #1\\n\\tbne 1b" : "+r"(n) : : "cc"); }}')
    files, _ = _build(tmp_path, np.zeros(WINDOW * 3, dtype=np.float32), stages=_stages(extra_frame_c=loop))
    first, _ = _read_all(files.elf)
    second, _ = _read_all(files.elf)
    cycles = [m["dsp_cycles"] for m in first if m["type"] == "inference"]
    assert cycles == [m["dsp_cycles"] for m in second if m["type"] == "inference"]
    instructions = instructions_from_cycles(cycles[1], BOARD.clock_hz)
    # the rest of the per-window DSP work is a few hundred instructions; one SysTick tick is 40
    assert 2 * n <= instructions + 40 and instructions < 2 * n + 2000


def test_emulated_times_are_in_the_profiles_clock_one_instruction_per_cycle(tmp_path):
    # 2 * n instructions at the profile's 25 MHz take 2 * n / 25 us (not 2 * n / 1000: QEMU's 1 GHz)
    n = 50_000
    loop = (f'{{ uint32_t n = {n}u; __asm volatile("1: subs %0, %0, #1\\n\\tbne 1b" : "+r"(n) : : "cc"); }}')
    files, _ = _build(tmp_path, np.zeros(WINDOW * 3, dtype=np.float32), stages=_stages(extra_frame_c=loop))
    messages, _ = _read_all(files.elf)
    second = [m for m in messages if m["type"] == "inference"][1]
    assert second["dsp_us"] == round(second["dsp_cycles"] * 1e6 / BOARD.clock_hz)
    assert 2 * n * 1e6 / BOARD.clock_hz <= second["dsp_us"] + 2 < 1.05 * 2 * n * 1e6 / BOARD.clock_hz
