"""No lost work: another process writes the open project file (as the command line's import and
``train --use`` do) and the editor offers Reload or Keep mine, naming what differs; it never
saves over that change unasked."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studio.core.project import load_project

# what `tinyml-studio import` / `train --use` do to the file: load it, change it, save it atomically
CLI_LIKE_WRITE = """
import sys
from studio.core.project import load_project, save_project
p = load_project(sys.argv[1])
p.graph.set_property("window", "window", 64)
p.dataset = {"folder": "dataset", "kind": "csv", "labels": ["shake", "still"], "files": {}}
save_project(p)
"""
TIMEOUT_MS = 10_000


def write_from_another_process(path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    subprocess.run([sys.executable, "-c", CLI_LIKE_WRITE, str(path)], check=True, env=env, timeout=120)


def _offered(window) -> bool:
    return window.message_bar.isVisible() and "changed on disk" in window.message_bar.label.text()


def test_a_write_by_another_process_is_offered_with_the_fields_that_differ(window, project_file, qtbot):
    write_from_another_process(project_file)
    qtbot.waitUntil(lambda: _offered(window), timeout=TIMEOUT_MS)
    text = window.message_bar.label.text()
    assert "node 'window': window 128 → 64" in text
    assert "dataset added (labels shake, still)" in text
    assert {b.text() for b in window.message_bar.buttons} >= {"Reload", "Keep mine"}


def test_reload_takes_the_file_on_disk(window, project_file, qtbot):
    write_from_another_process(project_file)
    qtbot.waitUntil(lambda: _offered(window), timeout=TIMEOUT_MS)
    window.message_bar.button("Reload").click()
    assert window.doc.graph.node("window").props["window"] == 64
    assert window.doc.project.dataset["labels"] == ["shake", "still"]
    assert not window.doc.dirty


def test_saving_over_an_unseen_change_is_refused_until_the_user_chooses(window, project_file, qtbot):
    window.reload_offer.watch._watcher.blockSignals(True)   # as on a file system that sends no events
    window.add_node("dsp.normalize")
    write_from_another_process(project_file)
    assert not window.save()
    assert load_project(project_file).dataset["labels"] == ["shake", "still"]   # their work is on disk
    assert _offered(window) and window.message_bar.label.text().startswith("Not saved:")


def test_keep_mine_then_save_writes_the_editors_version(window, project_file, qtbot):
    write_from_another_process(project_file)
    qtbot.waitUntil(lambda: _offered(window), timeout=TIMEOUT_MS)
    window.message_bar.button("Keep mine").click()
    assert window.doc.dirty                 # the editor's version is not what the file holds
    assert window.save()
    assert load_project(project_file).graph.node("window").props["window"] == 128
    assert project_file.with_name(project_file.name + ".bak").is_file()   # theirs is kept beside it


def test_the_editors_own_save_is_not_offered_as_a_change(window, project_file, qtbot):
    window.add_node("dsp.normalize")
    assert window.save()
    qtbot.wait(600)
    assert not _offered(window)
    assert not window.reload_offer.watch.changed()
