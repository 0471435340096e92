"""Generate + build time and image sizes per board, for the runtime alone and with the test model.

    python bench/bench_build.py [--jobs 2]

"runtime only" is the smallest pipeline (one sensor stage, no model, 4 replay samples): what the
start-up code, timer, protocol printer, quantization and board glue cost on each board, which the
validator's RAM/flash estimate should add to the nodes' own costs. Stack is reported apart.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codegen.firmware import write_firmware  # noqa: E402
from codegen.firmware_boards import UnsupportedBoard, board_glue  # noqa: E402
from codegen.stage import StageCode, buffer_name  # noqa: E402
from studio.core.boards import BoardCatalogue  # noqa: E402
from studio.core.paths import builtin_boards_dir  # noqa: E402
from studio.device.build import build_firmware  # noqa: E402

FIXTURE_MODEL = Path(__file__).resolve().parents[1] / "tests" / "codegen" / "test_firmware_fixture_model"


def _runtime_only() -> tuple[list[StageCode], Path | None, list[str]]:
    out = buffer_name("mic", "out")
    return [StageCode("mic", "sample", declarations=f"static float {out}[1];", run=f"{out}[0] = tms_sample[0];")], \
        None, ["x"]


def _with_model() -> tuple[list[StageCode], Path | None, list[str]]:
    mic, win = buffer_name("mic", "out"), buffer_name("win", "out")
    return [
        StageCode("mic", "sample", declarations=f"static float {mic}[1];", run=f"{mic}[0] = tms_sample[0];"),
        StageCode("win", "window", declarations=f"static float {win}[4];\nstatic uint32_t fill;",
                  run=f"{win}[fill++] = {mic}[0];\nif (fill == 4u) {{\n    fill = 0u;\n    tms_frame_ready = 1;\n}}"),
    ], FIXTURE_MODEL, ["a", "b", "c"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    boards = []
    for board in BoardCatalogue(dirs=[builtin_boards_dir()]).all():
        try:
            board_glue(board)
        except UnsupportedBoard:
            continue
        boards.append(board)
    print(f"{'board':<22} {'pipeline':<13} {'gen_s':>6} {'build_s':>8} {'text':>7} {'data':>5} {'bss':>6} "
          f"{'stack':>6} {'flash':>7} {'ram':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for board in boards:
            for label, make in (("runtime only", _runtime_only), ("+test model", _with_model)):
                stages, model_dir, labels = make()
                out = Path(tmp) / f"{board.id}-{label.replace(' ', '_')}"
                t0 = time.perf_counter()
                files = write_firmware(out, board, "bench", stages, model_dir, labels,
                                       replay=np.zeros(4, dtype=np.float32))
                t1 = time.perf_counter()
                r = build_firmware(files.out_dir, jobs=args.jobs)
                t2 = time.perf_counter()
                print(f"{board.id:<22} {label:<13} {t1 - t0:>6.3f} {t2 - t1:>8.2f} {r.text_bytes:>7} "
                      f"{r.data_bytes:>5} {r.bss_bytes:>6} {r.stack_bytes:>6} {r.flash_bytes:>7} {r.ram_bytes:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
