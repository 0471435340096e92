/* The I2C bus the sensor drivers talk through. One implementation per MCU family
 * (codegen/runtime/board/<family>_i2c.c: nRF52840 TWIM, STM32L4 I2C, RP2040 I2C, the mps2 SBCon
 * bit-banged bus QEMU emulates); on the host (tests, -DTMS_HOST_MODEL) a register-level model of the
 * chip answers instead (tests/hostmodel). Buses are numbered as the board profile's sensor list
 * numbers them (`bus: i2c0`, `i2c1`, ...). Addresses are 7-bit. */
#ifndef TMS_I2C_H
#define TMS_I2C_H
#include <stdint.h>

#define TMS_I2C_OK 0
#define TMS_I2C_NACK (-1)     /* no device answered at the address, or it refused a byte */
#define TMS_I2C_TIMEOUT (-2)  /* the bus did not finish in time (stuck line, clock stretching) */
#define TMS_I2C_BAD_BUS (-3)  /* the board has no such bus */

int tms_i2c_init(uint8_t bus);
/* START, address+W, the bytes, STOP */
int tms_i2c_write(uint8_t bus, uint8_t address, const uint8_t *data, uint32_t len);
/* START, address+W, wr bytes, repeated START, address+R, rd_len bytes read, STOP.
 * With wr_len == 0: a plain read, START, address+R, rd_len bytes, STOP (no address+W phase: on some
 * parts, e.g. the HS300x, an empty write is itself a command). tms_i2c_write with len == 0 is the
 * bare START, address+W, STOP. */
int tms_i2c_write_read(uint8_t bus, uint8_t address, const uint8_t *wr, uint32_t wr_len,
                       uint8_t *rd, uint32_t rd_len);
/* busy-waits at least `us` microseconds (board glue: from the core clock) */
void tms_delay_us(uint32_t us);

#endif
