/* Memory-mapped register access for board glue and sensor/USB peripheral drivers.
 * On the target a register is a volatile word at its address. Built with -DTMS_HOST_MODEL (the
 * tests), every access goes to tms_mmio_read/tms_mmio_write instead, which a register-level model of
 * the peripheral (tests/hostmodel) answers: so a driver's exact register sequence can be checked on
 * the host against a model written from the datasheet. A model is a model, not the chip. */
#ifndef TMS_MMIO_H
#define TMS_MMIO_H
#include <stdint.h>

#ifdef TMS_HOST_MODEL
uint32_t tms_mmio_read(uint32_t address);
void tms_mmio_write(uint32_t address, uint32_t value);
#define TMS_REG_READ(address) tms_mmio_read((uint32_t)(address))
#define TMS_REG_WRITE(address, value) tms_mmio_write((uint32_t)(address), (uint32_t)(value))
#else
#define TMS_REG_READ(address) (*(volatile uint32_t *)(uintptr_t)(address))
#define TMS_REG_WRITE(address, value) (*(volatile uint32_t *)(uintptr_t)(address) = (uint32_t)(value))
#endif

#endif
