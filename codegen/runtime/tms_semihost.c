/* See tms_semihost.h. Only linked for emulated boards: on a real board without a debugger the
 * BKPT would lock the core up. */
#include "tms_semihost.h"

#define TMS_SYS_EXIT_EXTENDED 0x20u
#define TMS_ADP_STOPPED_APPLICATION_EXIT 0x20026u

__attribute__((noreturn)) void tms_semihost_exit(uint32_t code)
{
    /* SYS_EXIT_EXTENDED takes {reason, subcode} and, unlike SYS_EXIT on 32-bit ARM, passes the
     * subcode through as the exit status. */
    volatile uint32_t block[2] = {TMS_ADP_STOPPED_APPLICATION_EXIT, code};
    register uint32_t r0 __asm("r0") = TMS_SYS_EXIT_EXTENDED;
    register volatile uint32_t *r1 __asm("r1") = block;
    __asm volatile("bkpt 0xAB" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {
    }
}
