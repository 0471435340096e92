"""Size of each sample's exported c-library per Cortex-M core (and the host), and what a program
using it links in: text/data/bss of the library object built as the firmware builds (-Os,
sections per function), then of a minimal image (init + push + result) with --gc-sections.

    python bench/bench_export_sizes.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codegen.export.formats import export  # noqa: E402
from studio.core.project import load_project  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORES = {
    "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"],
    "cortex-m4f": ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    "cortex-m7": ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"],
}
FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Os", "-ffunction-sections", "-fdata-sections"]
MAIN = """#include "{p}.h"
static float frame[{P}_CHANNELS];
int main(void) {{ {p}_result_t r; int s = 0; {p}_init();
  for (;;) {{ s += {p}_push(frame, 1); while ({p}_result(&r)) s += r.index; if (s < -1) return s; }} }}
void _exit(int c) {{ (void)c; for (;;) {{}} }}
"""


def sizes(tool: str, path: Path) -> tuple[int, int, int]:
    out = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[1:]
    text = data = bss = 0
    for line in out:
        t, d, b = (int(x) for x in line.split()[:3])
        text, data, bss = text + t, data + d, bss + b
    return text, data, bss


def main() -> int:
    print(f"{'sample':10} {'core':14} {'lib text':>9} {'data':>6} {'bss':>7} | {'linked text':>11} {'data':>6} {'bss':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("gesture", "kws", "vibration", "digits"):
            out = Path(tmp) / name
            r = export(load_project(ROOT / "sample_projects" / name / f"{name}.tinyml"), "c-library", out)
            p = r.prefix
            src, inc = out / r.sources[0], out / r.include_dirs[0]
            (out / "main.c").write_text(MAIN.format(p=p, P=p.upper()))
            for core, flags in CORES.items():
                obj, elf = out / f"{core}.o", out / f"{core}.elf"
                subprocess.run(["arm-none-eabi-gcc", *flags, *FLAGS, f"-I{inc}", "-c", str(src), "-o", str(obj)],
                               check=True)
                subprocess.run(["arm-none-eabi-gcc", *flags, *FLAGS, f"-I{inc}", str(out / "main.c"), str(obj),
                                "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections", "-lm", "-o",
                                str(elf)], check=True, capture_output=True)
                lib, linked = sizes("arm-none-eabi-size", obj), sizes("arm-none-eabi-size", elf)
                print(f"{name:10} {core:14} {lib[0]:>9} {lib[1]:>6} {lib[2]:>7} | {linked[0]:>11} {linked[1]:>6} "
                      f"{linked[2]:>7}")
            obj = out / "host.o"
            subprocess.run(["gcc", *FLAGS, f"-I{inc}", "-c", str(src), "-o", str(obj)], check=True)
            lib = sizes("size", obj)
            print(f"{name:10} {'host x86-64':14} {lib[0]:>9} {lib[1]:>6} {lib[2]:>7} |")
    print("linked: a minimal program (init/push/result) with newlib-nano and -lm; includes libc/libm/start-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
