/* TI TMP105 driver, following the datasheet SBOS323:
 *  - section "Pointer Register": the first byte of a write selects the register (P1P0: 00
 *    temperature, 01 configuration, 10 TLOW, 11 THIGH); a read returns the selected register;
 *  - "Temperature Register": 12 bits, two's complement, left-justified in two bytes, 0.0625 degC
 *    per LSB at 12-bit resolution (degC = (int16_t)word / 256);
 *  - "Configuration Register" / "Converter Resolution (R1/R0)": bits 6:5 select 9..12 bits, with
 *    typical conversion times 27.5, 55, 110 and 220 ms; SD (bit 0) = 0 keeps it converting
 *    continuously. Power-up is 9 bits.
 * The part has no FIFO and no data-ready flag: it converts continuously and the register holds the
 * latest result. The driver picks the finest resolution whose conversion fits one sample period,
 * and reads the register once per period (paced by tms_timer_cycles); periods that passed unread
 * (the pipeline was busy) are counted as overruns. Faster than 1 / 27.5 ms, readings repeat.
 * There is no ID register: init writes the configuration and reads it back (TMS_SENSOR_EID when
 * the part at the address keeps other bits).
 * Host test: tests/codegen/sensors/test_tmp105.py against a model of the chip. */
#include "tmp105.h"
#include "tms_board.h"
#include "tms_i2c.h"
#include "tms_timer.h"

#define TMP105_REG_TEMPERATURE 0x00u
#define TMP105_REG_CONFIG 0x01u
#define TMP105_CONFIG_R_SHIFT 5u
#define TMP105_CONFIG_CHECK_MASK 0x61u /* R1, R0, SD: what the part must keep as written */

/* typical conversion time per resolution, 9..12 bits (SBOS323 "Converter Resolution" table) */
static const uint32_t tms_tmp105_conversion_us[4] = {27500u, 55000u, 110000u, 220000u};

int tms_tmp105_init(tms_tmp105_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    uint8_t wr[2];
    uint8_t readback = 0u;
    uint32_t period_us;
    uint8_t r;
    if (cfg->rate_hz <= 0.0f || cfg->channels != 1u ||
        (cfg->quantities != 0u && cfg->quantities != TMS_Q_TEMPERATURE)) {
        return TMS_SENSOR_ECONFIG; /* temperature only, one value per sample */
    }
    s->bus = *bus;
    period_us = (uint32_t)(1000000.0 / (double)cfg->rate_hz);
    r = 3u;
    while (r > 0u && tms_tmp105_conversion_us[r] > period_us) {
        r--;
    }
    s->resolution_bits = (uint8_t)(9u + r);
    s->conversion_us = tms_tmp105_conversion_us[r];
    s->period_cycles = (uint64_t)((double)TMS_CLOCK_HZ / (double)cfg->rate_hz);
    if (s->period_cycles == 0u) {
        s->period_cycles = 1u;
    }
    if (tms_i2c_init(bus->bus) != TMS_I2C_OK) {
        return TMS_SENSOR_EBUS;
    }
    wr[0] = TMP105_REG_CONFIG;
    wr[1] = (uint8_t)(r << TMP105_CONFIG_R_SHIFT); /* continuous conversion, comparator mode */
    if (tms_i2c_write(bus->bus, bus->address, wr, 2u) != TMS_I2C_OK) {
        return TMS_SENSOR_EBUS;
    }
    if (tms_i2c_write_read(bus->bus, bus->address, wr, 1u, &readback, 1u) != TMS_I2C_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((readback & TMP105_CONFIG_CHECK_MASK) != (wr[1] & TMP105_CONFIG_CHECK_MASK)) {
        return TMS_SENSOR_EID;
    }
    /* the register still holds a conversion at the old resolution until one completes */
    tms_delay_us(s->conversion_us);
    s->next_due_cycles = tms_timer_cycles();
    return TMS_SENSOR_OK;
}

int tms_tmp105_poll(tms_tmp105_t *s, tms_sample_ring_t *ring)
{
    uint8_t pointer = TMP105_REG_TEMPERATURE;
    uint8_t raw[2];
    uint64_t now = tms_timer_cycles();
    uint64_t missed;
    float celsius;
    if (now < s->next_due_cycles) {
        return 0;
    }
    if (tms_i2c_write_read(s->bus.bus, s->bus.address, &pointer, 1u, raw, 2u) != TMS_I2C_OK) {
        return TMS_SENSOR_EBUS;
    }
    missed = (now - s->next_due_cycles) / s->period_cycles;
    ring->overruns += (uint32_t)missed;
    s->next_due_cycles += (missed + 1u) * s->period_cycles;
    celsius = (float)(int16_t)(((uint16_t)raw[0] << 8) | raw[1]) / 256.0f;
    return tms_ring_push(ring, &celsius) == 0 ? 1 : 0;
}
