"""Run → Evaluate on the emulated board…: the real build, QEMU and host reference as a job; the
dialog shows device and host accuracy, their agreement and the device's confusion matrix."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ui.helpers import shown_window

from studio.ui.evaluate import EvaluateDialog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, tmp_path):
    shutil.copytree(ROOT / "sample_projects" / "gesture", tmp_path / "gesture")
    with shown_window(qtbot, tmp_path / "gesture" / "gesture.tinyml") as w:
        yield w


def test_the_evaluation_shows_the_device_confusion_matrix_and_agreement(window, qtbot):
    action = next(a for m in window.menuBar().actions() if m.menu() for a in m.menu().actions()
                  if a.objectName() == "evaluate_emulated")
    action.trigger()
    dialog = window.findChild(EvaluateDialog)
    dialog.start_button.click()
    with qtbot.waitSignal(dialog.job.finished, timeout=240_000):
        pass
    outcome = dialog.result.outcome
    labels = outcome["confusion"]["labels"]
    assert dialog.confusion.rowCount() == dialog.confusion.columnCount() == len(labels) > 1
    cells = sum(int(dialog.confusion.item(r, c).text()) for r in range(len(labels)) for c in range(len(labels)))
    assert cells == sum(map(sum, outcome["confusion"]["matrix"])) > 0
    assert outcome["agreement"] == 1.0
    assert "device = host on 100.0%" in dialog.summary_label.text()
