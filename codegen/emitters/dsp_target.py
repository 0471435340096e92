"""Running one DSP stage's generated C on an emulated Cortex-M4F (QEMU's mps2-an386): the check that
the kernels give the reference's numbers when built as the firmware builds them (arm-none-eabi-gcc,
-std=gnu11 -Os, hard float, which lets the compiler fuse multiply-adds) and run on the target's FPU.

The image is self-contained: a vector table and reset handler, the stage's declarations, the input
tensors as a constant table, and a main that runs the stage on each input and prints every output
tensor as one line of float32 bit patterns in hex through ARM semihosting, then exits through
semihosting with status 0. Code built for a Cortex-M0+ (no FPU) runs on QEMU's Cortex-M3 machine
(``M0PLUS_ON_M3``). Nothing here is part of a generated firmware project.
"""
from __future__ import annotations

import shutil
import subprocess

import numpy as np

from codegen.cnames import c_comment
from codegen.emitters.dsp_host import RUNTIME_DIR, NodeOnHost, work_dir
from codegen.emitters.dsp_signal import FRAME_READY_FLAG
from codegen.stage import buffer_name

ARM_CC = "arm-none-eabi-gcc"
QEMU = "qemu-system-arm"
# the flags of the generated firmware's Makefile for a Cortex-M4F board
TARGET_CFLAGS = ("-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "-std=gnu11", "-Os",
                 "-ffunction-sections", "-fdata-sections", "-Wall", "-Wextra", "-Werror")
# Cortex-M0+ code (no FPU: RP2040 boards) runs unchanged on QEMU's Cortex-M3 machine, whose
# instruction set contains ARMv6-M's: good enough to count its instructions.
M0PLUS_CFLAGS = ("-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft", "-std=gnu11", "-Os",
                 "-ffunction-sections", "-fdata-sections", "-Wall", "-Wextra", "-Werror")
M4F = ("mps2-an386", "cortex-m4", TARGET_CFLAGS)
M0PLUS_ON_M3 = ("mps2-an385", "cortex-m3", M0PLUS_CFLAGS)

LINKER_SCRIPT = """/* mps2-an386: code in SSRAM1 at 0, data in SSRAM2 at 0x20000000 */
MEMORY
{
  CODE (rx) : ORIGIN = 0x00000000, LENGTH = 4M
  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4M
}
ENTRY(tms_target_reset)
SECTIONS
{
  .vectors : { KEEP(*(.tms_vectors)) } > CODE
  .text : { *(.text .text.*) *(.rodata .rodata.*) . = ALIGN(4); } > CODE
  .ARM.exidx : { *(.ARM.exidx*) } > CODE
  .data : { . = ALIGN(4); _tms_sdata = .; *(.data .data.*) . = ALIGN(4); _tms_edata = .; } > RAM AT > CODE
  _tms_sidata = LOADADDR(.data);
  .bss (NOLOAD) : { . = ALIGN(4); _tms_sbss = .; *(.bss .bss.* COMMON) . = ALIGN(4); _tms_ebss = .; } > RAM
  .stack (NOLOAD) : ALIGN(8) { . = . + 0x10000; _tms_estack = .; } > RAM
  end = .;
}
"""

STARTUP_C = r"""
extern uint32_t _tms_sidata, _tms_sdata, _tms_edata, _tms_sbss, _tms_ebss, _tms_estack;
int main(void);
void tms_target_reset(void);
static void tms_target_exit(uint32_t code);

static void tms_target_fault(void)
{
    tms_target_exit(99u);
}

typedef void (*tms_target_vector_t)(void);
__attribute__((section(".tms_vectors"), used)) static const tms_target_vector_t tms_target_vectors[8] = {
    (tms_target_vector_t)(uintptr_t)&_tms_estack, tms_target_reset, tms_target_fault, tms_target_fault,
    tms_target_fault, tms_target_fault, tms_target_fault, 0,
};

void tms_target_reset(void)
{
    uint32_t *src = &_tms_sidata, *dst;
#if defined(__ARM_FP)
    /* the FPU (CP10, CP11) must be enabled before the first floating-point instruction */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
    for (dst = &_tms_sdata; dst < &_tms_edata;) {
        *dst++ = *src++;
    }
    for (dst = &_tms_sbss; dst < &_tms_ebss;) {
        *dst++ = 0u;
    }
    tms_target_exit((uint32_t)main());
}

static void tms_target_semihost(uint32_t op, const volatile void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const volatile void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}

static void tms_target_exit(uint32_t code)
{
    /* SYS_EXIT_EXTENDED {ADP_Stopped_ApplicationExit, code}: QEMU exits with code */
    volatile uint32_t block[2] = {0x20026u, code};
    tms_target_semihost(0x20u, block);
    for (;;) {
    }
}

void tms_target_print(const char *line);
void tms_target_print(const char *line)
{
    tms_target_semihost(0x04u, line);  /* SYS_WRITE0 */
}

__attribute__((unused)) static void tms_target_print_floats(const float *values, uint32_t n, char *line)
{
    static const char hex[] = "0123456789abcdef";
    uint32_t i, k, pos = 0;
    for (i = 0; i < n; i++) {
        uint32_t bits;
        union { float f; uint32_t u; } pun;
        pun.f = values[i];
        bits = pun.u;
        for (k = 0; k < 8; k++) {
            line[pos++] = hex[(bits >> (28 - 4 * k)) & 0xFu];
        }
        line[pos++] = ' ';
    }
    line[pos++] = '\n';
    line[pos] = '\0';
    tms_target_semihost(0x04u, line);  /* SYS_WRITE0 */
}
"""


_TICKS_CODE = r"""static uint32_t tms_target_ticks;
static void tms_target_print_ticks(uint32_t ticks, char *line)
{
    uint32_t k;
    line[0] = 't';
    line[1] = ' ';
    for (k = 0; k < 8; k++) {
        line[2 + k] = "0123456789abcdef"[(ticks >> (28 - 4 * k)) & 0xFu];
    }
    line[10] = '\n';
    line[11] = '\0';
    tms_target_semihost(0x04u, line);
}
"""


class TargetRunError(Exception):
    """Building or running the emulated image failed; the message carries the tool's output."""


def tools_available() -> bool:
    return shutil.which(ARM_CC) is not None and shutil.which(QEMU) is not None


def target_source(node: NodeOnHost, inputs: np.ndarray, count_instructions: bool = False) -> str:
    stage = node.stage
    in_buf = buffer_name("upstream", "out")
    out_buf = buffer_name(stage.node_id, "out")
    n_in, n_out = node.spec_in.elements, node.spec_out.elements
    rows = np.ascontiguousarray(inputs, dtype=np.float32).reshape(-1, n_in)
    gate = stage.extra.get("sample_gate") or (FRAME_READY_FLAG if stage.mode == "window" else "1")
    bits = ", ".join(f"0x{int(b):08x}u" for b in rows.view(np.uint32).ravel())
    includes = "\n".join(f'#include "{inc}"' for inc in stage.includes)
    # SysTick counts down from 2^24 - 1; under -icount shift=0 one instruction is 1 ns of virtual time
    start_timer = ("*(volatile uint32_t *)0xE000E014u = 0xFFFFFFu; *(volatile uint32_t *)0xE000E018u = 0u; "
                   "*(volatile uint32_t *)0xE000E010u = 5u;") if count_instructions else ""
    stop_timer = ("tms_target_ticks = 0xFFFFFFu - *(volatile uint32_t *)0xE000E018u; "
                  "*(volatile uint32_t *)0xE000E010u = 0u; tms_target_print_ticks(tms_target_ticks, tms_target_line);"
                  ) if count_instructions else ""
    ticks_code = _TICKS_CODE if count_instructions else ""
    return f"""/* generated by tinyml-studio from target check of {c_comment(stage.node_id)} — do not edit */
#include <stdint.h>
{includes}
{STARTUP_C}
static int {FRAME_READY_FLAG};
static float {in_buf}[{n_in}];
/* the input tensors as float32 bit patterns, so they reach the target exactly */
static const uint32_t tms_target_inputs[{rows.size}] = {{ {bits} }};
static char tms_target_line[{max(n_out * 9 + 2, 16)}];
{ticks_code}{stage.declarations}
int main(void)
{{
    uint32_t row, k;
{stage.init}
    for (row = 0; row < {rows.shape[0]}u; row++) {{
        for (k = 0; k < {n_in}u; k++) {{
            union {{ uint32_t u; float f; }} pun;
            pun.u = tms_target_inputs[row * {n_in}u + k];
            {in_buf}[k] = pun.f;
        }}
        {FRAME_READY_FLAG} = 0;
        {start_timer}
        {{
{stage.run}
        }}
        {stop_timer}
        if ({gate}) {{
            tms_target_print_floats({out_buf}, {n_out}u, tms_target_line);
        }}
    }}
    return 0;
}}
"""


def run_on_emulated_m4(node: NodeOnHost, inputs: np.ndarray, name: str, timeout_s: float = 120.0,
                       core: tuple = M4F) -> np.ndarray:
    """Builds ``node``'s stage with ``inputs`` for the Cortex-M4F (or ``core``), runs it in QEMU and
    returns the output tensors it printed, stacked in the output's shape."""
    outputs, _ = _build_and_run(node, inputs, name, timeout_s, False, core)
    return outputs


def instructions_on_emulated_m4(node: NodeOnHost, inputs: np.ndarray, name: str, timeout_s: float = 300.0,
                                core: tuple = M4F) -> list[int]:
    """Instructions the emulated Cortex-M4F executes for each run of the stage, to within 40
    (QEMU's -icount gives one instruction per virtual ns; SysTick ticks every 40 ns on mps2-an386).
    An instruction count, not a cycle count: a real M4 spends 1-14 cycles per instruction."""
    _, ticks = _build_and_run(node, inputs, name, timeout_s, True, core)
    return [40 * t for t in ticks]


def _build_and_run(node: NodeOnHost, inputs: np.ndarray, name: str, timeout_s: float,
                   count_instructions: bool, core: tuple) -> tuple[np.ndarray, list[int]]:
    machine, cpu, cflags = core
    work = work_dir()
    src, elf, lds = work / f"{name}_m4.c", work / f"{name}_m4.elf", work / "tms_target.ld"
    lds.write_text(LINKER_SCRIPT, encoding="utf-8")
    src.write_text(target_source(node, inputs, count_instructions), encoding="utf-8")
    sources = [str(RUNTIME_DIR / rel) for rel in dict.fromkeys(node.stage.sources) if rel.endswith(".c")]
    build = subprocess.run([ARM_CC, *cflags, f"-I{RUNTIME_DIR}", str(src), *sources, "--specs=nano.specs",
                            "-nostartfiles", "-Wl,--gc-sections", "-T", str(lds), "-lm", "-o", str(elf)],
                           capture_output=True, text=True, check=False)
    if build.returncode != 0:
        raise TargetRunError(f"{ARM_CC} failed:\n{build.stderr}")
    run = subprocess.run([QEMU, "-machine", machine, "-cpu", cpu, "-nographic", "-monitor", "none",
                          "-serial", "none", "-semihosting-config", "enable=on,target=native",
                          *(["-icount", "shift=0"] if count_instructions else []), "-kernel", str(elf)],
                         capture_output=True, text=True, check=False, timeout=timeout_s)
    if run.returncode != 0:
        raise TargetRunError(f"{QEMU} exited with {run.returncode}:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    # QEMU writes the semihosting console to stderr
    lines = [ln.split() for ln in run.stderr.splitlines()
             if ln.strip() and all(len(v) == 8 and all(c in "0123456789abcdef" for c in v) for v in ln.split())]
    ticks = [int(ln[1], 16) for ln in (x.split() for x in run.stderr.splitlines()) if len(ln) == 2 and ln[0] == "t"]
    values = np.array([[int(v, 16) for v in ln] for ln in lines], dtype=np.uint32).view(np.float32)
    return values.reshape((-1, *node.spec_out.shape)), ticks
