"""NodeGraphQt loaded through our small Qt shim still gets working Qt classes, and the shim
does not stay behind for other code."""
from __future__ import annotations

import sys

from PySide6 import QtGui, QtWidgets

from studio.ui.qtload import load_nodegraphqt


def test_the_small_qt_shim_is_gone_after_nodegraphqt_is_loaded(qapp):
    load_nodegraphqt()
    qt = sys.modules.get("Qt")
    assert qt is None or not hasattr(qt, "_sources")


def test_nodegraphqt_commands_are_real_qundocommands(qapp):
    from NodeGraphQt.base.commands import PropertyChangedCmd

    assert issubclass(PropertyChangedCmd, QtGui.QUndoCommand)


def test_nodegraphqt_menus_create_real_qactions(qapp):
    ngqt = load_nodegraphqt()
    graph = ngqt.NodeGraph()
    command = graph.get_context_menu("graph").add_command("Say hi", lambda g: None)
    assert isinstance(command.qaction, QtGui.QAction)
    assert isinstance(graph.viewer(), QtWidgets.QGraphicsView)
