"""The generated model, cross-compiled for Cortex-M4 and run on QEMU's mps2-an386, gives the
host's (TFLM-exact) outputs: no host-only assumption (shifts, 64-bit products, alignment) hides
in the kernels. A minimal bare-metal start-up and semihosting print live here, not the firmware's.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from codegen.model.compiler import generate_sources, load_program
from codegen.model.verify import build_host_runner, run_host

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                       reason="needs arm-none-eabi-gcc and qemu-system-arm"),
]

STARTUP_C = r"""
#include <stdint.h>
extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);
static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
void test_print(const char *s) { semihost(0x04, s); }
static void test_exit(int code)
{
    uint32_t args[2] = {0x20026u, (uint32_t)code};
    semihost(0x20, args);
    for (;;) {
    }
}
void reset_handler(void)
{
    uint32_t *src = &__data_load, *dst = &__data_start;
    while (dst < &__data_end) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start; dst < &__bss_end;) {
        *dst++ = 0;
    }
    test_exit(main());
}
void fault_handler(void) { test_exit(99); }
__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_top, reset_handler, fault_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler,
    fault_handler};
"""

LINKER = """
MEMORY { FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 4M
         RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4M }
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
  .data : { __data_start = .; *(.data*) . = ALIGN(4); __data_end = .; } > RAM AT > FLASH
  __data_load = LOADADDR(.data);
  .bss (NOLOAD) : { __bss_start = .; *(.bss*) *(COMMON) . = ALIGN(4); __bss_end = .; } > RAM
  __stack_top = ORIGIN(RAM) + LENGTH(RAM);
}
"""

MAIN_C = """
#include "model.h"
void test_print(const char *s);
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
        test_print(line);
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
