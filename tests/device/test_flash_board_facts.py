"""Board facts have one source: the application's flash origin and the image's load address are
Board properties that the flashers and the generated README both read, and the flash methods are
one declared list that the schema, the flasher registry and the README instructions share."""
from __future__ import annotations

import dataclasses

import pytest

from studio.core.boards import FLASH_METHODS, boards
from studio.core.flash_methods import flash_instructions
from studio.device.flash import flasher_for, flasher_methods, register_flasher
from studio.device.flash.base import Flasher
from studio.device.uf2 import uf2_to_bin

UF2_BOARDS = [b.id for b in boards().all() if b.flash_method == "uf2"]


@pytest.mark.parametrize("board_id", [b.id for b in boards().all()])
def test_the_application_starts_after_the_reserved_flash(board_id):
    b = boards().get(board_id)
    assert b.app_flash_origin == b.flash_origin + b.reserved_flash_bytes


@pytest.mark.parametrize("board_id", UF2_BOARDS)
def test_the_uf2_flasher_and_the_readme_use_the_same_load_address(board_id, tmp_path):
    b = boards().get(board_id)
    image = tmp_path / "firmware.bin"
    image.write_bytes(bytes(range(256)) * 3)
    start, _ = uf2_to_bin(flasher_for(b).uf2_bytes(image))
    assert start == b.image_flash_origin
    assert f"base 0x{b.image_flash_origin:08x}" in flash_instructions(b)


def test_an_rp2040_image_loads_at_the_flash_origin_in_front_of_the_application():
    pico = boards().get("rpi-pico")
    assert (pico.image_flash_origin, pico.app_flash_origin) == (0x10000000, 0x10000100)


def test_a_profile_offset_moves_the_st_flash_address_in_the_readme_too():
    b = dataclasses.replace(boards().get("b-l475e-iot01a"), flash_method="st-flash",
                            flash_options={"offset": 0x8000})
    assert b.image_flash_origin == 0x08008000
    assert "0x08008000" in flash_instructions(b)


def test_every_declared_method_but_none_has_a_flasher_and_every_flasher_is_declared():
    assert set(flasher_methods()) == set(FLASH_METHODS) - {"none"}


@pytest.mark.parametrize("method", sorted(FLASH_METHODS))
def test_every_declared_method_has_readme_instructions(method):
    b = dataclasses.replace(boards().get("qemu-mps2-an386"), flash_method=method)
    assert flash_instructions(b).strip()


def test_a_flasher_for_an_undeclared_method_is_refused():
    with pytest.raises(ValueError, match="not declared"):
        @register_flasher("carrier-pigeon")
        class Pigeon(Flasher):  # noqa: F841
            pass
