"""The built-in board profiles pass the schema, and a bad user profile never hides the good ones."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from studio.core.boards import BoardCatalogue, load_board_file, parse_board
from studio.core.errors import BoardError
from studio.core.paths import builtin_boards_dir

PROFILE_FILES = sorted(builtin_boards_dir().glob("*.yaml"))
TABLE1_BOARDS = {
    "adafruit-edgebadge", "arducam-pico4ml-ble", "b-l475e-iot01a", "esp32-s3-devkitc", "himax-we-i-plus",
    "portenta-h7", "rpi-pico", "seeeduino-xiao", "spresense", "sparkfun-edge", "syntiant-tinyml",
    "wio-terminal", "nano33ble",
}


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_board_of_table1_and_the_emulated_board_has_a_profile():
    ids = {p.stem for p in PROFILE_FILES}
    assert TABLE1_BOARDS | {"qemu-mps2-an386"} <= ids


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_passes_the_schema(path):
    board = parse_board(_raw(path), str(path))
    assert board.ram_budget_bytes > board.stack_bytes


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_id_matches_its_file_name(path):
    assert load_board_file(path).id == path.stem


def test_profile_ids_are_unique():
    ids = [_raw(p)["id"] for p in PROFILE_FILES]
    assert len(ids) == len(set(ids))


CORTEX_M_FILES = [p for p in PROFILE_FILES if _raw(p)["target"] == "cortex-m"]


@pytest.mark.parametrize("path", CORTEX_M_FILES, ids=lambda p: p.stem)
def test_cortex_m_profile_has_a_word_aligned_memory_map(path):
    board = load_board_file(path)
    assert board.flash_origin % 4 == 0 and board.ram_origin % 4 == 0
    assert board.reserved_flash_bytes % 4 == 0 and board.reserved_ram_bytes % 4 == 0
    assert board.stack_bytes % 8 == 0


@pytest.mark.parametrize("board_id,flash_origin,ram_origin", [
    ("nano33ble", 0x0, 0x20000000),
    ("rpi-pico", 0x10000000, 0x20000000),
    ("arducam-pico4ml-ble", 0x10000000, 0x20000000),
    ("b-l475e-iot01a", 0x08000000, 0x20000000),
    ("seeeduino-xiao", 0x0, 0x20000000),
    ("wio-terminal", 0x0, 0x20000000),
    ("adafruit-edgebadge", 0x0, 0x20000000),
])
def test_profile_memory_origins_match_the_datasheet(board_id, flash_origin, ram_origin):
    board = BoardCatalogue(dirs=[builtin_boards_dir()]).get(board_id)
    assert (board.flash_origin, board.ram_origin) == (flash_origin, ram_origin)


def test_cortex_m0plus_boards_assume_fewer_ops_per_cycle_than_cortex_m4():
    boards = BoardCatalogue(dirs=[builtin_boards_dir()]).all()
    m0 = {b.ops_per_cycle for b in boards if b.cpu == "cortex-m0plus"}
    m4 = {b.ops_per_cycle for b in boards if b.cpu in ("cortex-m4", "cortex-m4f")}
    assert m0 and m4 and max(m0) < min(m4)


def test_hostile_user_profile_is_reported_without_hiding_the_others(tmp_path):
    (tmp_path / "evil.yaml").write_text("!!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    cat = BoardCatalogue(dirs=[builtin_boards_dir(), tmp_path])
    ids = {b.id for b in cat.all()}
    assert TABLE1_BOARDS <= ids
    assert len(cat.problems) == 3
    assert all(str(tmp_path) in p for p in cat.problems)


def test_user_profile_with_a_wrong_field_type_names_the_field(tmp_path):
    data = _raw(builtin_boards_dir() / "rpi-pico.yaml")
    data["id"] = "my-pico"
    data["ram_bytes"] = "lots"
    (tmp_path / "my-pico.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    cat = BoardCatalogue(dirs=[tmp_path])
    assert cat.all() == []
    assert "ram_bytes" in cat.problems[0]


def test_user_profile_whose_id_differs_from_its_file_name_is_refused(tmp_path):
    data = _raw(builtin_boards_dir() / "rpi-pico.yaml")
    (tmp_path / "other-name.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(BoardError, match="must match the file name"):
        load_board_file(tmp_path / "other-name.yaml")


def test_valid_user_profile_replaces_the_builtin_one(tmp_path):
    data = _raw(builtin_boards_dir() / "rpi-pico.yaml")
    data["clock_hz"] = 133000000
    (tmp_path / "rpi-pico.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    cat = BoardCatalogue(dirs=[builtin_boards_dir(), tmp_path])
    assert cat.get("rpi-pico").clock_hz == 133000000


@pytest.mark.parametrize("board_id", ["rpi-pico", "arducam-pico4ml-ble"])
def test_rp2040_image_is_flashed_from_the_start_of_flash_because_it_carries_boot2(board_id):
    board = BoardCatalogue(dirs=[builtin_boards_dir()]).get(board_id)
    assert board.flash_options["base"] == board.flash_origin
    assert board.flash_options.get("offset", 0) == 0
