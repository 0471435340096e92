"""Driving the real canvas with real mouse events."""
from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def port_point(window, node_id: str, port: str, kind: str) -> QPoint:
    view = window.canvas.view_of(node_id)
    items = view.outputs if kind == "out" else view.inputs
    item = next(p for p in items if p.name == port)
    return window.canvas.viewer.mapFromScene(item.sceneBoundingRect().center())


def drag_wire(window, src: str, src_port: str, dst: str, dst_port: str) -> None:
    viewport = window.canvas.viewer.viewport()
    start = port_point(window, src, src_port, "out")
    end = port_point(window, dst, dst_port, "in")
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def drawn_pipes(window) -> set[tuple[str, str, str, str]]:
    """The wires the canvas actually draws, as (src, port, dst, port) core ids."""
    core_of = {v: k for k, v in ((cid, window.canvas.view_of(cid)) for cid in window.canvas._ng_of)}
    out = set()
    for cid in window.canvas._ng_of:
        for in_item in window.canvas.view_of(cid).inputs:
            for out_item in in_item.connected_ports:
                out.add((core_of[out_item.node], out_item.name, cid, in_item.name))
    return out


def drop_on(widget, mime) -> bool:
    """A drag entering ``widget`` and dropping ``mime`` at its centre; True if the drag was accepted."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    at = QPointF(widget.rect().center())
    # QDragEnterEvent takes an integer point, QDropEvent a float one
    enter = QDragEnterEvent(widget.rect().center(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    QApplication.sendEvent(widget, QDropEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                              Qt.KeyboardModifier.NoModifier))
    return enter.isAccepted()


@contextmanager
def shown_window(qtbot, project_path):
    """The main window on the project at ``project_path``, shown; closed without the "save
    changes?" question (and its jobs cancelled) afterwards."""
    from studio.core.project import load_project
    from studio.ui.main_window import MainWindow

    w = MainWindow(load_project(project_path))
    w.show()
    qtbot.waitExposed(w)
    try:
        yield w
    finally:
        w.jobs.cancel_all()
        w.doc.undo_stack.setClean()
        w.close()
        w.deleteLater()
