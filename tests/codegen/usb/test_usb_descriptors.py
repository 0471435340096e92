"""The descriptors codegen/runtime/usb/tms_usb_desc.c builds, parsed in Python against the USB 2.0
specification chapter 9 and CDC 1.2 / PSTN 1.2 (usb_spec.py), from the host build of the C."""
from __future__ import annotations

import ctypes
import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from tests.codegen.usb import usb_spec
from tests.codegen.usb.devices import CATALOGUE
from tests.codegen.usb.usb_host import board_header
from codegen.usb_serial import usb_defines
from tests.hostmodel import RUNTIME, build

SERIAL_STUB = r"""
const char *tms_usb_serial_text(void);
const char *tms_usb_serial_text(void) { return "SN-1"; }
"""


def _lib(board):
    return build(["usb/tms_usb_desc.c"], include_dirs=[board_header(usb_defines(board, "nrf52840")), RUNTIME / "usb"],
                 extra_c=SERIAL_STUB)


def _bytes(lib, name, size):
    return bytes((ctypes.c_uint8 * size).in_dll(lib.dll, name))


def _string(lib, index, cap=254):
    out = (ctypes.c_uint8 * 256)()
    n = lib.tms_usb_string_desc(index, out, cap)
    return bytes(out[:n])


@pytest.fixture(scope="module")
def nano_lib():
    return _lib(CATALOGUE.get("nano33ble"))


def test_device_descriptor_follows_table_9_8_with_the_profile_ids(nano_lib):
    dev = usb_spec.parse_device(_bytes(nano_lib, "tms_usb_device_desc", 18))
    assert (dev.vid, dev.pid) == (0x2341, 0x805A)
    assert dev.device_class == (0xEF, 0x02, 0x01)   # functions described by interface associations
    assert dev.max_packet_size0 == 64 and dev.bcd_usb == 0x0200 and dev.configurations == 1
    assert dev.string_indexes == (1, 2, 3)


def test_configuration_set_is_one_cdc_acm_function_with_consistent_lengths(nano_lib):
    raw = _bytes(nano_lib, "tms_usb_config_desc", 75)
    config = usb_spec.parse_configuration(raw)
    comm, data = usb_spec.check_cdc_acm(config)
    assert config.total_length == len(raw) and config.num_interfaces == 2
    assert config.associations == [(0, 2, (0x02, 0x02, 0x00))]
    assert [e.address for e in comm.endpoints] == [0x81]
    assert sorted(e.address for e in data.endpoints) == [0x02, 0x82]


def test_the_checker_refuses_a_wrong_total_length(nano_lib):
    raw = bytearray(_bytes(nano_lib, "tms_usb_config_desc", 75))
    raw[2] += 1
    with pytest.raises(usb_spec.SpecError, match="wTotalLength"):
        usb_spec.parse_configuration(bytes(raw))


def test_the_checker_refuses_a_union_naming_another_control_interface(nano_lib):
    raw = bytearray(_bytes(nano_lib, "tms_usb_config_desc", 75))
    union_at = raw.find(bytes([5, 0x24, 0x06]))
    raw[union_at + 3] = 1
    with pytest.raises(usb_spec.SpecError, match="bControlInterface"):
        usb_spec.check_cdc_acm(usb_spec.parse_configuration(bytes(raw)))


def test_string_zero_lists_us_english(nano_lib):
    assert _string(nano_lib, 0) == bytes([4, 3, 0x09, 0x04])


def test_strings_carry_the_profile_vendor_product_and_the_serial(nano_lib):
    assert [usb_spec.string_text(_string(nano_lib, i)) for i in (1, 2, 3)] == [
        "Arduino", "Arduino Nano 33 BLE Sense", "SN-1"]


def test_a_missing_string_index_gives_no_descriptor(nano_lib):
    assert _string(nano_lib, 4) == b""


def test_hostile_profile_strings_are_escaped_and_read_back_exactly():
    name = 'Evil "*/ \\ ??= \n\t#define x 1 🐍 Ω'
    board = dataclasses.replace(CATALOGUE.get("nano33ble"), name=name, vendor="\\\"")
    lib = _lib(board)
    assert usb_spec.string_text(_string(lib, 2)) == name
    assert usb_spec.string_text(_string(lib, 1)) == "\\\""


# bytes at the edges of the UTF-8 lead and continuation ranges (Unicode 15 table 3-7)
_EDGE_BYTES = st.lists(st.sampled_from([0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                        0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]),
                       max_size=40).map(bytes)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_EDGE_BYTES, st.binary(max_size=200).map(lambda b: b.replace(b"\0", b"")),
                      st.text(max_size=140).map(lambda t: t.replace("\0", "").encode("utf-8", "surrogatepass"))),
       cap=st.integers(2, 254))
def test_string_descriptors_are_utf16le_of_the_utf8_with_malformed_parts_replaced(nano_lib, text, cap):
    out = (ctypes.c_uint8 * 256)()
    n = nano_lib.tms_usb_utf16_desc(ctypes.c_char_p(text), out, cap)
    assert bytes(out[:n]) == usb_spec.expected_string(text, cap)
