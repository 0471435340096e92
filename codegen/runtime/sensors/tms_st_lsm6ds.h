/* What the ST LSM6DSL and LSM6DS3 drivers share, honestly: the two parts have the same register map
 * for everything this driver touches (CTRL1_XL, CTRL2_G, CTRL3_C, FIFO_CTRL3/5, FIFO_STATUS1..4,
 * FIFO_DATA_OUT), the same ODR codes, full-scale encodings and sensitivities; they differ in
 * WHO_AM_I (6Ah / 69h), FIFO size (4 KB / 8 KB) and so in the width of DIFF_FIFO in FIFO_STATUS2
 * (bits 2:0 / 3:0). Datasheets and sections: see lsm6dsl.c and lsm6ds3.c. Header-only (static
 * inline) so each driver stays one .c/.h pair. */
#ifndef TMS_ST_LSM6DS_H
#define TMS_ST_LSM6DS_H
#include <stdint.h>
#include "tms_sensor.h"
#include "tms_sensor_util.h"

typedef struct {
    uint8_t who_am_i;
    uint8_t diff_fifo_high_mask;  /* FIFO_STATUS2 bits holding DIFF_FIFO's upper bits */
    uint16_t fifo_words;          /* FIFO depth in 16-bit words */
} tms_st_lsm6ds_part_t;

typedef struct {
    uint8_t bus;
    uint8_t address;
    uint8_t channels;       /* 3: accel; 6: + gyro */
    float accel_g_per_lsb;
    float gyro_dps_per_lsb;
    uint32_t odr_mhz;
    tms_decim_t decim;
} tms_st_lsm6ds_t;

#define TMS_LSM6DS_FIFO_CTRL3 0x08u
#define TMS_LSM6DS_FIFO_CTRL5 0x0Au
#define TMS_LSM6DS_WHO_AM_I 0x0Fu
#define TMS_LSM6DS_CTRL1_XL 0x10u
#define TMS_LSM6DS_CTRL2_G 0x11u
#define TMS_LSM6DS_CTRL3_C 0x12u
#define TMS_LSM6DS_FIFO_STATUS1 0x3Au
#define TMS_LSM6DS_FIFO_DATA_OUT_L 0x3Eu
#define TMS_LSM6DS_CTRL3_BDU 0x40u
#define TMS_LSM6DS_CTRL3_IF_INC 0x04u
#define TMS_LSM6DS_CTRL3_SW_RESET 0x01u
#define TMS_LSM6DS_FIFO_CONTINUOUS 0x06u
#define TMS_LSM6DS_FIFO_OVER_RUN 0x40u
#define TMS_LSM6DS_FIFO_EMPTY 0x10u
#define TMS_LSM6DS_WORDS_PER_SET 6u      /* Gx Gy Gz (1st data set) then Ax Ay Az (2nd) */

static inline int tms_st_lsm6ds_init(tms_st_lsm6ds_t *s, const tms_st_lsm6ds_part_t *part,
                                     const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    /* ODR codes 0001..1000 (bits 7:4 of CTRL1_XL/CTRL2_G, bits 6:3 of FIFO_CTRL5). The parts go
     * higher (3.33/6.66 kHz) but a 400 kHz I2C bus cannot carry 12 bytes per set beyond ~2 kHz. */
    static const uint32_t odr_mhz[] = {12500u, 26000u, 52000u, 104000u, 208000u, 416000u, 833000u,
                                       1660000u};
    float fs = cfg->full_scale;
    uint8_t fs_bits, odr_code;
    int odr, err;

    if (cfg->channels != 3u && cfg->channels != 6u) {
        return TMS_SENSOR_ECONFIG;
    }
    odr = tms_pick_odr(odr_mhz, (int)(sizeof odr_mhz / sizeof odr_mhz[0]), cfg->rate_hz);
    if (odr < 0) {
        return TMS_SENSOR_ECONFIG;
    }
    /* FS_XL (bits 3:2): 00 +-2 g, 10 +-4 g, 11 +-8 g, 01 +-16 g; the smallest range covering fs */
    if (fs <= 2.0f) {
        fs_bits = 0x00u; s->accel_g_per_lsb = 0.061e-3f;
    } else if (fs <= 4.0f) {
        fs_bits = 0x08u; s->accel_g_per_lsb = 0.122e-3f;
    } else if (fs <= 8.0f) {
        fs_bits = 0x0Cu; s->accel_g_per_lsb = 0.244e-3f;
    } else if (fs <= 16.0f) {
        fs_bits = 0x04u; s->accel_g_per_lsb = 0.488e-3f;
    } else {
        return TMS_SENSOR_ECONFIG;
    }
    s->bus = bus->bus;
    s->address = bus->address;
    s->channels = cfg->channels;
    s->gyro_dps_per_lsb = 70e-3f;   /* FS_G = 11: +-2000 dps */
    s->odr_mhz = odr_mhz[odr];
    odr_code = (uint8_t)(odr + 1);

    err = tms_reg_expect(s->bus, s->address, TMS_LSM6DS_WHO_AM_I, part->who_am_i);
    if (err != TMS_SENSOR_OK) {
        return err;
    }
    if (tms_reg_write(s->bus, s->address, TMS_LSM6DS_CTRL3_C,
                      TMS_LSM6DS_CTRL3_SW_RESET | TMS_LSM6DS_CTRL3_IF_INC) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_delay_us(1000u);
    if (tms_reg_write(s->bus, s->address, TMS_LSM6DS_CTRL3_C,
                      TMS_LSM6DS_CTRL3_BDU | TMS_LSM6DS_CTRL3_IF_INC) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, TMS_LSM6DS_CTRL1_XL, (uint8_t)((odr_code << 4) | fs_bits)) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, TMS_LSM6DS_CTRL2_G, (uint8_t)((odr_code << 4) | 0x0Cu)) != TMS_SENSOR_OK ||
        /* DEC_FIFO_GYRO = DEC_FIFO_XL = 001: both in the FIFO, undecimated */
        tms_reg_write(s->bus, s->address, TMS_LSM6DS_FIFO_CTRL3, 0x09u) != TMS_SENSOR_OK ||
        tms_reg_write(s->bus, s->address, TMS_LSM6DS_FIFO_CTRL5,
                      (uint8_t)((odr_code << 3) | TMS_LSM6DS_FIFO_CONTINUOUS)) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    tms_decim_init(&s->decim, cfg->rate_hz, s->odr_mhz, s->channels);
    return TMS_SENSOR_OK;
}

static inline int tms_st_lsm6ds_poll(tms_st_lsm6ds_t *s, const tms_st_lsm6ds_part_t *part,
                                     tms_sample_ring_t *ring)
{
    uint8_t status[4];
    uint8_t set[2u * TMS_LSM6DS_WORDS_PER_SET];
    uint32_t words, pattern, skip;
    float v[6];
    int c, pushed = 0;

    /* FIFO_STATUS1..4: DIFF_FIFO (unread 16-bit words), OVER_RUN, FIFO_PATTERN (next word's slot) */
    if (tms_reg_read(s->bus, s->address, TMS_LSM6DS_FIFO_STATUS1, status, 4u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    if ((status[1] & TMS_LSM6DS_FIFO_OVER_RUN) != 0u) {
        ring->overruns++;  /* the part flags, it does not count: at least one set was lost */
    }
    words = (uint32_t)status[0] | ((uint32_t)(status[1] & part->diff_fifo_high_mask) << 8);
    if (words == 0u && (status[1] & TMS_LSM6DS_FIFO_EMPTY) == 0u) {
        /* DIFF_FIFO is one bit too narrow for a completely full FIFO (2048 / 4096 words): zero
         * unread words while FIFO_EMPTY is clear can only mean full (an inference, see the report) */
        words = part->fifo_words;
    }
    pattern = (uint32_t)status[2] | ((uint32_t)(status[3] & 0x03u) << 8);
    /* an overwrite in continuous mode can leave the oldest set partial: skip to the next Gx */
    if (pattern != 0u && pattern < TMS_LSM6DS_WORDS_PER_SET) {
        skip = TMS_LSM6DS_WORDS_PER_SET - pattern;
        if (skip > words) {
            skip = words;
        }
        if (skip != 0u &&
            tms_reg_read(s->bus, s->address, TMS_LSM6DS_FIFO_DATA_OUT_L, set, 2u * skip) != TMS_SENSOR_OK) {
            return TMS_SENSOR_EBUS;
        }
        words -= skip;
    }
    for (; words >= TMS_LSM6DS_WORDS_PER_SET; words -= TMS_LSM6DS_WORDS_PER_SET) {
        /* with IF_INC the address wraps from FIFO_DATA_OUT_H back to _L: one burst per set */
        if (tms_reg_read(s->bus, s->address, TMS_LSM6DS_FIFO_DATA_OUT_L, set, sizeof set) != TMS_SENSOR_OK) {
            return TMS_SENSOR_EBUS;
        }
        for (c = 0; c < 3; c++) {
            v[3 + c] = (float)tms_le16(&set[2 * c]) * s->gyro_dps_per_lsb;
            v[c] = (float)tms_le16(&set[6 + 2 * c]) * s->accel_g_per_lsb;
        }
        pushed += tms_decim_push(&s->decim, ring, v);
    }
    return pushed;
}

#endif
