"""A new user's walkthrough on the command line, timed: new kws project → import espeak-ng clips
(five words × 48 one-second clips, 16/24-bit, float and 44.1 kHz WAVs) → train with the default
command. Prints each step's wall time and the accuracies (needs espeak-ng and TensorFlow).

    python bench/bench_own_clips.py [--per-word 48] [--board qemu-mps2-an386]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.test_kws_from_own_clips import speak_clips  # noqa: E402


def step(*args: str) -> tuple[float, dict]:
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "studio", *args, "--json"], capture_output=True, text=True,
                       cwd=ROOT)
    took = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return took, json.loads(r.stdout)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--per-word", type=int, default=48)
    p.add_argument("--board", default="qemu-mps2-an386")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        clips = speak_clips(Path(tmp) / "clips", a.per_word)
        print(f"made {5 * a.per_word} clips with espeak-ng in {time.perf_counter() - start:.1f} s")
        took, new = step("new", f"{tmp}/words", "--template", "kws", "--board", a.board)
        print(f"new     {took:6.1f} s  {new['project']}")
        took, imp = step("import", new["project"], str(clips))
        print(f"import  {took:6.1f} s  labels {imp['labels']}, split {imp['split']}, problems {len(imp['problems'])}")
        took, tr = step("train", new["project"], "--use")
        print(f"train   {took:6.1f} s  {tr['kind']}, {tr['epochs_run']} epochs (kept {tr['best_epoch']}), "
              f"test float {tr['float_accuracy']:.3f}, int8 {tr['int8_accuracy']:.3f} (chance {1 / 5:.2f})")
        for w in tr["warnings"]:
            print(f"  warning: {w}")


if __name__ == "__main__":
    main()
