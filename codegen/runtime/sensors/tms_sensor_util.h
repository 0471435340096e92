/* Helpers the I2C chip drivers share, header-only (static inline) so that a driver stays the single
 * pair <part>.c/.h the firmware adds: register access through tms_i2c.h mapped to the TMS_SENSOR_*
 * codes, little/big-endian 16-bit decoding, the choice of an output data rate from a part's table,
 * and the decimator that turns the part's output data rate into exactly the node's rate.
 * Host reference: none (plumbing; every driver's test in tests/codegen/sensors exercises it).
 *
 * Decimation: a chip runs at the nearest output data rate (ODR) >= rate_hz. Each chip sample is
 * added to a running sum; a phase accumulator in milli-hertz (integers, so it never drifts) adds
 * rate_mhz per chip sample and, whenever it reaches odr_mhz, emits the mean of the samples summed
 * since the last output and subtracts odr_mhz. Over N chip samples exactly floor(N * rate / odr)
 * samples come out (a boxcar average: the mean also serves as a crude anti-alias filter). With
 * rate == ODR every chip sample passes unchanged. */
#ifndef TMS_SENSOR_UTIL_H
#define TMS_SENSOR_UTIL_H
#include <stdint.h>
#include "tms_i2c.h"
#include "tms_sensor.h"

#define TMS_DECIM_MAX_CHANNELS 9u

typedef struct {
    uint32_t rate_mhz;   /* the node's rate in milli-hertz */
    uint32_t odr_mhz;    /* the part's output data rate in milli-hertz */
    uint32_t phase_mhz;
    uint32_t summed;     /* chip samples in sum[] */
    uint8_t channels;
    float sum[TMS_DECIM_MAX_CHANNELS];
} tms_decim_t;

static inline uint32_t tms_hz_to_mhz(float hz)
{
    return (uint32_t)(hz * 1000.0f + 0.5f);
}

/* the index of the first rate in odr_mhz[0..n) that is >= rate_hz (table sorted ascending), or -1 */
static inline int tms_pick_odr(const uint32_t *odr_mhz, int n, float rate_hz)
{
    uint32_t want = tms_hz_to_mhz(rate_hz);
    int i;
    if (!(rate_hz > 0.0f)) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (odr_mhz[i] >= want) {
            return i;
        }
    }
    return -1;
}

static inline void tms_decim_init(tms_decim_t *d, float rate_hz, uint32_t odr_mhz, uint8_t channels)
{
    uint32_t c;
    d->rate_mhz = tms_hz_to_mhz(rate_hz);
    d->odr_mhz = odr_mhz;
    d->phase_mhz = 0u;
    d->summed = 0u;
    d->channels = channels > TMS_DECIM_MAX_CHANNELS ? (uint8_t)TMS_DECIM_MAX_CHANNELS : channels;
    for (c = 0u; c < TMS_DECIM_MAX_CHANNELS; c++) {
        d->sum[c] = 0.0f;
    }
}

/* feeds one chip sample; when an output is due pushes it into the ring and returns 1, else 0 */
static inline int tms_decim_push(tms_decim_t *d, tms_sample_ring_t *ring, const float *sample)
{
    float out[TMS_DECIM_MAX_CHANNELS];
    uint32_t c;
    for (c = 0u; c < d->channels; c++) {
        d->sum[c] += sample[c];
    }
    d->summed++;
    d->phase_mhz += d->rate_mhz;
    if (d->phase_mhz < d->odr_mhz) {
        return 0;
    }
    d->phase_mhz -= d->odr_mhz;
    for (c = 0u; c < d->channels; c++) {
        out[c] = d->summed == 1u ? d->sum[c] : d->sum[c] / (float)d->summed;
        d->sum[c] = 0.0f;
    }
    d->summed = 0u;
    (void)tms_ring_push(ring, out); /* a full ring counts the overrun itself */
    return 1;
}

static inline int tms_reg_write(uint8_t bus, uint8_t address, uint8_t reg, uint8_t value)
{
    uint8_t frame[2];
    frame[0] = reg;
    frame[1] = value;
    return tms_i2c_write(bus, address, frame, 2u) == TMS_I2C_OK ? TMS_SENSOR_OK : TMS_SENSOR_EBUS;
}

static inline int tms_reg_read(uint8_t bus, uint8_t address, uint8_t reg, uint8_t *out, uint32_t len)
{
    return tms_i2c_write_read(bus, address, &reg, 1u, out, len) == TMS_I2C_OK ? TMS_SENSOR_OK
                                                                               : TMS_SENSOR_EBUS;
}

/* reads the identity register and compares it: TMS_SENSOR_OK, EBUS or EID */
static inline int tms_reg_expect(uint8_t bus, uint8_t address, uint8_t reg, uint8_t expected)
{
    uint8_t id = 0u;
    if (tms_reg_read(bus, address, reg, &id, 1u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    return id == expected ? TMS_SENSOR_OK : TMS_SENSOR_EID;
}

static inline int16_t tms_le16(const uint8_t *p)
{
    return (int16_t)(uint16_t)((uint16_t)p[0] | ((uint16_t)p[1] << 8));
}

static inline int16_t tms_be16(const uint8_t *p)
{
    return (int16_t)(uint16_t)(((uint16_t)p[0] << 8) | (uint16_t)p[1]);
}

#endif
