"""The ``profile`` line (one window's time per pipeline node) and how run/monitor show it."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.device.protocol import MALFORMED, StageProfile, encode_message, parse_line

PROFILE = (b'{"type":"profile","seq":16,"stages":{"imu":27,"window":144,"spectrum":1454,"classifier":873},'
           b'"cycles":{"imu":680,"window":3600,"spectrum":36350,"classifier":21830},"overhead_us":688,"every":16}')


def test_profile_line_is_parsed_into_time_per_node_in_pipeline_order():
    m = parse_line(PROFILE)
    profile = StageProfile.from_message(m)
    assert m.kind == "profile"
    assert profile.seq == 16 and profile.overhead_us == 688
    assert list(profile.stages_us) == ["imu", "window", "spectrum", "classifier"]
    assert profile.total_us == 27 + 144 + 1454 + 873


def test_a_node_id_with_quotes_and_unicode_comes_back_exactly():
    node = 'mic "1" — ünïcode\\'
    m = parse_line(encode_message({"type": "profile", "seq": 0, "stages": {node: 12}}))
    assert StageProfile.from_message(m).stages_us == {node: 12}


@pytest.mark.parametrize("line, problem", [
    (b'{"type":"profile","stages":{"a":1}}', 'missing field "seq"'),
    (b'{"type":"profile","seq":0}', 'missing field "stages"'),
    (b'{"type":"profile","seq":0,"stages":[1,2]}', '"stages" must be an object'),
    (b'{"type":"profile","seq":0,"stages":{"a":-1}}', '"stages" must be an object'),
    (b'{"type":"profile","seq":0,"stages":{"a":"fast"}}', '"stages" must be an object'),
    (b'{"type":"profile","seq":0,"stages":{"a":1},"overhead_us":null}', '"overhead_us" must be a number'),
])
def test_bad_profile_lines_are_malformed_with_a_reason(line, problem):
    m = parse_line(line)
    assert m.kind == MALFORMED and problem in m.error


def test_a_profile_cut_mid_line_is_malformed_not_a_crash():
    assert parse_line(PROFILE[:60]).kind == MALFORMED


@given(st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                                                      st.text(max_size=4), st.lists(st.integers(), max_size=2),
                                                      st.dictionaries(st.text(max_size=3), st.integers(), max_size=3)),
                       max_size=5))
def test_any_object_typed_profile_parses_or_is_malformed_never_raises(fields):
    obj = {**fields, "type": "profile"}
    m = parse_line(json.dumps(obj, allow_nan=True))
    assert m.kind in ("profile", MALFORMED)
    if m.kind == "profile":
        profile = StageProfile.from_message(m)
        assert all(us >= 0 for us in profile.stages_us.values())


def test_monitor_prints_a_profile_readably_and_passes_it_through_with_json(capsys):
    from studio.cli import print_message

    m = parse_line(PROFILE)
    print_message(m, as_json=False)
    print_message(m, as_json=True)
    readable, as_json = capsys.readouterr().out.strip().splitlines()
    assert readable.strip() == "profile #16: imu 27 µs, window 144 µs, spectrum 1,454 µs, classifier 873 µs"
    assert json.loads(as_json) == json.loads(PROFILE)
