"""PyTorch (.pt2) and ONNX models in: converted by litert-torch (ONNX via onnx2torch), quantized to int8
by the Quantize int8 node through ai-edge-quantizer, compiled by our model compiler and equal to TFLM
bit for bit; files that would run code when loaded are refused and nothing from them runs."""
from __future__ import annotations

import copy
import json
import os
import pickle
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nodes.base import NodeContext, NodeError, TensorSpec
from nodes.foreign_model import CONVERTED_DIR, TorchModel, converter_venv
from studio.core.project import save_project
from studio.ml.optimize import optimize_project, with_optimized_model
from studio.ml.recipe import StageSpec, linear_project
from tests.ml.test_workflow import LABELS, WINDOW, tiny_project

pytestmark = pytest.mark.skipif(converter_venv() is None and not os.environ.get("CI"),
                                reason="the PyTorch/ONNX converters are not installed (bash scripts/setup converters)")

CONV_LINEAR_MACS = 3 * 8 * 3 * 3 + 24 * 2   # conv: 3 positions × 8 filters × (3 channels × 3 taps); linear 24 → 2
FEATURES = TensorSpec((15,), "f32", 100.0 / WINDOW)   # the tiny project's stats: 5 statistics × 3 axes


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A folder with model.pt2 and model.onnx of the same small Conv1D + Linear PyTorch model."""
    folder = tmp_path_factory.mktemp("torch")
    venv = converter_venv()
    assert venv is not None, "CI must install the converters: bash scripts/setup converters"
    subprocess.run([str(venv / "bin" / "python"), str(Path(__file__).with_name("torch_make_models.py")), str(folder)],
                   check=True, timeout=600, capture_output=True)
    return folder


def torch_chain(project, model_file: str):
    stages = [StageSpec("imu", "sensors.accelerometer", {"axes": 3, "rate_hz": 100.0}),
              StageSpec("win", "dsp.window", {"window": WINDOW, "hop": WINDOW}),
              StageSpec("stats", "dsp.stats", {}),
              StageSpec("model", "model.torch", {"model": model_file, "labels": list(LABELS)}),
              StageSpec("int8", "quantize.int8", {"n_samples": 8}),
              StageSpec("serial", "outputs.serial", {})]
    chain = linear_project("t", "nano33ble", stages, project.dir)
    chain.dataset = copy.deepcopy(project.dataset)
    return chain


def optimized(tmp_path_factory, exported, name):
    base = tiny_project(tmp_path_factory.mktemp(name.replace(".", "_")))
    (base.dir / name).write_bytes((exported / name).read_bytes())
    project = torch_chain(base, name)
    save_project(project)
    return project, optimize_project(project)


@pytest.fixture(scope="module")
def from_pt2(tmp_path_factory, exported):
    return optimized(tmp_path_factory, exported, "model.pt2")


@pytest.fixture(scope="module")
def from_onnx(tmp_path_factory, exported):
    return optimized(tmp_path_factory, exported, "model.onnx")


def assert_compiles_and_matches_tflm(project, outcome):
    from codegen.model.analysis import analyze_tflite
    from tests.codegen.model.bitexact import run_both

    tflite = (project.dir / outcome.int8_model).read_bytes()
    s = analyze_tflite(project.dir / outcome.int8_model)
    assert [t.dtype for t in s.inputs + s.outputs] == ["int8", "int8"] and not s.unsupported
    ours, tflm, _ = run_both(tflite, samples=64)
    assert np.array_equal(ours, tflm)


def test_a_pt2_model_becomes_an_int8_model_that_compiles_and_equals_tflm(from_pt2):
    project, outcome = from_pt2
    assert outcome.int8_model == "models/model.int8.tflite" and not outcome.cancelled
    assert_compiles_and_matches_tflm(project, outcome)


def test_an_onnx_model_becomes_an_int8_model_that_compiles_and_equals_tflm(from_onnx):
    project, outcome = from_onnx
    assert_compiles_and_matches_tflm(project, outcome)


def test_an_onnx_from_the_legacy_exporter_converts_too(tmp_path, exported):
    (tmp_path / "legacy.onnx").write_bytes((exported / "legacy.onnx").read_bytes())
    assert _infer(tmp_path, "legacy.onnx")["scores"].shape == (2,)


def test_optimize_measures_float_and_int8_accuracy_on_the_pipeline_features(from_pt2):
    project, o = from_pt2
    assert o.evaluated_on == "test" and o.samples == project.dataset["split"]["test"]
    assert 0.0 <= o.float_accuracy <= 1.0 and 0.0 <= o.int8_accuracy <= 1.0
    from codegen.model.analysis import analyze_tflite

    assert o.device["macs"] == analyze_tflite(project.dir / o.int8_model).macs >= CONV_LINEAR_MACS


def test_the_float_tflite_is_cached_in_the_project_by_the_source_hash(from_pt2):
    import hashlib

    project, _ = from_pt2
    sha = hashlib.sha256((project.dir / "model.pt2").read_bytes()).hexdigest()
    assert [p.name for p in (project.dir / CONVERTED_DIR).iterdir()] == [f"{sha[:24]}.float.tflite"]


def test_the_optimized_node_infers_scores_and_charges_the_int8_plan(from_pt2):
    project, outcome = from_pt2
    applied = with_optimized_model(project, outcome)
    props = TorchModel.check_props(applied.graph.node("model").props)
    ctx = NodeContext(project.dir)
    assert TorchModel().infer({"in": FEATURES}, props, ctx)["scores"].shape == (2,)
    assert TorchModel().cost({"in": FEATURES}, {"scores": TensorSpec((2,), "f32")}, props, ctx).flash_bytes == \
        outcome.device["flash_bytes"]


def test_features_of_another_size_than_the_model_input_are_refused(from_pt2):
    project, _ = from_pt2
    props = TorchModel.check_props({"model": "model.pt2"})
    with pytest.raises(NodeError, match="15 values"):
        TorchModel().infer({"in": TensorSpec((12,), "f32", 1.0)}, props, NodeContext(project.dir))


# ---- refusals: nothing from the file runs --------------------------------------------------------

class _Payload:
    """Unpickling this creates ``marker``: proof that code from the file ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _infer(folder: Path, name: str):
    props = TorchModel.check_props({"model": name})
    return TorchModel().infer({"in": FEATURES}, props, NodeContext(folder))


def test_torchscript_is_refused_as_code_even_renamed_to_pt2(tmp_path, exported):
    """torch.jit.load runs the TorchScript program in the archive: refused by name, and as a .pt2 it
    lacks the exported program's model.json."""
    (tmp_path / "s.pt").write_bytes((exported / "script.pt").read_bytes())
    with pytest.raises(NodeError, match="TorchScript archive: loading it would run code"):
        _infer(tmp_path, "s.pt")
    (tmp_path / "s.pt2").write_bytes((exported / "script.pt").read_bytes())
    with pytest.raises(NodeError, match="not a torch.export program"):
        _infer(tmp_path, "s.pt2")


@pytest.mark.parametrize("name", ["model.pt", "model.pth"])
def test_a_torch_save_pickle_is_refused_with_the_export_hint_and_never_loaded(tmp_path, name):
    marker = tmp_path / "ran"
    (tmp_path / name).write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(NodeError, match=r"would run code.*torch\.export\.save"):
        _infer(tmp_path, name)
    assert not marker.exists()


def test_a_pickle_renamed_to_pt2_is_refused_as_not_an_exported_program(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "m.pt2").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(NodeError, match="not a torch.export program"):
        _infer(tmp_path, "m.pt2")
    assert not marker.exists()


def _rewrite(src: Path, dst: Path, change) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)


def test_a_pt2_holding_a_pickled_object_is_refused_before_torch_sees_it(tmp_path, exported):
    def add_opaque(name, data):
        if name.endswith("model_constants_config.json"):
            return json.dumps({"config": {"c": {"path_name": "opaque_obj_0", "is_param": False,
                                                "use_pickle": True, "tensor_meta": None}}})
        return data

    _rewrite(exported / "model.pt2", tmp_path / "m.pt2", add_opaque)
    with pytest.raises(NodeError, match="pickle"):
        _infer(tmp_path, "m.pt2")
    assert not (tmp_path / CONVERTED_DIR).exists() or not list((tmp_path / CONVERTED_DIR).iterdir())


def test_a_hostile_pickle_inside_a_pt2_is_not_run_by_the_converter(tmp_path, exported):
    """The sample inputs of a .pt2 are a torch.save pickle that torch.export.load unpickles, falling
    back to weights_only=False; the converter forces weights-only loading, so the payload fails."""
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Payload(marker))
    _rewrite(exported / "model.pt2", tmp_path / "m.pt2",
             lambda name, data: payload if name.endswith("sample_inputs/model.pt") else data)
    with pytest.raises(NodeError, match="not a readable torch.export program"):
        _infer(tmp_path, "m.pt2")
    assert not marker.exists()


def test_a_malformed_onnx_is_refused_with_a_clear_message(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07\x12\xff\xff\xff garbage, not protobuf")
    with pytest.raises(NodeError, match="not a readable ONNX model"):
        _infer(tmp_path, "m.onnx")


def test_an_onnx_whose_weights_point_at_a_file_outside_is_refused(tmp_path, exported):
    """ONNX external data names a path; following it could read any file on the machine."""
    script = ("import onnx, sys\n"
              "m = onnx.load(sys.argv[1])\n"
              "t = m.graph.initializer[0]\n"
              "t.ClearField('raw_data'); t.ClearField('float_data')\n"
              "t.data_location = onnx.TensorProto.EXTERNAL\n"
              "e = t.external_data.add(); e.key = 'location'; e.value = '/etc/hostname'\n"
              "onnx.save(m, sys.argv[2])\n")
    subprocess.run([str(converter_venv() / "bin" / "python"), "-c", script, str(exported / "model.onnx"),
                    str(tmp_path / "m.onnx")], check=True, timeout=300, capture_output=True)
    with pytest.raises(NodeError, match="external file"):
        _infer(tmp_path, "m.onnx")


def test_an_onnx_operator_outside_the_standard_set_is_refused_by_name(tmp_path):
    script = ("import onnx, sys\n"
              "from onnx import helper, TensorProto as T\n"
              "n = helper.make_node('Evil', ['x'], ['y'], domain='com.example')\n"
              "g = helper.make_graph([n], 'g', [helper.make_tensor_value_info('x', T.FLOAT, [1, 15])],\n"
              "                      [helper.make_tensor_value_info('y', T.FLOAT, [1, 2])])\n"
              "onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 17),\n"
              "                                              helper.make_opsetid('com.example', 1)]), sys.argv[1])\n")
    subprocess.run([str(converter_venv() / "bin" / "python"), "-c", script, str(tmp_path / "m.onnx")],
                   check=True, timeout=300, capture_output=True)
    with pytest.raises(NodeError, match="onnx2torch cannot convert.*com.example.*Evil"):
        _infer(tmp_path, "m.onnx")


def test_without_the_converters_the_message_says_how_to_install_them(tmp_path, exported, monkeypatch):
    monkeypatch.setenv("TMS_CONVERT_VENV", str(tmp_path / "absent"))
    (tmp_path / "model.pt2").write_bytes((exported / "model.pt2").read_bytes())
    with pytest.raises(NodeError, match="bash scripts/setup converters"):
        _infer(tmp_path, "model.pt2")


# ---- the CLI --------------------------------------------------------------------------------------

def test_cli_check_and_optimize_on_a_pt2_project(tmp_path, exported, capsys):
    from studio.cli import main

    base = tiny_project(tmp_path)
    (base.dir / "model.pt2").write_bytes((exported / "model.pt2").read_bytes())
    project = torch_chain(base, "model.pt2")
    path = save_project(project)
    assert main(["check", str(path), "--json"]) in (0, 1)   # an estimate until Optimize (a warning, no error)
    j = json.loads(capsys.readouterr().out)
    assert not [i for i in j["issues"] if i["severity"] == "error"]
    assert main(["optimize", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["int8_model"] == "models/model.int8.tflite" and out["device"]["macs"] >= CONV_LINEAR_MACS
    assert main(["check", str(path), "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["ok"] and not [i for i in j["issues"] if i["severity"] == "error"]
    assert main(["build", str(path), "--out", str(tmp_path / "fw"), "--json"]) == 0   # arm-none-eabi-gcc
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["ok"]


def test_per_tensor_weights_when_the_quantize_node_says_so_still_equal_tflm(from_pt2):
    """per_channel = False gives one scale per weight tensor (ai-edge-quantizer's TENSORWISE)."""
    from codegen.model.compiler import load_program
    from nodes.foreign_model import quantize_int8
    from tests.codegen.model.bitexact import run_both

    project, _ = from_pt2
    float_path = TorchModel().float_model(TorchModel.check_props({"model": "model.pt2"}), NodeContext(project.dir))
    rep = np.random.default_rng(0).normal(size=(16, 5, 3)).astype(np.float32)
    tflite = quantize_int8(float_path, rep, per_channel=False)
    path = project.dir / "per_tensor.tflite"
    path.write_bytes(tflite)
    program, _ = load_program(path)
    weights = [t for t in program.graph.tensors if t.quant is not None and t.data is not None and len(t.shape) >= 2]
    assert weights and all(len(t.quant.scales) == 1 for t in weights)
    ours, tflm, _ = run_both(tflite, samples=32)
    assert np.array_equal(ours, tflm)
