"""nRF52840-specific behaviour of codegen/runtime/usb/nrf52840_usbd.c against the register-level
model (nrf52840_usbd_model.py): the enable sequence with the errata workarounds, EasyDMA from RAM,
VBUS, the serial number from FICR, and the 1200-baud touch writing the Arduino bootloader's GPREGRET
value before a system reset. A model, not the chip."""
from __future__ import annotations

import ctypes

import pytest

from tests.codegen.usb import usb_spec
from tests.codegen.usb.devices import make_device
from tests.codegen.usb.usb_host import SET_CONTROL_LINE_STATE, setup_packet


@pytest.fixture
def nano():
    dev = make_device("nrf52840")
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        yield dev


def test_enable_applies_errata_171_and_187_and_connects_after_ready(nano):
    assert nano.model.enabled and nano.model.regs[0x40027504] == 1
    assert nano.model.violations == []


def test_every_easydma_transfer_runs_from_the_driver_ram_with_the_errata_199_setting(nano):
    nano.host.enumerate()
    assert nano.model.dma_count > 5 and nano.model.violations == []


def test_the_serial_number_is_the_chip_device_id_in_hex(nano):
    got = nano.host.enumerate()
    index = got["device"][16]
    assert usb_spec.string_text(got["strings"][index]) == "0F0E0D0C1234ABCD"


def test_a_1200_baud_touch_sets_gpregret_0x4e_then_requests_a_system_reset(nano):
    host = nano.host
    host.enumerate()
    host.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0x3, 0))
    host.control(setup_packet(0x21, 0x20, 0, 0, 7), (1200).to_bytes(4, "little") + b"\0\0\x08")
    assert nano.model.reset_requested_with is None
    host.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0x0, 0))
    host.poll(2)
    assert nano.model.reset_requested_with == 0x4E


def test_without_vbus_the_usbd_stays_off_until_vbus_comes():
    dev = make_device("nrf52840")
    dev.model.vbus = False
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        dev.lib.tms_uart_write(b"x\n", 2)   # returns: nobody to send to
        assert not dev.model.enabled
        dev.model.vbus = True
        dev.host.poll()
        assert dev.model.enabled and dev.model.violations == []
        assert len(dev.host.enumerate()["device"]) == 18


def test_an_easydma_pointer_outside_ram_is_caught_by_the_model(nano):
    # the control that shows the model's RAM-only check can fail
    nano.model.regs[0x40027C1C] = 0x82
    nano.model.regs[0x40027600] = 0x00001000   # flash
    nano.model.regs[0x40027604] = 8
    nano.model.write(0x40027004, 1)
    assert any("outside" in v for v in nano.model.violations)


def test_a_usbd_left_on_by_the_bootloader_is_switched_off_and_started_again():
    dev = make_device("nrf52840")
    dev.model.enabled = True                      # as a bootloader might hand over
    dev.model.regs[0x40027504] = 1
    with dev.lib.attached(mmio=dev.model):
        dev.lib.tms_uart_init()
        assert dev.model.enabled and dev.model.violations == []
        assert len(dev.host.enumerate()["device"]) == 18
