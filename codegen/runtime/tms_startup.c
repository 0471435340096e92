/* Reset handler and vector table for bare-metal Cortex-M, written in C (no assembly file).
 *
 * Only the 16 core exception vectors are populated: the firmware polls its peripherals and uses
 * no device interrupts, so one table serves every Cortex-M board. The linker script provides
 * the section boundary symbols and _estack (the top of the statically sized stack section). */
#include <stdint.h>
#include "tms_board.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
void tms_reset_handler(void);
void tms_fault_handler(void);
void tms_systick_handler(void);

typedef void (*tms_vector_t)(void);
extern const tms_vector_t tms_vectors[16];

__attribute__((noreturn)) void tms_reset_handler(void)
{
    /* A bootloader may hand over with its own table still installed. */
    *(volatile uint32_t *)0xE000ED08u = (uint32_t)(uintptr_t)tms_vectors;
#if TMS_HAS_FPU
    /* CPACR: full access to CP10/CP11 before any floating-point instruction runs */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0u;
    }
    (void)main();
    for (;;) {
    }
}

/* A fault ends an emulated run with a distinct exit code instead of hanging the test. */
void tms_fault_handler(void)
{
    tms_board_fault();
    for (;;) {
    }
}

__attribute__((section(".isr_vector"), used)) const tms_vector_t tms_vectors[16] = {
    (tms_vector_t)(uintptr_t)&_estack,
    tms_reset_handler,
    tms_fault_handler, /* NMI */
    tms_fault_handler, /* HardFault */
    tms_fault_handler, /* MemManage */
    tms_fault_handler, /* BusFault */
    tms_fault_handler, /* UsageFault */
    0, 0, 0, 0,
    tms_fault_handler, /* SVCall */
    tms_fault_handler, /* DebugMonitor */
    0,
    tms_fault_handler, /* PendSV */
    tms_systick_handler,
};
