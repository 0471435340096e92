/* Driver for the Renesas HS3003 (HS300x family; Nano 33 BLE Sense Rev2, 0x44).
 * Datasheet: Renesas "HS300x Datasheet" (HS3001/HS3002/HS3003/HS3004/HS3005/HS3006), followed for:
 * the Measurement Mode section (a Measurement Request is the address with the write bit and no data;
 * a Data Fetch is a read of 4 bytes: humidity status+14 bits, big-endian, then temperature 14 bits
 * left-adjusted); the status bits (the two MSBs of the first byte: 00 valid data, 01 stale data, i.e.
 * already fetched or the conversion is not finished); the measurement time table (14-bit humidity and
 * temperature together take about 34 ms, so at most ~29 Hz); and "Calculating Humidity and
 * Temperature Output":  RH = H / (2^14 - 1) * 100 %RH,  T = T / (2^14 - 1) * 165 - 40 degC.
 * The part runs at the factory default 14-bit resolution (changing it needs the programming mode,
 * entered within 10 ms of power-up: not done here). It has no identity register outside the
 * programming mode, so init can detect a part that answers (ACK) but not prove it is an HS300x.
 * The part converts on request only: the firmware's timer calls poll at rate_hz; each poll fetches
 * the result of the previous request and issues the next. A fetch that finds stale data returns 0
 * samples (the conversion is still running; the next poll takes it). */
#include "hs3003.h"
#include "tms_i2c.h"

#define STATUS_MASK 0xC0u
#define STATUS_VALID 0x00u
#define HS300X_MAX_RATE_HZ 25.0f   /* ~34 ms for a 14-bit humidity + temperature conversion */

static int measurement_request(const tms_hs3003_t *s)
{
    return tms_i2c_write(s->bus, s->address, (const uint8_t *)0, 0u) == TMS_I2C_OK ? TMS_SENSOR_OK
                                                                                   : TMS_SENSOR_EBUS;
}

int tms_hs3003_init(tms_hs3003_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    uint8_t want = (uint8_t)(cfg->quantities & (TMS_Q_TEMPERATURE | TMS_Q_HUMIDITY));
    if (want == 0u || want != cfg->quantities ||
        cfg->channels != (uint8_t)((want & 1u) + ((want >> 1) & 1u)) ||
        !(cfg->rate_hz > 0.0f) || cfg->rate_hz > HS300X_MAX_RATE_HZ) {
        return TMS_SENSOR_ECONFIG;
    }
    s->bus = bus->bus;
    s->address = bus->address;
    s->quantities = want;
    s->channels = cfg->channels;
    return measurement_request(s);   /* a NACK here: no part at the address */
}

int tms_hs3003_poll(tms_hs3003_t *s, tms_sample_ring_t *ring)
{
    uint8_t raw[4];
    float v[2];
    uint8_t n = 0u;
    uint16_t h14, t14;

    if (tms_i2c_write_read(s->bus, s->address, (const uint8_t *)0, 0u, raw, 4u) != TMS_I2C_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((raw[0] & STATUS_MASK) != STATUS_VALID) {
        return 0;
    }
    h14 = (uint16_t)(((uint16_t)(raw[0] & 0x3Fu) << 8) | raw[1]);
    t14 = (uint16_t)((((uint16_t)raw[2] << 8) | raw[3]) >> 2);
    if (s->quantities & TMS_Q_TEMPERATURE) {
        v[n++] = (float)t14 * (165.0f / 16383.0f) - 40.0f;
    }
    if (s->quantities & TMS_Q_HUMIDITY) {
        v[n++] = (float)h14 * (100.0f / 16383.0f);
    }
    (void)tms_ring_push(ring, v);   /* a full ring counts the overrun itself */
    if (measurement_request(s) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    return 1;
}
