"""A model of the TI TMP105 (datasheet SBOS323) as an I2C chip for tests/hostmodel's I2CBus: the
pointer register, the 12-bit left-justified two's-complement temperature register truncated to the
configured resolution (R1/R0, power-up 9 bits), the configuration register, TLOW/THIGH (power-up
75 and 80 degC). Conversion timing is not modelled (the register is always current). A model."""
from __future__ import annotations

import math


class Tmp105Model:
    def __init__(self, temperature_c: float = 25.0):
        self.temperature_c = temperature_c
        self.pointer = 0
        self.config = 0x00
        self.tlow = 0x4B00
        self.thigh = 0x5000

    @property
    def resolution_bits(self) -> int:
        return 9 + ((self.config >> 5) & 3)

    def temperature_word(self) -> int:
        step = 2 ** (12 - self.resolution_bits)  # in 1/16 degC
        counts = math.floor(self.temperature_c * 16 / step) * step
        counts = max(-2048, min(2047, counts))
        return (counts << 4) & 0xFFFF

    def quantized_c(self) -> float:
        word = self.temperature_word()
        return (word - 0x10000 if word & 0x8000 else word) / 256

    def transfer(self, write: bytes, read_len: int) -> bytes:
        if write:
            self.pointer = write[0] & 3
            if len(write) > 1:
                if self.pointer == 1:
                    self.config = write[1]
                elif self.pointer in (2, 3) and len(write) >= 3:
                    value = (write[1] << 8) | write[2]
                    self.tlow, self.thigh = (value, self.thigh) if self.pointer == 2 else (self.tlow, value)
        if self.pointer == 1:
            reg = bytes([self.config]) * 2
        else:
            word = {0: self.temperature_word(), 2: self.tlow, 3: self.thigh}[self.pointer]
            reg = bytes([word >> 8, word & 0xFF])
        return (reg * (read_len // 2 + 1))[:read_len]
