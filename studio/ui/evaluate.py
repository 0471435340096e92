"""Run → Evaluate on the emulated board…: every window of the test split (streamed from the host
for an imported dataset, or the project's recording) on the emulated Cortex-M4F against the host
reference and the true labels, as a job with progress and cancel. Shows accuracy on the device and
on the host, their agreement and the device's confusion matrix (what ``tinyml-studio evaluate
--emulate`` prints; both call ``studio.actions.evaluate_emulated``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QVBoxLayout

from studio.core.project import Project
from studio.ui.job_dialog import JobDialog, install_dialog_action, percent
from studio.ui.training import ConfusionTable, snapshot_of


@dataclass(frozen=True)
class Evaluation:
    outcome: dict[str, Any]   # evaluate_emulated's result (the CLI's --json)


def evaluation_job(snapshot: Project) -> Callable:
    """The job function: builds, runs the emulated board and the host reference on ``snapshot``."""
    def run(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> Evaluation:
        from studio.actions import evaluate_emulated

        return Evaluation(evaluate_emulated(snapshot, progress=progress, cancelled=cancelled))

    return run


class EvaluateDialog(JobDialog):
    noun = "Evaluation"
    start_text = "Evaluate"

    def __init__(self, window):
        super().__init__(window, "Evaluate on the emulated board")
        self.use_button.hide()   # nothing to take into the project: the figures are the result

    def build_settings(self, layout: QVBoxLayout) -> None:
        intro = QLabel("Builds the firmware for the emulated Cortex-M4F, runs every window of the test split "
                       "on it (an imported split is streamed from the host, clip by clip) and compares each "
                       "result with the host reference (numpy DSP + TFLite Micro) and the true label.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

    def build_results(self, layout: QVBoxLayout) -> None:
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        layout.addWidget(QLabel("Confusion matrix on the device (rows: true label, columns: predicted)"))
        self.confusion = ConfusionTable()
        layout.addWidget(self.confusion, 1)

    def make_job(self, project):
        return ("Evaluate on the emulated board", evaluation_job(snapshot_of(project)),
                "Building the firmware for the emulated board…")

    def show_result(self, result: Evaluation) -> None:
        r = result.outcome
        agreement = r.get("agreement")
        self.summary_label.setText(
            f"{r.get('windows', 0)} windows ({r.get('sample_source', 'recording')}): device accuracy "
            f"{percent(r.get('device_accuracy'))}, host accuracy {percent(r.get('host_accuracy'))}, "
            f"device = host on {percent(agreement)} of the windows "
            f"(largest score difference {r.get('max_score_diff', 0):.2g})")
        confusion = r.get("confusion") or {}
        self.confusion.show_matrix(list(confusion.get("labels", [])),
                                   [list(row) for row in confusion.get("matrix", [])])
        ok = agreement == 1.0
        self.say("Evaluated: the device computes what the host computes on every window" if ok
                 else "Evaluated: the device and the host disagree on some windows", "done" if ok else "error")

    def use_result(self) -> None:
        pass


def install_evaluate_tools(window) -> QAction:
    """Adds "Evaluate on the emulated board…" to the window's Run menu; the dialog is made on first use."""
    return install_dialog_action(window, "evaluate_emulated", "&Evaluate on the emulated board…", EvaluateDialog)
