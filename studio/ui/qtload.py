"""Imports NodeGraphQt without paying for what this app never uses.

NodeGraphQt 0.6.44 (pinned in pyproject) reaches PySide6 6.12 through the Qt.py shim. Two of its
import-time costs are pure overhead for us and were measured with ``python -X importtime``:

* ``distutils.version``: setuptools' distutils shim answers that import by loading
  ``pkg_resources`` (~300 ms). Python 3.11 still ships the standard-library ``distutils`` (5 ms),
  so while NodeGraphQt is imported we take the standard one.
* Qt.py imports every Qt module it knows (QtMultimedia, QtQuick, QtNetwork...; QtMultimedia
  prints pipewire warnings) and then touches every class of them to build its compatibility
  namespace (~500 ms here). NodeGraphQt needs only ``QtCore``, ``QtGui``, ``QtWidgets`` (where
  Qt 5 kept QAction and QUndoStack), ``QtSvg`` (QGraphicsSvgItem moved to QtSvgWidgets in Qt 6)
  and ``QtCompat.QHeaderView``; while it is imported, ``Qt`` is a small module of ours that
  hands out exactly those PySide6 modules.

Both tricks last only for the import; nothing stays patched afterwards, and a later
``import Qt`` elsewhere gets the real Qt.py.
"""
from __future__ import annotations

import sys
import types
import warnings


class _Fallback(types.ModuleType):
    """A module that looks names up in several PySide6 modules, first hit wins."""

    def __init__(self, name: str, *sources: types.ModuleType):
        super().__init__(name)
        self._sources = sources

    def __getattr__(self, attr: str):
        for source in self._sources:
            if hasattr(source, attr):
                value = getattr(source, attr)
                setattr(self, attr, value)
                return value
        raise AttributeError(f"{self.__name__} has no attribute '{attr}'")


def _small_qt_shim() -> types.ModuleType:
    from PySide6 import QtCore, QtGui, QtSvg, QtSvgWidgets, QtWidgets

    qt = types.ModuleType("Qt")
    qt.__binding__ = "PySide6"
    qt.__file__ = __file__
    qt.QtCore = QtCore
    qt.QtGui = QtGui
    qt.QtWidgets = _Fallback("Qt.QtWidgets", QtWidgets, QtGui)
    qt.QtSvg = _Fallback("Qt.QtSvg", QtSvg, QtSvgWidgets)
    qt.QtCompat = types.SimpleNamespace(QHeaderView=QtWidgets.QHeaderView)
    return qt


def _stdlib_distutils_shim_off():
    """Turns setuptools' distutils redirect off for this import; returns how to turn it back on."""
    if sys.version_info >= (3, 12) or "distutils" in sys.modules:
        return lambda: None
    finders = [f for f in sys.meta_path if type(f).__module__ == "_distutils_hack"]
    for f in finders:
        sys.meta_path.remove(f)

    def restore():
        for f in finders:
            if f not in sys.meta_path:
                sys.meta_path.insert(0, f)
    return restore


def load_nodegraphqt():
    """Returns the NodeGraphQt module, imported once, cheaply."""
    if "NodeGraphQt" in sys.modules:
        return sys.modules["NodeGraphQt"]
    real_qt = sys.modules.get("Qt")
    sys.modules["Qt"] = _small_qt_shim()
    restore = _stdlib_distutils_shim_off()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # stdlib distutils says it is going away
            import NodeGraphQt
    finally:
        restore()
        if real_qt is not None:
            sys.modules["Qt"] = real_qt
        else:
            del sys.modules["Qt"]
    return NodeGraphQt
