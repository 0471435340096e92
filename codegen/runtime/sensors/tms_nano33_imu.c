/* Nano 33 BLE Sense revision probe. Reads WHO_AM_I (0Fh) at 0x6B, which is 68h on the LSM9DS1
 * (ST DocID025715, register description), then, if that fails, CHIP_ID (00h) at 0x68, which is 24h on
 * the BMI270 (Bosch BST-BMI270-DS000, register map). Rev1 has nothing at 0x68 and Rev2 nothing at
 * 0x6B, so the first address that answers with its part's identity decides. Reads only. */
#include "tms_nano33_imu.h"
#include "tms_sensor.h"
#include "tms_sensor_util.h"

#define LSM9DS1_AG_ADDRESS 0x6Bu
#define BMI270_ADDRESS 0x68u

int tms_nano33_imu_probe(uint8_t bus)
{
    int lsm = tms_reg_expect(bus, LSM9DS1_AG_ADDRESS, 0x0Fu, 0x68u);
    int bmi;
    if (lsm == TMS_SENSOR_OK) {
        return TMS_NANO33_IMU_LSM9DS1;
    }
    bmi = tms_reg_expect(bus, BMI270_ADDRESS, 0x00u, 0x24u);
    if (bmi == TMS_SENSOR_OK) {
        return TMS_NANO33_IMU_BMI270;
    }
    return (lsm == TMS_SENSOR_EID || bmi == TMS_SENSOR_EID) ? TMS_SENSOR_EID : TMS_SENSOR_EBUS;
}
