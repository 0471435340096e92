"""Finding the serial port a board is on: rank the ports the OS lists by how well they match.

Owns the guess only — a user can always type or pick any port (or a ``socket://`` URL). The
board profile's ``usb_vid``/``usb_pid`` (optional) are the strongest hint; after that, ports of
vendors that make boards or USB-serial bridges beat anonymous ones, and legacy on-board UARTs
(``/dev/ttyS*``, which Linux lists whether or not anything is attached) come last.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from studio.core.boards import Board

# USB vendor ids seen on dev boards and their USB-serial bridges; the names are shown to the user.
KNOWN_VENDORS: dict[int, str] = {
    0x2341: "Arduino", 0x2A03: "Arduino", 0x239A: "Adafruit", 0x2886: "Seeed", 0x2E8A: "Raspberry Pi",
    0x303A: "Espressif", 0x0483: "STMicroelectronics", 0x1366: "SEGGER J-Link", 0x0D28: "Arm DAPLink",
    0x1915: "Nordic", 0x0403: "FTDI", 0x10C4: "Silicon Labs CP210x", 0x1A86: "WCH CH340",
    0x067B: "Prolific", 0x1FC9: "NXP", 0x03EB: "Microchip/Atmel", 0x04D8: "Microchip",
    0x1D50: "OpenMoko (Black Magic Probe)",
}

SCORE_EXACT = 100      # the board's own VID:PID
SCORE_VENDOR = 60      # the board's vendor, another PID (e.g. the same board in bootloader mode)
SCORE_KNOWN = 30       # a vendor that makes boards or USB-serial bridges
SCORE_USB = 20         # some USB serial device
SCORE_OTHER = 0        # a legacy UART: listed by Linux whether or not anything is attached


@dataclass(frozen=True)
class PortCandidate:
    """A port that might be the board, with why we think so (shown in the port picker)."""

    device: str
    description: str
    usb_vid: int | None
    usb_pid: int | None
    serial_number: str | None
    score: int
    reason: str

    @property
    def usb_id(self) -> str:
        if self.usb_vid is None or self.usb_pid is None:
            return ""
        return f"{self.usb_vid:04x}:{self.usb_pid:04x}"

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "description": self.description, "usb_id": self.usb_id,
                "serial_number": self.serial_number, "score": self.score, "reason": self.reason}


def system_ports() -> list[Any]:
    """The OS's serial ports as pyserial ``ListPortInfo`` objects (empty if listing fails)."""
    from serial.tools.list_ports import comports
    try:
        return list(comports())
    except OSError:
        return []


def rank_ports(ports: Iterable[Any], usb_vid: int | None = None, usb_pid: int | None = None,
               board_name: str = "the board") -> list[PortCandidate]:
    """Scores each port (pyserial ``ListPortInfo`` or anything with the same attributes), best first;
    ties keep a stable order by device name."""
    out = []
    for p in ports:
        vid, pid = getattr(p, "vid", None), getattr(p, "pid", None)
        if vid is not None and usb_vid is not None and vid == usb_vid and pid == usb_pid:
            score, reason = SCORE_EXACT, f"USB id {vid:04x}:{pid:04x} is {board_name}'s"
        elif vid is not None and usb_vid is not None and vid == usb_vid:
            score = SCORE_VENDOR
            reason = (f"USB vendor {vid:04x} is {board_name}'s" if usb_pid is None else
                      f"same USB vendor as {board_name} ({vid:04x}), other product {pid or 0:04x} "
                      "(bootloader mode?)")
        elif vid is not None and vid in KNOWN_VENDORS:
            score, reason = SCORE_KNOWN, f"{KNOWN_VENDORS[vid]} USB device"
        elif vid is not None:
            score, reason = SCORE_USB, f"USB serial device {vid:04x}:{pid or 0:04x}"
        else:
            score, reason = SCORE_OTHER, "not a USB device (an on-board UART, rarely a dev board)"
        description = getattr(p, "description", "") or ""
        out.append(PortCandidate(p.device, "" if description == "n/a" else description, vid, pid,
                                 getattr(p, "serial_number", None), score, reason))
    return sorted(out, key=lambda c: (-c.score, c.device))


def find_ports(board: Board | None = None, ports: Iterable[Any] | None = None) -> list[PortCandidate]:
    """Candidates for ``board`` (or any board), best first, from the system's ports by default."""
    ports = system_ports() if ports is None else ports
    if board is None:
        return rank_ports(ports)
    return rank_ports(ports, board.usb_vid, board.usb_pid, board.name)


def best_port(board: Board | None = None, ports: Iterable[Any] | None = None) -> PortCandidate | None:
    """The one port to preselect, or None when nothing looks like a board (then ask the user)."""
    ranked = find_ports(board, ports)
    if ranked and ranked[0].score >= SCORE_USB:
        return ranked[0]
    return None


def ports_summary(ports: Iterable[Any] | None = None) -> str:
    """One sentence listing the ports found, for error messages about a wrong or missing port."""
    ranked = find_ports(None, ports)
    if not ranked:
        return "no serial ports found: is the board plugged in (with a data cable, not a charge-only one)?"
    return "ports found: " + ", ".join(
        c.device + (f" ({c.description})" if c.description else "") for c in ranked)
