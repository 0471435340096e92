/* ARM semihosting exit: ends an emulated run with an exit code the host sees as QEMU's own. */
#ifndef TMS_SEMIHOST_H
#define TMS_SEMIHOST_H
#include <stdint.h>

__attribute__((noreturn)) void tms_semihost_exit(uint32_t code);

#endif
