/* Driver for the ST LSM6DSL (B-L475E-IOT01A, I2C2 address 0x6A).
 * Datasheet: ST DocID028475 "LSM6DSL iNEMO inertial module", followed for: Table 3
 * (sensitivities: 0.061/0.122/0.244/0.488 mg/LSB at +-2/4/8/16 g, 70 mdps/LSB at 2000 dps); section
 * 6.1.1 (I2C: the sub-address increments when CTRL3_C.IF_INC is set, its reset value); section 8
 * (register mapping) and section 9 (register description): WHO_AM_I (6Ah), CTRL1_XL (ODR_XL 7:4,
 * FS_XL 3:2), CTRL2_G (ODR_G 7:4, FS_G 3:2), CTRL3_C (BDU, IF_INC, SW_RESET), FIFO_CTRL3
 * (DEC_FIFO_GYRO 5:3, DEC_FIFO_XL 2:0), FIFO_CTRL5 (ODR_FIFO 6:3, FIFO_MODE 2:0 = 110 continuous),
 * FIFO_STATUS1..4 (DIFF_FIFO[10:0], OVER_RUN, FIFO_PATTERN), FIFO_DATA_OUT_L/H; section 7 / AN5040
 * (FIFO: the first data set is the gyroscope, the second the accelerometer). */
#include "lsm6dsl.h"

static const tms_st_lsm6ds_part_t lsm6dsl_part = {0x6Au, 0x07u, 2048u};

int tms_lsm6dsl_init(tms_lsm6dsl_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    return tms_st_lsm6ds_init(s, &lsm6dsl_part, bus, cfg);
}

int tms_lsm6dsl_poll(tms_lsm6dsl_t *s, tms_sample_ring_t *ring)
{
    return tms_st_lsm6ds_poll(s, &lsm6dsl_part, ring);
}
