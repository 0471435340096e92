"""The built-in board profiles pass the schema, and a bad user profile never hides the good ones."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---- exact sensor parts --------------------------------------------------------------------------
@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_every_board_sensor_names_a_catalogued_part_that_measures_its_kind(path):
    from studio.core.sensor_parts import PARTS

    for sensor in load_board_file(path).sensors:
        assert sensor.part in PARTS, sensor
        assert sensor.kind in PARTS[sensor.part].kinds, sensor


def _sensors(board_id: str) -> set[tuple]:
    board = BoardCatalogue(dirs=[builtin_boards_dir()]).get(board_id)
    return {(s.kind, s.part, s.bus, s.address, s.variant) for s in board.sensors}


def test_nano33ble_lists_the_rev1_and_rev2_parts_at_their_addresses():
    assert {("accelerometer", "lsm9ds1", "i2c0", 0x6B, "rev1"), ("magnetometer", "lsm9ds1", "i2c0", 0x1E, "rev1"),
            ("accelerometer", "bmi270", "i2c0", 0x68, "rev2"), ("magnetometer", "bmm150", "i2c0", 0x10, "rev2"),
            ("temperature", "hts221", "i2c0", 0x5F, "rev1"), ("humidity", "hs3003", "i2c0", 0x44, "rev2"),
            ("pressure", "lps22hb", "i2c0", 0x5C, ""), ("light", "apds9960", "i2c0", 0x39, ""),
            ("microphone", "mp34dt05", "pdm", None, "")} <= _sensors("nano33ble")
    board = BoardCatalogue(dirs=[builtin_boards_dir()]).get("nano33ble")
    mic = board.sensors_of("microphone")[0]
    assert dict(mic.pins) == {"clk": "P0.26", "din": "P0.25", "power": "P0.17"}
    imu = board.sensors_of("accelerometer")[0]
    assert (imu.pins["sda"], imu.pins["scl"], imu.pins["power"], imu.pins["pullup"]) == \
        ("P0.14", "P0.15", "P0.22", "P1.00")


def test_b_l475e_iot01a_lists_its_i2c2_parts_and_the_dfsdm_microphone():
    assert _sensors("b-l475e-iot01a") == {
        ("accelerometer", "lsm6dsl", "i2c2", 0x6A, ""), ("gyroscope", "lsm6dsl", "i2c2", 0x6A, ""),
        ("magnetometer", "lis3mdl", "i2c2", 0x1E, ""), ("temperature", "hts221", "i2c2", 0x5F, ""),
        ("humidity", "hts221", "i2c2", 0x5F, ""), ("pressure", "lps22hb", "i2c2", 0x5D, ""),
        ("distance", "vl53l0x", "i2c2", 0x29, ""), ("microphone", "mp34dt01", "dfsdm1", None, "")}


def test_the_pico_has_only_the_rp2040_adc_and_temperature_sensor():
    assert _sensors("rpi-pico") == {("temperature", "rp2040_adc", "adc", None, ""),
                                    ("adc", "rp2040_adc", "adc", None, "")}


def test_the_emulated_board_has_the_qemu_tmp105_and_the_replay():
    assert _sensors("qemu-mps2-an386") == {("temperature", "tmp105", "i2c3", 0x48, ""),
                                           ("replay", "replay", "host", None, "")}


@pytest.mark.parametrize("board_id", ["esp32-s3-devkitc", "seeeduino-xiao", "portenta-h7"])
def test_boards_without_sensors_have_an_empty_list(board_id):
    assert _sensors(board_id) == set()


@pytest.mark.parametrize("entry,field", [
    ("accelerometer", "sensors[0] must be a mapping"),
    ({"kind": "accelerometer"}, "sensors[0] needs a 'part'"),
    ({"kind": "smell", "part": "lsm6dsl"}, "sensors[0].kind 'smell'"),
    ({"kind": "humidity", "part": "lsm6dsl"}, "does not measure humidity"),
    ({"kind": "accelerometer", "part": "lsm6dsl", "address": 0x1FF}, "7-bit I2C address"),
    ({"kind": "accelerometer", "part": "lsm6dsl", "colour": "red"}, "unknown field 'colour'"),
])
def test_a_bad_sensor_entry_is_refused_naming_it(entry, field):
    data = _raw(builtin_boards_dir() / "rpi-pico.yaml")
    data["sensors"] = [entry]
    with pytest.raises(BoardError, match=re.escape(field)):
        parse_board(data, "x.yaml")


def test_boards_json_lists_the_sensor_parts():
    board = BoardCatalogue(dirs=[builtin_boards_dir()]).get("b-l475e-iot01a")
    j = board.to_json()
    assert {"kind": "pressure", "part": "lps22hb", "bus": "i2c2", "address": 0x5D,
            "pins": {"scl": "PB10", "sda": "PB11"}} in j["sensors"]
    assert "microphone" in j["sensor_kinds"]
    assert ("accelerometer", "lsm6dsl") in board.info().sensors


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-300, 300), st.text(max_size=12),
                    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.text(max_size=4),
                                                                         max_size=2))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_VALUES, st.dictionaries(
    st.sampled_from(["kind", "part", "bus", "address", "variant", "pins", "other"]),
    st.one_of(_VALUES, st.sampled_from(["accelerometer", "temperature", "lsm6dsl", "hts221", "i2c1"])),
    max_size=6)), max_size=4))
def test_any_sensors_list_is_parsed_or_refused_with_a_board_error(entries):
    data = _raw(builtin_boards_dir() / "rpi-pico.yaml")
    data["sensors"] = entries
    try:
        board = parse_board(data, "x.yaml")
    except BoardError as e:
        assert "x.yaml" in e.message
        return
    assert len(board.sensors) == len(entries)
    assert all(s.kind and s.part for s in board.sensors)
