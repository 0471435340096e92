"""USB descriptor layouts from the specifications, to check the bytes the firmware's C builds.

Written from the USB 2.0 specification chapter 9 (9.6.1 device, table 9-8; 9.6.3 configuration,
table 9-10; 9.6.5 interface, table 9-12; 9.6.6 endpoint, table 9-13; 9.6.7 string, tables 9-15 and
9-16), the Interface Association Descriptor ECN (table 9-Z), CDC 1.2 (5.2.3 functional descriptors:
header table 15, union table 16; class codes table 2-4) and PSTN 1.2 (call management table 3,
abstract control management table 4), independently of codegen/runtime/usb/tms_usb_desc.c.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

DEVICE, CONFIGURATION, STRING, INTERFACE, ENDPOINT, INTERFACE_ASSOCIATION = 1, 2, 3, 4, 5, 0x0B
CS_INTERFACE = 0x24
CDC_HEADER, CDC_CALL_MANAGEMENT, CDC_ACM, CDC_UNION = 0x00, 0x01, 0x02, 0x06
CLASS_CDC, CLASS_CDC_DATA, SUBCLASS_ACM = 0x02, 0x0A, 0x02
BULK, INTERRUPT = 2, 3


class SpecError(AssertionError):
    """The bytes break a rule of the specification (the message names it)."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise SpecError(message)


@dataclass
class Device:
    bcd_usb: int
    device_class: tuple[int, int, int]
    max_packet_size0: int
    vid: int
    pid: int
    bcd_device: int
    string_indexes: tuple[int, int, int]
    configurations: int


def parse_device(raw: bytes) -> Device:
    _require(len(raw) == 18, f"a device descriptor is 18 bytes, got {len(raw)}")
    (b_length, b_type, bcd_usb, d_class, d_sub, d_proto, mps0, vid, pid, bcd_dev, i_man, i_prod, i_ser,
     n_conf) = struct.unpack("<BBHBBBBHHHBBBB", raw)
    _require(b_length == 18 and b_type == DEVICE, "device descriptor: bLength 18, bDescriptorType 1")
    _require(mps0 in (8, 16, 32, 64), f"bMaxPacketSize0 {mps0} is not 8, 16, 32 or 64 (9.6.1)")
    _require(bcd_usb in (0x0110, 0x0200), f"bcdUSB 0x{bcd_usb:04x}")
    _require(n_conf >= 1, "at least one configuration")
    return Device(bcd_usb, (d_class, d_sub, d_proto), mps0, vid, pid, bcd_dev, (i_man, i_prod, i_ser), n_conf)


@dataclass
class Endpoint:
    address: int
    attributes: int
    max_packet_size: int
    interval: int

    @property
    def transfer_type(self) -> int:
        return self.attributes & 0x3

    @property
    def is_in(self) -> bool:
        return bool(self.address & 0x80)


@dataclass
class Interface:
    number: int
    alternate: int
    klass: tuple[int, int, int]
    num_endpoints: int
    functional: list[bytes] = field(default_factory=list)   # class-specific descriptors, in order
    endpoints: list[Endpoint] = field(default_factory=list)


@dataclass
class Configuration:
    total_length: int
    num_interfaces: int
    value: int
    attributes: int
    max_power_2ma: int
    associations: list[tuple[int, int, tuple[int, int, int]]]   # (first, count, function class)
    interfaces: list[Interface]


def split_descriptors(raw: bytes) -> list[bytes]:
    """The descriptors one after another, each bLength long (9.5)."""
    out, at = [], 0
    while at < len(raw):
        _require(len(raw) - at >= 2, f"a truncated descriptor at byte {at}")
        length = raw[at]
        _require(length >= 2, f"bLength {length} at byte {at}")
        _require(at + length <= len(raw), f"the descriptor at byte {at} runs past the end")
        out.append(raw[at:at + length])
        at += length
    return out


_LENGTHS = {CONFIGURATION: 9, INTERFACE: 9, ENDPOINT: 7, INTERFACE_ASSOCIATION: 8}


def parse_configuration(raw: bytes) -> Configuration:
    descs = split_descriptors(raw)
    _require(descs and descs[0][1] == CONFIGURATION, "the set starts with the configuration descriptor")
    for d in descs:
        if d[1] in _LENGTHS:
            _require(len(d) == _LENGTHS[d[1]], f"descriptor type {d[1]}: bLength {len(d)}, the table says "
                     f"{_LENGTHS[d[1]]}")
    _, _, total, n_if, value, i_conf, attributes, max_power = struct.unpack("<BBHBBBBB", descs[0])
    _require(total == len(raw), f"wTotalLength {total} but the set is {len(raw)} bytes (9.6.3)")
    _require(attributes & 0x80 and not attributes & 0x1F, f"bmAttributes 0x{attributes:02x}: bit 7 set, "
             "bits 4..0 reserved zero (9.6.3)")
    _require(value != 0, "bConfigurationValue 0 means 'not configured' (9.4.7)")
    _require(max_power <= 250, "bMaxPower above 500 mA")
    config = Configuration(total, n_if, value, attributes, max_power, [], [])
    current: Interface | None = None
    for d in descs[1:]:
        kind = d[1]
        if kind == INTERFACE_ASSOCIATION:
            _require(current is None, "an interface association descriptor comes before its interfaces")
            config.associations.append((d[2], d[3], (d[4], d[5], d[6])))
        elif kind == INTERFACE:
            current = Interface(d[2], d[3], (d[5], d[6], d[7]), d[4])
            config.interfaces.append(current)
        elif kind == CS_INTERFACE:
            _require(current is not None, "a class-specific descriptor before any interface")
            _require(not current.endpoints, "functional descriptors come before the endpoints (CDC 1.2 5.2.3)")
            current.functional.append(d)
        elif kind == ENDPOINT:
            _require(current is not None, "an endpoint before any interface")
            address, attributes, mps, interval = struct.unpack("<BBHB", d[2:])
            _require(address & 0x0F != 0 and not address & 0x70, f"endpoint address 0x{address:02x}: "
                     "number 1..15, bits 6..4 reserved zero (9.6.6)")
            current.endpoints.append(Endpoint(address, attributes, mps, interval))
        else:
            raise SpecError(f"unexpected descriptor type 0x{kind:02x}")
    numbers = sorted({i.number for i in config.interfaces})
    _require(numbers == list(range(n_if)), f"bNumInterfaces {n_if} but interfaces {numbers} (9.6.3: numbered from 0)")
    addresses = [e.address for i in config.interfaces for e in i.endpoints]
    _require(len(addresses) == len(set(addresses)), f"an endpoint address is used twice: {addresses}")
    for interface in config.interfaces:
        _require(len(interface.endpoints) == interface.num_endpoints,
                 f"interface {interface.number}: bNumEndpoints {interface.num_endpoints} but "
                 f"{len(interface.endpoints)} endpoint descriptors")
        for e in interface.endpoints:
            if e.transfer_type == BULK:
                _require(e.max_packet_size in (8, 16, 32, 64), f"full-speed bulk wMaxPacketSize {e.max_packet_size} (5.8.3)")
            if e.transfer_type == INTERRUPT:
                _require(1 <= e.interval <= 255 and 0 < e.max_packet_size <= 64, "full-speed interrupt endpoint (5.7.3)")
    return config


def check_cdc_acm(config: Configuration) -> tuple[Interface, Interface]:
    """The rules a CDC-ACM function's descriptors follow; returns (communication, data) interface."""
    comms = [i for i in config.interfaces if i.klass[:2] == (CLASS_CDC, SUBCLASS_ACM)]
    _require(len(comms) == 1, "one communication interface of class 02h subclass 02h (CDC 1.2 4.2/4.3)")
    comm = comms[0]
    f = comm.functional
    _require(len(f) >= 1 and f[0][2] == CDC_HEADER and len(f[0]) == 5,
             "the header functional descriptor comes first, 5 bytes (CDC 1.2 5.2.3.1)")
    _require(struct.unpack("<H", f[0][3:5])[0] >= 0x0110, "bcdCDC")
    by_subtype = {d[2]: d for d in f}
    _require(CDC_UNION in by_subtype and CDC_ACM in by_subtype and CDC_CALL_MANAGEMENT in by_subtype,
             "ACM needs call management, abstract control management and union descriptors (PSTN 1.2 5.3)")
    union = by_subtype[CDC_UNION]
    _require(union[3] == comm.number, "bControlInterface is the communication interface (CDC 1.2 table 16)")
    data_numbers = list(union[4:])
    _require(len(data_numbers) >= 1, "the union names a subordinate interface")
    data = next((i for i in config.interfaces if i.number == data_numbers[0]), None)
    _require(data is not None and data.klass[0] == CLASS_CDC_DATA, "the union's subordinate is a data class "
             "(0Ah) interface (CDC 1.2 4.5)")
    call = by_subtype[CDC_CALL_MANAGEMENT]
    _require(len(call) == 5 and call[4] == data.number, "call management bDataInterface is the data interface "
             "(PSTN 1.2 table 3)")
    acm = by_subtype[CDC_ACM]
    _require(len(acm) == 4 and acm[3] & 0x02, "ACM bmCapabilities bit 1: line coding and serial state "
             "requests (PSTN 1.2 table 4)")
    _require(len(comm.endpoints) == 1 and comm.endpoints[0].transfer_type == INTERRUPT and comm.endpoints[0].is_in,
             "the communication interface has one interrupt IN notification endpoint (CDC 1.2 3.4.1)")
    kinds = sorted((e.transfer_type, e.is_in) for e in data.endpoints)
    _require(kinds == [(BULK, False), (BULK, True)], "the data interface has one bulk IN and one bulk OUT endpoint")
    for first, count, klass in config.associations:
        if first == comm.number:
            _require(count == 2 and {first, first + 1} == {comm.number, data.number},
                     "the interface association covers the communication and data interfaces")
            _require(klass[:2] == (CLASS_CDC, SUBCLASS_ACM), "the association's function class is CDC ACM")
    return comm, data


def string_text(raw: bytes) -> str:
    _require(len(raw) >= 2 and raw[0] == len(raw) and raw[1] == STRING, "string descriptor bLength/bDescriptorType")
    _require(len(raw) % 2 == 0, "UTF-16 code units are two bytes (9.6.7)")
    return raw[2:].decode("utf-16-le")


def expected_string(utf8: bytes, cap: int = 254) -> bytes:
    """The reference: UTF-8 (malformed parts as U+FFFD) to a UTF-16LE string descriptor of at most
    ``cap`` bytes, never splitting a surrogate pair."""
    limit = min(cap, 254) - 2
    body = b""
    for ch in utf8.decode("utf-8", errors="replace"):
        enc = ch.encode("utf-16-le")
        if len(body) + len(enc) > limit:
            break
        body += enc
    return bytes([len(body) + 2, STRING]) + body
