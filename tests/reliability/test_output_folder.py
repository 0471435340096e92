"""Firmware generation writes only into folders it owns: the user's files are never deleted."""
from __future__ import annotations

import hashlib

import pytest

from codegen.output_dir import MARKER
from tests.reliability.helpers import cli, copy_sample, mounted_tmpfs, no_traceback, read_only_folder

pytestmark = pytest.mark.slow


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def vibration(tmp_path):
    return copy_sample("vibration", tmp_path)


def test_generate_refuses_a_folder_with_the_users_files(vibration, tmp_path):
    out = tmp_path / "mine"
    (out / "src").mkdir(parents=True)
    (out / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    (out / "notes.txt").write_text("mine\n")
    r = cli("generate", vibration, "--out", out)
    assert r.returncode == 2, r.stderr
    assert "--force" in r.stderr and no_traceback(r)
    assert (out / "src" / "main.c").read_text() == "int main(void) { return 0; }\n"
    assert not (out / MARKER).exists()


def test_generate_into_the_project_folder_keeps_the_model_even_with_force(vibration):
    model = vibration.parent / "vibration.tflite"
    before = _digest(model)
    for extra in ((), ("--force",)):
        r = cli("generate", vibration, "--out", vibration.parent, *extra)
        assert r.returncode == 2, r.stderr
        assert "project's folder" in r.stderr and no_traceback(r)
    assert _digest(model) == before
    assert not (vibration.parent / "src").exists()


def test_generate_into_a_folder_above_the_project_is_refused(vibration, tmp_path):
    r = cli("generate", vibration, "--out", tmp_path)
    assert r.returncode == 2 and no_traceback(r)
    assert (vibration.parent / "vibration.tflite").is_file()


def test_generate_twice_into_its_own_folder_replaces_its_files(vibration, tmp_path):
    out = tmp_path / "fw"
    assert cli("generate", vibration, "--out", out).returncode == 0
    assert (out / MARKER).is_file()
    (out / "src" / "stale.c").write_text("#error stale\n")
    r = cli("generate", vibration, "--out", out)
    assert r.returncode == 0, r.stderr
    assert not (out / "src" / "stale.c").exists() and (out / "src" / "pipeline.c").is_file()


def test_force_writes_into_a_foreign_folder_and_keeps_unrelated_files(vibration, tmp_path):
    out = tmp_path / "shared"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    r = cli("generate", vibration, "--out", out, "--force")
    assert r.returncode == 0, r.stderr
    assert (out / "notes.txt").read_text() == "mine\n" and (out / "src" / "pipeline.c").is_file()


def test_generate_into_dev_null_is_bad_input(vibration):
    r = cli("generate", vibration, "--out", "/dev/null")
    assert r.returncode == 2 and "not a folder" in r.stderr and no_traceback(r)


def test_generate_into_a_read_only_folder_is_bad_input(vibration, tmp_path):
    with read_only_folder(tmp_path / "ro") as ro:
        r = cli("generate", vibration, "--out", ro / "fw")
    assert r.returncode == 2 and "not writable" in r.stderr and no_traceback(r)


def test_generate_onto_a_full_disk_is_bad_input(vibration, tmp_path):
    with mounted_tmpfs(tmp_path / "tiny", size="16k") as tiny:
        r = cli("generate", vibration, "--out", tiny / "fw")
    assert r.returncode == 2 and "disk is full" in r.stderr and no_traceback(r)


def test_a_folder_generated_before_the_marker_existed_is_still_regenerated(vibration, tmp_path):
    out = tmp_path / "old"
    assert cli("generate", vibration, "--out", out).returncode == 0
    (out / MARKER).unlink()
    r = cli("generate", vibration, "--out", out)
    assert r.returncode == 0, r.stderr
    assert (out / MARKER).is_file()


def test_a_folder_with_a_generated_readme_and_the_users_files_is_refused(vibration, tmp_path):
    out = tmp_path / "old"
    assert cli("generate", vibration, "--out", out).returncode == 0
    (out / MARKER).unlink()
    (out / "my_notes.txt").write_text("mine\n")
    r = cli("generate", vibration, "--out", out)
    assert r.returncode == 2 and (out / "my_notes.txt").is_file()
