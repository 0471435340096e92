"""Every mutated model the compiler accepts runs clean under AddressSanitizer and UBSan.

The kernels are compiled once; each accepted model's model.c is compiled to an object with its
``model_invoke`` renamed, and one harness links a batch of them and runs each on random and
extreme inputs held in exactly-sized heap buffers (so an over-read of the input or an over-write
of the output is caught, not only arena overruns). ``-fno-sanitize-recover=all`` makes the first
finding abort; the harness names the model it was running.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.reliability.test_hostile_models_mutations import SEED_MODELS, generate_cases, run_validator

SAN_FLAGS = ["-std=c99", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
             "-fno-omit-frame-pointer", "-w"]
TOOL_TIMEOUT_S = 120


def _gcc() -> str | None:
    return shutil.which("gcc")


def _run(cmd, cwd=None, timeout=TOOL_TIMEOUT_S, **kw):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)


def _harness(models) -> str:
    decls, calls = [], []
    for k, insize, outsize in models:
        decls.append(f"int model_invoke_{k}(const int8_t *input, int8_t *output);")
        calls.append(f"    RUN({k}, {insize}, {outsize});")
    return "\n".join([
        "#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>",
        *decls,
        "static uint32_t rng = 12345u;",
        "static int8_t next(void) { rng = rng * 1103515245u + 12345u; return (int8_t)(rng >> 24); }",
        "#define RUN(k, n_in, n_out) do { \\",
        "    int s; int8_t *in = malloc(n_in); int8_t *out = malloc(n_out); \\",
        "    fprintf(stderr, \"model %d\\n\", k); \\",
        "    for (s = 0; s < 5; ++s) { size_t i; \\",
        "        for (i = 0; i < (size_t)(n_in); ++i) \\",
        "            in[i] = s == 0 ? -128 : s == 1 ? 127 : s == 2 ? 0 : next(); \\",
        "        if (model_invoke_##k(in, out) != 0) fprintf(stderr, \"rc model %d\\n\", k); } \\",
        "    free(in); free(out); } while (0)",
        "int main(void)", "{", *calls, "    return 0;", "}", ""])


def build_and_run(accepted, work: Path, jobs: int = 2, batch: int = 50, run_timeout_s: float = 120):
    """Sanitizer failures as (case, stderr tail); compiles in ``jobs`` parallel gcc calls."""
    from codegen.model.compiler import RUNTIME_DIR

    gcc = _gcc()
    kernel_objs = []
    kdir = work / "kernels"
    kdir.mkdir()
    sources = sorted(RUNTIME_DIR.glob("tms_*.c"))

    def compile_kernel(src):
        obj = kdir / (src.stem + ".o")
        proc = _run([gcc, *SAN_FLAGS, "-c", str(src), "-I", str(RUNTIME_DIR), "-o", str(obj)])
        assert proc.returncode == 0, proc.stderr[-2000:]
        return obj

    def compile_model(item):
        k, (case, (program, files)) = item
        d = work / f"m{k}"
        d.mkdir()
        (d / "model.h").write_text(files["model.h"], encoding="utf-8")
        (d / "model.c").write_text(files["model.c"], encoding="utf-8")
        obj = d / "model.o"
        proc = _run([gcc, *SAN_FLAGS, f"-Dmodel_invoke=model_invoke_{k}", "-c", str(d / "model.c"),
                     "-I", str(d), "-I", str(RUNTIME_DIR), "-o", str(obj)])
        assert proc.returncode == 0, f"{case.what}: {proc.stderr[-2000:]}"
        g = program.graph
        sizes = (sum(g.tensors[i].nbytes for i in g.inputs), sum(g.tensors[i].nbytes for i in g.outputs))
        return obj, sizes

    with ThreadPoolExecutor(jobs) as pool:
        kernel_objs = list(pool.map(compile_kernel, sources))
        built = list(pool.map(compile_model, enumerate(accepted)))
    failures = []
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1")
    for start in range(0, len(built), batch):
        chunk = built[start:start + batch]
        hdir = work / f"h{start}"
        hdir.mkdir()
        harness = _harness([(start + j, *sizes) for j, (_, sizes) in enumerate(chunk)])
        (hdir / "harness.c").write_text(harness, encoding="utf-8")
        exe = hdir / "run"
        proc = _run([gcc, *SAN_FLAGS, str(hdir / "harness.c"), *[str(o) for o, _ in chunk],
                     *map(str, kernel_objs), "-lm", "-o", str(exe)])
        assert proc.returncode == 0, proc.stderr[-2000:]
        try:
            run = _run([str(exe)], env=env, timeout=run_timeout_s)
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            lines = [ln for ln in err.splitlines() if ln.startswith("model ")]
            k = int(lines[-1].split()[1]) if lines else start
            failures.append((accepted[k][0], f"timed out after {run_timeout_s} s"))
            continue
        if run.returncode != 0:
            lines = [ln for ln in run.stderr.splitlines() if ln.startswith("model ")]
            k = int(lines[-1].split()[1]) if lines else start
            failures.append((accepted[k][0], run.stderr[-3000:]))
    return failures


@pytest.mark.skipif(not SEED_MODELS or _gcc() is None, reason="needs sample models and gcc")
def test_accepted_mutations_run_clean_under_asan_and_ubsan(tmp_path):
    _, accepted = run_validator(generate_cases(1100, seed=34))
    unique = {case.key: (case, detail) for case, detail in accepted}
    chosen = [unique[k] for k in sorted(unique)][:250]
    assert len(chosen) >= 100
    failures = build_and_run(chosen, tmp_path)
    assert not failures, "\n\n".join(f"{c.seed_model} [{c.category}] {c.what}\n{err}"
                                     for c, err in failures[:3])
