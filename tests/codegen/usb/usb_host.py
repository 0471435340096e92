"""A USB host, in Python, that enumerates the firmware's CDC-ACM port through a register-level
model of the device controller (rp2040_usb_model.py, nrf52840_usbd_model.py), and the host build
of the USB runtime it talks to.

The host side sits where the cable is: it resets the bus, sends SETUP packets and IN/OUT tokens to
the model, which answers as the controller would (ACK with data, NAK, STALL) from what the
firmware's C wrote into its registers; between tokens the firmware runs its poll function. A
device model implements ``bus_reset()``, ``setup(address, packet)``, ``in_token(address, ep, pid)``
and ``out_token(address, ep, data, pid)``; results are ``("ACK", data)``, ``("NAK", None)``,
``("STALL", None)`` or ``("TIMEOUT", None)`` (nobody answers at that address).
"""
from __future__ import annotations

import hashlib
import struct
import tempfile
from pathlib import Path

from codegen.usb_serial import usb_defines
from tests.hostmodel import RUNTIME, build

USB_SOURCES = ["usb/tms_usb_desc.c", "usb/tms_usb_cdc.c", "usb/tms_usb_uart.c"]
_INCLUDE_ROOT = Path(tempfile.gettempdir()) / "tms-usb-board-h"

GET_STATUS, SET_ADDRESS, GET_DESCRIPTOR, GET_CONFIGURATION, SET_CONFIGURATION = 0, 5, 6, 8, 9
SET_LINE_CODING, GET_LINE_CODING, SET_CONTROL_LINE_STATE = 0x20, 0x21, 0x22

# test-side helpers compiled with the runtime: the ROM call hook the RP2040 driver uses on the host
EXTRA_C = r"""
#include <stdint.h>
#include "usb/tms_usb_cdc.h"
uint32_t t_rom_calls[8][3];
uint32_t t_rom_ncalls;
uint32_t t_rom_answer;
uint32_t tms_host_rom_call(uint32_t fn, uint32_t a0, uint32_t a1);
uint32_t tms_host_rom_call(uint32_t fn, uint32_t a0, uint32_t a1)
{
    if (t_rom_ncalls < 8u) {
        t_rom_calls[t_rom_ncalls][0] = fn;
        t_rom_calls[t_rom_ncalls][1] = a0;
        t_rom_calls[t_rom_ncalls][2] = a1;
    }
    t_rom_ncalls++;
    return t_rom_ncalls == 1u ? t_rom_answer : 0u;
}
uint8_t t_state(void) { return tms_usb_cdc.state; }
uint8_t t_address(void) { return tms_usb_cdc.address; }
uint32_t t_baud(void) { return tms_usb_cdc_baud(); }
int t_connected(void) { return tms_usb_cdc_connected(); }
uint32_t t_stalls(void) { return tms_usb_cdc.stalls; }
"""


def board_header(defines: tuple[tuple[str, str], ...]) -> Path:
    """A tms_board.h holding ``defines`` (as codegen writes them), in a directory of its own."""
    text = "#ifndef TMS_BOARD_H\n#define TMS_BOARD_H\n" + "".join(
        f"#define {name} {value}\n" for name, value in defines) + "#endif\n"
    folder = _INCLUDE_ROOT / hashlib.sha256(text.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tms_board.h").write_text(text)
    return folder


def build_usb(board, family: str, controller: str, defines=()):
    """The USB runtime for ``board`` on the host, with the controller driver ``controller``."""
    # usb/ is an include directory too, so its headers count in the build cache's key
    return build(USB_SOURCES + [controller], include_dirs=[board_header(usb_defines(board, family)), RUNTIME / "usb"],
                 extra_c=EXTRA_C, defines=defines)


def setup_packet(request_type: int, request: int, value: int = 0, index: int = 0, length: int = 0) -> bytes:
    return struct.pack("<BBHHH", request_type, request, value, index, length)


class TransferError(AssertionError):
    pass


class UsbHost:
    """Drives one device through its controller model; ``lib`` is the firmware's host build."""

    def __init__(self, lib, model, max_naks: int = 200):
        self.lib, self.model, self.max_naks = lib, model, max_naks
        self.address = 0
        self.toggle: dict[tuple[int, bool], int] = {}   # (endpoint, is_in) -> next DATA PID
        self.ep0_packet = 64
        self.poll_function = lib.tms_usb_cdc_poll   # the firmware's side, run between tokens

    def poll(self, times: int = 1) -> None:
        for _ in range(times):
            self.poll_function()

    def reset(self) -> None:
        self.model.bus_reset()
        self.address = 0
        self.toggle.clear()
        self.poll(3)

    def _token(self, fn, *args):
        for _ in range(self.max_naks):
            status, data = fn(self.address, *args)
            if status != "NAK":
                return status, data
            self.poll()
        raise TransferError(f"endpoint kept answering NAK ({fn.__name__}{args[:1]})")

    def control(self, setup: bytes, data_out: bytes = b"") -> bytes:
        """One control transfer (USB 2.0 spec 8.5.3): SETUP, data stage, status stage; returns the
        IN data; raises TransferError on STALL or a missing answer."""
        request_type, request, _, _, length = struct.unpack("<BBHHH", setup)
        if request_type == 0x00 and request == SET_CONFIGURATION:
            # the host starts every data endpoint at DATA0 again (USB 2.0 spec 9.1.1.5)
            self.toggle = {k: v for k, v in self.toggle.items() if k[0] == 0}
        if self.model.setup(self.address, setup) != "ACK":
            raise TransferError(f"SETUP not acknowledged at address {self.address}")
        self.poll()
        received = b""
        pid = 1
        if request_type & 0x80:
            while True:
                status, data = self._token(self.model.in_token, 0, pid)
                if status != "ACK":
                    raise TransferError(f"data stage: {status}")
                received += data
                pid ^= 1
                self.poll()
                if len(data) < self.ep0_packet or len(received) >= length:
                    break
            status, _ = self._token(self.model.out_token, 0, b"", 1)
            if status != "ACK":
                raise TransferError(f"status stage: {status}")
            self.poll()
            return received
        for at in range(0, len(data_out), self.ep0_packet):
            status, _ = self._token(self.model.out_token, 0, data_out[at:at + self.ep0_packet], pid)
            if status != "ACK":
                raise TransferError(f"data stage: {status}")
            pid ^= 1
            self.poll()
        status, data = self._token(self.model.in_token, 0, 1)
        if status != "ACK" or data:
            raise TransferError(f"status stage: {status} {data!r}")
        self.poll()
        return b""

    def get_descriptor(self, kind: int, index: int = 0, length: int = 255, lang: int = 0) -> bytes:
        return self.control(setup_packet(0x80, GET_DESCRIPTOR, (kind << 8) | index, lang, length))

    def set_address(self, address: int) -> None:
        self.control(setup_packet(0x00, SET_ADDRESS, address))
        self.address = address

    def enumerate(self, address: int = 9) -> dict:
        """What an OS does on plug-in: reset, device descriptor, address, descriptors, configuration."""
        self.reset()
        first = self.get_descriptor(1, length=64)
        self.ep0_packet = first[7]
        self.reset()
        self.set_address(address)
        device = self.get_descriptor(1, length=18)
        head = self.get_descriptor(2, length=9)
        total = struct.unpack("<H", head[2:4])[0]
        config = self.get_descriptor(2, length=total)
        langs = self.get_descriptor(3, 0)
        lang = struct.unpack("<H", langs[2:4])[0]
        strings = {i: self.get_descriptor(3, i, lang=lang) for i in device[14:17] if i}
        self.control(setup_packet(0x00, SET_CONFIGURATION, config[5]))
        return {"first": first, "device": device, "config": config, "langs": langs, "strings": strings}

    def open_port(self, baud: int = 115200) -> None:
        """What opening the tty does: line coding, then DTR and RTS up."""
        self.control(setup_packet(0x21, SET_LINE_CODING, 0, 0, 7), struct.pack("<IBBB", baud, 0, 0, 8))
        self.control(setup_packet(0x21, SET_CONTROL_LINE_STATE, 0x3, 0))

    def bulk_in(self, ep: int, polls: int = 50) -> bytes:
        """Every packet the device has for us, until it NAKs ``polls`` times in a row."""
        out = b""
        naks = 0
        while naks < polls:
            pid = self.toggle.get((ep, True), 0)
            status, data = self.model.in_token(self.address, ep, pid)
            if status == "ACK":
                self.toggle[(ep, True)] = pid ^ 1
                out += data
                naks = 0
            elif status == "NAK":
                naks += 1
            else:
                raise TransferError(f"bulk IN: {status}")
            self.poll()
        return out

    def bulk_out(self, ep: int, data: bytes, packet: int = 64) -> None:
        for at in range(0, len(data), packet):
            pid = self.toggle.get((ep, False), 0)
            status, _ = self._token(self.model.out_token, ep, data[at:at + packet], pid)
            if status != "ACK":
                raise TransferError(f"bulk OUT: {status}")
            self.toggle[(ep, False)] = pid ^ 1
            self.poll()

    def start_reading(self, ep: int) -> bytearray:
        """Have the host controller poll bulk IN ``ep`` whenever the firmware polls its controller, as
        a host does while a program has the port open; returns the buffer the bytes collect in."""
        received = bytearray()

        def read_once() -> None:
            pid = self.toggle.get((ep, True), 0)
            status, data = self.model.in_token(self.address, ep, pid)
            if status == "ACK":
                self.toggle[(ep, True)] = pid ^ 1
                received.extend(data)

        self.model.on_poll = read_once
        return received

    def stop_reading(self) -> None:
        self.model.on_poll = None
