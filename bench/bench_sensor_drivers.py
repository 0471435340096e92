"""Per sensor driver: code size on Cortex-M4F and Cortex-M0+ (arm-none-eabi-gcc -Os), and I2C traffic
per output sample against the part's register-level model (tests/codegen/sensors/models), with the
share of a 400 kHz bus that traffic takes at the rate measured.

    python bench/bench_sensor_drivers.py

Traffic counts every byte on the wire: the address byte of each START/repeated START, written and
read bytes; bus time = 9 bit-times per byte plus ~2 for START/STOP per transaction. Polling once per
16 chip samples (FIFO parts) or once per sample (the others)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.codegen.sensors.models.hts221 import Hts221Model  # noqa: E402
from tests.codegen.sensors.models.hs3003 import Hs3003Model  # noqa: E402
from tests.codegen.sensors.models.lis3mdl import Lis3mdlModel  # noqa: E402
from tests.codegen.sensors.models.lps22hb import Lps22hbModel  # noqa: E402
from tests.codegen.sensors.models.lsm6ds import LSM6DS3, LSM6DSL, Lsm6dsModel  # noqa: E402
from tests.codegen.sensors.models.lsm9ds1 import Lsm9ds1AccelGyro, Lsm9ds1Mag  # noqa: E402
from tests.codegen.sensors.models.mpu6050 import Mpu6050Model  # noqa: E402
from tests.hostmodel import RUNTIME  # noqa: E402
from tests.hostmodel.sensor import SensorDriver  # noqa: E402

TARGETS = {"M4F": ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
           "M0+": ["-mcpu=cortex-m0plus", "-mthumb"]}


def code_size(source: Path, flags: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        obj = Path(tmp) / "d.o"
        subprocess.run(["arm-none-eabi-gcc", *flags, "-std=c99", "-Os", "-c", f"-I{RUNTIME}",
                        f"-I{RUNTIME / 'sensors'}", str(source), "-o", str(obj)], check=True)
        out = subprocess.run(["arm-none-eabi-size", str(obj)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[1].split()
        return int(out[0]) + int(out[1])   # text + data (flash)


def measure(name, chips, address, rate_hz, channels, quantities, tick, batch, ticks=256):
    drv = SensorDriver(name, capacity=1024)
    for addr, chip in chips.items():
        drv.bus.attach(0, addr, chip)
    assert drv.init(address, rate_hz=rate_hz, channels=channels, quantities=quantities) == 0
    drv.bus.log.clear()
    out = 0
    for i in range(ticks):
        tick()
        if (i + 1) % batch == 0:
            out += drv.poll()
            drv.drain()
    nbytes = sum(len(w) + len(r) + max(1, (1 if w else 0) + (1 if r else 0))  # address byte(s)
                 for _, _, w, r in drv.bus.log)
    transactions = len(drv.bus.log)
    per_sample = nbytes / out
    bus_s = (nbytes * 9 + transactions * 2) / 400e3 / out * rate_hz
    return per_sample, bus_s


def main() -> None:
    if not shutil.which("arm-none-eabi-gcc"):
        sys.exit("arm-none-eabi-gcc not found")
    ag, mag = Lsm9ds1AccelGyro(), Lsm9ds1Mag()
    dsl, ds3, mpu = Lsm6dsModel(LSM6DSL), Lsm6dsModel(LSM6DS3), Mpu6050Model()
    hts, lps, lis, hs = Hts221Model(), Lps22hbModel(), Lis3mdlModel(), Hs3003Model()

    def hs_tick():
        if hs.converting:
            hs.complete()

    cases = {
        "lsm9ds1": ({0x6B: ag, 0x1E: mag}, 0x6B, 119.0, 6, 0, lambda: ag.produce([0, 0, 1], [0, 0, 0]), 16),
        "lsm6dsl": ({0x6A: dsl}, 0x6A, 104.0, 6, 0, lambda: dsl.produce([0, 0, 1], [0, 0, 0]), 16),
        "lsm6ds3": ({0x6A: ds3}, 0x6A, 104.0, 6, 0, lambda: ds3.produce([0, 0, 1], [0, 0, 0]), 16),
        "mpu6050": ({0x68: mpu}, 0x68, 100.0, 6, 0, lambda: mpu.produce([0, 0, 1], [0, 0, 0]), 16),
        "hts221": ({0x5F: hts}, 0x5F, 12.5, 2, 3, lambda: hts.produce(21.0, 40.0), 1),
        "lps22hb": ({0x5C: lps}, 0x5C, 75.0, 2, 5, lambda: lps.produce(1013.0, 21.0), 16),
        "lis3mdl": ({0x1E: lis}, 0x1E, 80.0, 3, 0, lambda: lis.produce([0.2, 0, 0]), 1),
        "hs3003": ({0x44: hs}, 0x44, 25.0, 2, 3, hs_tick, 1),
    }
    print(f"{'driver':<14}{'flash M4F':>10}{'flash M0+':>10}{'bytes/sample':>14}{'rate Hz':>9}"
          f"{'400k bus %':>11}")
    for src in sorted((RUNTIME / "sensors").glob("*.c")):
        sizes = [code_size(src, f) for f in TARGETS.values()]
        row = f"{src.stem:<14}{sizes[0]:>10}{sizes[1]:>10}"
        if src.stem in cases:
            chips, address, rate, ch, q, tick, batch = cases[src.stem]
            per, share = measure(src.stem, chips, address, rate, ch, q, tick, batch)
            row += f"{per:>14.1f}{rate:>9g}{share * 100:>10.2f}%"
        print(row)


if __name__ == "__main__":
    main()
