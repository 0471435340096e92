"""The UF2 converter: block layout against the specification, and round trips."""
from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.errors import BadInput
from studio.device.uf2 import (
    BLOCK_BYTES, FAMILY_IDS, FLAG_FAMILY_ID, bin_to_uf2, family_id_of, parse_uf2, uf2_to_bin,
)


def test_block_layout_matches_the_specification():
    uf2 = bin_to_uf2(bytes(range(256)) * 2, 0x10000000, FAMILY_IDS["rp2040"])
    assert len(uf2) == 2 * BLOCK_BYTES
    second = uf2[BLOCK_BYTES:]
    fields = struct.unpack_from("<8I", second)
    assert fields == (0x0A324655, 0x9E5D5157, 0x2000, 0x10000100, 256, 1, 2, 0xE48BFF56)
    assert second[32:288] == bytes(range(256))
    assert second[288:508] == bytes(220)
    assert struct.unpack_from("<I", second, 508) == (0x0AB16F30,)
    assert uf2[:4] == b"UF2\n"


def test_last_payload_is_padded_with_erased_flash():
    block = parse_uf2(bin_to_uf2(b"\x01\x02\x03", 0x2000))[0]
    assert block.payload == b"\x01\x02\x03" + b"\xff" * 253


def test_no_family_id_leaves_the_flag_clear():
    block = parse_uf2(bin_to_uf2(b"abcd", 0))[0]
    assert block.family_id is None and not block.flags & FLAG_FAMILY_ID


def test_unaligned_base_address_is_refused():
    with pytest.raises(BadInput):
        bin_to_uf2(b"abcd", 0x10000080)


def test_empty_image_is_refused():
    with pytest.raises(BadInput):
        bin_to_uf2(b"", 0)


def test_file_with_a_bad_magic_is_not_uf2():
    uf2 = bytearray(bin_to_uf2(b"x" * 600, 0))
    uf2[BLOCK_BYTES + 4] ^= 0xFF
    with pytest.raises(BadInput, match="block 1"):
        parse_uf2(bytes(uf2))


def test_truncated_file_is_not_uf2():
    with pytest.raises(BadInput):
        parse_uf2(bin_to_uf2(b"x" * 600, 0)[:-1])


def test_family_id_accepts_chip_names_and_numbers():
    assert family_id_of("RP2040") == 0xE48BFF56
    assert family_id_of(0x55114460) == 0x55114460
    assert family_id_of("0x68ed2b88") == 0x68ED2B88
    with pytest.raises(BadInput):
        family_id_of("z80")


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=3000), st.integers(0, 0xFFFF).map(lambda n: n * 256),
       st.one_of(st.none(), st.sampled_from(sorted(FAMILY_IDS.values()))))
def test_bin_round_trips_through_uf2(data, base, family):
    uf2 = bin_to_uf2(data, base, family)
    blocks = parse_uf2(uf2)
    assert [b.block_no for b in blocks] == list(range(len(blocks)))
    assert all(b.family_id == family for b in blocks)
    start, image = uf2_to_bin(uf2)
    assert start == base and image[:len(data)] == data and set(image[len(data):]) <= {0xFF}


@settings(max_examples=200)
@given(st.binary(max_size=2048))
def test_parse_uf2_rejects_arbitrary_bytes_with_bad_input_only(data):
    try:
        parse_uf2(data)
    except BadInput:
        pass
