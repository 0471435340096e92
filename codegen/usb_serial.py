"""The USB CDC-ACM serial port of boards whose MCU's own USB is the board's connector.

A board profile with ``serial_transport: usb-cdc`` gets, besides its board glue, the USB runtime
(``codegen/runtime/usb/``: descriptors, the controller-independent CDC-ACM device, ``tms_uart_*``
over it, and the controller driver of its MCU) and the numbers that runtime needs in tms_board.h:
the profile's USB vendor/product ids and the descriptor strings, which come from the profile and
become escaped C string literals here (the C turns their UTF-8 into the UTF-16LE descriptors).
"""
from __future__ import annotations

from studio.core.boards import Board
from studio.core.errors import StudioError

from codegen.cnames import c_string_literal

USB_CDC = "usb-cdc"

# the CDC-ACM core every USB board gets, headers included (copied into the project)
_CORE = ("usb/tms_usb_desc.c", "usb/tms_usb_desc.h", "usb/tms_usb_cdc.c", "usb/tms_usb_cdc.h",
         "usb/tms_usb_uart.c", "tms_mmio.h")
# board-glue family -> the controller driver for its MCU's USB
CONTROLLERS = {"nrf52840": "usb/nrf52840_usbd.c", "rp2040": "usb/rp2040_usb.c"}
# the bootloader a 1200-baud touch restarts into, for the README
_TOUCH = {"nrf52840": "the Arduino bootloader (GPREGRET 0x4E, as Arduino's core does)",
          "rp2040": "the boot ROM's BOOTSEL mode (reset_usb_boot)"}


class NoUsbSerial(StudioError):
    """The profile asks for a USB serial port the firmware cannot provide on this board."""


def uses_usb_cdc(board: Board) -> bool:
    return board.serial_transport == USB_CDC


def usb_sources(family: str) -> tuple[str, ...]:
    """Runtime files (relative to codegen/runtime) of the USB serial port for a glue family."""
    return _CORE + (CONTROLLERS[family],)


def usb_defines(board: Board, family: str) -> tuple[tuple[str, str], ...]:
    """The tms_board.h macros of the USB serial port; refuses a board the runtime cannot serve."""
    if family not in CONTROLLERS:
        raise NoUsbSerial(
            f"board '{board.id}' asks for serial_transport: usb-cdc, but there is no USB device driver "
            f"for its MCU ({board.mcu}); USB CDC is written for {', '.join(sorted(CONTROLLERS))}. "
            "Set serial_transport: uart")
    if board.usb_vid is None or board.usb_pid is None:
        raise NoUsbSerial(f"board '{board.id}' asks for serial_transport: usb-cdc but its profile has no "
                          "usb_vid/usb_pid for the port to enumerate with")
    return (("TMS_SERIAL_USB_CDC", "1"),
            ("TMS_USB_VID", f"0x{board.usb_vid:04X}u"),
            ("TMS_USB_PID", f"0x{board.usb_pid:04X}u"),
            ("TMS_USB_MANUFACTURER", c_string_literal(board.vendor or board.name)),
            ("TMS_USB_PRODUCT", c_string_literal(board.name)),
            ("TMS_USB_SERIAL", c_string_literal(board.id)))


def usb_serial_text(board: Board, family: str) -> str:
    """Where the protocol comes out, for the generated README (followed there by "at N baud, 8N1")."""
    return (f"The board's USB connector: a USB CDC-ACM serial port ({board.usb_vid:04x}:{board.usb_pid:04x}) "
            f"that ignores the baud rate, except that opening it at 1200 baud and closing it (the Arduino "
            f"\"touch\") restarts the board into {_TOUCH[family]} for flashing; monitor it")


def usb_touch_note(board: Board) -> str:
    """The README's flashing paragraph for a board running this firmware: no button needed."""
    return ("\n\nWhile this firmware runs no button is needed: `tinyml-studio flash` restarts the board into its "
            "bootloader with a 1200-baud touch of its USB serial port (by hand on Linux: "
            "`stty -F /dev/ttyACM0 1200`, then flash straight away).")
