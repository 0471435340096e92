"""Longer hostile-model run: seeded mutations of the sample models through the model compiler,
and the accepted ones built with AddressSanitizer + UBSan and run on random/extreme inputs.

Prints cases tried / accepted / refused per category and the sanitizer failures.
Usage: python bench/bench_model_fuzz.py [--cases 20000] [--seed 1] [--asan 1000] [--jobs 2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.test_hostile_models_asan import build_and_run  # noqa: E402
from tests.reliability.test_hostile_models_mutations import generate_cases, run_validator  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--asan", type=int, default=1000, help="accepted cases to build and run")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    start = time.perf_counter()
    crashes: list = []
    counts, accepted = run_validator(generate_cases(a.cases, a.seed), crashes)
    print(f"validator: {a.cases} cases in {time.perf_counter() - start:.1f} s")
    print(f"{'category':<10} {'tried':>7} {'accepted':>9} {'refused':>8} {'crashed':>8}")
    for cat, c in counts.items():
        print(f"{cat:<10} {c['tried']:>7} {c['accepted']:>9} {c['refused']:>8} {c['crash']:>8}")
    for _, text in crashes[:20]:
        print(f"CRASH {text}")
    unique = {case.key: (case, detail) for case, detail in accepted}
    chosen = [unique[k] for k in sorted(unique)][:a.asan]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tms_fuzz_") as tmp:
        failures = build_and_run(chosen, Path(tmp), jobs=a.jobs)
    print(f"sanitizers: {len(chosen)} distinct accepted models built and run in "
          f"{time.perf_counter() - start:.1f} s, {len(failures)} failures")
    for case, err in failures:
        print(f"FAIL {case.seed_model} [{case.category}] {case.what}\n{err[-1500:]}")
    return 1 if failures or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
