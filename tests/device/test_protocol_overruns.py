"""The inference line's "overruns" field (a driver-fed sensor's lost samples) in the protocol parser."""
import json

from hypothesis import given, strategies as st

from studio.device.protocol import InferenceResult, parse_line

BASE = {"type": "inference", "seq": 3, "label": "warm", "index": 0, "scores": [21.5], "dsp_us": 13, "model_us": 2}


@given(overruns=st.integers(0, 2**32 - 1))
def test_a_count_of_overruns_is_parsed_and_carried(overruns):
    msg = parse_line(json.dumps({**BASE, "overruns": overruns}))
    assert msg.kind == "inference"
    assert InferenceResult.from_message(msg).overruns == overruns


def test_a_line_without_overruns_still_parses_and_says_none():
    msg = parse_line(json.dumps(BASE))
    assert msg.kind == "inference" and InferenceResult.from_message(msg).overruns is None


@given(bad=st.one_of(st.integers(max_value=-1), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5), st.booleans()))
def test_overruns_that_are_not_a_whole_count_make_the_line_malformed_with_the_field_named(bad):
    msg = parse_line(json.dumps({**BASE, "overruns": bad}))
    assert msg.kind == "malformed" and "overruns" in msg.error
