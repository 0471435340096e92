"""The ``tinyml-studio`` command line: the desktop app by default, and one verb per pipeline step.

Exit codes: 0 ok, 1 the project has errors (validation, build, flash), 2 bad input. Domain errors
are caught here, once, and printed as a message; a user never sees a traceback for bad input.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from studio.core.errors import BadInput, StudioError

VERBS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]] = {}


def verb(name: str, help_text: str):
    def wrap(run: Callable[[argparse.Namespace], int]):
        def add_args(p: argparse.ArgumentParser) -> None:
            for args, kwargs in getattr(run, "_args", []):
                p.add_argument(*args, **kwargs)
            p.add_argument("--json", action="store_true", help="machine-readable output")
        VERBS[name] = (add_args, run, help_text)
        return run
    return wrap


FORCE_HELP = ("write into an --out folder that holds other files (its src/, runtime/, model/, tools/, "
              "firmware/ are replaced)")


def firmware_args(out_required: bool, board: bool = True, force_help: str = FORCE_HELP):
    """The arguments every firmware verb takes: the project, the output folder, another board."""
    def wrap(fn):
        extra = [(("project",), {"help": "a .tinyml file (or the folder holding it)"}),
                 (("--out",), {"required": out_required,
                               "help": "folder for the firmware project"
                               + ("" if out_required else " (default: build/<board> beside the project)")})]
        if board:
            extra.append((("--board",), {"help": "another board id than the project's"}))
        extra.append((("--force",), {"action": "store_true", "help": force_help}))
        fn._args = extra + list(getattr(fn, "_args", []))
        return fn
    return wrap


def arg(*args, **kwargs):
    def wrap(fn):
        fn._args = [(args, kwargs)] + list(getattr(fn, "_args", []))
        return fn
    return wrap


def board_arg(value: str | None) -> str | None:
    """``--board``: absent means the project's board; given, it must name one (not be empty)."""
    if value is not None and not value.strip():
        raise BadInput("--board needs a board id (see `tinyml-studio boards`)")
    return value


def seconds_arg(value: float | None, name: str = "--timeout") -> float | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise BadInput(f"{name} must be a positive number of seconds, not {value}")
    return value


def input_file_arg(path: str, what: str) -> Path:
    """A file named on the command line, checked to be a regular file of a sane size before any
    reader opens it (a FIFO would hang the reader, /dev/zero never ends)."""
    from studio.core.files import regular_file_size

    try:
        regular_file_size(path, what=what)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, ValueError) as e:
        raise BadInput(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    return Path(path)


def emit(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, sort_keys=False))


# ---- boards ---------------------------------------------------------------------------------------
@verb("boards", "list the board catalogue")
def cmd_boards(a: argparse.Namespace) -> int:
    from studio.core.boards import boards

    cat = boards()
    items = cat.all()
    if a.json:
        emit([b.to_json() for b in items])
    else:
        print(f"{'id':24} {'name':36} {'cpu':14} {'clock':>8} {'flash':>9} {'RAM':>9}  sensor parts")
        for b in items:
            parts = ", ".join(dict.fromkeys(s.part for s in b.sensors)) or "none"
            print(f"{b.id:24} {b.name[:36]:36} {b.cpu:14} {b.clock_hz / 1e6:6.0f}MHz "
                  f"{b.flash_bytes // 1024:7d}KB {b.ram_bytes // 1024:7d}KB  {parts}")
    for problem in cat.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


# ---- new project and import ------------------------------------------------------------------------
@verb("new", "a new project from a template (new --list lists them)")
@arg("dir", nargs="?", help="folder for the new project (created)")
@arg("--template", help="template name (see --list)")
@arg("--board", help="board id (see `tinyml-studio boards`)")
@arg("--name", help="project name (default: the folder's name)")
@arg("--list", action="store_true", help="list the templates, one a line")
def cmd_new(a: argparse.Namespace) -> int:
    from studio.core.templates import list_templates, new_project

    if a.list:
        items = list_templates()
        if a.json:
            emit([{"name": t.name, "title": t.title, "description": t.description} for t in items])
        else:
            for t in items:
                print(f"{t.name:10} {t.title}: {t.description}")
        return 0
    if not a.dir or not a.template or not a.board:
        raise BadInput("new needs DIR, --template NAME and --board ID (tinyml-studio new --list shows templates)")
    path = new_project(a.dir, a.template, a.board, a.name)
    if a.json:
        emit({"project": str(path), "template": a.template, "board": a.board})
    else:
        print(f"wrote {path} from template '{a.template}' for board '{a.board}'")
        print(f"next: tinyml-studio import {path} YOUR_DATA_FOLDER")
    return 0


def _split_arg(text: str) -> tuple[float, float, float]:
    parts = text.replace(",", "/").split("/")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise BadInput(f"--split {text!r}: give three numbers like 80/10/10") from None
    if len(values) != 3 or any(v < 0 for v in values) or sum(values) <= 0 or values[0] <= 0:
        raise BadInput(f"--split {text!r}: give three numbers ≥ 0 (train above 0) like 80/10/10")
    total = sum(values)
    return values[0] / total, values[1] / total, values[2] / total


@verb("import", "add a dataset (label folders, labelled CSV, Edge Impulse export) to a project, checked first")
@arg("project", help="a .tinyml file (or the folder holding it)")
@arg("source", help="a folder with one subfolder per label, a CSV with a label column, or an Edge Impulse export")
@arg("--split", default="80/10/10", help="train/validation/test percentages (default 80/10/10)")
@arg("--seed", type=int, default=0, help="seed of the split")
@arg("--skip-bad", action="store_true", help="import the good files and skip the ones with problems")
def cmd_import(a: argparse.Namespace) -> int:
    from studio.core.project import save_project
    from studio.ml.importer import apply_import, plan_import

    project = _load(a)
    if not Path(a.source).exists():   # the user's argument, not the project: bad input (exit 2)
        raise BadInput(f"'{a.source}' does not exist; choose a folder of label folders, a labelled CSV "
                       "or an Edge Impulse export")
    plan = plan_import(project, a.source, _split_arg(a.split), a.seed)
    problems = [{"file": f, "reason": r} for f, r in plan.problems]
    if plan.problems and not a.skip_bad:
        if a.json:
            emit({"labels": list(plan.labels), "split": plan.split_counts(), "problems": problems,
                  "imported": 0})
        else:
            for f, r in plan.problems:
                print(f"problem: {f}: {r}", file=sys.stderr)
            print(f"nothing imported: {len(plan.problems)} problem(s); fix them or pass --skip-bad",
                  file=sys.stderr)
        return 2
    result = apply_import(project, plan, skip_bad=a.skip_bad)
    saved = save_project(project)
    out = {"labels": list(result.labels), "split": result.split, "problems": problems,
           "imported": result.imported, "duplicates": result.duplicates, "padded": len(plan.padded),
           "project": str(saved)}
    if a.json:
        emit(out)
    else:
        print(f"imported {result.imported} samples ({result.duplicates} duplicates skipped) into {saved}")
        if plan.padded:
            print(f"padded with silence to one window: {len(plan.padded)} audio clip(s) shorter than it")
        print(f"labels: {', '.join(result.labels)}")
        print("split: " + ", ".join(f"{k} {v}" for k, v in result.split.items()))
        for f, r in plan.problems:
            print(f"skipped: {f}: {r}")
    return 0


# ---- check ----------------------------------------------------------------------------------------
@verb("check", "validate a project against its board: shapes, RAM, flash, latency, energy")
@arg("project", help="a .tinyml file (or the folder holding it)")
@arg("--board", help="check against another board id instead of the project's")
def cmd_check(a: argparse.Namespace) -> int:
    from studio.core.boards import boards
    from studio.core.project import load_project
    from studio.core.validate import validate_project

    board_id = board_arg(a.board)
    project = load_project(a.project)
    board = boards().get(board_id) if board_id else None
    report = validate_project(project, board)
    if a.json:
        emit(report.to_json())
    else:
        print_check(project, report)
    return 0 if report.ok else 1


def print_check(project, report) -> None:
    b = report.board
    print(f"{project.name} on {b.name} ({b.cpu}, {b.clock_hz / 1e6:g} MHz)")
    sensors = report.plan.sensors if report.plan is not None else ()
    if sensors:
        print("\nsensors:")
        for sensor in sensors:
            print(f"  {sensor.describe()}")
    for title, budget in (("RAM", report.ram), ("flash", report.flash)):
        mark = "OVER" if budget.over else "ok"
        print(f"\n{title}: {budget.used_bytes:,} of {budget.budget_bytes:,} bytes "
              f"({budget.fraction:.0%}) {mark}")
        for node, n in sorted(budget.by_node.items(), key=lambda kv: -kv[1]):
            print(f"  {node:28} {n:>10,} B")
    lat = report.latency
    if lat.period_us:
        print(f"\nlatency: {lat.window_us / 1000:.2f} ms per window, a window every "
              f"{lat.period_us / 1000:.2f} ms ({lat.utilization:.1%} of the core)")
        for node, us in sorted(lat.by_node_us.items(), key=lambda kv: -kv[1]):
            print(f"  {node:28} {us / 1000:>10.3f} ms")
    if report.energy is not None:
        e = report.energy
        if report.board.sleeps_between_samples:
            print(f"\nenergy: awake {e.duty_cycle:.2%} of the time ({e.active_us / 1000:.2f} ms of every "
                  f"{e.period_us / 1000:.2f} ms, {e.wake_overhead_us / 1000:.2f} ms of it waking "
                  f"{e.wakes_per_period:g} times), asleep the rest")
        else:
            print(f"\nenergy: awake all the time: the firmware does not sleep on {report.board.name} "
                  f"(the work itself is {e.active_us / 1000:.2f} ms of every {e.period_us / 1000:.2f} ms)")
        print(f"  average {e.average_current_ua / 1000:.3f} mA at {report.board.supply_mv / 1000:g} V "
              f"({e.average_power_uw / 1000:.2f} mW): about {e.life_text} on a {e.battery.name} "
              f"({e.battery.voltage_mv / 1000:g} V, {e.battery.capacity_mah:,} mAh)")
    if report.issues:
        print()
        for i in report.issues:
            where = f"{i.node}{'.' + i.port if i.port else ''}: " if i.node else ""
            print(f"{i.severity:7} {where}{i.message}")
    print(f"\n{'OK' if report.ok else 'ERRORS'}: {sum(i.severity == 'error' for i in report.issues)} errors, "
          f"{sum(i.severity == 'warning' for i in report.issues)} warnings")


# ---- the model compiler -------------------------------------------------------------------------------
def _model_error(e) -> int:
    print(f"error: {e.message}", file=sys.stderr)
    return 2


@verb("compile-model", "compile an int8 .tflite into dependency-free C (model.h/model.c + kernels)")
@arg("model", help="an int8 .tflite file")
@arg("--out", required=True, help="folder for the generated C")
def cmd_compile_model(a: argparse.Namespace) -> int:
    from codegen.model import ModelError, compile_tflite

    try:
        report = compile_tflite(input_file_arg(a.model, "model"), Path(a.out))
    except ModelError as e:
        return _model_error(e)
    if a.json:
        emit(report.to_json())
    else:
        for line in report.summary_lines():
            print(line)
    return 0


@verb("verify-model", "compile the generated C on this machine and compare it with TFLite Micro")
@arg("model", help="an int8 .tflite file, or a float32 one (compared within a tolerance)")
@arg("--samples", type=int, default=100, help="random inputs to compare (default 100)")
@arg("--seed", type=int, default=0)
def cmd_verify_model(a: argparse.Namespace) -> int:
    from codegen.model import ModelError, verify_model

    if a.samples < 1:
        raise BadInput("--samples must be at least 1")
    try:
        report = verify_model(input_file_arg(a.model, "model"), samples=a.samples, seed=a.seed)
    except ModelError as e:
        return _model_error(e)
    if a.json:
        emit(report.to_json())
    else:
        for line in report.summary_lines():
            print(line)
    # SOFTMAX/LOGISTIC/TANH may differ by 1 LSB (design contract); anything beyond fails
    return 0 if report.ok else 1


# ---- training and optimization -------------------------------------------------------------------
def _percent(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def print_layers(layers) -> None:
    print(f"{'layer':24} {'kind':20} {'params':>8} {'float32 B':>10} {'int8 B':>8}")
    for la in layers:
        print(f"{la.name[:24]:24} {la.kind[:20]:20} {la.params:>8,} {la.float_bytes:>10,} {la.int8_bytes:>8,}")


@verb("optimize", "prune and quantize the float model (Keras; PyTorch .pt2 or ONNX: quantize only) as the nodes after it say; the pipeline then runs it")
@arg("project", help="a .tinyml file (or the folder holding it)")
@arg("--seed", type=int, default=0, help="seed of calibration sampling and fine-tuning")
@arg("--every-window", action="store_true", help="one example per whole window of each clip, not per clip")
def cmd_optimize(a: argparse.Namespace) -> int:
    from studio.core.project import save_project
    from studio.ml.optimize import optimize_project, with_optimized_model
    from studio.ml.train import tensorflow_quiet

    project = _load(a)
    with tensorflow_quiet():   # Keras/TF print while converting: stdout is for results
        outcome = optimize_project(project, progress=_progress(a), seed=a.seed, every_window=a.every_window)
    saved = save_project(with_optimized_model(project, outcome))
    if a.json:
        emit(outcome.to_json() | {"project": str(saved)})
        return 0
    for p in outcome.prunes:
        print(f"pruned '{p.node}' by {100 * p.fraction:.0f}% + {p.fine_tune_epochs} epochs fine-tuning: "
              f"units {list(p.units_before)} → {list(p.units_after)}")
        print(f"  MACs {p.macs_before:,} → {p.macs_after:,} (−{p.macs_before - p.macs_after:,}), int8 flash "
              f"{p.flash_bytes_before:,} → {p.flash_bytes_after:,} B (−{p.flash_bytes_before - p.flash_bytes_after:,}), "
              f"accuracy {_percent(p.accuracy_before)} → {_percent(p.accuracy_after)}")
    print(f"accuracy on the {outcome.evaluated_on or '—'} split ({outcome.samples} examples): float "
          f"{_percent(outcome.float_accuracy)}, int8 {_percent(outcome.int8_accuracy)}")
    print_layers(outcome.layers)
    print(f"{'total':45} {outcome.float_bytes:>19,} {outcome.int8_bytes:>8,}")
    d = outcome.device
    if d:
        print(f"device (model compiler): arena {d['arena_bytes']:,} B, flash {d['flash_bytes']:,} B, "
              f"{d['macs']:,} MACs")
    for w in outcome.warnings:
        print(f"warning: {w}")
    print(f"wrote {outcome.int8_model}; '{outcome.model_node}' runs it (saved {saved})")
    return 0


@verb("train", "train a model on the imported dataset with the pipeline's own features; writes models/NAME.tflite")
@arg("project", help="a .tinyml file (or the folder holding it)")
@arg("--kind", default="auto", choices=("auto", "dense", "cnn1d", "dscnn", "cnn2d"),
     help="model family (auto: by the features' shape: dscnn for MFCC/spectrograms, cnn2d for images, "
          "dense for flat features)")
@arg("--epochs", type=int, default=60, help="the most epochs; training stops early when validation "
                                             "loss stops improving, keeping the best epoch")
@arg("--patience", type=int, default=10, help="epochs without improvement before stopping (0: never stop early)")
@arg("--batch-size", type=int, default=32)
@arg("--name", default="model", help="file name of the model under models/")
@arg("--seed", type=int, default=0)
@arg("--every-window", action="store_true", help="one example per whole window of each clip, not per clip")
@arg("--use", action="store_true", help="point the model node at the new model and save the project")
def cmd_train(a: argparse.Namespace) -> int:
    from studio.core.project import save_project
    from studio.ml.workflow import train_project, with_trained_model

    from studio.ml.train import tensorflow_quiet

    if a.epochs < 1 or a.patience < 0:
        raise BadInput("--epochs must be at least 1 and --patience at least 0")
    project = _load(a)
    with tensorflow_quiet():
        outcome = train_project(project, a.kind, epochs=a.epochs, batch_size=a.batch_size, progress=_progress(a),
                                seed=a.seed, name=a.name, every_window=a.every_window,
                                patience=a.patience or None)
    saved = save_project(with_trained_model(project, outcome)) if a.use else None
    if a.json:
        emit({"ok": True, "model": outcome.model_path, "float_model": outcome.float_model_path,
              "float_accuracy": outcome.float_accuracy, "int8_accuracy": outcome.int8_accuracy,
              "evaluated_on": outcome.evaluated_on, "labels": list(outcome.labels),
              "confusion": [list(r) for r in outcome.confusion], "epochs_run": outcome.epochs_run,
              "best_epoch": outcome.best_epoch, "kind": outcome.kind,
              "history": {k: list(v) for k, v in outcome.history.items()},
              "layers": [dict(la.__dict__) for la in outcome.layers], "warnings": list(outcome.warnings),
              "project": str(saved) if saved else None})
        return 0
    print(f"{outcome.kind}: {outcome.epochs_run} epochs, kept epoch {outcome.best_epoch or outcome.epochs_run}")
    print(f"accuracy on the {outcome.evaluated_on} split: float {_percent(outcome.float_accuracy)}, "
          f"int8 {_percent(outcome.int8_accuracy)}")
    print_layers(outcome.layers)
    for w in outcome.warnings:
        print(f"warning: {w}")
    print(f"wrote {outcome.model_path} and {outcome.float_model_path}"
          + (f"; the model node uses it (saved {saved})" if saved else "; --use points the model node at it"))
    return 0


# ---- firmware -----------------------------------------------------------------------------------------
def _progress(a: argparse.Namespace):
    """Progress lines on stderr for people; nothing with --json (stdout is for the machine)."""
    if a.json:
        return lambda fraction, text: None
    return lambda fraction, text: print(f"[{fraction:4.0%}] {text}", file=sys.stderr)


def _load(a: argparse.Namespace):
    from studio.core.project import load_project

    board_arg(getattr(a, "board", None))
    return load_project(a.project)


@verb("generate", "write the complete C firmware project for the project's board")
@firmware_args(out_required=True)
def cmd_generate(a: argparse.Namespace) -> int:
    from codegen.project_firmware import generate, resolve_board

    project = _load(a)
    g = generate(project, Path(a.out), resolve_board(project, a.board), force=a.force)
    if a.json:
        emit({"ok": True, "out": str(g.files.out_dir), "board": g.board.id, "build_id": g.files.build_id,
              "files": [str(f.relative_to(g.files.out_dir)) for f in g.files.files],
              "estimated": g.estimate()})
    else:
        print(f"wrote {len(g.files.files)} files to {g.files.out_dir} for {g.board.name} (build {g.files.build_id})")
        print(f"build it with: make -C {g.files.out_dir}")
    return 0


@verb("export", "export the pipeline into your own firmware: c-library, arduino-library, platformio, zephyr-module")
@firmware_args(out_required=True, force_help="write into a non-empty folder that is not an earlier export")
@arg("--format", required=True, dest="format", help="c-library, arduino-library, platformio or zephyr-module")
@arg("--prefix", default=None, help="the C prefix of every symbol (default: the project's C identifier)")
@arg("--prebuilt", action="store_true", help="also build lib/<cpu>/lib<prefix>.a for every Cortex-M core")
def cmd_export(a: argparse.Namespace) -> int:
    from codegen.export.formats import export
    from codegen.project_firmware import resolve_board

    project = _load(a)
    r = export(project, a.format, Path(a.out), a.prefix, resolve_board(project, a.board), force=a.force,
               prebuilt=a.prebuilt)
    if a.json:
        emit(r.to_json())
    else:
        print(f"wrote the {r.format} of {project.name} to {r.out} (prefix {r.prefix}, header {r.header})")
        if r.zip:
            print(f"Arduino: Add .ZIP Library… {r.zip}")
    return 0


@verb("build", "generate the firmware and compile it with the real toolchain; sizes measured vs estimated")
@firmware_args(out_required=True)
def cmd_build(a: argparse.Namespace) -> int:
    from codegen.project_firmware import resolve_board
    from studio.actions import build

    project = _load(a)
    outcome = build(project, Path(a.out), resolve_board(project, a.board), progress=_progress(a), force=a.force)
    j = outcome.to_json()
    if a.json:
        emit(j)
    else:
        print(f"{'':8} {'estimated':>12} {'measured':>12} {'error':>8}")
        for key in ("flash_bytes", "ram_bytes"):
            print(f"{key[:-6]:8} {j['estimated'][key]:>12,} {j['measured'][key]:>12,} "
                  f"{j['error_percent'].get(key, 0):>7.1f}%")
        print(f"image: {j['elf']}")
    return 0


@verb("run", "build for the emulated board, run it in QEMU and print the first N results")
@firmware_args(out_required=False, board=False)
@arg("--emulate", action="store_true", required=True, help="run on the emulated board (qemu-system-arm)")
@arg("--count", type=int, default=None, help="stop after N inference results (default: the whole recording)")
@arg("--stream", help="for a host-stream sensor: a recording to send (.wav, .csv, .npy) or 'split' "
                      "(the dataset's test split; the default when imported)")
@arg("--sensor-value", action="append", default=[], metavar="NODE=VALUE",
     help="what the emulated board's part read by sensor NODE reads (in the node's unit, e.g. env=23.5 "
          "degC for the emulated TMP105); repeat for several nodes")
def cmd_run(a: argparse.Namespace) -> int:
    from studio.actions import run_emulated
    from studio.device.protocol import SleepTally

    if a.count is not None and a.count < 1:
        raise BadInput("--count must be at least 1")
    project = _load(a)
    sleep = SleepTally()

    def on_message(message) -> None:
        sleep.add(message)
        print_message(message, a.json)

    outcome = run_emulated(project, Path(a.out) if a.out else None, a.count, on_message=on_message,
                           progress=_progress(a), force=a.force, stream=a.stream,
                           sensor_values=_sensor_values(a.sensor_value))
    summary = outcome.counters.summary()
    if a.json:
        emit({**summary, **sleep.to_json()})
    else:
        print(f"{summary['lines']} lines, {summary['parsed']} parsed, {summary['malformed']} malformed")
        print(sleep.describe())
    return 0


def _sensor_values(pairs: list[str]) -> dict[str, float]:
    """``NODE=VALUE`` pairs of --sensor-value; BadInput naming the one that is not."""
    values: dict[str, float] = {}
    for pair in pairs:
        node, sep, value = pair.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not node or number != number or number in (float("inf"), float("-inf")):
            raise BadInput(f"--sensor-value '{pair}' is not NODE=NUMBER (e.g. env=23.5)")
        values[node] = number
    return values


@verb("evaluate", "run every recorded window on the emulated board and compare with the host reference")
@firmware_args(out_required=False, board=False)
@arg("--emulate", action="store_true", required=True, help="run on the emulated board (qemu-system-arm)")
def cmd_evaluate(a: argparse.Namespace) -> int:
    from studio.actions import evaluate_emulated
    from studio.core.dataset import dataset_of

    project = _load(a)
    ds = dataset_of(project)
    if not ds.labels:
        print("error: accuracy cannot be computed: the project's dataset names no labels; import a dataset "
              "(tinyml-studio import PROJECT FOLDER) and train (tinyml-studio train PROJECT --use)", file=sys.stderr)
        return 1
    if ds.test is None and not ds.split("test"):
        print("error: accuracy cannot be computed: the dataset has no test split; re-import with a test part "
              "(e.g. --split 80/10/10)", file=sys.stderr)
        return 1
    result = evaluate_emulated(project, Path(a.out) if a.out else None,
                               progress=_progress(a), force=a.force)
    if result.get("host_accuracy") is None:
        print("error: accuracy cannot be computed: no window of the test split has a label", file=sys.stderr)
        return 1
    if a.json:
        emit(result)
    else:
        for k, v in result.items():
            if k in ("confusion", "host_confusion"):
                _print_confusion(k, v)
            else:
                print(f"{k:18} {v}")
    if result["device_windows"] != result["host_windows"]:
        print(f"error: the emulated board gave {result['device_windows']} of {result['host_windows']} windows",
              file=sys.stderr)
        return 1
    return 0 if result["agreement"] == 1.0 else 1


def _print_confusion(title: str, confusion: dict) -> None:
    """Rows: true label, columns: predicted (device for ``confusion``, host for ``host_confusion``)."""
    labels = [str(x) for x in confusion["labels"]]
    width = max([6, *(len(x) + 1 for x in labels)])
    print(f"{title} (rows: true, columns: predicted)")
    print(" " * width + "".join(f"{x[:width - 1]:>{width}}" for x in labels))
    for label, row in zip(labels, confusion["matrix"]):
        print(f"{label[:width - 1]:<{width}}" + "".join(f"{n:>{width}}" for n in row))


@verb("flash", "build and flash with the board's method (emulated board: start QEMU with the image)")
@firmware_args(out_required=False)
@arg("--port", help="serial port of the board (default: found by its USB id)")
@arg("--monitor", action="store_true", help="build, flash & monitor: read the results as soon as the board talks")
@arg("--count", type=int, help="with --monitor: stop after N inference results")
@arg("--timeout", type=float, help="with --monitor: stop after this many seconds")
@arg("--stream", help="with --monitor, for a host-stream sensor: a recording to send (.wav, .csv, .npy) "
                      "or 'split' (the dataset's test split; the default when imported)")
def cmd_flash(a: argparse.Namespace) -> int:
    from codegen.project_firmware import resolve_board
    from studio.actions import build, flash, flash_and_monitor

    seconds_arg(a.timeout)
    if a.count is not None and a.count < 1:
        raise BadInput(f"--count must be at least 1, not {a.count}")
    if a.stream is not None and not a.monitor:
        raise BadInput("--stream is what flash --monitor sends a host-stream sensor: add --monitor")
    project = _load(a)
    board = resolve_board(project, a.board)
    say = None if a.json else (lambda line: print(line, file=sys.stderr))
    if a.monitor:
        flashed, counters = flash_and_monitor(project, board, a.port, a.count, Path(a.out) if a.out else None,
                                              on_message=lambda m: print_message(m, a.json), on_output=say,
                                              timeout_s=a.timeout, stream=a.stream)
        summary = counters.summary()
        emit(summary) if a.json else print(f"{summary['lines']} lines, {summary['parsed']} parsed, "
                                           f"{summary['malformed']} malformed")
        return 0
    flashed = flash(build(project, Path(a.out) if a.out else None, board, force=a.force), board, a.port,
                    on_output=say)
    if a.json:
        emit(flashed.to_json())
    elif flashed.session is not None:
        print(f"the emulated board runs (QEMU pid {flashed.session._proc.pid}); it waits for a reader: "
              f"tinyml-studio monitor {flashed.result.serial_url}")
    else:
        print(f"flashed {board.name} with {flashed.result.method} in {flashed.result.duration_s:.1f} s")
    return 0


# ---- serial --------------------------------------------------------------------------------------------
def print_message(message, as_json: bool) -> None:
    """One protocol message: its JSON object with --json, else a readable line."""
    obj = message.to_json()
    if as_json:
        emit(obj)
    elif message.kind == "inference":
        scores = obj.get("scores") or []
        best = max(scores) if scores else float("nan")
        lost = f", {obj['overruns']} samples lost" if "overruns" in obj else ""
        print(f"#{obj['seq']:<5} {obj['label']:<16} {best:6.3f}   dsp {obj.get('dsp_us', 0)} µs, "
              f"model {obj.get('model_us', 0)} µs{lost}")
    elif message.kind == "power":
        busy, window = obj["busy_us"], obj["window_us"]
        print(f"       power: busy {busy:,} of {window:,} µs ({busy / window if window else 1.0:.1%}), asleep the rest")
    elif message.kind == "profile":
        from studio.device.protocol import StageProfile
        print(f"       {StageProfile.from_message(message).describe()}")
    elif message.kind in ("raw", "malformed"):
        print(f"[{message.kind}] {obj.get('text', '')}")
    else:
        print(json.dumps(obj, ensure_ascii=False))


_SERIAL_URL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "hwgrep", "alt", "cp2110")


@verb("monitor", "read the board's serial protocol and print the parsed messages")
@arg("port", help="a device path (/dev/ttyACM0) or a pyserial URL (socket://127.0.0.1:PORT)")
@arg("--count", type=int, help="stop after N inference results")
@arg("--timeout", type=float, help="stop after this many seconds")
@arg("--baud", type=int, default=115200)
def cmd_monitor(a: argparse.Namespace) -> int:
    from studio.device.monitor import monitor

    if not a.port.strip():
        raise BadInput("monitor needs a port: a device path or a pyserial URL")
    if a.count is not None and a.count < 1:
        raise BadInput(f"--count must be at least 1, not {a.count}")
    if a.baud <= 0:
        raise BadInput(f"--baud must be a positive number, not {a.baud}")
    seconds_arg(a.timeout)
    scheme = a.port.split("://", 1)[0] if "://" in a.port else None
    if scheme is not None and scheme not in _SERIAL_URL_SCHEMES:
        raise BadInput(f"{a.port}: '{scheme}://' is not a serial URL pyserial knows "
                       f"({', '.join(s + '://' for s in _SERIAL_URL_SCHEMES)})")
    from studio.device.serial_link import SerialLinkError

    try:
        counters = monitor(a.port, count=a.count, timeout_s=a.timeout, baud=a.baud,
                           on_message=lambda m: print_message(m, a.json))
    except SerialLinkError as e:
        if e.reason == "missing":   # the argument names no port: bad input, not a device fault
            raise BadInput(e.message) from None
        raise
    summary = counters.summary()
    if a.json:
        emit(summary)
    else:
        print(f"{summary['lines']} lines, {summary['parsed']} parsed, {summary['malformed']} malformed")
    return 0


# ---- the app ----------------------------------------------------------------------------------------
def run_gui(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="tinyml-studio",
                                description="TinyML Studio: the desktop app. Verbs: " + ", ".join(VERBS))
    p.add_argument("project", nargs="?", help="a .tinyml project or a .zip bundle (default: a sample project)")
    p.add_argument("--screenshot", metavar="PNG", help="render the window with the project, save it and exit")
    a = p.parse_args(argv)
    from studio.ui.app import run_app

    return run_app(a.project, screenshot=a.screenshot)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in VERBS:
            from studio.core.processes import end_groups_with_program

            end_groups_with_program()   # a verb stopped by SIGTERM leaves no emulator running
            add_args, run, help_text = VERBS[argv[0]]
            p = argparse.ArgumentParser(prog=f"tinyml-studio {argv[0]}", description=help_text)
            add_args(p)
            a = p.parse_args(argv[1:])
            return run(a)
        if argv and argv[0] in ("-h", "--help") and len(argv) == 1:
            print("usage: tinyml-studio [PROJECT] [--screenshot PNG]\n       tinyml-studio VERB ...\n\nverbs:")
            for name, (_a, _r, h) in VERBS.items():
                print(f"  {name:16} {h}")
            return 0
        return run_gui(argv)
    except BadInput as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    except StudioError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
