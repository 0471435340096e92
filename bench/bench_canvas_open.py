"""How long the editor takes to open a project of N nodes (offscreen): project load + validation +
the canvas (NodeGraphQt items, markers, captions; above Canvas.LAZY_ABOVE nodes only those in view
are full NodeGraphQt nodes, the rest rectangles). Prints seconds and full nodes per size; ``--profile N`` prints
the cProfile top functions for one size. A figure, not a test.
"""
from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_validate import build  # noqa: E402

from studio.core.project import Project, load_project, save_project  # noqa: E402


def project_file(n_nodes: int, folder: Path) -> Path:
    graph = build(n_nodes)
    for i, node in enumerate(graph.nodes):
        node.ui.update({"x": 220 * (i % 5), "y": 120 * (i // 5)})
    return save_project(Project(f"bench {n_nodes}", "nano33ble", graph), folder / f"bench{n_nodes}.tinyml")


def open_in_editor(path: Path) -> tuple[float, int]:
    from PySide6.QtWidgets import QApplication

    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    start = time.perf_counter()
    window = MainWindow(load_project(path))
    app.processEvents()
    took = time.perf_counter() - start
    full = len(window.canvas.ng.all_nodes())
    window.doc.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    return took, full


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if argv[:1] == ["--profile"]:
            path = project_file(int(argv[1]), Path(tmp))
            prof = cProfile.Profile()
            prof.enable()
            open_in_editor(path)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
            return
        sizes = [int(a) for a in argv] or [100, 1000, 10000]
        print(f"{'nodes':>7} {'open s':>8} {'full nodes':>11}")
        for n in sizes:
            took, full = open_in_editor(project_file(n, Path(tmp)))
            print(f"{n:>7} {took:>8.2f} {full:>11}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
