"""Code and RAM size of the microphone drivers and the Pico4ML IMU driver as the firmware builds them
(arm-none-eabi-gcc -Os, the board's core): text/data/bss of each object, and the size of the driver
state struct the firmware allocates (DMA buffers / FIFO included) - the figures a sensor node's
CODE_BYTES and RAM charge can use.

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


def _arm(core: str, source: Path, obj: Path) -> None:
    subprocess.run(["arm-none-eabi-gcc", *CORES[core], *FLAGS, f"-I{RUNTIME}", f"-I{RUNTIME / 'sensors'}",
                    str(source), "-o", str(obj)], check=True)


def state_bytes(core: str, part: str, tmp: Path) -> int:
    """sizeof(tms_<part>_t) as the target compiler lays it out (read back from a constant)."""
    src = tmp / "size.c"
    src.write_text(f'#include "sensors/{part}.h"\nconst unsigned long tms_size = sizeof(tms_{part}_t);\n')
    obj = tmp / "size.o"
    _arm(core, src, obj)
    dump = subprocess.run(["arm-none-eabi-objdump", "-s", "-j", ".rodata", str(obj)],
                          capture_output=True, text=True, check=True).stdout.splitlines()
    word = next(line.split()[1] for line in dump if line.startswith(" 0000"))
    return int.from_bytes(bytes.fromhex(word), "little")


def main() -> None:
    print(f"{'driver':28} {'core':14} {'text':>6} {'data':>6} {'bss':>6} {'state':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for source, core in sorted(DRIVERS.items()):
            obj = Path(tmp) / "d.o"
            _arm(core, RUNTIME / source, obj)
            line = subprocess.run(["arm-none-eabi-size", str(obj)], capture_output=True, text=True,
                                  check=True).stdout.splitlines()[1]
            text, data, bss = (int(x) for x in line.split()[:3])
            state = state_bytes(core, Path(source).stem, Path(tmp))
            print(f"{source:28} {core:14} {text:6} {data:6} {bss:6} {state:7}")


if __name__ == "__main__":
    main()
