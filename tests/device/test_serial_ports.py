"""Port auto-detection: ranking pyserial's port records against a board profile."""
from __future__ import annotations

from serial.tools.list_ports_common import ListPortInfo

from studio.core.boards import boards
from studio.device.ports import (
    SCORE_EXACT, SCORE_KNOWN, SCORE_OTHER, SCORE_USB, SCORE_VENDOR, best_port, find_ports, rank_ports,
)


def usb_port(device: str, vid: int, pid: int, product: str = "USB device") -> ListPortInfo:
    p = ListPortInfo(device, skip_link_detection=True)
    p.vid, p.pid, p.product = vid, pid, product
    p.apply_usb_info()
    return p


UART = ListPortInfo("/dev/ttyS0", skip_link_detection=True)
NANO = usb_port("/dev/ttyACM1", 0x2341, 0x805A, "Nano 33 BLE")
NANO_BOOT = usb_port("/dev/ttyACM2", 0x2341, 0x005A, "Nano 33 BLE bootloader")
FTDI = usb_port("/dev/ttyUSB0", 0x0403, 0x6001, "FT232R")
ODD = usb_port("/dev/ttyACM0", 0x1234, 0x5678, "gadget")


def test_board_with_its_own_usb_id_is_ranked_first():
    board = boards().get("nano33ble")
    ranked = find_ports(board, [UART, FTDI, ODD, NANO_BOOT, NANO])
    assert [c.device for c in ranked] == ["/dev/ttyACM1", "/dev/ttyACM2", "/dev/ttyUSB0", "/dev/ttyACM0",
                                          "/dev/ttyS0"]
    assert [c.score for c in ranked] == [SCORE_EXACT, SCORE_VENDOR, SCORE_KNOWN, SCORE_USB, SCORE_OTHER]
    assert "Nano 33 BLE" in ranked[0].reason


def test_board_profile_with_vendor_only_matches_any_product_of_that_vendor():
    ranked = rank_ports([FTDI, usb_port("/dev/ttyACM3", 0x239A, 0x0031)], usb_vid=0x239A, usb_pid=None)
    assert (ranked[0].device, ranked[0].score) == ("/dev/ttyACM3", SCORE_VENDOR)


def test_legacy_uart_alone_is_not_preselected():
    assert best_port(boards().get("nano33ble"), [UART]) is None


def test_any_usb_serial_port_is_preselected_for_a_board_without_usb_id():
    assert best_port(None, [UART, ODD]).device == "/dev/ttyACM0"


def test_candidate_json_shows_the_usb_id_in_hex():
    c = rank_ports([NANO])[0]
    assert c.to_json()["usb_id"] == "2341:805a"


def test_system_ports_are_listed_without_error():
    for c in find_ports():  # whatever this machine has (often only ttyS*), each is a candidate
        assert c.device.startswith("/dev/") and c.score >= SCORE_OTHER
