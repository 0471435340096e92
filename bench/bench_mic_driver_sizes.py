"""Code size of the microphone drivers and the Pico4ML IMU driver as the firmware builds them
(arm-none-eabi-gcc -Os, the board's core): text/data/bss of each object, the figures a sensor
node's CODE_BYTES / RAM charge can use.

    python bench/bench_mic_driver_sizes.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.codegen.sensors.test_mic_drivers_cross_compile import (  # noqa: E402
    CORES, DRIVERS, FLAGS, RUNTIME)


def main() -> None:
    print(f"{'driver':32} {'core':14} {'text':>6} {'data':>6} {'bss':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for source, core in sorted(DRIVERS.items()):
            obj = Path(tmp) / "d.o"
            subprocess.run(["arm-none-eabi-gcc", *CORES[core], *FLAGS, f"-I{RUNTIME}",
                            f"-I{RUNTIME / 'sensors'}", str(RUNTIME / source), "-o", str(obj)], check=True)
            line = subprocess.run(["arm-none-eabi-size", str(obj)], capture_output=True, text=True,
                                  check=True).stdout.splitlines()[1]
            text, data, bss = (int(x) for x in line.split()[:3])
            print(f"{source:32} {core:14} {text:6} {data:6} {bss:6}")


if __name__ == "__main__":
    main()
