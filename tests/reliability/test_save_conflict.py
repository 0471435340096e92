"""The editor's save checks the file on disk first: a change another program (the CLI) wrote to the
open project is never overwritten silently."""
from __future__ import annotations

import subprocess
import sys

import pytest

from studio.core.project import ProjectChangedOnDisk, changed_on_disk, load_project, save_project
from tests.reliability.helpers import ROOT, copy_sample

# what the CLI's writing verbs (train --use, optimize) do to a project: load it, change it, save it
_OTHER_WRITER = ("import sys\nfrom studio.core.project import load_project, save_project\n"
                 "p = load_project(sys.argv[1]); p.battery = 'AA-from-the-cli'; save_project(p)\n")


def _write_from_another_process(path):
    subprocess.run([sys.executable, "-c", _OTHER_WRITER, str(path)], check=True, cwd=ROOT,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_save_refuses_to_overwrite_a_change_made_by_another_process(tmp_path):
    path = copy_sample("gesture", tmp_path)
    opened = load_project(path)                   # the editor opened it
    _write_from_another_process(path)
    opened.name = "edited in the editor"
    assert changed_on_disk(opened)
    with pytest.raises(ProjectChangedOnDisk):
        save_project(opened)
    assert load_project(path).battery == "AA-from-the-cli"


def test_save_over_a_change_only_when_the_user_chooses_to(tmp_path):
    path = copy_sample("gesture", tmp_path)
    opened = load_project(path)
    _write_from_another_process(path)
    save_project(opened, overwrite_changed=True)
    assert load_project(path).battery == opened.battery


def test_saving_twice_without_outside_changes_is_not_a_conflict(tmp_path):
    path = copy_sample("gesture", tmp_path)
    opened = load_project(path)
    save_project(opened)
    opened.name = "again"
    save_project(opened)
    assert load_project(path).name == "again"


def test_the_editor_does_not_save_over_a_change_the_cli_wrote(tmp_path, qtbot, monkeypatch):
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from studio.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = copy_sample("gesture", tmp_path)
    window = MainWindow(load_project(path))
    try:
        _write_from_another_process(path)
        assert window.save() is False
        assert "changed on disk" in window.last_message or "changed by another program" in window.last_message
        assert load_project(path).battery == "AA-from-the-cli"
    finally:
        window.doc.undo_stack.setClean()
        window.close()
