"""The monitor finds a board running the USB firmware: the VID/PID the firmware's device descriptor
carries (read by the modelled enumeration) is the one studio/device/ports.py ranks as the board's."""
from __future__ import annotations

import pytest
from serial.tools.list_ports_common import ListPortInfo

from studio.core.boards import boards
from studio.device.ports import SCORE_EXACT, SCORE_VENDOR, best_port, find_ports
from tests.codegen.usb import usb_spec
from tests.codegen.usb.devices import make_device


def _port(device: str, vid: int, pid: int) -> ListPortInfo:
    p = ListPortInfo(device, skip_link_detection=True)
    p.vid, p.pid = vid, pid
    p.apply_usb_info()
    return p


@pytest.mark.parametrize("controller", ["nrf52840", "rp2040"])
def test_the_enumerated_firmware_is_the_port_the_monitor_preselects(controller):
    dev = make_device(controller)
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        descriptor = usb_spec.parse_device(dev.host.enumerate()["device"])
    ours = _port("/dev/ttyACM4", descriptor.vid, descriptor.pid)
    other = _port("/dev/ttyUSB0", 0x0403, 0x6001)
    best = best_port(dev.board, [other, ours])
    assert best is not None and best.device == "/dev/ttyACM4" and best.score == SCORE_EXACT


@pytest.mark.parametrize("board_id,bootloader", [("nano33ble", (0x2341, 0x005A)), ("rpi-pico", (0x2E8A, 0x0003))])
def test_the_board_in_its_bootloader_after_a_touch_is_named_as_such(board_id, bootloader):
    ranked = find_ports(boards().get(board_id), [_port("/dev/ttyACM0", *bootloader)])
    assert ranked[0].score == SCORE_VENDOR and "bootloader" in ranked[0].reason
