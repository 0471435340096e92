"""The UF2 file format: converting a flat firmware binary to UF2 blocks, and reading them back.

UF2 (Microsoft's USB Flashing Format) is what drag-and-drop bootloaders (RP2040 BOOTSEL, Adafruit
and Seeed SAMD boards, nRF52840 with the Adafruit bootloader) accept as a file copied to their USB
drive. A file is a sequence of independent 512-byte blocks, each carrying up to 476 bytes of
payload for one flash address, so a bootloader can write blocks in any order as the OS delivers
them. Layout of a block (all fields little-endian uint32):

    0 magic 0x0A324655 ("UF2\\n")  4 magic 0x9E5D5157  8 flags  12 target address
    16 payload size  20 block number  24 number of blocks  28 file size or family id
    32..508 payload (then zero padding)  508 magic 0x0AB16F30

The family id (flag 0x2000) lets a bootloader refuse a file built for another chip.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from studio.core.errors import BadInput

BLOCK_BYTES = 512
DATA_BYTES = 476
MAGIC_START0 = 0x0A324655
MAGIC_START1 = 0x9E5D5157
MAGIC_END = 0x0AB16F30
FLAG_NOT_MAIN_FLASH = 0x00000001
FLAG_FILE_CONTAINER = 0x00001000
FLAG_FAMILY_ID = 0x00002000
_HEADER = struct.Struct("<8I")
_END = struct.Struct("<I")

# Family ids from the UF2 specification's registry, for the chips our board profiles use.
FAMILY_IDS = {
    "rp2040": 0xE48BFF56,
    "samd21": 0x68ED2B88,
    "samd51": 0x55114460,
    "nrf52840": 0xADA52840,
    "stm32f4": 0x57755A57,
}

# RP2040's boot ROM takes only 256-byte payloads at 256-aligned addresses; the SAMD and nRF
# bootloaders take them too, so 256 is the one size that works everywhere.
DEFAULT_PAYLOAD_BYTES = 256


@dataclass(frozen=True)
class Uf2Block:
    flags: int
    target_address: int
    payload: bytes
    block_no: int
    num_blocks: int
    family_id: int | None


def family_id_of(value: int | str | None) -> int | None:
    """A family id from a board option: a number, or a chip name from :data:`FAMILY_IDS`."""
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key in FAMILY_IDS:
            return FAMILY_IDS[key]
        try:
            return int(key, 0)
        except ValueError:
            pass
    raise BadInput(f"UF2 family id {value!r} is neither a number nor one of {', '.join(FAMILY_IDS)}")


def bin_to_uf2(data: bytes, base_address: int, family_id: int | None = None,
               payload_bytes: int = DEFAULT_PAYLOAD_BYTES) -> bytes:
    """UF2 blocks that write ``data`` to flash starting at ``base_address``. The last payload is
    padded with 0xFF (the erased-flash value) to a full ``payload_bytes``."""
    if not 0 < payload_bytes <= DATA_BYTES or payload_bytes % 4:
        raise BadInput(f"UF2 payload size must be a multiple of 4 up to {DATA_BYTES}, not {payload_bytes}")
    if base_address < 0 or base_address % payload_bytes:
        raise BadInput(f"UF2 base address 0x{base_address:x} must be a multiple of {payload_bytes}")
    if not data:
        raise BadInput("the firmware image is empty: nothing to convert to UF2")
    if base_address + len(data) > 0x1_0000_0000:
        raise BadInput(f"the image does not fit below 4 GiB from base 0x{base_address:x}")
    flags = FLAG_FAMILY_ID if family_id is not None else 0
    num_blocks = (len(data) + payload_bytes - 1) // payload_bytes
    out = bytearray()
    for n in range(num_blocks):
        chunk = data[n * payload_bytes:(n + 1) * payload_bytes]
        chunk = chunk + b"\xff" * (payload_bytes - len(chunk))
        out += _HEADER.pack(MAGIC_START0, MAGIC_START1, flags, base_address + n * payload_bytes,
                            payload_bytes, n, num_blocks, family_id or 0)
        out += chunk + bytes(DATA_BYTES - payload_bytes)
        out += _END.pack(MAGIC_END)
    return bytes(out)


def parse_uf2(data: bytes) -> list[Uf2Block]:
    """The blocks of a UF2 file, checked (magics, sizes, numbering); raises BadInput naming the
    first bad block."""
    if not data or len(data) % BLOCK_BYTES:
        raise BadInput(f"not a UF2 file: {len(data)} bytes is not a whole number of 512-byte blocks")
    blocks = []
    total = len(data) // BLOCK_BYTES
    for i in range(total):
        raw = data[i * BLOCK_BYTES:(i + 1) * BLOCK_BYTES]
        m0, m1, flags, addr, size, block_no, num_blocks, extra = _HEADER.unpack_from(raw)
        (end,) = _END.unpack_from(raw, BLOCK_BYTES - 4)
        if (m0, m1, end) != (MAGIC_START0, MAGIC_START1, MAGIC_END):
            raise BadInput(f"not a UF2 file: block {i} has wrong magic numbers")
        if size > DATA_BYTES:
            raise BadInput(f"UF2 block {i} claims {size} payload bytes (at most {DATA_BYTES})")
        if block_no >= num_blocks:
            raise BadInput(f"UF2 block {i} is numbered {block_no} of {num_blocks}")
        family = extra if flags & FLAG_FAMILY_ID else None
        blocks.append(Uf2Block(flags, addr, raw[32:32 + size], block_no, num_blocks, family))
    return blocks


def uf2_to_bin(data: bytes, fill: int = 0xFF) -> tuple[int, bytes]:
    """The flat image a UF2 file writes to main flash: (lowest address, bytes), gaps filled."""
    blocks = [b for b in parse_uf2(data) if not b.flags & FLAG_NOT_MAIN_FLASH]
    if not blocks:
        raise BadInput("the UF2 file holds no blocks for main flash")
    start = min(b.target_address for b in blocks)
    end = max(b.target_address + len(b.payload) for b in blocks)
    if end - start > 64 * 1024 * 1024:
        raise BadInput(f"the UF2 blocks span {end - start} bytes; not one flash image")
    image = bytearray([fill]) * (end - start)
    for b in blocks:
        image[b.target_address - start:b.target_address - start + len(b.payload)] = b.payload
    return start, bytes(image)
