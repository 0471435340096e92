"""A register-level I2C model of the TDK ICM-20948 (accelerometer and gyroscope; no magnetometer, DMP
or FIFO), written from datasheet DS-000189 v1.3. A model, not the chip.

What it models:
- four user banks of 128 registers, REG_BANK_SEL (0x7F, bits 5:4) reachable from every bank; an
  I2C write is [register, data...] with the register address auto-incrementing; a read continues
  from the register last addressed (burst reads auto-increment too);
- reset values (WHO_AM_I 0xEA, PWR_MGMT_1 0x41: asleep, GYRO_CONFIG_1 / ACCEL_CONFIG 0x01) and
  PWR_MGMT_1.DEVICE_RESET (every register back to reset, bank 0, the bit clears itself);
- sampling (``advance``): while awake (SLEEP=0), the accelerometer updates ACCEL_*OUT at
  1125 / (1 + ACCEL_SMPLRT_DIV) Hz and the gyroscope GYRO_*OUT at 1100 / (1 + GYRO_SMPLRT_DIV) Hz
  unless disabled in PWR_MGMT_2; values are the model's motion scaled by the sensitivity of
  ACCEL_FS_SEL / GYRO_FS_SEL, rounded and saturated to int16, big-endian;
- INT_STATUS_1.RAW_DATA_0_RDY set at each gyroscope update, or accelerometer update while the
  gyroscope is off, and cleared by reading INT_STATUS_1. This is the model's assumption of when the
  flag rises with both sensors running; the datasheet text I read does not settle it.
- the FIFO for the accelerometer alone (USER_CTRL.FIFO_EN and FIFO_EN_2.ACCEL_FIFO_EN): 512 bytes,
  one 6-byte record (ACCEL_XOUT_H..ACCEL_ZOUT_L) per accelerometer sample, FIFO_COUNTH/L the byte
  count, FIFO_R_W read byte by byte (a burst read of it does not advance the register address),
  FIFO_RST clears it; in snapshot mode (FIFO_MODE=1) a record that does not fit is dropped and sets
  INT_STATUS_2.FIFO_OVERFLOW_INT (cleared by reading); stream mode and gyroscope records are not
  modelled (they raise).
"""
from __future__ import annotations

from tests.hostmodel import Nack

BANK_SEL = 0x7F
WHO_AM_I, USER_CTRL, PWR_MGMT_1, PWR_MGMT_2 = 0x00, 0x03, 0x06, 0x07
INT_ENABLE_1, INT_STATUS_1, ACCEL_XOUT_H, GYRO_XOUT_H = 0x11, 0x1A, 0x2D, 0x33
INT_STATUS_2, FIFO_EN_2, FIFO_RST, FIFO_MODE = 0x1B, 0x67, 0x68, 0x69
FIFO_COUNTH, FIFO_COUNTL, FIFO_R_W = 0x70, 0x71, 0x72
FIFO_BYTES = 512
GYRO_SMPLRT_DIV, GYRO_CONFIG_1, ODR_ALIGN_EN = 0x00, 0x01, 0x09
ACCEL_SMPLRT_DIV_1, ACCEL_SMPLRT_DIV_2, ACCEL_CONFIG = 0x10, 0x11, 0x14
ACCEL_LSB_PER_G = (16384, 8192, 4096, 2048)
GYRO_LSB_PER_DPS = (131.0, 65.5, 32.8, 16.4)
RESET = {(0, WHO_AM_I): 0xEA, (0, PWR_MGMT_1): 0x41, (2, GYRO_CONFIG_1): 0x01, (2, ACCEL_CONFIG): 0x01}


def _int16(value: float) -> int:
    return max(-32768, min(32767, round(value)))


class Icm20948Model:
    def __init__(self) -> None:
        self.accel_g = (0.0, 0.0, 1.0)
        self.gyro_dps = (0.0, 0.0, 0.0)
        self.log: list[tuple[bytes, int]] = []
        self.resets = 0
        self._reset()

    def _reset(self) -> None:
        self.regs: dict[tuple[int, int], int] = dict(RESET)
        self.bank = 0
        self.pointer = 0
        self.time_s = 0.0
        self.next_accel_s = 0.0
        self.next_gyro_s = 0.0
        self.fifo = bytearray()
        self.fifo_dropped = 0

    # --- configuration as the chip sees it ----------------------------------------------------
    def reg(self, bank: int, address: int) -> int:
        return self.regs.get((bank, address), 0)

    @property
    def awake(self) -> bool:
        return not self.reg(0, PWR_MGMT_1) & 0x40

    @property
    def accel_on(self) -> bool:
        return self.awake and (self.reg(0, PWR_MGMT_2) >> 3) & 7 != 7

    @property
    def gyro_on(self) -> bool:
        return self.awake and self.reg(0, PWR_MGMT_2) & 7 != 7

    @property
    def accel_odr_hz(self) -> float:
        div = ((self.reg(2, ACCEL_SMPLRT_DIV_1) & 0x0F) << 8) | self.reg(2, ACCEL_SMPLRT_DIV_2)
        return 1125.0 / (1 + div)

    @property
    def gyro_odr_hz(self) -> float:
        return 1100.0 / (1 + self.reg(2, GYRO_SMPLRT_DIV))

    @property
    def accel_fs_g(self) -> int:
        return 2 << ((self.reg(2, ACCEL_CONFIG) >> 1) & 3)

    @property
    def gyro_fs_dps(self) -> int:
        return 250 << ((self.reg(2, GYRO_CONFIG_1) >> 1) & 3)

    # --- I2C ----------------------------------------------------------------------------------
    def transfer(self, write: bytes, read_len: int) -> bytes:
        self.log.append((bytes(write), read_len))
        if write:
            self.pointer = write[0]
            for i, value in enumerate(write[1:]):
                self._write(self.pointer + i, value)
        out = bytearray()
        for i in range(read_len):
            fifo_port = self.bank == 0 and self.pointer == FIFO_R_W
            out.append(self._read(self.pointer if fifo_port else self.pointer + i))
        return bytes(out)

    def _write(self, address: int, value: int) -> None:
        if address > 0x7F:
            raise Nack(f"register 0x{address:02x} does not exist")
        if address == BANK_SEL:
            self.bank = (value >> 4) & 3
            return
        if self.bank == 0 and address == WHO_AM_I:
            return  # read-only
        if self.bank == 0 and address == PWR_MGMT_1 and value & 0x80:
            self.resets += 1
            self._reset()
            return
        if self.bank == 0 and address == FIFO_RST and value & 0x1F:
            self.fifo.clear()
        self.regs[(self.bank, address)] = value & 0xFF

    def _read(self, address: int) -> int:
        if address == BANK_SEL:
            return self.bank << 4
        if self.bank == 0 and address == FIFO_R_W:
            return self.fifo.pop(0) if self.fifo else 0xFF
        if self.bank == 0 and address == FIFO_COUNTH:
            return (len(self.fifo) >> 8) & 0x1F
        if self.bank == 0 and address == FIFO_COUNTL:
            return len(self.fifo) & 0xFF
        value = self.reg(self.bank, address)
        if self.bank == 0 and address in (INT_STATUS_1, INT_STATUS_2):
            self.regs[(0, address)] = 0  # cleared by the read
        return value

    def _fifo_write(self) -> None:
        if not self.reg(0, USER_CTRL) & 0x40:
            return
        enabled = self.reg(0, FIFO_EN_2)
        if enabled & 0x0F:
            raise AssertionError("model: gyroscope/temperature FIFO records are not modelled")
        if not enabled & 0x10:
            return
        if not self.reg(0, FIFO_MODE) & 1:
            raise AssertionError("model: stream-mode FIFO overwrite is not modelled")
        record = bytes(self.reg(0, ACCEL_XOUT_H + i) for i in range(6))
        if len(self.fifo) + len(record) > FIFO_BYTES:
            self.fifo_dropped += 1
            self.regs[(0, INT_STATUS_2)] = 0x01
        else:
            self.fifo += record

    # --- time and motion ----------------------------------------------------------------------
    def _store(self, first: int, values, lsb_per_unit: float) -> None:
        for i, v in enumerate(values):
            raw = _int16(v * lsb_per_unit) & 0xFFFF
            self.regs[(0, first + 2 * i)] = raw >> 8
            self.regs[(0, first + 2 * i + 1)] = raw & 0xFF

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass: the sensors sample at their ODRs while awake."""
        end = self.time_s + seconds
        while True:
            events = []
            if self.accel_on:
                events.append((max(self.next_accel_s, self.time_s), "a"))
            if self.gyro_on:
                events.append((max(self.next_gyro_s, self.time_s), "g"))
            if not events or min(events)[0] > end:
                break
            t, which = min(events)
            self.time_s = t
            if which == "a":
                sens = ACCEL_LSB_PER_G[(self.reg(2, ACCEL_CONFIG) >> 1) & 3]
                self._store(ACCEL_XOUT_H, self.accel_g, sens)
                self.next_accel_s = t + 1.0 / self.accel_odr_hz
                self._fifo_write()
                if not self.gyro_on:
                    self.regs[(0, INT_STATUS_1)] = 1
            else:
                sens = GYRO_LSB_PER_DPS[(self.reg(2, GYRO_CONFIG_1) >> 1) & 3]
                self._store(GYRO_XOUT_H, self.gyro_dps, sens)
                self.next_gyro_s = t + 1.0 / self.gyro_odr_hz
                self.regs[(0, INT_STATUS_1)] = 1
        self.time_s = end
