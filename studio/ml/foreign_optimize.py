"""Optimize for a PyTorch / ONNX model node: its converted float .tflite → int8, as Quantize int8 says.

The same recipe as a Keras model (``studio.ml.optimize``) minus pruning: the ``quantize.int8`` node
after ``model.torch`` gives the calibration settings; representative features come from the
pipeline's own DSP on the imported dataset (or the node's ``.npy``). The float model is the
``.tflite`` litert-torch made from the ``.pt2``/``.onnx`` (``nodes.foreign_model``); ai-edge-quantizer
makes the full-integer int8 model from it in the converter child (a float .tflite cannot go back
through TensorFlow's converter). Float accuracy is measured with LiteRT's interpreter on the float
.tflite (in the converter child), int8 accuracy in TFLM through the firmware's own input quantization.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nodes.base import NodeContext, NodeError
from studio.core.optimization import current_recipe
from studio.core.project import Project
from studio.ml.errors import MLError

if TYPE_CHECKING:
    from studio.ml.optimize import CancelFn, Features, OptimizeOutcome, ProgressFn, Recipe


def optimize_foreign(project: Project, r: "Recipe", progress: "ProgressFn | None", cancelled: "CancelFn | None",
                     seed: int, every_window: bool, features: "Features | None") -> "OptimizeOutcome":
    from nodes.foreign_model import TorchModel, float_scores, quantize_int8
    from nodes.quantize import QuantizeInt8
    from studio.core.dataset import dataset_of
    from studio.ml.optimize import OptimizeOutcome, _device_plan, dataset_features
    from studio.ml.pipeline import Int8Model
    from studio.ml.quantize import representative_subset
    from studio.ml.workflow import _Stopped, _write_atomic, model_file_stem, project_file, reporters

    tell, stop = reporters(progress, cancelled)
    if r.prunes:
        raise MLError(f"'{r.prunes[0].id}': channel pruning works on Keras models; remove it from after "
                      f"the PyTorch/ONNX model '{r.model.id}' (prune in PyTorch before exporting)")
    ctx = NodeContext(project.dir)
    node = TorchModel()
    try:
        kp = TorchModel.check_props(r.model.props)
        qp = QuantizeInt8.check_props(r.quantize.props)
        tell(0.0, "converting the model to a float .tflite")
        float_path = node.float_model(kp, ctx)
        summary = node.summary(kp, ctx)
        fingerprint = current_recipe(project.graph, r.model, ctx)
    except NodeError as e:
        raise MLError(f"'{r.model.id}': {e.message}") from None
    int8_rel = f"models/{model_file_stem(Path(kp['model']).stem)}.int8.tflite"
    int8_path = project_file(project, int8_rel)
    cancelled_outcome = OptimizeOutcome(r.model.id, cancelled=True)
    warnings: list[str] = []

    tell(0.1, "making features with the pipeline's DSP")
    try:
        data = features if features is not None else dataset_features(project, cancelled, every_window)
    except _Stopped:
        return cancelled_outcome
    if stop():
        return cancelled_outcome
    if data is None:
        if qp["representative"] == "pipeline":
            raise MLError(f"'{r.quantize.id}' calibrates on the pipeline's features of the dataset: import a "
                          "dataset first, or set its representative to 'file'")
        warnings.append("no dataset imported: float and int8 accuracy were not measured")
    if qp["representative"] == "pipeline":
        rep = representative_subset(np.asarray(data.x_train, np.float32), qp["n_samples"], seed)
    else:
        try:
            rep = QuantizeInt8().representative(qp, ctx)
        except NodeError as e:
            raise MLError(f"'{r.quantize.id}': {e.message}") from None
    per_sample = int(np.prod(rep.shape[1:]))
    if per_sample != int(np.prod(summary.input_shape)):
        raise MLError(f"representative samples have {per_sample} values each but the model input takes "
                      f"{int(np.prod(summary.input_shape))}")

    tell(0.4, "quantizing to int8 with ai-edge-quantizer")
    try:
        tflite = quantize_int8(float_path, rep, qp["per_channel"])
    except NodeError as e:
        raise MLError(f"'{r.model.id}': {e.message}") from None
    if stop():
        return cancelled_outcome

    float_acc = int8_acc = None
    evaluated_on, samples = "", 0
    n_out = int(np.prod(summary.output_shape))
    labels = list(dataset_of(project).labels)
    if data is not None and len(labels) == n_out and np.asarray(data.x_eval).shape[0]:
        tell(0.7, f"evaluating float and int8 on the {data.evaluated_on} split")
        x, y = np.asarray(data.x_eval, np.float32), np.asarray(data.y_eval)
        try:
            float_acc = float(np.mean(np.argmax(float_scores(float_path, x), axis=-1) == y))
        except NodeError as e:
            raise MLError(f"'{r.model.id}': {e.message}") from None
        int8_acc = float(np.mean(np.argmax(Int8Model(tflite).scores(x), axis=-1) == y))
        evaluated_on, samples = data.evaluated_on, int(x.shape[0])
        if float_acc - int8_acc > qp["max_drop_points"] / 100.0:
            warnings.append(f"int8 quantization loses {100 * (float_acc - int8_acc):.1f} accuracy points "
                            f"({100 * float_acc:.1f}% float → {100 * int8_acc:.1f}% int8): calibrate on more "
                            "representative features or keep per-channel weights")
    elif data is not None:
        warnings.append(f"'{r.model.id}' gives {n_out} outputs for {len(labels)} dataset labels: accuracy was "
                        "not measured (not a classifier of this dataset)")
    if stop():
        return cancelled_outcome
    _write_atomic(int8_path, tflite)
    device, device_warnings = _device_plan(int8_path)
    warnings.extend(device_warnings)
    tell(1.0, f"wrote {int8_rel}")
    return OptimizeOutcome(r.model.id, int8_rel, "", fingerprint, (), float_acc, int8_acc, evaluated_on, samples,
                           (), summary.float_bytes, len(tflite), device, tuple(warnings))
