/* Driver for the ST LSM6DS3 (an external part, e.g. on a Pico's I2C0 at 0x6A or 0x6B).
 * Datasheet: ST DocID026899 "LSM6DS3 iNEMO inertial module", followed for: Table 3
 * (sensitivities: 0.061/0.122/0.244/0.488 mg/LSB at +-2/4/8/16 g, 70 mdps/LSB at 2000 dps); section
 * 6.1.1 (I2C: the sub-address increments when CTRL3_C.IF_INC is set, its reset value); sections 8-9
 * (register mapping and description): WHO_AM_I (69h), CTRL1_XL, CTRL2_G, CTRL3_C, FIFO_CTRL3,
 * FIFO_CTRL5, FIFO_STATUS1..4 (DIFF_FIFO[11:0], FIFO_OVER_RUN, FIFO_PATTERN), FIFO_DATA_OUT_L/H;
 * section 7 / AN4650 (FIFO: the first data set is the gyroscope, the second the accelerometer). The
 * bits used are those of the LSM6DSL (tms_st_lsm6ds.h); only WHO_AM_I and DIFF_FIFO's width differ. */
#include "lsm6ds3.h"

static const tms_st_lsm6ds_part_t lsm6ds3_part = {0x69u, 0x0Fu, 4096u};

int tms_lsm6ds3_init(tms_lsm6ds3_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    return tms_st_lsm6ds_init(s, &lsm6ds3_part, bus, cfg);
}

int tms_lsm6ds3_poll(tms_lsm6ds3_t *s, tms_sample_ring_t *ring)
{
    return tms_st_lsm6ds_poll(s, &lsm6ds3_part, ring);
}
