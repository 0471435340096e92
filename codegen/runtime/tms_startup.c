/* Reset handler and vector table for bare-metal Cortex-M, written in C (no assembly file).
 *
 * The 16 core exception vectors, then the device interrupts the firmware's drivers take: the
 * generated tms_board.h lists them (TMS_DEVICE_IRQS entries, TMS_DEVICE_VECTORS: each a driver's
 * handler at its IRQ number, 0 elsewhere) when a driver needs one (a microphone's DMA-complete
 * interrupt); otherwise the table ends after the core vectors. The linker script provides the
 * section boundary symbols and _estack (the top of the statically sized stack section). */
#include <stdint.h>
#include "tms_board.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
void tms_reset_handler(void);
void tms_fault_handler(void);
void tms_systick_handler(void);

typedef void (*tms_vector_t)(void);
#ifndef TMS_DEVICE_IRQS
#define TMS_DEVICE_IRQS 0
#endif
extern const tms_vector_t tms_vectors[16 + TMS_DEVICE_IRQS];

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

__attribute__((section(".isr_vector"), used)) const tms_vector_t tms_vectors[16 + TMS_DEVICE_IRQS] = {
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
#if TMS_DEVICE_IRQS > 0
    TMS_DEVICE_VECTORS
#endif
};
