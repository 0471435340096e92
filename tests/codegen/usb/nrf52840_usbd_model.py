"""A register-level model of the nRF52840 USBD peripheral, with the POWER, CLOCK, FICR and SCB
registers the driver touches. A model, not the chip.

Written from the nRF52840 Product Specification v1.7 section 6.35 (USBD): EasyDMA per endpoint
(EPIN[n]/EPOUT[n].PTR/MAXCNT at 0x600 + 0x14n / 0x700 + 0x14n, STARTEPIN/STARTEPOUT tasks, ENDEPIN/
ENDEPOUT events, RAM only), control endpoint (EP0SETUP with the request in 0x480..0x49C, data IN
after STARTEPIN[0] acknowledged as EP0DATADONE, data OUT accepted after EP0RCVOUT and reported as
EP0DATADONE with SIZE.EPOUT[0], status stage only after EP0STATUS, EP0STALL until the next SETUP,
SET_ADDRESS answered by the hardware which then listens on the new address), data endpoints
(EPDATA with EPDATASTATUS, write-1-to-clear; an OUT endpoint NAKs while its packet has not been
taken by STARTEPOUT), EVENTCAUSE.READY after ENABLE; and the errata workarounds the driver applies
(171, 187: registers framed by the 0x4006EC00 key and set around ENABLE; 199: 0x40027C1C = 0x82
while EasyDMA runs). What the document forbids is recorded in ``violations``.
"""
from __future__ import annotations

import ctypes

USBD = 0x40027000
POWER_USBREGSTATUS, POWER_GPREGRET = 0x40000438, 0x4000051C
CLOCK_TASKS_HFCLKSTART, CLOCK_EVENTS_HFCLKSTARTED = 0x40000000, 0x40000100
FICR_DEVICEID0, FICR_DEVICEID1 = 0x10000060, 0x10000064
SCB_AIRCR = 0xE000ED0C
ERRATA_KEY_REG, ERRATA_171, ERRATA_187, ERRATA_199 = 0x4006EC00, 0x4006EC14, 0x4006ED14, USBD + 0xC1C
EVENTS_USBRESET, EVENTS_EP0DATADONE, EVENTS_EPDATA, EVENTS_EP0SETUP = USBD + 0x100, USBD + 0x128, USBD + 0x160, USBD + 0x15C
EVENTCAUSE, EPDATASTATUS, USBADDR = USBD + 0x400, USBD + 0x46C, USBD + 0x470
ENABLE, USBPULLUP, EPINEN, EPOUTEN = USBD + 0x500, USBD + 0x504, USBD + 0x510, USBD + 0x514
DTOGGLE = USBD + 0x50C
READY = 1 << 11


class Nrf52840UsbdModel:
    def __init__(self, dma_region: tuple[int, int], vbus: bool = True,
                 device_id: tuple[int, int] = (0x1234ABCD, 0x0F0E0D0C)) -> None:
        self.dma_base, self.dma_bytes = dma_region
        self.vbus = vbus
        self.device_id = device_id
        self.regs: dict[int, int] = {}
        self.violations: list[str] = []
        self.hfxo = False
        self.unlocked = False
        self.errata = {ERRATA_171: 0, ERRATA_187: 0}
        self.enabled = self.ready_pending = False
        self.address = 0
        self.pending_address: int | None = None
        self.ep0_request = b"\0" * 8
        self.ep0_in: bytes | None = None
        self.ep0_out: bytes | None = None
        self.ep0_rcvout = self.ep0_status = self.ep0_stalled = False
        self.in_buf: dict[int, bytes] = {}
        self.out_buf: dict[int, bytes] = {}
        self.gpregret = 0
        self.reset_requested_with: int | None = None
        self.dma_count = 0
        self.on_poll = None
        self.toggle: dict[tuple[int, bool], int] = {}   # (endpoint, is_in) -> next DATA PID, kept by the USBD

    # --- DMA into the firmware's RAM (the host process's memory) ---
    def _resolve(self, ptr: int, length: int) -> int:
        for high in (self.dma_base & ~0xFFFFFFFF, (self.dma_base & ~0xFFFFFFFF) + (1 << 32)):
            full = high | ptr
            if self.dma_base <= full and full + length <= self.dma_base + self.dma_bytes:
                return full
        self.violations.append(f"EasyDMA pointer 0x{ptr:08x} (+{length}) is outside the driver's RAM buffers "
                               "(EasyDMA reaches RAM only)")
        return 0

    def _dma(self, ep: int, is_in: bool) -> None:
        base = USBD + (0x600 if is_in else 0x700) + 0x14 * ep
        ptr, maxcnt = self.regs.get(base, 0), self.regs.get(base + 4, 0)
        if self.regs.get(ERRATA_199, 0) != 0x82:
            self.violations.append(f"EasyDMA started on EP{ep} {'IN' if is_in else 'OUT'} without the errata 199 "
                                   "workaround (0x40027C1C = 0x82)")
        if maxcnt > 64:
            self.violations.append(f"MAXCNT {maxcnt} above 64")
        self.dma_count += 1
        if is_in:
            full = self._resolve(ptr, maxcnt)
            data = ctypes.string_at(full, maxcnt) if full else b""
            if ep == 0:
                self.ep0_in = data
            else:
                self.in_buf[ep] = data
            self.regs[USBD + 0x108 + 4 * ep] = 1   # ENDEPIN[n]
        else:
            data = (self.ep0_out if ep == 0 else self.out_buf.get(ep)) or b""
            data = data[:maxcnt]
            full = self._resolve(ptr, len(data)) if data else 0
            if full:
                ctypes.memmove(full, data, len(data))
            if ep == 0:
                self.ep0_out = None
            else:
                self.out_buf.pop(ep, None)   # the endpoint accepts the next packet
            self.regs[USBD + 0x130 + 4 * ep] = 1   # ENDEPOUT[n]

    # --- MMIO ---
    def read(self, address: int) -> int:
        if address == POWER_USBREGSTATUS:
            return 0x3 if self.vbus else 0x0
        if address == CLOCK_EVENTS_HFCLKSTARTED:
            return 1 if self.hfxo else 0
        if address in (FICR_DEVICEID0, FICR_DEVICEID1):
            return self.device_id[0 if address == FICR_DEVICEID0 else 1]
        if address == ERRATA_KEY_REG:
            return 0
        if address == EVENTCAUSE:
            if self.ready_pending:
                self.regs[EVENTCAUSE] = self.regs.get(EVENTCAUSE, 0) | READY
                self.ready_pending = False
            return self.regs.get(EVENTCAUSE, 0)
        if address == USBADDR:
            return self.address
        if address == ENABLE:
            return 1 if self.enabled else 0
        if address == EVENTS_USBRESET and self.on_poll:
            self.on_poll()
        if USBD + 0x480 <= address < USBD + 0x4A0:
            return self.ep0_request[(address - USBD - 0x480) // 4]
        return self.regs.get(address, 0)

    def write(self, address: int, value: int) -> None:
        if address == CLOCK_TASKS_HFCLKSTART and value:
            self.hfxo = True
        elif address == ERRATA_KEY_REG:
            if value == 0x9375:
                self.unlocked = not self.unlocked
        elif address in self.errata:
            if not self.unlocked:
                self.violations.append(f"errata register 0x{address:08x} written without the 0x4006EC00 key")
            self.errata[address] = value
        elif address == ENABLE:
            if value == 0:
                self.enabled = self.ready_pending = False
                self.regs[EVENTCAUSE] = self.regs.get(EVENTCAUSE, 0) & ~READY
            elif self.enabled:
                self.violations.append("ENABLE written while the USBD is already enabled: no new READY event")
                self.ready_pending = False
            elif value == 1:
                if not self.hfxo:
                    self.violations.append("USBD enabled before the HFXO runs")
                if self.errata[ERRATA_187] != 3 or self.errata[ERRATA_171] != 0xC0:
                    self.violations.append("USBD enabled without the errata 171/187 settings "
                                           f"(EC14=0x{self.errata[ERRATA_171]:x}, ED14=0x{self.errata[ERRATA_187]:x})")
                self.enabled, self.ready_pending = True, True
        elif address == EVENTCAUSE:
            self.regs[EVENTCAUSE] = self.regs.get(EVENTCAUSE, 0) & ~value
        elif address == EPDATASTATUS:
            self.regs[EPDATASTATUS] = self.regs.get(EPDATASTATUS, 0) & ~value
        elif address == USBPULLUP:
            if value and not self.enabled:
                self.violations.append("pull-up connected before USBD is enabled")
            if value and any(self.errata.values()):
                self.violations.append("pull-up connected with the errata 171/187 registers still set")
            self.regs[address] = value
        elif USBD <= address < USBD + 0x100 and value:
            self._task(address - USBD)
        elif address == DTOGGLE:
            # VALUE 1 (Data0) / 2 (Data1) sets the selected endpoint's toggle; 0 only selects it
            ep, is_in, value = value & 0x7, bool(value & 0x80), (value >> 8) & 0x3
            if value in (1, 2):
                self.toggle[(ep, is_in)] = value - 1
        elif address == POWER_GPREGRET:
            self.gpregret = value & 0xFF
        elif address == SCB_AIRCR:
            if value == 0x05FA0004:
                self.reset_requested_with = self.gpregret
        else:
            self.regs[address] = value

    def _task(self, offset: int) -> None:
        if 0x004 <= offset < 0x024:
            ep = (offset - 0x004) // 4
            if ep and not self.regs.get(EPINEN, 0) & (1 << ep):
                self.violations.append(f"STARTEPIN[{ep}] on a disabled endpoint")
            self._dma(ep, True)
        elif 0x028 <= offset < 0x048:
            self._dma((offset - 0x028) // 4, False)
        elif offset == 0x04C:
            self.ep0_rcvout = True
        elif offset == 0x050:
            self.ep0_status = True
        elif offset == 0x054:
            self.ep0_stalled = True

    # --- the bus side ---
    def connected(self) -> bool:
        return self.enabled and bool(self.regs.get(USBPULLUP, 0))

    def bus_reset(self) -> None:
        self.address = 0
        self.pending_address = None
        self.ep0_in = self.ep0_out = None
        self.ep0_rcvout = self.ep0_status = self.ep0_stalled = False
        self.in_buf.clear()
        self.out_buf.clear()
        self.toggle.clear()
        self.regs[EVENTS_USBRESET] = 1

    def setup(self, address: int, packet: bytes) -> str:
        if not self.connected() or address != self.address:
            return "TIMEOUT"
        self.ep0_request = bytes(packet)
        self.ep0_in = self.ep0_out = None
        self.ep0_rcvout = self.ep0_status = self.ep0_stalled = False
        self.pending_address = packet[2] if packet[0] == 0x00 and packet[1] == 0x05 else None
        self.regs[EVENTS_EP0SETUP] = 1
        return "ACK"

    def in_token(self, address: int, ep: int, pid: int) -> tuple[str, bytes | None]:
        if not self.connected() or address != self.address:
            return "TIMEOUT", None
        if ep == 0:
            if self.ep0_stalled:
                return "STALL", None
            if self.pending_address is not None:   # SET_ADDRESS status: the hardware's own
                self.address, self.pending_address = self.pending_address, None
                return "ACK", b""
            if self.ep0_in is not None:
                data, self.ep0_in = self.ep0_in, None
                self.regs[EVENTS_EP0DATADONE] = 1
                return "ACK", data
            if self.ep0_status and not self.ep0_request[0] & 0x80:
                self.ep0_status = False
                return "ACK", b""
            return "NAK", None
        if not self.regs.get(EPINEN, 0) & (1 << ep):
            return "TIMEOUT", None
        if ep not in self.in_buf:
            return "NAK", None
        data = self.in_buf.pop(ep)
        self._check_toggle(ep, True, pid)
        self.regs[EPDATASTATUS] = self.regs.get(EPDATASTATUS, 0) | (1 << ep)
        self.regs[EVENTS_EPDATA] = 1
        return "ACK", data

    def out_token(self, address: int, ep: int, data: bytes, pid: int) -> tuple[str, None]:
        if not self.connected() or address != self.address:
            return "TIMEOUT", None
        if ep == 0:
            if self.ep0_stalled:
                return "STALL", None
            if self.ep0_request[0] & 0x80:
                if self.ep0_status and not data:
                    self.ep0_status = False
                    return "ACK", None
                return "NAK", None
            if self.ep0_rcvout:
                self.ep0_rcvout = False
                self.ep0_out = bytes(data)
                self.regs[USBD + 0x4A0] = len(data)
                self.regs[EVENTS_EP0DATADONE] = 1
                return "ACK", None
            return "NAK", None
        if not self.regs.get(EPOUTEN, 0) & (1 << ep):
            return "TIMEOUT", None
        if ep in self.out_buf:
            return "NAK", None
        self._check_toggle(ep, False, pid)
        self.out_buf[ep] = bytes(data)
        self.regs[USBD + 0x4A0 + 4 * ep] = len(data)
        self.regs[EPDATASTATUS] = self.regs.get(EPDATASTATUS, 0) | (1 << (16 + ep))
        self.regs[EVENTS_EPDATA] = 1
        return "ACK", None

    def _check_toggle(self, ep: int, is_in: bool, pid: int) -> None:
        mine = self.toggle.get((ep, is_in), 0)
        if mine != pid:
            self.violations.append(f"EP{ep} {'IN' if is_in else 'OUT'}: the USBD is at DATA{mine}, the host at "
                                   f"DATA{pid} (toggle not reset at SET_CONFIGURATION?)")
        self.toggle[(ep, is_in)] = mine ^ 1
