/* Which IMU an Arduino Nano 33 BLE Sense carries: Rev1 has an LSM9DS1 (accel/gyro at 0x6B), Rev2 a
 * BMI270 (0x68) + BMM150. Probed at start so one firmware runs on both revisions. */
#ifndef TMS_NANO33_IMU_H
#define TMS_NANO33_IMU_H
#include <stdint.h>

#define TMS_NANO33_IMU_LSM9DS1 1   /* Rev1 */
#define TMS_NANO33_IMU_BMI270 2    /* Rev2 */

/* TMS_NANO33_IMU_LSM9DS1 or _BMI270; TMS_SENSOR_EBUS when neither address answers, TMS_SENSOR_EID
 * when one answers with an identity that is neither part's */
int tms_nano33_imu_probe(uint8_t bus);

#endif
