"""Run → Optimize model…: prune and quantize the float Keras model as the pipeline's nodes say.

The recipe is the graph itself (``model.keras → [Prune channels] → Quantize int8``), edited in the
inspector like any other node; this dialog runs ``studio.ml.optimize.optimize_project`` on a
snapshot as a job (progress per stage and fine-tuning epoch, cancel), shows float vs int8
accuracy, what pruning saved, the device figures from the model compiler and a per-layer size
table, and "Use this int8 model" sets the model node's ``int8_model``/``int8_recipe`` with one
undoable command. TensorFlow is loaded by the job, never by opening the dialog.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QVBoxLayout

from studio.core.project import Project
from studio.ui.job_dialog import JobDialog, install_dialog_action, percent
from studio.ui.training import LayerTable, snapshot_of

@dataclass(frozen=True)
class Optimized:
    outcome: Any    # studio.ml.optimize.OptimizeOutcome


def optimize_job(snapshot: Project) -> Callable:
    """The job function: optimizes ``snapshot`` (never the live project); touches no Qt."""

    def run(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> Optimized:
        from studio.ml.optimize import optimize_project  # TensorFlow loads here, lazily

        return Optimized(optimize_project(snapshot, progress=progress, cancelled=cancelled))

    return run


def describe_recipe(project: Project) -> str:
    """One line per step of the project's optimization, or what is missing (no TensorFlow needed)."""
    from studio.ml.errors import MLError
    from studio.ml.optimize import recipe

    try:
        r = recipe(project)
    except MLError as e:
        return f"⚠ {e.message}"
    lines = [f"Float model: {r.model.id} ({r.model.props.get('model') or 'no file chosen'})"]
    for step in r.prunes:
        p = step.spec.check_props(step.props)
        lines.append(f"Prune channels ({step.id}): remove {100 * p['fraction']:.0f}% of units per layer, "
                     f"fine-tune {p['fine_tune_epochs']} epoch(s)")
    q = r.quantize.spec.check_props(r.quantize.props)
    source = ("the pipeline's features of the training split" if q["representative"] == "pipeline"
              else q["representative_file"] or "(no file chosen)")
    lines.append(f"Quantize int8 ({r.quantize.id}): {q['n_samples']} calibration samples from {source}, "
                 f"{'per-channel' if q['per_channel'] else 'per-tensor'} weights, warn past "
                 f"{q['max_drop_points']:g} points")
    lines.append("Change these in the inspector; Optimize runs them in this order.")
    return "\n".join(lines)


class OptimizeDialog(JobDialog):
    """One per window; non-modal, the graph stays editable while Optimize runs on a snapshot."""

    noun = "Optimize"
    start_text = "Optimize"
    cancelling_text = "Cancelling at the next step…"

    def __init__(self, window):
        super().__init__(window, "Optimize model")
        self.run_button = self.start_button
        self.use_button.setText("Use this int8 model")
        self.resize(620, 560)
        self.main.doc.validated.connect(self.refresh_recipe)   # after every edit, once validation settles
        self._show_idle()

    def build_settings(self, layout: QVBoxLayout) -> None:
        self.recipe_label = QLabel()
        self.recipe_label.setWordWrap(True)
        layout.addWidget(self.recipe_label)

    def build_results(self, layout: QVBoxLayout) -> None:
        self.accuracy_label = QLabel()
        self.prune_label = QLabel()
        self.prune_label.setWordWrap(True)
        self.device_label = QLabel()
        self.layers = LayerTable()
        for w in (self.accuracy_label, self.prune_label, self.device_label, self.warnings_label):
            layout.addWidget(w)
        layout.addWidget(QLabel("Size per layer (float32 vs int8: weights int8, biases int32)"))
        layout.addWidget(self.layers, 1)

    def refresh_recipe(self, *_args) -> None:
        self.recipe_label.setText(describe_recipe(self.main.doc.project))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.refresh_recipe()
        super().showEvent(event)

    def _on_project_replaced(self) -> None:
        super()._on_project_replaced()
        self.refresh_recipe()

    def make_job(self, project):
        self.refresh_recipe()
        return "Optimize model", optimize_job(snapshot_of(project)), "Optimizing…"

    def show_result(self, result: Optimized) -> None:
        o = result.outcome
        drop = ("" if o.float_accuracy is None or o.int8_accuracy is None
                else f" (int8 − float: {100 * (o.int8_accuracy - o.float_accuracy):+.1f} points)")
        self.accuracy_label.setText(f"Accuracy on the {o.evaluated_on or '—'} split ({o.samples} examples) — "
                                    f"float: {percent(o.float_accuracy)}, int8: {percent(o.int8_accuracy)}{drop}")
        self.prune_label.setText("\n".join(
            f"Pruned {p.node}: units {list(p.units_before)} → {list(p.units_after)}; MACs {p.macs_before:,} → "
            f"{p.macs_after:,} (−{p.macs_before - p.macs_after:,}); int8 flash {p.flash_bytes_before:,} → "
            f"{p.flash_bytes_after:,} B (−{p.flash_bytes_before - p.flash_bytes_after:,}); accuracy "
            f"{percent(p.accuracy_before)} → {percent(p.accuracy_after)}" for p in o.prunes))
        self.prune_label.setVisible(bool(o.prunes))
        d = o.device
        self.device_label.setText(f"On the device (model compiler): arena {d['arena_bytes']:,} B, flash "
                                  f"{d['flash_bytes']:,} B, {d['macs']:,} MACs per inference" if d else "")
        self.show_warnings(o.warnings)
        self.layers.show_layers(o.layers)
        self.use_button.setToolTip(f"Set {o.model_node}.int8_model to {o.int8_model} (undo with Ctrl+Z)")
        self.say(f"Optimized: wrote {o.int8_model}", "done")

    def use_result(self) -> None:
        if self.result is None:
            return
        o = self.result.outcome
        if self.apply(o.model_node, o.props, f"use int8 model {o.int8_model}"):
            self.say(f"{o.model_node} now runs {o.int8_model} (Ctrl+Z reverts it).", "done")
            self.main.show_status(f"{o.model_node}.int8_model = {o.int8_model}")


def install_optimize_tools(window) -> QAction:
    """Adds "Optimize model…" to the window's Run menu (once); the dialog is made on first use."""
    return install_dialog_action(window, "optimize_model", "&Optimize model…", OptimizeDialog)
