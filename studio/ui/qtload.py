"""Imports NodeGraphQt without paying for what this app never uses.

NodeGraphQt 0.6.44 (pinned in pyproject) reaches PySide6 6.12 through the Qt.py shim. Two of its
import-time costs are pure overhead for us and were measured with ``python -X importtime``:

* ``distutils.version``: setuptools' distutils shim answers that import by loading
  ``pkg_resources`` (~300 ms). Python 3.11 still ships the standard-library ``distutils`` (5 ms),
  so while NodeGraphQt is imported we take the standard one.
* Qt.py imports every Qt module it knows (QtMultimedia, QtQuick, QtNetwork...; ~100 ms, and
  QtMultimedia prints pipewire warnings). The ones the editor never touches are answered with
  "No module named ..." while the shim loads, which Qt.py skips silently.

Both tricks last only for the import; nothing stays patched afterwards.
"""
from __future__ import annotations

import importlib.abc
import sys
import warnings

# Qt modules Qt.py would import and this app never uses.
_UNUSED_QT = frozenset(
    f"PySide6.{name}" for name in (
        "QtMultimedia", "QtMultimediaWidgets", "QtNetwork", "QtQml", "QtQuick", "QtQuickWidgets",
        "QtHelp", "QtSql", "QtPositioning", "QtRemoteObjects", "QtSensors", "QtWebChannel",
        "QtWebSockets", "QtXml", "QtPrintSupport", "QtOpenGL")
)


class _SkipUnusedQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname in _UNUSED_QT:
            raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
        return None


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
    skip = _SkipUnusedQt()
    sys.meta_path.insert(0, skip)
    restore = _stdlib_distutils_shim_off()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # stdlib distutils says it is going away
            import NodeGraphQt
    finally:
        sys.meta_path.remove(skip)
        restore()
    return NodeGraphQt
