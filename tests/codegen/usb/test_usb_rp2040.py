"""RP2040-specific behaviour of codegen/runtime/usb/rp2040_usb.c against the register-level model
(rp2040_usb_model.py): the 48 MHz USB clock, the DPRAM buffer handshake, and the 1200-baud touch
reaching the boot ROM's reset_usb_boot. A model, not the chip."""
from __future__ import annotations

import ctypes

import pytest

from tests.codegen.usb.devices import make_device
from tests.codegen.usb.rp2040_usb_model import ROM_FUNC_TABLE, ROM_LOOKUP_FN
from tests.codegen.usb.usb_host import SET_CONTROL_LINE_STATE, setup_packet

RESET_USB_BOOT = 0x2591   # what the model's lookup answers for 'UB'


@pytest.fixture
def pico():
    dev = make_device("rp2040")
    ctypes.c_uint32.in_dll(dev.lib.dll, "t_rom_answer").value = RESET_USB_BOOT
    ctypes.c_uint32.in_dll(dev.lib.dll, "t_rom_ncalls").value = 0
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        yield dev


def _rom_calls(dev):
    calls = (ctypes.c_uint32 * 24).in_dll(dev.lib.dll, "t_rom_calls")
    n = ctypes.c_uint32.in_dll(dev.lib.dll, "t_rom_ncalls").value
    return [tuple(calls[3 * i:3 * i + 3]) for i in range(min(n, 8))]


def test_the_controller_leaves_reset_with_clk_usb_at_48_mhz(pico):
    assert pico.model.usb_hz_at_unreset == 48e6
    assert pico.model.violations == []


def test_the_pull_up_connects_the_device_after_init(pico):
    assert pico.model.pullup()


def test_a_1200_baud_touch_calls_reset_usb_boot_through_the_rom_table(pico):
    host = pico.host
    host.enumerate()
    host.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0x3, 0))     # open: DTR up
    host.control(setup_packet(0x21, 0x20, 0, 0, 7), (1200).to_bytes(4, "little") + b"\0\0\x08")
    assert _rom_calls(pico) == []
    host.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0x0, 0))     # close: DTR down
    ord_ub = ord("U") | (ord("B") << 8)
    assert _rom_calls(pico) == [(ROM_LOOKUP_FN, ROM_FUNC_TABLE, ord_ub), (RESET_USB_BOOT, 0, 0)]
    assert pico.model.violations == []


def test_the_touch_leaves_only_after_the_host_took_the_status_stage(pico):
    host, model = pico.host, pico.model
    host.enumerate()
    # SET_LINE_CODING 1200 while DTR is low is a touch too; driven token by token
    assert model.setup(host.address, setup_packet(0x21, 0x20, 0, 0, 7)) == "ACK"
    host.poll(3)
    assert model.out_token(host.address, 0, (1200).to_bytes(4, "little") + b"\0\0\x08", 1)[0] == "ACK"
    host.poll(5)
    assert _rom_calls(pico) == []
    assert model.in_token(host.address, 0, 1) == ("ACK", b"")
    host.poll()
    assert len(_rom_calls(pico)) == 2


def test_the_new_address_is_in_effect_when_the_poll_that_took_set_address_returns(pico):
    host, model = pico.host, pico.model
    host.reset()
    taken = []

    def host_sends_status_in(address):
        # the host controller asks for the status stage while the firmware is still in its poll
        if address == 0x50110058 and not taken and model.word(0x80) & 0x400:
            taken.append(model.in_token(0, 0, 1))

    model.on_read = host_sends_status_in
    assert model.setup(0, setup_packet(0x00, 5, 42)) == "ACK"
    pico.lib.tms_usb_cdc_poll()
    model.on_read = None
    assert taken == [("ACK", b"")] and model.dev_address() == 42


def test_available_in_the_same_write_as_the_other_fields_is_caught_by_the_model(pico):
    # the control that shows the model's buffer-control check can fail
    pico.model.write(0x50100080, 0x0000_8440)
    assert pico.model.violations
