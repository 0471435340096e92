"""A register-level model of the RP2040 USB controller in device mode, with the resets, PLL_USB
and clk_usb it depends on, and the boot ROM's table pointers. A model, not the chip.

Written from the RP2040 Datasheet section 4.1 USB (the DPRAM: setup packet at 0x000, endpoint
control at 0x008 + 8*(n-1) (IN) / +4 (OUT), buffer control at 0x080 + 8*n (IN) / +4 (OUT); buffer
control bits FULL 15, LAST 14, DATA_PID 13, STALL 11, AVAILABLE 10, LENGTH 9:0, and its concurrent
access rule: AVAILABLE set in a write after the one that set the other fields; device mode:
SIE_STATUS SETUP_REC 17 / BUS_RESET 19 write-1-to-clear, BUFF_STATUS one bit per endpoint and
direction (2n IN, 2n+1 OUT) write-1-to-clear, ADDR_ENDP, EP_STALL_ARM cleared by a SETUP), section
2.14 resets, 2.18 PLL (VCO 750..1600 MHz, FBDIV 16..320), 2.15 clocks (clk_usb 48 MHz), 2.8 boot ROM.

It records what the datasheet forbids in ``violations`` (a test asserts it stays empty).
"""
from __future__ import annotations

DPRAM, DPRAM_END = 0x50100000, 0x50101000
REGS = 0x50110000
RESETS, RESETS_DONE = 0x4000C000, 0x4000C008
PLL_USB = 0x4002C000
CLK_USB_CTRL, CLK_USB_DIV = 0x40008054, 0x40008058
RESET_PLL_USB, RESET_USBCTRL = 1 << 13, 1 << 24
XOSC_HZ = 12_000_000
ROM_TABLE_PTR, ROM_LOOKUP_PTR = 0x14, 0x18
ROM_FUNC_TABLE, ROM_LOOKUP_FN = 0x007A, 0x001D   # 16-bit pointers as the B2 ROM has them

BUF_FULL, BUF_DATA1, BUF_STALL, BUF_AVAILABLE, BUF_LEN = 1 << 15, 1 << 13, 1 << 11, 1 << 10, 0x3FF
SETUP_REC, BUS_RESET = 1 << 17, 1 << 19
W1C_SIE_STATUS = SETUP_REC | BUS_RESET | (1 << 18) | (1 << 16) | (1 << 24) | (1 << 25) | (1 << 26) | (1 << 27) | (1 << 28) | (1 << 29) | (1 << 31)


def _alias(address: int) -> tuple[int, str]:
    """RP2040 atomic register aliases (2.1.2): +0x1000 XOR, +0x2000 set, +0x3000 clear."""
    if 0x40000000 <= address < 0x50000000 or address >= REGS:
        kind = (address >> 12) & 0x3
        return address & ~0x3000, ("write", "xor", "set", "clear")[kind]
    return address, "write"


class Rp2040UsbModel:
    def __init__(self) -> None:
        self.dpram = bytearray(DPRAM_END - DPRAM)
        self.regs: dict[int, int] = {}
        self.resets = 0x01FFFFFF
        self.pll = {"cs": 0, "pwr": 0x2D, "fbdiv": 0, "prim": 0x00077000}
        self.clk_usb_ctrl, self.clk_usb_div = 0, 1 << 8
        self.sie_status = 0
        self.buff_status = 0
        self.last_write: dict[int, int] = {}
        self.violations: list[str] = []
        self.rom_reads: list[int] = []
        self.usb_hz_at_unreset: float | None = None
        self.on_poll = None   # the host's side of a firmware poll (e.g. a host controller reading bulk IN)
        self.on_read = None   # called with each register address the firmware reads (bus activity meanwhile)

    # --- derived state ---
    def clk_usb_hz(self) -> float:
        if not self.clk_usb_ctrl & (1 << 11) or (self.clk_usb_ctrl >> 5) & 7 != 0:
            return 0.0
        p = self.pll
        if p["pwr"] & 0x29 or self.resets & RESET_PLL_USB:
            return 0.0
        refdiv = p["cs"] & 0x3F
        pd1, pd2 = (p["prim"] >> 16) & 7, (p["prim"] >> 12) & 7
        if not refdiv or not pd1 or not pd2:
            return 0.0
        vco = XOSC_HZ / refdiv * p["fbdiv"]
        if not 750e6 <= vco <= 1600e6 or not 16 <= p["fbdiv"] <= 320:
            self.violations.append(f"PLL_USB VCO {vco / 1e6:g} MHz / FBDIV {p['fbdiv']} out of range (datasheet 2.18)")
            return 0.0
        return vco / pd1 / pd2 / ((self.clk_usb_div >> 8) or 1)

    def pullup(self) -> bool:
        return bool(self.regs.get(REGS + 0x4C, 0) & (1 << 16)) and bool(self.regs.get(REGS + 0x40, 0) & 1)

    def dev_address(self) -> int:
        return self.regs.get(REGS + 0x00, 0) & 0x7F

    def word(self, offset: int) -> int:
        return int.from_bytes(self.dpram[offset:offset + 4], "little")

    def set_word(self, offset: int, value: int) -> None:
        self.dpram[offset:offset + 4] = value.to_bytes(4, "little")

    # --- MMIO ---
    def read(self, address: int) -> int:
        if self.on_read:
            self.on_read(address)
        if address in (ROM_TABLE_PTR, ROM_LOOKUP_PTR):
            self.rom_reads.append(address)
            return {ROM_TABLE_PTR: ROM_FUNC_TABLE | (0x0100 << 16), ROM_LOOKUP_PTR: ROM_LOOKUP_FN}[address]
        if address == RESETS:
            return self.resets
        if address == RESETS_DONE:
            return ~self.resets & 0x01FFFFFF
        if PLL_USB <= address < PLL_USB + 0x10:
            key = ("cs", "pwr", "fbdiv", "prim")[(address - PLL_USB) // 4]
            value = self.pll[key]
            if key == "cs" and not self.pll["pwr"] & 0x21 and self.pll["fbdiv"]:
                value |= 1 << 31   # LOCK once powered with a divider
            return value
        if DPRAM <= address < DPRAM_END:
            self._check_usb_access(address)
            return self.word(address - DPRAM)
        if address == REGS + 0x50:
            if self.on_poll:
                self.on_poll()
            return self.sie_status
        if address == REGS + 0x58:
            return self.buff_status
        if address >= REGS:
            self._check_usb_access(address)
            return self.regs.get(address, 0)
        return 0

    def write(self, address: int, value: int) -> None:
        address, kind = _alias(address)

        def apply(old: int) -> int:
            return {"write": value, "xor": old ^ value, "set": old | value, "clear": old & ~value}[kind]

        if address == RESETS:
            before = self.resets
            self.resets = apply(self.resets)
            if before & RESET_USBCTRL and not self.resets & RESET_USBCTRL:
                self.usb_hz_at_unreset = self.clk_usb_hz()
                if self.usb_hz_at_unreset != 48e6:
                    self.violations.append(f"USBCTRL out of reset with clk_usb at {self.usb_hz_at_unreset / 1e6:g} MHz, "
                                           "not 48 MHz")
        elif PLL_USB <= address < PLL_USB + 0x10:
            key = ("cs", "pwr", "fbdiv", "prim")[(address - PLL_USB) // 4]
            self.pll[key] = apply(self.pll[key])
        elif address == CLK_USB_CTRL:
            self.clk_usb_ctrl = apply(self.clk_usb_ctrl)
        elif address == CLK_USB_DIV:
            self.clk_usb_div = apply(self.clk_usb_div)
        elif DPRAM <= address < DPRAM_END:
            self._check_usb_access(address)
            offset = address - DPRAM
            if 0x80 <= offset < 0x100 and kind == "write":
                self._check_buffer_control(offset, value)
            self.set_word(offset, apply(self.word(offset)))
        elif address == REGS + 0x50:
            self.sie_status &= ~(value & W1C_SIE_STATUS)
        elif address == REGS + 0x58:
            self.buff_status &= ~value
        elif address >= REGS:
            self._check_usb_access(address)
            self.regs[address] = apply(self.regs.get(address, 0))

    def _check_usb_access(self, address: int) -> None:
        if self.resets & RESET_USBCTRL:
            self.violations.append(f"USB access at 0x{address:08x} while USBCTRL is held in reset")

    def _check_buffer_control(self, offset: int, value: int) -> None:
        for half in (0, 16):
            new = (value >> half) & 0xFFFF
            old = (self.last_write.get(offset, 0) >> half) & 0xFFFF
            if new & BUF_AVAILABLE and (old | BUF_AVAILABLE) != new:
                self.violations.append(f"buffer control 0x{offset:03x}: AVAILABLE set in the same write as the "
                                       f"other fields (0x{old:04x} then 0x{new:04x})")
        self.last_write[offset] = value

    # --- the bus side ---
    def _buffer(self, ep: int, is_in: bool) -> tuple[int, int]:
        """(buffer control offset, data offset) of the endpoint's buffer 0."""
        ctrl_off = 0x80 + 8 * ep + (0 if is_in else 4)
        if ep == 0:
            return ctrl_off, 0x100
        ep_ctrl = self.word(0x08 + 8 * (ep - 1) + (0 if is_in else 4))
        return ctrl_off, ep_ctrl & 0xFFFF

    def _endpoint_enabled(self, ep: int, is_in: bool) -> bool:
        return ep == 0 or bool(self.word(0x08 + 8 * (ep - 1) + (0 if is_in else 4)) & (1 << 31))

    def bus_reset(self) -> None:
        self.sie_status |= BUS_RESET

    def setup(self, address: int, packet: bytes) -> str:
        if not self.pullup() or address != self.dev_address():
            return "TIMEOUT"
        self.dpram[0:8] = packet
        self.sie_status |= SETUP_REC
        self.regs[REGS + 0x68] = 0   # EP_STALL_ARM is cleared by a SETUP
        return "ACK"

    def _stalled(self, ep: int, is_in: bool, ctrl: int) -> bool:
        if not ctrl & BUF_STALL:
            return False
        if ep == 0:
            return bool(self.regs.get(REGS + 0x68, 0) & (1 if is_in else 2))
        return True

    def in_token(self, address: int, ep: int, pid: int) -> tuple[str, bytes | None]:
        if not self.pullup() or address != self.dev_address() or not self._endpoint_enabled(ep, True):
            return "TIMEOUT", None
        ctrl_off, data_off = self._buffer(ep, True)
        ctrl = self.word(ctrl_off) & 0xFFFF
        if self._stalled(ep, True, ctrl):
            return "STALL", None
        if not ctrl & BUF_AVAILABLE or not ctrl & BUF_FULL:
            return "NAK", None
        if bool(ctrl & BUF_DATA1) != bool(pid):
            self.violations.append(f"EP{ep} IN sent DATA{int(bool(ctrl & BUF_DATA1))}, host expected DATA{pid}")
        length = ctrl & BUF_LEN
        data = bytes(self.dpram[data_off:data_off + length])
        self._complete(ctrl_off, (ctrl & ~(BUF_AVAILABLE | BUF_FULL)), 2 * ep)
        return "ACK", data

    def out_token(self, address: int, ep: int, data: bytes, pid: int) -> tuple[str, None]:
        if not self.pullup() or address != self.dev_address() or not self._endpoint_enabled(ep, False):
            return "TIMEOUT", None
        ctrl_off, data_off = self._buffer(ep, False)
        ctrl = self.word(ctrl_off) & 0xFFFF
        if self._stalled(ep, False, ctrl):
            return "STALL", None
        if not ctrl & BUF_AVAILABLE or ctrl & BUF_FULL:
            return "NAK", None
        if len(data) > ctrl & BUF_LEN:
            self.violations.append(f"EP{ep} OUT: {len(data)} bytes into a {ctrl & BUF_LEN}-byte buffer")
            return "STALL", None
        if bool(ctrl & BUF_DATA1) != bool(pid):
            # a PID mismatch is taken as a retransmission: ACKed, data dropped, no buffer completion
            return "ACK", None
        self.dpram[data_off:data_off + len(data)] = data
        self._complete(ctrl_off, (ctrl & ~(BUF_AVAILABLE | BUF_LEN)) | BUF_FULL | len(data), 2 * ep + 1)
        return "ACK", None

    def _complete(self, ctrl_off: int, ctrl: int, bit: int) -> None:
        word = self.word(ctrl_off)
        self.set_word(ctrl_off, (word & 0xFFFF0000) | ctrl)
        self.buff_status |= 1 << bit
