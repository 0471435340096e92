"""The monitor engine over a real socket, the CSV recorder and the dataset capture writer."""
from __future__ import annotations

import csv
import io
import os
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.errors import StudioError
from studio.device.monitor import CaptureWriter, CsvRecorder, monitor, safe_label
from studio.device.protocol import encode_message, parse_line
from studio.device.serial_link import SerialLinkError

# the pretend boards live next to this file; found by path so that pytest's import mode
# (prepend or importlib) does not matter
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serial_support import SocketDevice, inference_line  # noqa: E402


@pytest.fixture
def device():
    dev = SocketDevice()
    yield dev
    dev.close()


def _serve(dev: SocketDevice, payload: bytes, close: bool = False) -> threading.Thread:
    def serve():
        dev.accept()
        dev.write(payload)
        if close:
            dev.stop()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def test_monitor_stops_after_count_inferences_and_passes_them_in_order(device):
    _serve(device, b"boot\n" + b"".join(inference_line(i) for i in range(50)))
    seen = []
    counters = monitor(device.url, count=5, timeout_s=20, on_message=seen.append)
    assert [m.data["seq"] for m in seen if m.kind == "inference"] == [0, 1, 2, 3, 4]
    assert counters.summary() == {"type": "summary", "lines": 6, "parsed": 5, "malformed": 0}


def test_monitor_returns_when_the_stream_ends_for_good(device):
    _serve(device, inference_line(0) + b"{broken\n", close=True)
    counters = monitor(device.url, count=10, timeout_s=20, give_up_after_s=0.3)
    assert (counters.lines, counters.parsed, counters.malformed) == (2, 1, 1)


def test_monitor_stops_at_the_timeout_when_nothing_arrives(device):
    _serve(device, b"")
    counters = monitor(device.url, count=1, timeout_s=0.3)
    assert counters.lines == 0


def test_monitor_stops_when_asked_to(device):
    _serve(device, inference_line(0))
    stop = threading.Event()
    seen = []

    def on_message(m):
        seen.append(m)
        stop.set()
    counters = monitor(device.url, timeout_s=20, on_message=on_message, stop=stop)
    assert counters.inferences == 1 and len(seen) == 1


def test_monitor_raises_with_the_fix_when_the_port_does_not_exist(tmp_path):
    with pytest.raises(SerialLinkError) as e:
        monitor(str(tmp_path / "ttyACM7"), count=1, give_up_after_s=0.1)
    assert "no such port" in e.value.message


def test_monitor_refuses_a_count_below_one():
    with pytest.raises(StudioError):
        monitor("socket://127.0.0.1:9", count=0)


# --- CSV recording ---------------------------------------------------------------------------

def _inference(seq, label="yes", scores=(0.2, 0.8), index=1):
    return parse_line(encode_message({"type": "inference", "seq": seq, "label": label, "index": index,
                                      "scores": list(scores), "dsp_us": 10, "model_us": 20.5}))


def test_csv_recorder_writes_header_and_one_row_per_inference():
    out = io.StringIO()
    rec = CsvRecorder(out)
    rec.record(_inference(0))
    rec.record(parse_line("boot text"))
    rec.record(_inference(1, "no, really", index=0))
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["seq", "label", "index", "dsp_us", "model_us", "score_0", "score_1"],
                    ["0", "yes", "1", "10", "20.5", "0.2", "0.8"],
                    ["1", "no, really", "0", "10", "20.5", "0.2", "0.8"]]


def test_csv_recorder_skips_an_inference_with_another_number_of_scores():
    rec = CsvRecorder(io.StringIO())
    rec.record(_inference(0))
    assert rec.record(_inference(1, scores=(0.1, 0.2, 0.7))) is False
    assert (rec.rows, rec.skipped) == (1, 1)


def test_csv_recorder_defuses_formula_labels():
    out = io.StringIO()
    CsvRecorder(out).record(_inference(0, label="=HYPERLINK(\"x\")"))
    assert list(csv.reader(io.StringIO(out.getvalue())))[1][1].startswith("'=")


def test_csv_recorder_writes_to_a_file_path(tmp_path):
    with CsvRecorder(tmp_path / "run.csv") as rec:
        rec.record(_inference(3))
    assert (tmp_path / "run.csv").read_text().splitlines()[1].startswith("3,yes,1,")


# --- dataset capture -------------------------------------------------------------------------

def _capture(label, data, channels=2, rate_hz=100):
    return parse_line(encode_message({"type": "capture", "label": label, "rate_hz": rate_hz,
                                      "channels": channels, "data": data}))


def test_capture_window_is_saved_as_numbered_csv_under_its_label(tmp_path):
    w = CaptureWriter(tmp_path)
    first = w.save(_capture("wave", [1, 2, 3, 4, 5, 6]))
    second = w.save(_capture("wave", [[7, 8]]))
    assert first.path == tmp_path / "wave" / "0.csv" and second.path == tmp_path / "wave" / "1.csv"
    assert first.path.read_text().splitlines() == ["t_s,ch_0,ch_1", "0.0,1,2", "0.01,3,4", "0.02,5,6"]


def test_capture_numbering_continues_after_existing_samples(tmp_path):
    (tmp_path / "idle").mkdir()
    (tmp_path / "idle" / "7.csv").write_text("old")
    assert CaptureWriter(tmp_path).save(_capture("idle", [0, 0])).path.name == "8.csv"


def test_non_capture_messages_are_not_saved(tmp_path):
    assert CaptureWriter(tmp_path).save(_inference(0)) is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("label", ["../../etc", "/etc/passwd", "..", ".", "a/../../b", "C:\\Windows",
                                   "CON", "~root", "\u202eevil", "..."])
def test_hostile_labels_stay_inside_the_dataset(tmp_path, label):
    dataset = tmp_path / "ds"
    sample = CaptureWriter(dataset).save(_capture(label, [1, 2]))
    assert sample.path.parent.parent == dataset.resolve()
    assert sample.path.parent.name not in (".", "..", "")


def test_a_symlinked_label_folder_pointing_outside_is_refused(tmp_path):
    dataset, outside = tmp_path / "ds", tmp_path / "outside"
    dataset.mkdir()
    outside.mkdir()
    (dataset / "wave").symlink_to(outside)
    with pytest.raises(StudioError):
        CaptureWriter(dataset).save(_capture("wave", [1, 2]))
    assert list(outside.iterdir()) == []


@settings(max_examples=300)
@given(st.text(max_size=100))
def test_safe_label_is_always_a_plain_folder_name(label):
    name = safe_label(label)
    assert name and name not in (".", "..") and "/" not in name and "\\" not in name
    assert not name.startswith(".") and len(name) <= 65
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in name)


def test_safe_label_keeps_ordinary_labels():
    assert [safe_label(x) for x in ("yes", "no", "wave_2", "up-down")] == ["yes", "no", "wave_2", "up-down"]


def test_monitor_timing_out_before_the_port_ever_opened_raises_why(tmp_path):
    with pytest.raises(SerialLinkError) as e:
        monitor(str(tmp_path / "ttyACM7"), timeout_s=0.3, give_up_after_s=30)
    assert e.value.reason == "missing"


def test_a_label_given_on_the_host_replaces_the_devices(tmp_path):
    sample = CaptureWriter(tmp_path).save(_capture("unlabelled", [1, 2]), label="wave")
    assert sample.label == "wave" and sample.path == tmp_path / "wave" / "0.csv"
