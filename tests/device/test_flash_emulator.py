"""The emulator flasher end to end: a tiny real firmware, started in QEMU through the flasher,
read back through the monitor engine over QEMU's serial socket."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from studio.core.boards import boards
from studio.device.flash import FlashError, flasher_for
from studio.device.monitor import monitor

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and arm-none-eabi-gcc")

# Bare-metal mps2-an386 program: CMSDK UART0 at 0x40004000, then a semihosting exit with code 0.
FIRMWARE_C = r"""
#include <stdint.h>
#define UART0_DATA  (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL  (*(volatile uint32_t *)0x40004008u)
#define UART0_BAUD  (*(volatile uint32_t *)0x40004010u)
static void put(const char *s) { while (*s) { while (UART0_STATE & 1u) {} UART0_DATA = (uint32_t)*s++; } }
static void semihost_exit(int code) {
    uint32_t block[2] = {0x20026u, (uint32_t)code};
    register uint32_t r0 __asm__("r0") = 0x20u;
    register uint32_t r1 __asm__("r1") = (uint32_t)block;
    __asm__ volatile("bkpt 0xAB" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {}
}
void reset(void) {
    UART0_BAUD = 16; UART0_CTRL = 1u;
    put("boot noise\r\n");
    put("{\"type\":\"hello\",\"project\":\"tiny\",\"board\":\"qemu-mps2-an386\",\"build\":\"t\"}\r\n");
    for (int i = 0; i < 3; i++) {
        put("{\"type\":\"inference\",\"seq\":");
        char d[2] = {(char)('0' + i), 0};
        put(d);
        put(",\"label\":\"yes\",\"index\":1,\"scores\":[0.25,0.75],\"dsp_us\":5,\"model_us\":9}\r\n");
    }
    semihost_exit(0);
}
__attribute__((section(".vectors"), used)) const void *vectors[2] = {(void *)0x20010000u, (void *)reset};
"""


@pytest.fixture
def tiny_elf(tmp_path):
    src = tmp_path / "fw.c"
    src.write_text(FIRMWARE_C)
    elf = tmp_path / "firmware.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-Os", "-nostdlib", "-ffreestanding",
                    "-Wl,--section-start=.vectors=0", "-Wl,-e,reset", "-o", str(elf), str(src)],
                   check=True, capture_output=True, timeout=60)
    return elf


def test_emulator_flasher_starts_qemu_and_the_monitor_reads_its_protocol(tiny_elf):
    result = flasher_for(boards().get("qemu-mps2-an386")).flash(tiny_elf)
    try:
        seen = []
        counters = monitor(result.serial_url, count=3, timeout_s=30, on_message=seen.append)
        assert [m.kind for m in seen] == ["raw", "hello", "inference", "inference", "inference"]
        assert counters.summary() == {"type": "summary", "lines": 5, "parsed": 4, "malformed": 0}
        assert result.session.wait(timeout_s=30) == 0
    finally:
        result.session.stop()


def test_emulator_flasher_without_an_image_says_build_first(tmp_path):
    with pytest.raises(FlashError) as e:
        flasher_for(boards().get("qemu-mps2-an386")).flash(tmp_path / "firmware.elf")
    assert e.value.kind == "bad-image"
