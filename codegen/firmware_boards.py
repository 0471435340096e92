"""Which C board glue a board profile gets, and the compiler flags for its CPU.

Board glue (``codegen/runtime/board/*.c``) is per MCU family: clocks, the UART the protocol goes
out on, and how a run ends. The numbers it needs (dividers, pins) are computed here from the
profile, so the C holds structure only. A family the glue does not cover is refused with a message
naming the families that are.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from studio.core.boards import Board
from studio.core.errors import StudioError

from codegen.usb_serial import usb_defines, usb_serial_text, usb_sources, uses_usb_cdc


MAKE_PROJECT = "make"
ARDUINO_SKETCH = "arduino-sketch"


class UnsupportedBoard(StudioError):
    """The firmware writer cannot target this board (no glue for its MCU, or not a Cortex-M)."""


@dataclass(frozen=True)
class BoardGlue:
    family: str
    source: str                             # relative to codegen/runtime
    defines: tuple[tuple[str, str], ...]    # macro name -> C value, into tms_board.h
    serial: str                             # where the protocol comes out, for the README
    boot2: bool = False                     # RP2040: a 256-byte second-stage bootloader leads the image
    semihosting: bool = False               # emulated: runs end with a semihosting exit code
    boot2_origin: int = 0
    extra_sources: tuple[str, ...] = ()     # more runtime files (.c built, .h copied), e.g. the USB port
    # the sample tick the firmware sleeps between (tms_power.h): SysTick (tms_power.c) by default; a
    # family whose SysTick stops asleep names its own, the device interrupt that wakes the core
    # (IRQ number, handler) and the clock it counts
    power_source: str = "tms_power.c"
    tick_irq: tuple[int, str] | None = None
    tick_clock_hz: int = 0                  # 0: the core clock (SysTick)


_CPU_FLAGS = {
    # cpu -> (flags with an FPU, flags without); hard float only where the core has an FPU
    "cortex-m0plus": (None, "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft"),
    "cortex-m3": (None, "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft"),
    "cortex-m4": ("-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard",
                  "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft"),
    "cortex-m4f": ("-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard",
                   "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft"),
    "cortex-m7": ("-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard",
                  "-mcpu=cortex-m7 -mthumb -mfloat-abi=soft"),
    "cortex-m33": ("-mcpu=cortex-m33 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard",
                   "-mcpu=cortex-m33 -mthumb -mfloat-abi=soft"),
    "cortex-m55": ("-mcpu=cortex-m55 -mthumb -mfloat-abi=hard",
                   "-mcpu=cortex-m55 -mthumb -mfloat-abi=soft"),
}


def cpu_flags(board: Board) -> tuple[str, bool]:
    """The -mcpu/-mthumb/-mfpu/-mfloat-abi flags for ``board``, and whether they use the FPU."""
    if board.target != "cortex-m" or board.cpu not in _CPU_FLAGS:
        raise UnsupportedBoard(
            f"board '{board.id}' ({board.cpu}) is not a Cortex-M target; the bare-metal firmware "
            f"builds for Cortex-M boards only")
    with_fpu, without = _CPU_FLAGS[board.cpu]
    if board.fpu and with_fpu:
        return with_fpu, True
    return without, False


def _mps2(board: Board) -> BoardGlue:
    # CMSDK UART: BAUDDIV = clock / baud, and the hardware needs at least 16
    bauddiv = max(16, round(board.clock_hz / board.serial_baud))
    return BoardGlue("mps2", "board/mps2_cmsdk.c", (("TMS_UART_BAUDDIV", f"{bauddiv}u"),),
                     serial="UART0 (QEMU: -serial)", semihosting=True)


def _nrf52840(board: Board) -> BoardGlue:
    # UARTE BAUDRATE register: baud * 2^32 / 16 MHz, rounded to the 4096 steps the hardware uses
    reg = (((board.serial_baud << 32) // 16_000_000) + 0x800) & ~0xFFF
    tx_pin = 32 + 3   # P1.03, header pin TX/D1 on the Nano 33 BLE
    rx_pin = 32 + 10  # P1.10, header pin RX/D0
    return BoardGlue("nrf52840", "board/nrf52840.c",
                     (("TMS_UARTE_BAUDRATE", f"0x{reg:08X}u"), ("TMS_UART_TX_PIN", f"{tx_pin}u"),
                      ("TMS_UART_RX_PIN", f"{rx_pin}u")),
                     serial="UARTE0 TX on P1.03, RX on P1.10 (header pins TX/D1, RX/D0; needs a 3.3 V "
                            "USB-serial adapter)",
                     # SysTick stops in System ON idle: RTC1 (IRQ 17) on the 32.768 kHz LFCLK wakes it
                     power_source="board/nrf52840_rtc_tick.c",
                     tick_irq=(17, "tms_nrf52840_rtc1_irq_handler"), tick_clock_hz=32768)


def _rp2040(board: Board) -> BoardGlue:
    # PL011 divisor clk_peri / (16 * baud) in 16.6 fixed point: integer and 1/64 fractional parts
    div64 = round(board.clock_hz * 4 / board.serial_baud)
    return BoardGlue("rp2040", "board/rp2040.c",
                     (("TMS_PL011_IBRD", f"{div64 >> 6}u"), ("TMS_PL011_FBRD", f"{div64 & 63}u")),
                     serial="UART0 TX on GPIO0, RX on GPIO1 (needs a 3.3 V USB-serial adapter)",
                     boot2=True, boot2_origin=board.flash_origin)


def _stm32l4(board: Board) -> BoardGlue:
    brr = round(board.clock_hz / board.serial_baud)  # oversampling by 16
    return BoardGlue("stm32l4", "board/stm32l4.c", (("TMS_USART_BRR", f"{brr}u"),),
                     serial="USART1 TX on PB6, RX on PB7 (the ST-LINK virtual COM port)")


# mcu prefix -> (glue factory, the core clock the glue programs; None = taken from the profile)
_FAMILIES = {
    "CMSDK": (_mps2, None),
    "nRF52840": (_nrf52840, 64_000_000),
    "RP2040": (_rp2040, 125_000_000),
    "STM32L475": (_stm32l4, 80_000_000),
}


def board_glue(board: Board) -> BoardGlue:
    """The glue for ``board``; refuses boards whose MCU family has none, or whose profile clock
    differs from the one the glue sets up (timings would be wrong)."""
    cpu_flags(board)
    for prefix, (factory, glue_clock_hz) in _FAMILIES.items():
        if board.mcu.startswith(prefix):
            if glue_clock_hz is not None and board.clock_hz != glue_clock_hz:
                raise UnsupportedBoard(
                    f"board '{board.id}': the {prefix} glue runs the core at {glue_clock_hz} Hz, "
                    f"but the profile says clock_hz {board.clock_hz}; set clock_hz: {glue_clock_hz}")
            glue = factory(board)
            return _with_usb_serial(board, glue) if uses_usb_cdc(board) else glue
    families = ", ".join(_FAMILIES)
    raise UnsupportedBoard(
        f"board '{board.id}' ({board.mcu}): no firmware board glue for this MCU yet "
        f"(supported families: {families}); add one in codegen/runtime/board/")


def _with_usb_serial(board: Board, glue: BoardGlue) -> BoardGlue:
    """``glue`` printing on the MCU's own USB as a CDC-ACM port instead of its UART pin (the glue's
    UART functions step aside when tms_board.h defines TMS_SERIAL_USB_CDC)."""
    return replace(glue, defines=glue.defines + usb_defines(board, glue.family),
                   serial=usb_serial_text(board, glue.family), extra_sources=usb_sources(glue.family))


def has_bare_metal_glue(board: Board) -> bool:
    return board.target == "cortex-m" and any(board.mcu.startswith(prefix) for prefix in _FAMILIES)


def arduino_fqbn(board: Board) -> str | None:
    """The Arduino core's fully qualified board name, from the profile's ``flash_options.arduino_fqbn``."""
    fqbn = board.flash_options.get("arduino_fqbn")
    return fqbn if isinstance(fqbn, str) else None


def firmware_kind(board: Board) -> str:
    """``make`` for boards with bare-metal glue (built and sized here), ``arduino-sketch`` for boards
    whose Arduino core does the board support (ESP32, and Cortex-M boards without glue that name an
    Arduino core in their profile). Other boards are refused."""
    if has_bare_metal_glue(board):
        return MAKE_PROJECT
    if board.target == "esp32" or (board.target == "cortex-m" and arduino_fqbn(board)):
        return ARDUINO_SKETCH
    board_glue(board)  # raises UnsupportedBoard with the reason
    raise UnsupportedBoard(f"board '{board.id}' has no firmware support")
