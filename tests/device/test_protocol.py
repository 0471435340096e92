"""The serial protocol parser: classification of lines, field checks, line assembly, counters."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from studio.device.protocol import (
    MALFORMED, MAX_LINE_BYTES, RAW, CaptureWindow, Counters, InferenceResult, LineAssembler,
    encode_message, parse_line,
)

INFERENCE = {"type": "inference", "seq": 7, "label": "yes", "index": 1, "scores": [0.1, 0.9],
             "dsp_us": 812, "model_us": 4031.5}


def test_inference_line_is_parsed_with_its_fields():
    m = parse_line(b'{"type":"inference","seq":7,"label":"yes","index":1,"scores":[0.1,0.9],'
                   b'"dsp_us":812,"model_us":4031.5}\r\n')
    assert m.kind == "inference"
    assert m.data == INFERENCE
    assert InferenceResult.from_message(m) == InferenceResult(7, "yes", 1, (0.1, 0.9), 812, 4031.5)


def test_hello_line_is_parsed():
    m = parse_line('{"type":"hello","project":"kws","board":"qemu-mps2-an386","build":"abc123"}')
    assert (m.kind, m.data["board"]) == ("hello", "qemu-mps2-an386")


def test_alert_and_log_lines_are_parsed():
    assert parse_line('{"type":"alert","label":"fall"}').kind == "alert"
    assert parse_line('{"type":"log","level":"info","message":"boot ok"}').kind == "log"


def test_unknown_message_type_is_kept_as_its_own_kind():
    assert parse_line('{"type":"battery","mv":3012}').kind == "battery"


def test_plain_text_line_is_raw():
    m = parse_line(b"Booting TinyML firmware v1.2\r\n")
    assert (m.kind, m.raw) == (RAW, "Booting TinyML firmware v1.2")
    assert m.to_json() == {"type": "raw", "text": "Booting TinyML firmware v1.2"}


def test_bracketed_log_prefix_is_raw_text():
    assert parse_line("[boot] clocks up").kind == RAW


def test_truncated_json_is_malformed():
    m = parse_line('{"type":"inference","seq":3,"lab')
    assert m.kind == MALFORMED
    assert "not valid JSON" in m.error
    assert m.to_json()["type"] == "malformed" and m.to_json()["text"].startswith('{"type"')


def test_json_array_is_malformed_not_object():
    m = parse_line("[1, 2, 3]")
    assert m.kind == MALFORMED and "not an object" in m.error


def test_object_without_type_is_malformed():
    assert parse_line('{"seq": 1}').kind == MALFORMED


def test_inference_missing_field_is_malformed_naming_it():
    m = parse_line('{"type":"inference","seq":1,"label":"no","index":0,"scores":[1],"dsp_us":1}')
    assert m.kind == MALFORMED and '"model_us"' in m.error


def test_inference_with_string_seq_is_malformed():
    bad = dict(INFERENCE, seq="7")
    assert parse_line(json.dumps(bad)).kind == MALFORMED


def test_inference_with_boolean_index_is_malformed():
    assert parse_line(json.dumps(dict(INFERENCE, index=True))).kind == MALFORMED


def test_inference_with_index_outside_scores_is_malformed():
    assert parse_line(json.dumps(dict(INFERENCE, index=2))).kind == MALFORMED


def test_inference_with_non_numeric_score_is_malformed():
    assert parse_line(json.dumps(dict(INFERENCE, scores=[0.1, "x"]))).kind == MALFORMED


def test_nan_and_infinite_numbers_are_malformed():
    assert parse_line('{"type":"inference","seq":1,"label":"a","index":0,"scores":[NaN],'
                      '"dsp_us":1,"model_us":1}').kind == MALFORMED
    assert parse_line('{"type":"inference","seq":1,"label":"a","index":0,"scores":[1e999],'
                      '"dsp_us":1,"model_us":1}').kind == MALFORMED


def test_binary_garbage_is_malformed():
    assert parse_line(b"\xff\xfe\x00\x13garbage\x80").kind == MALFORMED


def test_control_characters_make_a_line_malformed():
    assert parse_line(b"ab\x1b[2Jcd").kind == MALFORMED


def test_deeply_nested_json_is_malformed_not_a_crash():
    assert parse_line("{" + '"a":[' * 50000).kind == MALFORMED
    assert parse_line("[" * 60000 + "]" * 60000).kind in (RAW, MALFORMED)


def test_over_long_line_is_malformed_and_its_shown_text_is_cut():
    m = parse_line(b'{"type":"log","message":"' + b"x" * MAX_LINE_BYTES + b'"}')
    assert m.kind == MALFORMED and "longer than" in m.error
    assert len(m.raw) < 2000


def test_capture_with_flat_data_is_split_into_frames():
    m = parse_line('{"type":"capture","label":"wave","rate_hz":100,"channels":3,"data":[1,2,3,4,5,6]}')
    assert CaptureWindow.from_message(m).frames == ((1, 2, 3), (4, 5, 6))


def test_capture_with_row_data_is_kept_as_rows():
    m = parse_line('{"type":"capture","label":"wave","rate_hz":100,"channels":2,"data":[[1,2],[3,4]]}')
    assert CaptureWindow.from_message(m).frames == ((1, 2), (3, 4))


def test_capture_whose_values_do_not_fill_frames_is_malformed():
    m = parse_line('{"type":"capture","label":"w","rate_hz":100,"channels":3,"data":[1,2,3,4]}')
    assert m.kind == MALFORMED and "frames" in m.error


def test_reserved_type_names_from_the_device_are_malformed():
    assert parse_line('{"type":"summary","lines":1}').kind == MALFORMED


# --- properties -------------------------------------------------------------------------------

@settings(max_examples=400)
@given(st.binary(max_size=512))
def test_parse_line_never_raises_on_arbitrary_bytes(data):
    m = parse_line(data)
    assert m.kind in (RAW, MALFORMED) or m.data.get("type") == m.kind
    json.dumps(m.to_json())  # whatever we got, --json can print it


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_parse_line_never_raises_on_arbitrary_text(text):
    parse_line(text)
    parse_line("{" + text)


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
nonneg = st.one_of(st.integers(0, 2**40), st.floats(0, 1e9, allow_nan=False))


@st.composite
def inferences(draw):
    scores = draw(st.lists(finite, min_size=1, max_size=12))
    return {"type": "inference", "seq": draw(st.integers(0, 2**31)), "label": draw(st.text(max_size=20)),
            "index": draw(st.integers(0, len(scores) - 1)), "scores": scores,
            "dsp_us": draw(nonneg), "model_us": draw(nonneg)}


@st.composite
def hellos(draw):
    return {"type": "hello", "project": draw(st.text(max_size=30)), "board": draw(st.text(max_size=30)),
            "build": draw(st.one_of(st.text(max_size=30), st.integers(0, 2**32)))}


@st.composite
def captures(draw):
    channels = draw(st.integers(1, 4))
    frames = draw(st.integers(0, 10))
    data = draw(st.lists(finite, min_size=channels * frames, max_size=channels * frames))
    return {"type": "capture", "label": draw(st.text(min_size=1, max_size=20).filter(str.strip)),
            "rate_hz": draw(st.floats(0.5, 1e5)), "channels": channels, "data": data}


@settings(max_examples=300)
@given(st.one_of(inferences(), hellos(), captures()))
def test_valid_messages_round_trip_through_a_line(obj):
    m = parse_line(encode_message(obj))
    assert m.kind == obj["type"], m.error
    assert m.to_json() == obj
    assert parse_line(encode_message(m.to_json())) == m


# --- line assembly ----------------------------------------------------------------------------

def _lines_of(chunks, **kw):
    a = LineAssembler(**kw)
    out = [line for c in chunks for line in a.feed(c)]
    return out + a.flush()


line_chars = st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",))


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=line_chars, min_size=1, max_size=40), max_size=20),
       st.sampled_from([b"\n", b"\r\n", b"\r"]),
       st.lists(st.integers(0, 2000), max_size=30))
def test_lines_survive_any_chunking_and_line_ending(lines, ending, cuts):
    stream = b"".join(line.encode() + ending for line in lines)
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    chunks = [stream[a:b] for a, b in zip(points, points[1:])]
    assert _lines_of(chunks) == [line.encode() for line in lines]


def test_crlf_split_between_chunks_gives_one_line():
    assert _lines_of([b"abc\r", b"\ndef\r", b"\n"]) == [b"abc", b"def"]


def test_nul_bytes_are_dropped_from_lines():
    assert _lines_of([b"\x00\x00hel", b"\x00lo\n"]) == [b"hello"]


def test_over_long_line_is_delivered_once_cut_and_the_next_line_is_intact():
    big = b"y" * (MAX_LINE_BYTES * 2 + 5)
    a = LineAssembler()
    out = []
    for i in range(0, len(big), 4096):
        out += a.feed(big[i:i + 4096])
    out += a.feed(b"\nnext\n")
    assert [len(x) for x in out] == [MAX_LINE_BYTES + 1, 4]
    assert parse_line(out[0]).kind == MALFORMED and out[1] == b"next"


def test_assembler_memory_stays_bounded_by_the_line_cap():
    a = LineAssembler(max_line_bytes=1000)
    for _ in range(100):
        a.feed(b"z" * 999)
        assert a.pending_bytes <= 1000


def test_flush_returns_the_unterminated_tail():
    a = LineAssembler()
    assert a.feed(b"one\ntw") == [b"one"]
    assert a.flush() == [b"tw"]


def test_counters_count_lines_parsed_and_malformed():
    c = Counters()
    for line in [encode_message(INFERENCE), b"boot", b'{"type":', encode_message(INFERENCE)]:
        c.add(parse_line(line))
    assert c.summary() == {"type": "summary", "lines": 4, "parsed": 2, "malformed": 1}
    assert (c.inferences, c.raw) == (2, 1)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=300), max_size=30))
def test_assembler_lines_are_capped_and_free_of_separators_whatever_the_bytes(chunks):
    a = LineAssembler(max_line_bytes=64)
    lines = [line for c in chunks for line in a.feed(c)] + a.flush()
    assert all(0 < len(line) <= 65 for line in lines)
    assert not any(sep in line for line in lines for sep in (b"\r", b"\n", b"\x00"))
    if all(len(line) <= 64 for line in lines):  # nothing was cut: every byte is accounted for
        kept = b"".join(chunks).replace(b"\x00", b"").replace(b"\r", b"").replace(b"\n", b"")
        assert b"".join(lines) == kept


json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | finite | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                                        max_size=3),
                           max_leaves=8)


@settings(max_examples=150)
@given(st.fixed_dictionaries({}, optional={k: json_values for k in
                                           ("seq", "label", "index", "scores", "dsp_us", "model_us")}),
       st.sampled_from(["inference", "capture", "hello"]))
def test_a_message_that_passes_its_checks_always_has_a_usable_typed_view(fields, kind):
    obj = {"type": kind, **fields}
    if kind == "capture":
        obj = {"type": kind, "label": fields.get("label"), "rate_hz": fields.get("dsp_us"),
               "channels": fields.get("index"), "data": fields.get("scores")}
    m = parse_line(json.dumps(obj))
    assert m.kind in (kind, MALFORMED)
    if m.kind == "inference":
        r = InferenceResult.from_message(m)
        assert 0 <= r.index and (not r.scores or r.index < len(r.scores))
    elif m.kind == "capture":
        w = CaptureWindow.from_message(m)
        assert all(len(frame) == w.channels for frame in w.frames)
    elif m.kind == MALFORMED:
        assert m.error
