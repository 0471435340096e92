"""Cold start of the desktop app to an interactive window, in seconds.

Spawns ``python -m studio [PROJECT]`` with ``TINYML_STUDIO_STARTUP_PROBE=1`` (the app prints one
JSON line once its window is shown and the event queue has gone idle, then quits) and reports,
per run, the wall time from spawn to that line and the process's own age at that moment.
Usage: ``python bench/bench_startup.py [PROJECT] [--runs N] [--platform offscreen|xcb]``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def one_run(project: str | None, platform: str) -> tuple[float, float | None, str, float]:
    env = dict(os.environ, TINYML_STUDIO_STARTUP_PROBE="1", QT_QPA_PLATFORM=platform,
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    args = [sys.executable, "-m", "studio"] + ([project] if project else [])
    start = time.time()
    done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"the app failed (exit {done.returncode}):\n{done.stderr}")
    probe = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    return (probe["ready_epoch_s"] - start, probe.get("process_age_s"),
            f"{probe['tensorflow_loaded']}, pyqtgraph loaded: {probe.get('pyqtgraph_loaded')}",
            probe["validated_epoch_s"] - start)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("project", nargs="?", help="project to open (default: the app's default, a sample)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--platform", default="offscreen", help="Qt platform plugin (offscreen, or xcb with DISPLAY)")
    a = p.parse_args()
    one_run(a.project, a.platform)  # warm the OS file cache: we measure Python's start, not the disk
    walls, ages = [], []
    for i in range(a.runs):
        wall, age, tf, validated_s = one_run(a.project, a.platform)
        walls.append(wall)
        if age is not None:
            ages.append(age)
        print(f"run {i + 1}: spawn -> interactive window {wall:.3f} s"
              + (f" (process age {age:.2f} s)" if age is not None else "") + f"; badges and bars shown {validated_s:.3f} s; tensorflow loaded: {tf}")
    print(f"\nstart-up, {a.runs} runs: median {statistics.median(walls):.3f} s, "
          f"min {min(walls):.3f} s, max {max(walls):.3f} s (target < 1.5 s)")
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
