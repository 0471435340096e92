"""Structured pruning on Keras 3: fewer units and filters, a smaller model, then fine-tuning.

For a chain of layers (a Sequential model or a functional model where each layer feeds the next)
built from ``Dense``, ``Conv1D`` and ``Conv2D`` with shape-preserving layers between them (pooling,
flatten, dropout, activations, batch normalization), ``prune_model`` removes the ``fraction`` of
units/filters with the lowest L1 norm from every prunable layer except the last (its outputs are the
model's classes), rebuilds the model with those weights copied (and the matching input slices of
the next prunable layer, through a ``Flatten`` too), fine-tunes it and reports MACs, parameters,
int8 ``.tflite`` sizes and accuracy before and after.

This is done directly on Keras 3 layers: tensorflow-model-optimization would switch the whole
process to legacy Keras. Keras is imported inside functions only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.ml.errors import MLError

PRUNABLE = ("Dense", "Conv1D", "Conv2D")
CHANNELWISE = ("BatchNormalization",)
PASS_THROUGH = ("Dropout", "ReLU", "Activation", "LeakyReLU", "MaxPooling1D", "MaxPooling2D",
                "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
                "GlobalMaxPooling1D", "GlobalMaxPooling2D")
FLATTEN = ("Flatten",)
RESHAPE = ("Reshape",)   # allowed only before the first pruned layer (it would scramble channels)


@dataclass(frozen=True)
class PruneReport:
    model: Any = field(repr=False)   # the pruned, fine-tuned Keras model
    macs_before: int
    macs_after: int
    params_before: int
    params_after: int
    flash_bytes_before: int          # int8 .tflite sizes
    flash_bytes_after: int
    accuracy_before: float
    accuracy_after: float
    units_before: tuple[int, ...]    # units/filters of each prunable layer, in order
    units_after: tuple[int, ...]


def _kind(layer) -> str:
    return type(layer).__name__


def chain_layers(model) -> list:
    """The model's layers in order (input layer excluded); MLError unless each feeds the next and
    every layer is one pruning knows."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise MLError("pruning supports models with one input and one output")
    layers = [la for la in model.layers if _kind(la) != "InputLayer"]
    prev = model.inputs[0]
    known = PRUNABLE + CHANNELWISE + PASS_THROUGH + FLATTEN + RESHAPE
    for layer in layers:
        if _kind(layer) in PRUNABLE[1:] and int(layer.get_config().get("groups", 1)) != 1:
            raise MLError(f"layer '{layer.name}' is a grouped convolution; pruning supports groups=1 only")
        if _kind(layer) not in known:
            raise MLError(f"layer '{layer.name}' is a {_kind(layer)}; structured pruning supports chains of "
                          f"{', '.join(PRUNABLE)} with {', '.join(CHANNELWISE + FLATTEN + PASS_THROUGH)} "
                          "between them")
        try:
            feeds = layer.input
        except (AttributeError, ValueError):
            feeds = None
        if feeds is not prev:
            raise MLError(f"layer '{layer.name}' is not fed by the layer before it; pruning supports "
                          "plain chains (no branches, skips or shared layers)")
        prev = layer.output
    if prev is not model.outputs[0]:
        raise MLError("the model's output is not its last layer's; pruning supports plain chains")
    if not any(_kind(la) in PRUNABLE for la in layers):
        raise MLError("the model has no Dense or convolution layer to prune")
    return layers


def layer_macs(layer) -> int:
    """Multiply-accumulates of one Dense/Conv layer for one input (0 for other layers)."""
    kind = _kind(layer)
    if kind not in PRUNABLE:
        return 0
    kernel = layer.kernel
    per_output = math.prod(int(d) for d in kernel.shape[:-1])   # kernel window × input channels
    out = tuple(int(d) for d in layer.output.shape[1:])
    return per_output * math.prod(out)


def model_macs(model) -> int:
    return sum(layer_macs(la) for la in model.layers)


def _keep(kernel: np.ndarray, fraction: float) -> np.ndarray:
    """Indices of the output units to keep: the highest L1 norms, in their original order."""
    units = kernel.shape[-1]
    n_keep = max(1, units - int(round(units * fraction)))
    norms = np.abs(kernel).reshape(-1, units).sum(axis=0)
    order = np.argsort(-norms, kind="stable")[:n_keep]
    return np.sort(order)


def _prune_plan(layers, fraction: float) -> tuple[list[dict], list[list[np.ndarray]]]:
    """New configs and weights of each layer: (configs, weights)."""
    last_prunable = max(i for i, la in enumerate(layers) if _kind(la) in PRUNABLE)
    configs, weights = [], []
    kept: np.ndarray | None = None     # kept channel indices of the tensor flowing in (None = all)
    pruned_any = False
    for i, layer in enumerate(layers):
        kind, cfg, w = _kind(layer), dict(layer.get_config()), [np.asarray(v) for v in layer.get_weights()]
        if kind in PRUNABLE:
            kernel = w[0]
            if kept is not None:
                kernel = np.take(kernel, kept, axis=-2)
            if i != last_prunable:
                out_keep = _keep(kernel, fraction)
                kernel = np.take(kernel, out_keep, axis=-1)
                if len(w) > 1:
                    w[1] = w[1][out_keep]
                cfg["units" if kind == "Dense" else "filters"] = int(out_keep.size)
                kept, pruned_any = out_keep, True
            else:
                kept = None
            w[0] = kernel
        elif kind in CHANNELWISE and kept is not None:
            axis = cfg.get("axis", -1)
            if axis not in (-1, [-1], len(layer.input.shape) - 1, [len(layer.input.shape) - 1]):
                raise MLError(f"layer '{layer.name}' normalizes axis {axis}, not the channels; cannot prune it")
            w = [v[kept] for v in w]
        elif kind in FLATTEN and kept is not None:
            shape = tuple(int(d) for d in layer.input.shape[1:])
            channels, positions = shape[-1], math.prod(shape[:-1])
            kept = (np.arange(positions)[:, None] * channels + kept[None, :]).reshape(-1)
        elif kind in RESHAPE and pruned_any:
            raise MLError(f"layer '{layer.name}' reshapes pruned channels; pruning supports Reshape only "
                          "before the first Dense or convolution layer")
        configs.append(cfg)
        weights.append(w)
    return configs, weights


def _rebuild(model, layers, configs, weights):
    import keras

    inputs = keras.Input(shape=tuple(model.inputs[0].shape[1:]), name=model.inputs[0].name.split(":")[0] or None)
    x = inputs
    for layer, cfg, w in zip(layers, configs, weights):
        new = type(layer).from_config(cfg)
        x = new(x)
        new.set_weights(w)
    pruned = keras.Model(inputs, x, name=model.name)
    loss = getattr(model, "loss", None) or "sparse_categorical_crossentropy"
    lr = 1e-3
    opt = getattr(model, "optimizer", None)
    if opt is not None and hasattr(opt, "learning_rate"):
        try:
            lr = float(np.asarray(opt.learning_rate))
        except (TypeError, ValueError):
            lr = 1e-3
    pruned.compile(optimizer=keras.optimizers.Adam(lr), loss=loss, metrics=["accuracy"])
    return pruned


def _units(model) -> tuple[int, ...]:
    return tuple(int(la.kernel.shape[-1]) for la in model.layers if _kind(la) in PRUNABLE)


def prune_model(model, x: np.ndarray, y: np.ndarray, fraction: float = 0.25, fine_tune_epochs: int = 2,
                batch_size: int = 32, validation: tuple[np.ndarray, np.ndarray] | None = None,
                representative: np.ndarray | None = None, seed: int = 0,
                progress=None, cancelled=None) -> PruneReport | None:
    """Prunes a classifier (see the module doc), fine-tunes it on (x, y) for ``fine_tune_epochs``
    and reports the cost and accuracy (on ``validation`` if given, else on (x, y)) before and after.
    Flash sizes are of the int8 .tflite, calibrated on ``representative`` (default: x).
    ``progress(epoch, logs)`` is told after each fine-tuning epoch; once ``cancelled()`` returns
    True fine-tuning stops after the epoch and the result is None."""
    from studio.ml.quantize import convert_int8, representative_subset
    from studio.ml.train import accuracy, set_seed, train

    if not (0.0 < float(fraction) < 1.0):
        raise MLError(f"fraction {fraction} must be between 0 and 1 (the share of units to remove)")
    if fine_tune_epochs < 0:
        raise MLError(f"fine_tune_epochs ({fine_tune_epochs}) must not be negative")
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    if x.shape[0] == 0 or y.shape != (x.shape[0],):
        raise MLError(f"pruning needs features (N, ...) and one class index per sample; got {x.shape} and {y.shape}")
    layers = chain_layers(model)
    ex, ey = validation if validation is not None else (x, y)
    rep = representative_subset(x if representative is None else representative, 200, seed)

    configs, weights = _prune_plan(layers, float(fraction))
    set_seed(seed)
    pruned = _rebuild(model, layers, configs, weights)
    if fine_tune_epochs:
        tuned = train(pruned, x, y, fine_tune_epochs, batch_size, progress=progress, cancelled=cancelled,
                      seed=seed)
        if tuned.cancelled:
            return None
    return PruneReport(
        model=pruned,
        macs_before=model_macs(model), macs_after=model_macs(pruned),
        params_before=int(model.count_params()), params_after=int(pruned.count_params()),
        flash_bytes_before=len(convert_int8(model, rep)), flash_bytes_after=len(convert_int8(pruned, rep)),
        accuracy_before=accuracy(model, ex, ey), accuracy_after=accuracy(pruned, ex, ey),
        units_before=_units(model), units_after=_units(pruned))
