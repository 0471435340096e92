"""The node catalogue: one module per category, each node type one registered class."""
from __future__ import annotations

import importlib

CATEGORY_MODULES = ("nodes.sensors", "nodes.dsp", "nodes.model", "nodes.foreign_model", "nodes.anomaly", "nodes.quantize", "nodes.outputs")
_loaded = False


def load_catalogue() -> None:
    """Imports every category module once so their ``@register`` decorators run."""
    global _loaded
    if _loaded:
        return
    for name in CATEGORY_MODULES:
        importlib.import_module(name)
    _loaded = True
