"""The PyTorch / ONNX model node: a float model from outside Keras, converted to .tflite, quantized
to int8 by the same Quantize int8 node (Optimize) as a Keras model.

Converters (in their own environment, never imported here — they would change packages TensorFlow
uses): litert-torch (Google's maintained successor of ai-edge-torch) turns a ``torch.export``
program into a float .tflite; an ONNX model becomes a torch.fx graph with onnx2torch first;
ai-edge-quantizer makes the full-integer int8 model from the float .tflite. Each runs in a child
process (``nodes/convert_child.py``) with limits on memory, CPU and wall time.

Loading stays safe — no code from a project file runs:

- ``.pt2`` (``torch.export.save``): the archive is read here first as a zip of JSON and raw tensor
  bytes; one holding pickled objects (custom/opaque constants, tensor subclasses) is refused before
  torch sees it, and the child loads it with ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` (torch's
  restricted unpickler for what remains, e.g. the sample inputs).
- ``.onnx``: protobuf data, parsed with external data off, checked with onnx.checker.
- ``.pt``/``.pth`` (``torch.save`` pickles, TorchScript from ``torch.jit.save``) are refused by name:
  unpickling runs arbitrary code, and TorchScript is a program the loader executes. Export with
  ``torch.export`` instead.

The float .tflite is cached in the project folder as ``models/converted/<sha256 of source>.float.tflite``.
The environment is ``$TMS_CONVERT_VENV`` or else ``/opt/tms-convert`` or
``~/.cache/tinyml-studio/convert`` (``bash scripts/setup converters`` makes it).
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from nodes.base import Cost, NodeContext, NodeError, Param, register
from nodes.model import KERAS_INT8_CODE_BYTES, KerasModel, TfliteModel, _model_path
from nodes.sensors import content_sha256

SUFFIXES = (".pt2", ".onnx")
REFUSED_SUFFIXES = {".pt": "a torch.save pickle or TorchScript archive", ".pth": "a torch.save pickle",
                    ".jit": "a TorchScript archive", ".ptl": "a TorchScript Lite archive",
                    ".pkl": "a Python pickle", ".bin": "a torch.save pickle"}
EXPORT_HINT = ("export it with torch.export: ep = torch.export.export(model.eval(), (example_input,)); "
               "torch.export.save(ep, 'model.pt2') — or torch.onnx.export(...) to an .onnx file")
CONVERTED_DIR = "models/converted"
CHILD_MEMORY_BYTES = 16 << 30   # address space: jax and torch reserve far more than they touch
CHILD_CPU_S = 900
CHILD_WALL_S = 900
MAX_MODEL_BYTES = 512 << 20
MAX_ARCHIVE_MEMBERS = 100_000
SETUP_HINT = "install the converters with `bash scripts/setup converters` (or set TMS_CONVERT_VENV)"


class ConverterError(NodeError):
    """The converter could not run or refused the model (the message says which)."""


# ---- the converter environment ------------------------------------------------------------------

def converter_venv() -> Path | None:
    """The converter environment's folder, or None when it is not installed."""
    named = os.environ.get("TMS_CONVERT_VENV")
    candidates = [Path(named)] if named else [Path("/opt/tms-convert"),
                                              Path.home() / ".cache" / "tinyml-studio" / "convert"]
    for venv in candidates:
        if (venv / "bin" / "python").is_file():
            return venv
    return None


def _limit_child() -> None:  # runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_S, CHILD_CPU_S + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_converter(args: list[str], what: str, timeout_s: float = CHILD_WALL_S) -> dict:
    """``convert_child.py ARGS`` in the converter environment under limits; its JSON answer.
    ConverterError with the child's reason when it refuses, fails, crashes or runs too long."""
    venv = converter_venv()
    if venv is None:
        raise ConverterError(f"{what} needs the PyTorch/ONNX converters, which are not installed: {SETUP_HINT}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TORCH_"))}
    env.update(TORCH_FORCE_WEIGHTS_ONLY_LOAD="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="")
    script = Path(__file__).with_name("convert_child.py")
    with tempfile.TemporaryDirectory(prefix="tms-convert-") as cwd:
        try:
            proc = subprocess.Popen([str(venv / "bin" / "python"), "-I", str(script), *args], cwd=cwd, env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, errors="replace", preexec_fn=_limit_child,
                                    start_new_session=True)
        except OSError as e:
            raise ConverterError(f"{what}: the converter could not be started ({e.strerror or e}); {SETUP_HINT}") from None
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ConverterError(f"{what} did not finish within {timeout_s:.0f} s and was stopped") from None
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    try:
        answer = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        answer = None
    if isinstance(answer, dict) and answer.get("ok"):
        return answer
    if isinstance(answer, dict):
        raise ConverterError(f"{what}: {answer.get('error')}")
    if proc.returncode < 0:
        why = signal.Signals(-proc.returncode).name
        raise ConverterError(f"{what}: the converter was killed by {why} (memory or CPU limit, or a crash)")
    last = [ln.strip() for ln in err.splitlines() if ln.strip() and not ln.startswith(" ")]
    raise ConverterError(f"{what}: the converter failed: {(last[-1] if last else 'no message')[-500:]}")


# ---- refusing unsafe files before any converter sees them ---------------------------------------

def check_source(path: Path) -> None:
    """Refuses a model file that could run code when loaded; reads only zip entries and JSON."""
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise NodeError(f"'{path.name}' is {size >> 20} MB; models here are at most {MAX_MODEL_BYTES >> 20} MB")
    if path.suffix.lower() == ".pt2":
        _check_pt2(path)


def _check_pt2(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if len(names) > MAX_ARCHIVE_MEMBERS:
                raise NodeError(f"'{path.name}' holds {len(names)} files; not a torch.export archive")
            if not any(n.endswith("/models/model.json") or n == "models/model.json" for n in names):
                raise NodeError(f"'{path.name}' is not a torch.export program (no models/model.json); {EXPORT_HINT}")
            for name in names:
                base = name.rsplit("/", 1)[-1]
                if base.startswith(("custom_obj_", "opaque_obj_")):
                    raise NodeError(f"'{path.name}' holds a pickled Python object ('{name}'), which would run "
                                    "code when loaded; export a model whose constants are plain tensors")
                if base.endswith(("_weights_config.json", "_constants_config.json")):
                    _check_payload_config(path, name, z.read(name))
    except zipfile.BadZipFile:
        raise NodeError(f"'{path.name}' is not a torch.export program (not a zip archive); {EXPORT_HINT}") from None


def _check_payload_config(path: Path, name: str, raw: bytes) -> None:
    if len(raw) > 64 << 20:
        raise NodeError(f"'{path.name}': '{name}' is too large")
    try:
        config = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise NodeError(f"'{path.name}': '{name}' is not JSON; not a torch.export archive") from None
    entries = config.get("config", {}) if isinstance(config, dict) else {}
    for fqn, meta in (entries.items() if isinstance(entries, dict) else ()):
        if not isinstance(meta, dict) or meta.get("use_pickle"):
            raise NodeError(f"'{path.name}': '{fqn}' is stored as a pickle (a tensor subclass or Python "
                            "object), which would run code when loaded; export plain tensors")


# ---- the float .tflite, cached by the source's content --------------------------------------------

def float_tflite(source: Path, ctx: NodeContext) -> Path:
    """The float .tflite converted from ``source``, made once per source content."""
    sha = content_sha256(source, ctx)

    def make() -> Path:
        if ctx.project_dir is None:
            raise NodeError("save the project first: the converted model is kept in its folder")
        out = ctx.project_dir / CONVERTED_DIR / f"{sha[:24]}.float.tflite"
        if out.is_file():
            return out
        check_source(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        try:
            run_converter(["float", str(source.resolve()), str(tmp.resolve())], f"converting '{source.name}'")
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        return out

    return ctx.cached(("float-tflite", sha), make)


def quantize_int8(float_path: Path, representative: np.ndarray, per_channel: bool) -> bytes:
    """Full-integer int8 .tflite bytes of a float .tflite, calibrated on ``representative``."""
    with tempfile.TemporaryDirectory(prefix="tms-quant-") as tmp:
        rep = Path(tmp) / "rep.npy"
        np.save(rep, np.asarray(representative, dtype=np.float32), allow_pickle=False)
        out = Path(tmp) / "int8.tflite"
        run_converter(["int8", str(float_path.resolve()), str(rep), str(out), "1" if per_channel else "0"],
                      "quantizing to int8 with ai-edge-quantizer")
        return out.read_bytes()


def float_scores(float_path: Path, x: np.ndarray) -> np.ndarray:
    """The float .tflite's outputs (rows, outputs) for feature rows ``x``, run in the converter child
    (a crafted .tflite in the project folder cannot take the app down)."""
    with tempfile.TemporaryDirectory(prefix="tms-float-") as tmp:
        xs, out = Path(tmp) / "x.npy", Path(tmp) / "scores.npy"
        np.save(xs, np.asarray(x, dtype=np.float32), allow_pickle=False)
        run_converter(["scores", str(float_path.resolve()), str(xs), str(out)], "running the float model")
        return np.load(out, allow_pickle=False)


@dataclass(frozen=True)
class ForeignSummary:
    """Shapes (batch dropped) and size of the converted float model."""

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    macs: int
    float_bytes: int


def _drop_batch(shape) -> tuple[int, ...]:
    shape = tuple(int(d) for d in shape)
    return shape[1:] if len(shape) > 1 and shape[0] == 1 else shape


@register
class TorchModel(KerasModel):
    type_id = "model.torch"
    title = "PyTorch / ONNX model (float)"
    doc = ("A float PyTorch model exported with torch.export (.pt2) or an ONNX model (.onnx), converted to "
           "a float .tflite by litert-torch (ONNX through onnx2torch). The device runs int8 only: put a "
           "quantize.int8 node after it and run Optimize. The model gets the features in the pipeline's "
           "order (row-major, channels last): a Conv1d taking (N, C, L) permutes inside forward. "
           ".pt/.pth pickles and TorchScript are refused (loading them runs code).")
    params = [Param("model", str, "", kind="asset", doc=".pt2 (torch.export.save) or .onnx file inside the project folder"),
              *KerasModel.params[1:]]

    def source(self, p: Mapping[str, Any], ctx: NodeContext) -> Path:
        rel = p.get("model", "")
        suffix = Path(rel).suffix.lower()
        if suffix in REFUSED_SUFFIXES:
            raise NodeError(f"model '{rel}' is {REFUSED_SUFFIXES[suffix]}: loading it would run code from "
                            f"the file, so it is refused; {EXPORT_HINT}")
        return _model_path(p, ctx, SUFFIXES)

    def float_model(self, p: Mapping[str, Any], ctx: NodeContext) -> Path:
        """The converted float .tflite (project folder cache)."""
        return float_tflite(self.source(p, ctx), ctx)

    def summary(self, p: Mapping[str, Any], ctx: NodeContext) -> ForeignSummary:  # type: ignore[override]
        path = self.float_model(p, ctx)

        def analyze() -> ForeignSummary:
            from codegen.model import analysis
            from codegen.model.errors import ModelError

            try:
                s = analysis.analyze_tflite(path)
            except ModelError as e:
                raise NodeError(f"the converted model of '{p['model']}': {e.message}") from None
            if len(s.inputs) != 1 or len(s.outputs) != 1:
                raise NodeError(f"the model has {len(s.inputs)} inputs and {len(s.outputs)} outputs; "
                                "a pipeline model needs exactly one of each")
            return ForeignSummary(_drop_batch(s.inputs[0].shape), _drop_batch(s.outputs[0].shape),
                                  int(s.macs), path.stat().st_size)

        return ctx.cached(("foreign", content_sha256(path, ctx)), analyze)

    def float_sha256(self, p: Mapping[str, Any], ctx: NodeContext) -> str:
        return content_sha256(self.source(p, ctx), ctx)

    def refuse_lambda(self, p: Mapping[str, Any], ctx: NodeContext) -> None:
        """The file-level safety check (there are no Lambda layers), once per file content."""
        path = self.source(p, ctx)
        ctx.cached(("foreign-check", content_sha256(path, ctx)), lambda: check_source(path) or True)

    def cost(self, inputs, outputs, p, ctx):
        if self.int8(p, ctx) is not None:
            return TfliteModel().cost(inputs, outputs, {"model": p["int8_model"]}, ctx)
        s = self.summary(p, ctx)
        weights = s.float_bytes // 4          # float32 weights become int8 (an estimate until Optimize)
        n_in, n_out = math.prod(s.input_shape or (1,)), math.prod(s.output_shape or (1,))
        buffers = n_in + n_out + outputs["scores"].bytes
        return Cost(ram_bytes=2 * max(n_in, n_out) + buffers, flash_bytes=weights + KERAS_INT8_CODE_BYTES,
                    ops=2 * s.macs, detail={"io_bytes": buffers, "weight_bytes": weights, "macs": s.macs})

