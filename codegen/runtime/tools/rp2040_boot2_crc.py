"""Pads an RP2040 boot2 image to 252 bytes and appends the CRC32 the boot ROM checks.

Copied into generated firmware projects for RP2040 boards and run by their Makefile:
    python3 rp2040_boot2_crc.py build/boot2.bin build/boot2_crc.bin
The boot ROM's CRC is CRC-32/MPEG-2: polynomial 0x04C11DB7, initial value 0xFFFFFFFF, bits not
reflected, no final XOR; stored little-endian in bytes 252..255.
"""
import sys

BOOT2_BODY_BYTES = 252


def crc32_mpeg2(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: rp2040_boot2_crc.py BOOT2.bin OUT.bin", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        body = f.read()
    if len(body) > BOOT2_BODY_BYTES:
        print(f"boot2 is {len(body)} bytes, more than the {BOOT2_BODY_BYTES} the boot ROM loads",
              file=sys.stderr)
        return 1
    body = body.ljust(BOOT2_BODY_BYTES, b"\0")
    with open(argv[2], "wb") as f:
        f.write(body + crc32_mpeg2(body).to_bytes(4, "little"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
