"""`tinyml-studio import`: the JSON contract, and exit 2 with the one list of problems."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from studio.core.project import load_project
from tests.ml.import_helpers import mic_project, wav_tree

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True, env=env)


def test_import_json_gives_labels_split_and_no_problems(tmp_path):
    project = mic_project(tmp_path / "proj")
    r = _cli("import", str(project.path), str(wav_tree(tmp_path / "src")), "--split", "60/20/20", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["labels"] == ["hi", "lo"] and out["problems"] == []
    assert out["split"] == {"train": 12, "validation": 4, "test": 4}
    assert len(load_project(project.path).dataset["samples"]) == 20


def test_import_with_problems_exits_2_listing_them_and_copies_nothing(tmp_path):
    project = mic_project(tmp_path / "proj")
    src = wav_tree(tmp_path / "src")
    (src / "lo" / "broken.wav").write_bytes(b"nope")
    (src / "empty").mkdir()
    before = project.path.read_bytes()
    r = _cli("import", str(project.path), str(src), "--json")
    assert r.returncode == 2
    problems = json.loads(r.stdout)["problems"]
    assert sorted(Path(p["file"]).name for p in problems) == ["broken.wav", "empty"]
    assert project.path.read_bytes() == before and not (project.dir / "dataset").exists()


def test_import_skip_bad_imports_the_rest(tmp_path):
    project = mic_project(tmp_path / "proj")
    src = wav_tree(tmp_path / "src")
    (src / "lo" / "broken.wav").write_bytes(b"nope")
    r = _cli("import", str(project.path), str(src), "--skip-bad", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["imported"] == 20 and len(out["problems"]) == 1


def test_a_bad_split_argument_is_bad_input(tmp_path):
    project = mic_project(tmp_path / "proj")
    r = _cli("import", str(project.path), str(wav_tree(tmp_path / "src")), "--split", "eighty")
    assert r.returncode == 2 and "--split" in r.stderr and "Traceback" not in r.stderr


def test_a_missing_source_is_an_error_message(tmp_path):
    project = mic_project(tmp_path / "proj")
    r = _cli("import", str(project.path), str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
