"""What the USB CDC-ACM serial port costs on the boards that have it: flash and RAM of the same
firmware built with serial_transport uart and usb-cdc (real arm-none-eabi-gcc), and how many register
accesses one enumeration by the modelled host takes per controller (tests/codegen/usb models).

    python bench/bench_usb_serial.py
"""
from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codegen.firmware import write_firmware  # noqa: E402
from studio.device.build import build_firmware  # noqa: E402
from tests.codegen.usb.devices import make_device  # noqa: E402
from tests.e2e.test_firmware_boards import CATALOGUE, FIXTURE_MODEL, STAGES  # noqa: E402


def sizes(board) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        files = write_firmware(Path(tmp) / "fw", board, "bench", STAGES, FIXTURE_MODEL, ["a", "b", "c"],
                               replay=np.zeros(16, dtype=np.float32))
        result = build_firmware(files.out_dir)
        return result.flash_bytes, result.ram_bytes


def register_accesses(controller: str) -> int:
    dev = make_device(controller)
    count = [0]
    read, write = dev.model.read, dev.model.write

    def counting_read(address):
        count[0] += 1
        return read(address)

    def counting_write(address, value):
        count[0] += 1
        write(address, value)

    dev.model.read, dev.model.write = counting_read, counting_write
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        count[0] = 0
        dev.host.enumerate()
    return count[0]


def main() -> None:
    print(f"{'board':<22}{'uart flash':>11}{'usb flash':>11}{'+flash':>8}{'uart RAM':>10}{'usb RAM':>9}{'+RAM':>7}")
    for board_id in ("nano33ble", "rpi-pico", "arducam-pico4ml-ble"):
        board = CATALOGUE.get(board_id)
        uart = sizes(dataclasses.replace(board, serial_transport="uart"))
        usb = sizes(dataclasses.replace(board, serial_transport="usb-cdc"))
        print(f"{board_id:<22}{uart[0]:>11}{usb[0]:>11}{usb[0] - uart[0]:>8}{uart[1]:>10}{usb[1]:>9}{usb[1] - uart[1]:>7}")
    for controller in ("nrf52840", "rp2040"):
        print(f"{controller}: {register_accesses(controller)} register accesses for one enumeration "
              "(host model, test spin limits)")


if __name__ == "__main__":
    main()
