"""The ``power`` line (busy time of the core per inference span) and its tally over a run."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.device.protocol import MALFORMED, PowerReport, SleepTally, encode_message, parse_line

POWER = b'{"type":"power","seq":3,"busy_us":4270,"window_us":1000000,"busy_cycles":106750,"window_cycles":25000000}'


def test_power_line_is_parsed_with_its_busy_fraction():
    m = parse_line(POWER)
    assert m.kind == "power"
    assert PowerReport.from_message(m) == PowerReport(3, 4270, 1000000)
    assert PowerReport.from_message(m).busy_fraction == pytest.approx(0.00427)


@pytest.mark.parametrize("line, problem", [
    (b'{"type":"power","seq":3,"window_us":10}', 'missing field "busy_us"'),
    (b'{"type":"power","seq":3,"busy_us":-1,"window_us":10}', '"busy_us" must be a number >= 0'),
    (b'{"type":"power","seq":3,"busy_us":11,"window_us":10}', "more than window_us"),
    (b'{"type":"power","seq":"x","busy_us":1,"window_us":10}', '"seq" must be a whole number'),
])
def test_bad_power_lines_are_malformed_with_a_reason(line, problem):
    m = parse_line(line)
    assert m.kind == MALFORMED and problem in m.error


def test_older_firmware_without_power_lines_still_parses_and_tallies_nothing():
    tally = SleepTally()
    m = parse_line(b'{"type":"inference","seq":0,"label":"a","index":0,"scores":[1.0],"dsp_us":5,"model_us":6}')
    tally.add(m)
    assert m.kind == "inference" and tally.busy_fraction is None
    assert tally.to_json()["busy_fraction"] is None


def test_tally_is_total_busy_over_total_time_not_the_mean_of_fractions():
    tally = SleepTally()
    for busy, window in ((10, 100), (10, 1000)):
        tally.add(parse_line(encode_message({"type": "power", "seq": 0, "busy_us": busy, "window_us": window})))
    assert tally.busy_fraction == pytest.approx(20 / 1100)
    assert tally.to_json()["asleep_fraction"] == pytest.approx(1 - 20 / 1100, abs=1e-5)


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**31))
def test_any_power_line_the_firmware_can_print_round_trips(busy_us, window_us, seq):
    busy_us, window_us = min(busy_us, window_us), max(busy_us, window_us)
    m = parse_line(encode_message({"type": "power", "seq": seq, "busy_us": busy_us, "window_us": window_us}))
    assert m.kind == "power"
    report = PowerReport.from_message(m)
    assert (report.seq, report.busy_us, report.window_us) == (seq, busy_us, window_us)
    assert 0.0 <= report.busy_fraction <= 1.0
