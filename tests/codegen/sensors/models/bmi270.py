"""Model of what the BMI270 driver touches of the Bosch BMI270 (BST-BMI270-DS000): CHIP_ID (00h) = 24h,
INTERNAL_STATUS (21h) = 00h (not_init) after power-up; burst reads auto-increment. Nothing is writable
in this model: the driver must not write (it refuses to run the part without Bosch's configuration
upload, so a write would be a start of an initialisation it cannot finish)."""
from __future__ import annotations

from tests.codegen.sensors.models.regchip import RegisterChip


class Bmi270Model(RegisterChip):
    reset = {0x00: 0x24, 0x21: 0x00}
    writable = frozenset()
