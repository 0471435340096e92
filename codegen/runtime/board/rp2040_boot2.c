/* RP2040 second-stage bootloader (boot2), built on its own and placed in the first 256 bytes of
 * flash. The boot ROM copies it to SRAM at 0x20041F00, checks the CRC32 in its last 4 bytes and
 * runs it. It sets the flash interface up for execute-in-place with plain 03h reads (slow but
 * works with any QSPI flash), then starts the application's vector table at 0x10000100. */
#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SSI_CTRLR0     0x18000000u
#define SSI_CTRLR1     0x18000004u
#define SSI_SSIENR     0x18000008u
#define SSI_BAUDR      0x18000014u
#define SSI_SPI_CTRLR0 0x180000F4u
#define PPB_VTOR       0xE000ED08u
#define APP_VECTORS    0x10000100u

void tms_boot2_entry(void);

__attribute__((section(".entry"), noreturn, used)) void tms_boot2_entry(void)
{
    uint32_t sp, pc;
    REG(SSI_SSIENR) = 0u;
    REG(SSI_BAUDR) = 4u;
    /* standard SPI frames, 32-bit data frames, EEPROM-read transfer mode */
    REG(SSI_CTRLR0) = (0u << 21) | (31u << 16) | (3u << 8);
    /* XIP command 03h, 8-bit instruction, 24-bit address, everything on one line */
    REG(SSI_SPI_CTRLR0) = (0x03u << 24) | (2u << 8) | (6u << 2) | 0u;
    REG(SSI_CTRLR1) = 0u;
    REG(SSI_SSIENR) = 1u;
    REG(PPB_VTOR) = APP_VECTORS;
    sp = REG(APP_VECTORS);
    pc = REG(APP_VECTORS + 4u);
    __asm volatile("msr msp, %0\n\tbx %1" : : "r"(sp), "r"(pc) : "memory");
    for (;;) {
    }
}
