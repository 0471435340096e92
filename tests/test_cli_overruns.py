"""The monitor's readable line says how many samples a driver-fed sensor has lost."""
import json

from studio.cli import print_message
from studio.device.protocol import parse_line

LINE = {"type": "inference", "seq": 7, "label": "warm", "index": 0, "scores": [0.9], "dsp_us": 12, "model_us": 3}


def test_an_inference_with_overruns_shows_the_samples_lost(capsys):
    print_message(parse_line(json.dumps({**LINE, "overruns": 5})), as_json=False)
    assert capsys.readouterr().out.rstrip().endswith("model 3 µs, 5 samples lost")


def test_an_inference_without_overruns_says_nothing_about_them(capsys):
    print_message(parse_line(json.dumps(LINE)), as_json=False)
    assert "lost" not in capsys.readouterr().out
