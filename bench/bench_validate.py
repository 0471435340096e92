"""Live validation speed: how long `validate` takes on graphs of 20, 50, 100 and 200 real nodes.

The editor re-validates after every edit, so a 200-node graph must check in well under a frame
(target < 16 ms). Prints the median and worst of repeated runs; no assertion (a figure, not a test).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.core.boards import boards  # noqa: E402
from studio.core.graph import Graph  # noqa: E402
from studio.core.validate import validate  # noqa: E402

CHAIN = [("sensors.accelerometer", {}), ("dsp.window", {"window": 128, "hop": 64}),
         ("dsp.normalize", {"mode": "zscore", "mean": 0.0, "std": 1.0}),
         ("dsp.spectrum", {"n_fft": 128, "bins": 16, "log": True}), ("dsp.stats", {})]


def build(n_nodes: int) -> Graph:
    g = Graph()
    chains = n_nodes // len(CHAIN)
    for c in range(chains):
        prev = None
        for i, (type_id, props) in enumerate(CHAIN):
            node = g.add_node(type_id, props, node_id=f"c{c}n{i}")
            if prev:
                g.connect(prev, "out", node.id, "in")
            prev = node.id
    return g


def main() -> None:
    board = boards().get("nano33ble")
    print(f"{'nodes':>6} {'median ms':>10} {'worst ms':>9} {'per node µs':>12}")
    results = {}
    for n in (20, 50, 100, 200):
        g = build(n)
        validate(g, board)  # warm caches (node classes, tables)
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            validate(g, board)
            times.append((time.perf_counter() - t0) * 1000)
        med = statistics.median(times)
        results[n] = med
        print(f"{len(g.nodes):>6} {med:>10.2f} {max(times):>9.2f} {med / len(g.nodes) * 1000:>12.1f}")
    print(f"200-node median is {results[200] / 16.0:.2f}× the 16 ms frame budget; "
          f"scaling 20→200 nodes: {results[200] / results[20]:.1f}× for 10× the nodes")


if __name__ == "__main__":
    main()
