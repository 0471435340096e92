"""The QEMU runner: start, read, exit code, timeouts and clean stops (real qemu-system-arm)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from codegen.firmware import write_firmware
from codegen.stage import StageCode, buffer_name
from studio.core.boards import BoardCatalogue
from studio.core.paths import builtin_boards_dir
from studio.device.build import build_firmware
from studio.device.emulator import Emulator, EmulatorError, run_lines

pytestmark = pytest.mark.slow

BOARD = BoardCatalogue(dirs=[builtin_boards_dir()]).get("qemu-mps2-an386")
OUT = buffer_name("mic", "out")


@pytest.fixture(scope="module")
def elf(tmp_path_factory) -> Path:
    # no model and no window: every sample is an inference whose scores are the sample itself
    stages = [StageCode("mic", "sample", declarations=f"static float {OUT}[2];",
                        run=f"{OUT}[0] = tms_sample[0];\n{OUT}[1] = tms_sample[1];")]
    replay = np.array([[0.25, -1.5], [2.0, 0.125], [-0.5, 0.75]], dtype=np.float32)
    files = write_firmware(tmp_path_factory.mktemp("emu"), BOARD, "emu", stages, None, ["left", "right"],
                           replay=replay)
    build_firmware(files.out_dir)
    return files.elf


def test_run_lines_returns_the_first_lines_the_firmware_prints(elf):
    lines = run_lines(elf, 2)
    assert json.loads(lines[0])["type"] == "hello"
    assert json.loads(lines[1])["scores"] == [0.25, -1.5]


def test_run_lines_returns_fewer_lines_when_the_firmware_exits_first(elf):
    lines = run_lines(elf, 100)
    assert len(lines) < 100 and json.loads(lines[-1]) == {"type": "end", "inferences": 3}


def test_pipeline_without_model_labels_the_largest_feature(elf):
    messages = [json.loads(line) for line in run_lines(elf, 100)]
    labels = [m["label"] for m in messages if m["type"] == "inference"]  # between power/profile lines
    assert labels == ["left", "left", "right"]


def test_url_is_a_pyserial_socket_url_for_the_port(elf):
    with Emulator(elf) as emu:
        assert emu.url == f"socket://127.0.0.1:{emu.port}" and emu.port > 0


def test_wait_returns_the_semihosting_exit_code(elf):
    with Emulator(elf) as emu:
        with emu.connect() as sock:
            while sock.recv(4096):
                pass
        assert emu.wait(30) == 0


def test_wait_without_a_reader_times_out_because_qemu_holds_the_guest(elf):
    with Emulator(elf) as emu:
        with pytest.raises(EmulatorError, match="did not exit within"):
            emu.wait(0.5)


def test_stop_ends_a_waiting_qemu(elf):
    emu = Emulator(elf).start()
    proc = emu._proc
    emu.stop()
    assert proc is not None and proc.poll() is not None


def test_missing_image_is_refused(tmp_path):
    with pytest.raises(EmulatorError, match="no firmware image"):
        Emulator(tmp_path / "none.elf")


def test_unknown_machine_is_refused(elf):
    with pytest.raises(EmulatorError, match="not supported"):
        Emulator(elf, machine="raspi2b")

