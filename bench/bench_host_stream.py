"""The host-stream sample source on the emulated board: clips/s and bytes/s streamed over the UART,
and the flash the image saves against embedding the same test split.

Makes a gesture project with an imported accelerometer dataset (tests/e2e/test_host_stream.py's
maker), runs ``evaluate --emulate`` on it (streamed), then builds the same test split embedded as a
recording (``dataset.test.samples``) and prints both images' measured flash.

    python bench/bench_host_stream.py                     # 20 test clips of 10 s (3 axes, 100 Hz)
    python bench/bench_host_stream.py --clips 8 --seconds 2.56
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))

import numpy as np  # noqa: E402

from studio.actions import build, evaluate_emulated  # noqa: E402
from studio.core.boards import boards  # noqa: E402
from studio.core.project import load_project, save_project  # noqa: E402
from studio.ml.importer import load_split  # noqa: E402
from test_host_stream import gesture_with_imported_dataset  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=20, help="test clips (half of the dataset)")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each clip")
    a = ap.parse_args()
    board = boards().get("qemu-mps2-an386")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        per_class = max(1, a.clips // 2)
        path = gesture_with_imported_dataset(tmp / "stream", per_class, a.seconds, (0.5, 0.0, 0.5))
        project = load_project(path)
        t0 = time.perf_counter()
        result = evaluate_emulated(project, tmp / "fw-stream")
        total = time.perf_counter() - t0
        streamed = build(project, tmp / "fw-stream", board).measured["flash_bytes"]
        print(f"streamed {result['clips']} clips ({result['stream_bytes']:,} B) in {result['stream_seconds']:.1f} s: "
              f"{result['clips_per_s']:.2f} clips/s, {result['stream_bytes'] / result['stream_seconds'] / 1000:.1f} kB/s; "
              f"{result['windows']} windows, agreement {result['agreement']}, evaluate total {total:.1f} s")
        clips, _ = load_split(project, "test")
        recording = np.concatenate(clips).astype(np.float32)
        embed_bytes = recording.nbytes
        if embed_bytes < board.flash_budget_bytes * 0.9:
            # the same split as an embedded recording (a clip per segment), for the measured difference
            (project.dir / "test").mkdir(exist_ok=True)
            np.save(project.dir / "test" / "rec.npy", recording)
            project.dataset = {k: v for k, v in project.dataset.items() if k != "files"}
            project.dataset["test"] = {"samples": "test/rec.npy", "segment_samples": int(clips[0].shape[0]),
                                       "labels": "labels.txt"}
            save_project(project)
            embedded = build(project, tmp / "fw-embed", board).measured["flash_bytes"]
            print(f"image flash: streamed {streamed:,} B, embedded {embedded:,} B: {embedded - streamed:,} B saved "
                  f"(the recording is {embed_bytes:,} B)")
        else:
            print(f"image flash: streamed {streamed:,} B; embedding the {embed_bytes:,} B split would not fit "
                  f"the {board.flash_budget_bytes:,} B flash")


if __name__ == "__main__":
    main()
