"""Project templates and `tinyml-studio new`: each writes a project that validates."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.core.errors import BadInput
from studio.core.project import load_project
from studio.core.templates import list_templates, new_project
from studio.core.validate import validate_project

ROOT = Path(__file__).resolve().parents[2]
NAMES = [t.name for t in list_templates()]


def test_the_five_templates_are_listed():
    assert {"kws", "gesture", "vibration", "image", "blank"} <= set(NAMES)
    assert all(t.title and t.description for t in list_templates())


@pytest.mark.parametrize("name", NAMES)
def test_a_new_project_from_each_template_validates(tmp_path, name):
    path = new_project(tmp_path / "mine", name, "nano33ble")
    report = validate_project(load_project(path))
    assert report.ok, [i.message for i in report.issues if i.severity == "error"]


@pytest.mark.parametrize("name", [n for n in NAMES if n != "blank"])
def test_the_model_slot_says_training_fills_it(tmp_path, name):
    report = validate_project(load_project(new_project(tmp_path / "mine", name, "nano33ble")))
    assert any("no model yet" in i.message and i.severity == "warning" for i in report.issues)


def test_the_kws_template_feeds_mfcc_from_a_16_khz_microphone(tmp_path):
    project = load_project(new_project(tmp_path / "kws", "kws", "nano33ble"))
    mic, mfcc = project.graph.node("mic"), project.graph.node("mfcc")
    assert mic.type_id == "sensors.microphone" and mic.props["rate_hz"] == mfcc.props["sample_rate_hz"] == 16000.0
    report = validate_project(project)
    assert report.specs[("mfcc", "out")].shape == (49, 10)


def test_the_project_is_named_after_its_folder_or_the_name_given(tmp_path):
    assert new_project(tmp_path / "my words", "kws", "nano33ble").name == "my_words.tinyml"
    assert new_project(tmp_path / "x", "kws", "nano33ble", name="Door bell").name == "Door_bell.tinyml"


def test_an_existing_project_is_never_overwritten(tmp_path):
    path = new_project(tmp_path / "p", "kws", "nano33ble")
    before = path.read_bytes()
    with pytest.raises(BadInput, match="already exists"):
        new_project(tmp_path / "p", "gesture", "nano33ble")
    assert path.read_bytes() == before


def test_an_unknown_template_or_board_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="unknown template"):
        new_project(tmp_path / "p", "nope", "nano33ble")
    with pytest.raises(BadInput, match="unknown board"):
        new_project(tmp_path / "q", "kws", "no-such-board")
    assert not (tmp_path / "q").exists()


def _cli(*args, cwd=None):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True, env=env,
                          cwd=cwd)


def test_cli_new_json_names_the_project_file(tmp_path):
    r = _cli("new", str(tmp_path / "g"), "--template", "gesture", "--board", "nano33ble", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert Path(out["project"]).is_file() and out["template"] == "gesture"


def test_cli_new_list_prints_one_template_a_line():
    r = _cli("new", "--list")
    assert r.returncode == 0 and [line.split()[0] for line in r.stdout.splitlines()] == NAMES


def test_cli_new_without_a_template_is_bad_input(tmp_path):
    r = _cli("new", str(tmp_path / "p"), "--board", "nano33ble")
    assert r.returncode == 2 and "--template" in r.stderr and "Traceback" not in r.stderr
