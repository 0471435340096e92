"""compile_tflite: an int8 .tflite file -> model.h, model.c and the tms_ kernels it calls.

Unsupported ops or types are reported (ModelError listing every problem) before any file is
written. Kernel sources are copied from codegen/runtime/nn/ with the generated-by line on top.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import summarize_program
from .emit import CEmitter, header_line, kernel_stems
from .errors import ModelError
from .opset import SUPPORTED_OPS
from .program import Program, build_program
from .reader import load_bytes, read_graph

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime" / "nn"


@dataclass(frozen=True)
class CompileReport:
    arena_bytes: int
    lower_bound_bytes: int
    flash_bytes: int
    const_bytes: int
    macs: int
    ops: tuple[str, ...]
    layers: tuple[str, ...]
    files: tuple[str, ...]
    out_dir: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return {"arena_bytes": self.arena_bytes, "lower_bound_bytes": self.lower_bound_bytes,
                "flash_bytes": self.flash_bytes, "const_bytes": self.const_bytes,
                "macs": self.macs, "ops": list(self.ops), "layers": list(self.layers),
                "files": list(self.files), "out_dir": self.out_dir, "notes": list(self.notes)}

    def summary_lines(self) -> list[str]:
        lines = [f"arena {self.arena_bytes} bytes (planner lower bound "
                 f"{self.lower_bound_bytes} bytes)",
                 f"flash ~{self.flash_bytes} bytes ({self.const_bytes} bytes of constants)",
                 f"{self.macs} MACs in {len(self.ops)} ops"]
        lines += [f"  {layer}" for layer in self.layers]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(f"wrote {len(self.files)} files to {self.out_dir}")
        return lines


def load_program(path: str | os.PathLike | bytes) -> tuple[Program, str]:
    data, name = load_bytes(path)
    graph = read_graph(data, name)
    try:
        program = build_program(graph)
    except ModelError:
        raise
    except Exception as exc:  # a corrupt but parseable flatbuffer: never a traceback
        raise ModelError(f"{name} is not a valid .tflite file: inconsistent graph "
                         f"({type(exc).__name__}: {exc})") from None
    if program.problems:
        details = "; ".join(f"op #{p.index} {p.op} ({', '.join(p.tensors[:3])}): {p.message}"
                            for p in program.problems[:8])
        raise ModelError(f"{name} cannot be compiled: {details}. Supported ops: "
                         f"{', '.join(SUPPORTED_OPS)}")
    return program, name


def generate_sources(program: Program, source_name: str) -> dict[str, str]:
    """File name -> text for model.h, model.c and every kernel pair used."""
    stems = kernel_stems(program)
    emitter = CEmitter(program, source_name)
    files = {"model.h": emitter.model_h(), "model.c": emitter.model_c(stems)}
    top = header_line(source_name)
    for stem in stems:
        for ext in (".h", ".c"):
            src = RUNTIME_DIR / (stem + ext)
            files[stem + ext] = top + "\n" + src.read_text(encoding="utf-8")
    return files


def compile_tflite(path: str | os.PathLike, out_dir: str | os.PathLike,
                   source_name: str | None = None) -> CompileReport:
    """Write model.h, model.c and the kernels flat into ``out_dir``; ModelError if unsupported."""
    program, name = load_program(path)
    files = generate_sources(program, source_name or name)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _remove_stale_kernels(out, set(files))
        for fname, text in files.items():
            (out / fname).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"Cannot write the generated model to {out}: {exc.strerror or exc}") from None
    summary = summarize_program(program)
    notes = tuple(f"float model {n.kind} '{n.float_tensor}' replaced by int8 tensor "
                  f"'{n.int8_tensor}' (the caller quantizes with MODEL_{n.kind.upper()}_SCALE)"
                  for n in program.notes)
    return CompileReport(summary.arena_bytes, summary.lower_bound_bytes, summary.flash_bytes,
                         program.const_bytes(), summary.macs, summary.ops, summary.layers,
                         tuple(sorted(files)), str(out), notes)


def _remove_stale_kernels(out: Path, keep: set[str]) -> None:
    """Kernels an earlier compile wrote here but this model does not use (a build that globs
    *.c would otherwise compile them). Only our own generated files are touched."""
    for path in out.glob("tms_*.[ch]"):
        if path.name in keep or not path.is_file():
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
        if first.startswith("/* generated by tinyml-studio from "):
            path.unlink()


def report_json(report: CompileReport) -> str:
    return json.dumps(report.to_json(), indent=2)
