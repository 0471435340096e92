"""Starting the desktop app: QApplication, the main window with a project, the screenshot mode
and the start-up probe.

``run_app(project, screenshot=None) -> exit code`` is what ``tinyml-studio [PROJECT]`` calls.
``--screenshot PNG`` shows the window with the project, lets the event loop lay it out and draw
the graph zoomed to fit, saves the PNG and exits. With ``TINYML_STUDIO_STARTUP_PROBE=1`` the app
prints one JSON line once the window is shown and the event queue has gone idle, then quits
(``bench/bench_startup.py`` reads it).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

STARTUP_PROBE_ENV = "TINYML_STUDIO_STARTUP_PROBE"


def _process_age_s() -> float | None:
    """Seconds since this process started, from /proc (Linux); None elsewhere."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
        return uptime_s - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _load_initial(project_path: str | None):
    """The project to show: the one named, else the first sample project, else a new one.
    A project that cannot be read raises ``BadInput`` (the CLI prints it, exit code 2)."""
    from studio.core.project import import_bundle, load_project
    from studio.ui import files

    if project_path:
        path = Path(project_path)
        if path.suffix.lower() == ".zip":
            path = import_bundle(path, files.bundle_folder(path))
        return load_project(path)
    sample = files.first_sample_project()
    return load_project(sample) if sample else files.new_project()


def _check_display(screenshot: str | None) -> None:
    """Without a display Qt would abort; a screenshot can be drawn offscreen instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    from studio.core.errors import BadInput

    raise BadInput("no display to open the window on (DISPLAY is not set); run it in a desktop session, "
                   "or use --screenshot PNG, or set QT_QPA_PLATFORM=offscreen")


def qt_binding_problem() -> str | None:
    """Why the installed Qt binding cannot run the app, or None. PySide6 6.12.0 on CPython 3.11
    returns None from every void Qt call without taking a reference; after some thousands of calls
    the interpreter aborts ("Fatal Python error: none_dealloc"). pyproject pins a good release; this
    catches an environment that installed another one anyway, before any work is lost."""
    from PySide6.QtCore import QObject, __version__ as qt_version

    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return None
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("")  # a void method
    if before - sys.getrefcount(None) >= 64:
        return (f"PySide6 {qt_version} on Python {sys.version_info.major}.{sys.version_info.minor} loses "
                "references on every Qt call and would crash the app: pip install 'PySide6==6.11.3' "
                "(or run on Python 3.12+)")
    return None


def run_app(project_path: str | None = None, screenshot: str | None = None) -> int:
    probe = os.environ.get(STARTUP_PROBE_ENV) == "1"
    _check_display(screenshot)
    project = _load_initial(project_path)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    broken = qt_binding_problem()
    if broken:
        print(f"error: {broken}", file=sys.stderr)
        return 2
    app.setApplicationName("TinyML Studio")
    app.setOrganizationName("tinyml-studio")
    window = MainWindow(project)
    if not screenshot and not probe:
        window.restore_layout()  # screenshots and the probe always use the default layout
    window.show()
    exit_code = {"value": 0}

    if screenshot:
        def grab() -> None:
            if window.doc.report is None and window.jobs.running():
                QTimer.singleShot(50, grab)  # the first validation still reads the model
                return
            window.canvas.zoom_to_fit()
            app.processEvents()
            ok = window.grab().save(str(screenshot))
            if not ok:
                print(f"error: cannot write the screenshot {screenshot}", file=sys.stderr)
                exit_code["value"] = 2
            window.doc.undo_stack.setClean()  # a screenshot never asks about saving
            window.close()
            app.quit()

        # two turns of the loop: the first lays the docks out, the second draws the zoomed graph
        QTimer.singleShot(0, lambda: QTimer.singleShot(150, grab))
    elif probe:
        ready = {}

        def mark_ready() -> None:
            ready["epoch_s"] = time.time()
            ready["age_s"] = _process_age_s()
            report()

        def report() -> None:
            if window.doc.report is None and window.jobs.running():
                QTimer.singleShot(5, report)  # also time the first validation, done in the background
                return
            print(json.dumps({"startup_probe": True, "ready_epoch_s": ready["epoch_s"],
                              "process_age_s": ready["age_s"], "validated_epoch_s": time.time(),
                              "nodes": len(window.doc.graph.nodes),
                              "validation_ms": round(window.doc.report.elapsed_ms, 2) if window.doc.report else None,
                              "tensorflow_loaded": "tensorflow" in sys.modules,
                              "pyqtgraph_loaded": "pyqtgraph" in sys.modules}), flush=True)
            window.doc.undo_stack.setClean()
            window.close()
            app.quit()

        QTimer.singleShot(0, mark_ready)  # runs once the show/paint events queued so far are handled
    code = app.exec()
    return exit_code["value"] or code
