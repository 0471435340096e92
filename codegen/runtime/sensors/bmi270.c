/* Detection of the Bosch BMI270 (Nano 33 BLE Sense Rev2), and a deliberate refusal.
 * Datasheet: Bosch Sensortec BST-BMI270-DS000 "BMI270 6-axis smart low-power IMU", followed for:
 * the register map (CHIP_ID 00h = 24h, INTERNAL_STATUS 21h: message bits 3:0, 0 = not_init,
 * 1 = init_ok) and section 4.4 (initialization): after power-up the host must load the
 * configuration file (about 8 KB, distributed by Bosch in its BMI270 SensorAPI) through INIT_CTRL /
 * INIT_ADDR / INIT_DATA and see INTERNAL_STATUS report init_ok before the accelerometer and gyroscope
 * produce data.
 * Why no data path: we may not copy Bosch's code, and the configuration blob is Bosch's data. Without
 * it the part does not deliver samples: users who followed the datasheet's "normal power mode"
 * register sequence without the upload read only zeros (Bosch Sensortec community forum, "Reading
 * Accelerometer/Gyroscope Registers BMI 270"), and other drivers call the upload mandatory. So init
 * identifies the part (CHIP_ID), records INTERNAL_STATUS, writes nothing, and returns
 * TMS_SENSOR_ECONFIG, which the firmware reports; the pipeline can use the host-stream sensor on a
 * Rev2 board until a licensed configuration upload is added. */
#include "bmi270.h"
#include "tms_sensor_util.h"

#define REG_CHIP_ID 0x00u
#define REG_INTERNAL_STATUS 0x21u

int tms_bmi270_init(tms_bmi270_t *s, const tms_sensor_bus_t *bus, const tms_sensor_config_t *cfg)
{
    int err;
    (void)cfg;
    s->bus = bus->bus;
    s->address = bus->address;
    s->internal_status = 0u;
    err = tms_reg_expect(s->bus, s->address, REG_CHIP_ID, TMS_BMI270_CHIP_ID);
    if (err != TMS_SENSOR_OK) {
        return err;
    }
    if (tms_reg_read(s->bus, s->address, REG_INTERNAL_STATUS, &s->internal_status, 1u) != TMS_SENSOR_OK) {
        return TMS_SENSOR_EBUS;
    }
    return TMS_SENSOR_ECONFIG;  /* the configuration upload is required and not ours to ship */
}

int tms_bmi270_poll(tms_bmi270_t *s, tms_sample_ring_t *ring)
{
    (void)s;
    (void)ring;
    return TMS_SENSOR_ECONFIG;
}
