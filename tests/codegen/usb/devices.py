"""The two USB device controllers under test, each as (host build of the firmware's USB runtime,
register-level model of the controller, board profile)."""
from __future__ import annotations

import ctypes
import dataclasses
from dataclasses import dataclass

from studio.core.boards import BoardCatalogue
from studio.core.paths import builtin_boards_dir
from tests.codegen.usb.nrf52840_usbd_model import Nrf52840UsbdModel
from tests.codegen.usb.rp2040_usb_model import Rp2040UsbModel
from tests.codegen.usb.usb_host import UsbHost, build_usb

CATALOGUE = BoardCatalogue(dirs=[builtin_boards_dir()])
# small enough that a test of a host that stops reading ends quickly
DEFINES = ("TMS_USB_TX_SPINS=400u", "TMS_USB_ENUM_SPINS=20u", "TMS_USB_ADDRESS_SPINS=20u", "TMS_USB_READY_SPINS=50u")


@dataclass
class Device:
    name: str
    board: object
    lib: object
    model: object
    host: UsbHost


def make_device(controller: str, **profile_changes) -> Device:
    """``profile_changes`` replace fields of the board profile (e.g. a product name)."""
    if controller == "rp2040":
        board = dataclasses.replace(CATALOGUE.get("rpi-pico"), **profile_changes)
        lib = build_usb(board, "rp2040", "usb/rp2040_usb.c", defines=DEFINES)
        model = Rp2040UsbModel()
    else:
        board = dataclasses.replace(CATALOGUE.get("nano33ble"), **profile_changes)
        lib = build_usb(board, "nrf52840", "usb/nrf52840_usbd.c", defines=DEFINES)
        dma = (ctypes.c_uint8 * (5 * 64)).in_dll(lib.dll, "tms_usbd_dma_ram")
        model = Nrf52840UsbdModel((ctypes.addressof(dma), ctypes.sizeof(dma)))
    lib.t_rom_ncalls_ptr = ctypes.c_uint32.in_dll(lib.dll, "t_rom_ncalls")
    return Device(controller, board, lib, model, UsbHost(lib, model))
