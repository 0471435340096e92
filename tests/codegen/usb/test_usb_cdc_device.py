"""The firmware's USB CDC-ACM device (codegen/runtime/usb/tms_usb_cdc.c and tms_usb_uart.c) enumerated
by a Python USB host through register-level models of both controllers it runs on: the nRF52840 USBD
(nrf52840_usbd_model.py) and the RP2040 USB controller (rp2040_usb_model.py). Models, not the chips:
nothing here ran on a board."""
from __future__ import annotations

import ctypes
import struct

import pytest

from tests.codegen.usb import usb_spec
from tests.codegen.usb.devices import make_device
from tests.codegen.usb.usb_host import (GET_CONFIGURATION, GET_LINE_CODING, SET_CONFIGURATION,
                                        SET_CONTROL_LINE_STATE, SET_LINE_CODING, TransferError, setup_packet)

CONTROLLERS = ["nrf52840", "rp2040"]


@pytest.fixture(params=CONTROLLERS)
def device(request):
    dev = make_device(request.param)
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        yield dev
    assert dev.model.violations == []


def _enumerated(device, baud=115200):
    device.host.enumerate()
    device.host.open_port(baud)
    return device


def test_enumeration_reads_the_profile_vid_pid_and_spec_conformant_descriptors(device):
    got = device.host.enumerate()
    dev = usb_spec.parse_device(got["device"])
    assert (dev.vid, dev.pid) == (device.board.usb_vid, device.board.usb_pid)
    config = usb_spec.parse_configuration(got["config"])
    comm, data = usb_spec.check_cdc_acm(config)
    assert (comm.number, data.number) == (0, 1)
    assert usb_spec.string_text(got["strings"][dev.string_indexes[1]]) == device.board.name
    assert usb_spec.string_text(got["strings"][dev.string_indexes[0]]) == device.board.vendor


def test_the_first_device_descriptor_read_at_address_zero_is_the_full_descriptor(device):
    got = device.host.enumerate()
    assert got["first"] == got["device"]


def test_after_set_address_the_device_answers_only_at_the_new_address(device):
    host = device.host
    host.reset()
    host.set_address(23)
    assert device.lib.t_state() == 1 and device.lib.t_address() == 23
    assert device.model.setup(0, setup_packet(0x80, 6, 0x0100, 0, 18)) == "TIMEOUT"
    assert device.model.setup(23, setup_packet(0x80, 6, 0x0100, 0, 18)) == "ACK"


def test_set_configuration_configures_and_get_configuration_reads_it_back(device):
    device.host.enumerate()
    assert device.lib.t_state() == 2
    assert device.host.control(setup_packet(0x80, GET_CONFIGURATION, 0, 0, 1)) == b"\x01"
    device.host.control(setup_packet(0x00, SET_CONFIGURATION, 0))
    assert device.lib.t_state() == 1


def test_a_configuration_that_does_not_exist_is_refused_with_a_stall(device):
    device.host.enumerate()
    with pytest.raises(TransferError, match="STALL"):
        device.host.control(setup_packet(0x00, SET_CONFIGURATION, 7))


def test_an_unsupported_descriptor_stalls_and_the_next_request_still_works(device):
    device.host.enumerate()
    with pytest.raises(TransferError, match="STALL"):
        device.host.get_descriptor(6, length=10)   # DEVICE_QUALIFIER: full-speed only
    assert len(device.host.get_descriptor(1, length=18)) == 18


def test_line_coding_set_to_115200_reads_back(device):
    _enumerated(device, 115200)
    coding = device.host.control(setup_packet(0xA1, GET_LINE_CODING, 0, 0, 7))
    assert struct.unpack("<IBBB", coding) == (115200, 0, 0, 8)
    assert device.lib.t_baud() == 115200 and device.lib.t_connected() == 1


def test_protocol_bytes_go_out_on_bulk_in_while_the_port_is_open(device):
    _enumerated(device)
    line = b'{"type":"hello","project":"p","board":"b","build":"0123456789ab"}\r\n' * 3
    received = device.host.start_reading(0x2)
    device.lib.tms_uart_write(line, len(line))
    device.lib.tms_uart_flush()
    device.host.stop_reading()
    assert bytes(received) == line


def test_output_is_dropped_while_no_program_holds_the_port(device):
    device.host.enumerate()   # configured, DTR low
    received = device.host.start_reading(0x2)
    device.lib.tms_uart_write(b"lost\n", 5)
    device.lib.tms_uart_flush()
    assert bytes(received) == b""
    assert ctypes.c_uint32.in_dll(device.lib.dll, "tms_usb_tx_dropped_bytes").value == 5


def test_a_host_that_stops_reading_does_not_hang_the_firmware(device):
    _enumerated(device)
    data = b"x" * 200
    device.lib.tms_uart_write(data, len(data))   # nobody takes the packets: returns after the spin limit
    device.lib.tms_uart_flush()
    assert ctypes.c_uint32.in_dll(device.lib.dll, "tms_usb_tx_dropped_bytes").value > 0


def test_host_bytes_on_bulk_out_reach_tms_uart_read_byte(device):
    _enumerated(device)
    frame = bytes(range(150))
    device.host.bulk_out(0x2, frame)
    device.lib.tms_uart_read_byte.restype = ctypes.c_uint8
    assert bytes(device.lib.tms_uart_read_byte() for _ in frame) == frame


def test_a_full_receive_ring_holds_the_host_off_with_nak_and_loses_no_byte(device):
    _enumerated(device)
    host, sent, status = device.host, b"", "ACK"
    for i in range(8):
        packet = bytes([0x41 + i]) * 64
        status, _ = device.model.out_token(host.address, 0x2, packet, host.toggle.get((2, False), 0))
        if status == "NAK":
            break
        host.toggle[(2, False)] = host.toggle.get((2, False), 0) ^ 1
        sent += packet
        host.poll(3)
    # the 255-byte ring, plus the one packet the nRF52840's USBD holds until it is fetched
    assert status == "NAK" and 192 <= len(sent) <= 256
    device.lib.tms_uart_read_byte.restype = ctypes.c_uint8
    assert bytes(device.lib.tms_uart_read_byte() for _ in sent) == sent
    host.bulk_out(0x2, b"z" * 64)
    assert bytes(device.lib.tms_uart_read_byte() for _ in range(64)) == b"z" * 64


def test_a_bus_reset_returns_the_device_to_the_default_state_at_address_zero(device):
    _enumerated(device)
    device.host.reset()
    assert device.lib.t_state() == 0 and device.lib.t_address() == 0 and device.lib.t_connected() == 0
    assert len(device.host.get_descriptor(1, length=18)) == 18


def test_closing_the_port_at_115200_does_not_restart_into_the_bootloader(device):
    _enumerated(device, 115200)
    device.host.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0, 0))
    assert device.lib.t_rom_ncalls_ptr.value == 0
    assert getattr(device.model, "reset_requested_with", None) is None


def test_an_unknown_class_request_stalls(device):
    _enumerated(device)
    with pytest.raises(TransferError, match="STALL"):
        device.host.control(setup_packet(0x21, 0x42, 0, 0))
    device.host.control(setup_packet(0x21, SET_LINE_CODING, 0, 0, 7), struct.pack("<IBBB", 9600, 0, 0, 8))
    assert device.lib.t_baud() == 9600


def test_reconfiguring_restarts_the_data_toggles_so_no_packet_is_lost(device):
    _enumerated(device)
    device.host.bulk_out(0x2, b"odd")           # one packet: the OUT toggle now stands at DATA1
    device.host.control(setup_packet(0x00, SET_CONFIGURATION, 1))
    device.host.open_port()
    device.host.bulk_out(0x2, b"after")
    device.lib.tms_uart_read_byte.restype = ctypes.c_uint8
    assert bytes(device.lib.tms_uart_read_byte() for _ in range(8)) == b"oddafter"


def test_the_background_poll_alone_enumerates_the_device(device):
    device.host.poll_function = device.lib.tms_usb_background_poll
    got = device.host.enumerate()
    assert usb_spec.parse_device(got["device"]).vid == device.board.usb_vid


def test_the_background_poll_stays_out_while_a_serial_function_runs(device):
    device.host.reset()
    ctypes.c_uint8.in_dll(device.lib.dll, "tms_usb_in_use").value = 1
    device.model.setup(0, setup_packet(0x80, 6, 0x0100, 0, 18))
    device.lib.tms_usb_background_poll()
    assert device.model.in_token(0, 0, 1)[0] == "NAK"
    ctypes.c_uint8.in_dll(device.lib.dll, "tms_usb_in_use").value = 0
    device.lib.tms_usb_background_poll()
    assert device.model.in_token(0, 0, 1)[0] == "ACK"


HELLO = b'{"type":"hello","project":"p","board":"b","build":"0123456789ab"}\r\n'


def _write(device, data: bytes) -> None:
    device.lib.tms_uart_write(data, len(data))
    device.lib.tms_uart_flush()


def test_a_program_opening_the_port_later_reads_the_hello_line_first(device):
    device.host.enumerate()
    _write(device, HELLO)                     # printed at start-up, nobody listening
    _write(device, b'{"type":"inference","seq":0}\r\n')
    device.host.open_port()
    received = device.host.start_reading(0x2)
    _write(device, b'{"type":"inference","seq":1}\r\n')
    assert bytes(received) == HELLO + b'{"type":"inference","seq":1}\r\n'


def test_a_line_begun_while_the_port_was_closed_is_dropped_whole(device):
    device.host.enumerate()
    _write(device, HELLO)
    device.lib.tms_uart_write(b'{"type":"infer', 14)
    device.host.open_port()
    received = device.host.start_reading(0x2)
    _write(device, b'ence","seq":0}\r\n{"type":"inference","seq":1}\r\n')
    assert bytes(received) == HELLO + b'{"type":"inference","seq":1}\r\n'


def test_the_hello_line_goes_out_live_once_and_again_when_the_port_is_reopened(device):
    _enumerated(device)
    received = device.host.start_reading(0x2)
    _write(device, HELLO + b"x\n")
    device.host.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0x0, 0))   # closed
    _write(device, b"lost\n")
    device.host.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0x3, 0))   # opened again
    _write(device, b"y\n")
    assert bytes(received) == HELLO + b"x\n" + HELLO + b"y\n"


@pytest.mark.parametrize("controller", CONTROLLERS)
def test_a_descriptor_of_exactly_one_full_packet_is_ended_by_a_zero_length_packet(controller):
    dev = make_device(controller, name="P" * 31)   # 2 + 2 * 31 = 64 bytes: one full EP0 packet
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        dev.host.enumerate()
        product = dev.host.get_descriptor(3, 2, length=255, lang=0x0409)
    assert len(product) == 64 and usb_spec.string_text(product) == "P" * 31
    assert dev.model.violations == []


def test_get_status_reports_a_bus_powered_device_without_remote_wakeup(device):
    device.host.enumerate()
    assert device.host.control(setup_packet(0x80, 0, 0, 0, 2)) == b"\0\0"
