"""Test helper: a compiled model's C in a firmware for the emulated board whose only stage before
the model copies replayed feature vectors into the feature buffer, run on QEMU to its exit."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from codegen.firmware import write_firmware
from codegen.stage import StageCode, buffer_name
from studio.core.boards import BoardCatalogue
from studio.core.paths import builtin_boards_dir
from studio.device.build import build_firmware
from studio.device.emulator import Emulator

BOARD = BoardCatalogue(dirs=[builtin_boards_dir()]).get("qemu-mps2-an386")


def run_model_firmware(work: Path, model_dir: Path, name: str, features: np.ndarray, n_out: int,
                       timeout_s: float = 60.0) -> tuple[list[dict], int]:
    """(every protocol message, the exit code) of the firmware running ``model_dir``'s model on each
    row of ``features`` (one window each)."""
    n_in = features.shape[1]
    feat = buffer_name("feat", "out")
    stages = [StageCode("feat", "sample", declarations=f"static float {feat}[{n_in}];",
                        run=f"size_t k;\nfor (k = 0; k < {n_in}u; k++) {{\n    {feat}[k] = tms_sample[k];\n}}")]
    files = write_firmware(work / "fw", BOARD, name, stages, model_dir, [f"c{i}" for i in range(n_out)],
                           replay=features)
    build_firmware(files.out_dir)
    with Emulator(files.elf) as emu:
        with emu.connect() as sock:
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
        code = emu.wait(timeout_s)
    return [json.loads(line) for line in data.decode().splitlines()], code
