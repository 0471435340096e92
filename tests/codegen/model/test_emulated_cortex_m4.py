"""The generated model, cross-compiled for Cortex-M4 and run on QEMU's mps2-an386, gives the
host's (TFLM-exact) outputs: no host-only assumption (shifts, 64-bit products, alignment) hides
in the kernels. The bare-metal start-up and semihosting print are the DSP target harness's, not the firmware's.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from codegen.emitters.dsp_target import LINKER_SCRIPT, STARTUP_C
from codegen.model.compiler import generate_sources, load_program
from codegen.model.verify import build_host_runner, run_host

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                       reason="needs arm-none-eabi-gcc and qemu-system-arm"),
]

# the bare-metal start-up (vectors, .data/.bss, FPU on, semihosting exit and print) and memory map
# the DSP kernels' target harness uses
STARTUP_C = "#include <stdint.h>\n" + STARTUP_C
LINKER = LINKER_SCRIPT

MAIN_C = """
#include "model.h"
void tms_target_print(const char *line);
static const int8_t samples[%(n)d][MODEL_INPUT_SIZE] = {%(values)s};
static int8_t out[MODEL_OUTPUT_SIZE];
int main(void)
{
    static const char hex[] = "0123456789abcdef";
    static char line[2 * MODEL_OUTPUT_SIZE + 2];
    int s, i;
    for (s = 0; s < %(n)d; ++s) {
        if (model_invoke(samples[s], out) != 0) {
            return 3;
        }
        for (i = 0; i < MODEL_OUTPUT_SIZE; ++i) {
            line[2 * i] = hex[(uint8_t)out[i] >> 4];
            line[2 * i + 1] = hex[(uint8_t)out[i] & 15];
        }
        line[2 * MODEL_OUTPUT_SIZE] = '\\n';
        line[2 * MODEL_OUTPUT_SIZE + 1] = 0;
        tms_target_print(line);
    }
    return 0;
}
"""


def run_on_emulated_cortex_m4(sources: dict, x: np.ndarray, out_size: int, work: Path,
                              cflags=("-mcpu=cortex-m4",)) -> np.ndarray:
    """Outputs of the generated model built for the Cortex-M4 and run on QEMU mps2-an386."""
    n = len(x)
    work.mkdir(parents=True, exist_ok=True)
    for fname, text in sources.items():
        (work / fname).write_text(text, encoding="utf-8")
    (work / "main.c").write_text(MAIN_C % {"n": n, "values": ",".join(
        str(v) for v in x.reshape(-1).tolist())}, encoding="utf-8")
    (work / "startup.c").write_text(STARTUP_C, encoding="utf-8")
    (work / "link.ld").write_text(LINKER, encoding="utf-8")
    c_files = sorted(str(p) for p in work.glob("*.c"))
    elf = work / "model.elf"
    subprocess.run(["arm-none-eabi-gcc", *cflags, "-mthumb", "-Os", "-std=c99",
                    "-ffunction-sections", "-fdata-sections", "-nostartfiles",
                    "-T", str(work / "link.ld"), "-Wl,--gc-sections",
                    "--specs=nosys.specs", "-o", str(elf), *c_files],
                   check=True, capture_output=True, text=True)
    run = subprocess.run(["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-semihosting",
                          "-kernel", str(elf)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    lines = [ln for ln in (run.stdout + run.stderr).splitlines()
             if len(ln) == 2 * out_size and all(c in "0123456789abcdef" for c in ln)]
    return np.array([[int(ln[2 * i:2 * i + 2], 16) for i in range(out_size)] for ln in lines],
                    dtype=np.uint8).astype(np.int8).reshape(-1, out_size)


def test_model_on_emulated_cortex_m4_matches_host(small_dscnn):
    program, name = load_program(small_dscnn)
    g = program.graph
    in_size = sum(g.tensors[i].nbytes for i in g.inputs)
    out_size = sum(g.tensors[i].nbytes for i in g.outputs)
    x = np.random.default_rng(9).integers(-128, 128, (4, in_size)).astype(np.int8)
    sources = generate_sources(program, name)
    with tempfile.TemporaryDirectory(prefix="tms_m4_") as tmp:
        work = Path(tmp)
        (work / "host").mkdir()
        host = run_host(build_host_runner(sources, work / "host"), x, out_size)
        device = run_on_emulated_cortex_m4(sources, x, out_size, work / "m4")
    assert device.shape == host.shape
    assert np.array_equal(device, host)
