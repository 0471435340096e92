"""Fixed-point spectral DSP on cores without an FPU: instructions, accuracy against float, and what
the kws model makes of Q15 features.

    python bench/bench_dsp_fixed.py                 # instructions and SNR
    python bench/bench_dsp_fixed.py --accuracy      # also the kws model on float vs fixed features
                                                    # (re-synthesizes the held-out clips: minutes)

Prints (never asserts):
- instructions per run of the kws MFCC (16 kHz, 1 s window -> 49x10), the kws MFE and an IMU spectrum,
  built for a Cortex-M0+ (soft float, run on QEMU's Cortex-M3, whose instruction set contains
  ARMv6-M's) and for a Cortex-M3 (Thumb-2, soft float), in float32 (software floating point) and
  in fixed point (dsp/fx_fft.c, dsp/fx_features.c), next to the node's cost() ops and the
  ``fixed_ops_weight`` they imply (the M3 count is the calibration: studio.core.latency_calibration);
- the signal-to-error ratio of each node's fixed-point output against its float reference, over the
  kws sample's test clips (speech and noise) and, for the spectrum, noise frames (the figures the
  nodes state as ``FIXED_SNR_DB``);
- the same for the log spectra of the vibration and gesture samples' recordings (accelerometer
  windows whose gravity DC bin sits 80-90 dB above their weakest bins: the Q15 noise floor shows);
- with --accuracy, the int8 kws model's accuracy on the committed test clips and the re-synthesized
  held-out clips with float features and with fixed-point features.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codegen.emitters.dsp_host import node_on_host  # noqa: E402
from codegen.emitters.dsp_target import (M0PLUS_CFLAGS, M0PLUS_ON_M3, instructions_on_emulated_m4,  # noqa: E402
                                         tools_available)
from nodes.base import FIXED, FLOAT, BoardInfo, Mode, NodeContext, RunState, node_type  # noqa: E402
from studio.core.latency_calibration import REFERENCE_OPS_PER_CYCLE  # noqa: E402

KWS = Path(__file__).resolve().parent.parent / "sample_projects" / "kws"
M3_CFLAGS = tuple("-mcpu=cortex-m3" if f == "-mcpu=cortex-m0plus" else f for f in M0PLUS_CFLAGS)
M3 = ("mps2-an385", "cortex-m3", M3_CFLAGS)
NO_FPU = BoardInfo("bench", "cortex-m0plus", 125_000_000, False, False)

# (label, type, props, input shape, rate of the input tensor)
CASES = [
    ("KWS MFCC 16 kHz 1 s -> 49x10", "dsp.mfcc", {"fmax_hz": 4000.0}, (16000, 1), 1.0),
    ("KWS MFE 16 kHz 1 s -> 49x40", "dsp.mfe", {"fmax_hz": 4000.0}, (16000, 1), 1.0),
    ("IMU spectrum 3 ax x 128, n_fft 128", "dsp.spectrum", {"n_fft": 128}, (128, 3), 1.0),
]


def kws_clips() -> np.ndarray:
    from nodes.sensors import _read_wav   # the replay sensor's reader: what the board plays

    parts = [_read_wav(KWS / "test" / name)[0] for name in ("replay.wav", "extra.wav")]
    audio = np.concatenate([np.asarray(p, np.float32).reshape(-1) for p in parts])
    return audio[: audio.size // 16000 * 16000].reshape(-1, 16000, 1)


def instructions() -> None:
    if not tools_available():
        print("arm-none-eabi-gcc or qemu-system-arm missing: no instruction counts")
        return
    print("instructions per run (QEMU -icount, +-40): float32 in software vs fixed point")
    x = kws_clips()[:1]
    for label, type_id, props, shape, rate in CASES:
        sample = x if shape == (16000, 1) else np.random.default_rng(0).uniform(-1, 1, (1, *shape)).astype(np.float32)
        counts = {}
        for core_name, core in (("M0+", M0PLUS_ON_M3), ("M3", M3)):
            for arithmetic in (FLOAT, FIXED):
                node = node_on_host(type_id, props, shape, rate, arithmetic=arithmetic)
                tag = f"fx_{type_id.replace('.', '_')}_{core_name.replace('+', 'p')}_{arithmetic}"
                counts[(core_name, arithmetic)] = instructions_on_emulated_m4(node, sample, tag, core=core)[0]
        cls = node_type(type_id)
        spec_in = node.spec_in
        ops = cls().cost({"in": spec_in}, {"out": node.spec_out}, node.props, NodeContext(board=NO_FPU)).ops
        weight = counts[("M3", FIXED)] * REFERENCE_OPS_PER_CYCLE / ops
        print(f"  {label}")
        for core_name in ("M0+", "M3"):
            f, q = counts[(core_name, FLOAT)], counts[(core_name, FIXED)]
            print(f"    {core_name:4s} float-soft {f:12,d}   fixed {q:11,d}   ({f / q:5.1f}x fewer)")
        print(f"    fixed cost() ops {ops:,d}: fixed_ops_weight {weight:.3f} (M3 instructions x "
              f"{REFERENCE_OPS_PER_CYCLE} / ops); M0+ / M3 instructions {counts[('M0+', FIXED)] / counts[('M3', FIXED)]:.2f}")


def snr_db(got: np.ndarray, want: np.ndarray) -> float:
    noise = float(np.sum((got.astype(np.float64) - want) ** 2))
    return float("inf") if noise == 0.0 else 10.0 * np.log10(float(np.sum(want.astype(np.float64) ** 2)) / noise)


def snr() -> None:
    print("fixed point vs float reference: signal-to-error ratio over all outputs (dB)")
    clips = kws_clips()
    fixed_state = RunState(Mode.FRAME, (), FIXED)
    for label, type_id, props, shape, _ in CASES:
        node = node_type(type_id)()
        p = node.check_props(props)
        if shape == (16000, 1):
            inputs = clips
        else:
            rng = np.random.default_rng(1)
            inputs = [rng.normal(0, 10 ** rng.uniform(-3, 0), shape).astype(np.float32) for _ in range(200)]
        got = np.concatenate([node.transform(x, p, fixed_state).ravel() for x in inputs])
        want = np.concatenate([node.transform(x, p).ravel() for x in inputs])
        worst = min(snr_db(node.transform(x, p, fixed_state), node.transform(x, p)) for x in inputs)
        print(f"  {label:40s} {snr_db(got, want):6.1f} dB over {len(inputs)} inputs (worst input {worst:.1f} dB), "
              f"max |error| {np.max(np.abs(got - want)):.4f}")
    for sample in ("vibration", "gesture"):   # log spectra of the samples' own accelerometer windows
        got, want = sample_features(sample, FIXED), sample_features(sample, FLOAT)
        err = np.abs(got.astype(np.float64) - want)
        print(f"  {sample + ' sample log spectrum':40s} {snr_db(got, want):6.1f} dB over {got.shape[0]} windows, "
              f"max |error| {err.max():.4f}, 99th percentile {np.percentile(err, 99):.4f}")


def sample_features(sample: str, arithmetic: str) -> np.ndarray:
    """The model input features of a sample project's recording, on the emulated M4F (float) or
    the Pico (fixed point)."""
    from codegen.project_firmware import replay_data
    from studio.core.boards import boards
    from studio.core.host import run_to_features
    from studio.core.project import load_project
    from studio.core.validate import validate_project

    project = load_project(KWS.parent / sample / f"{sample}.tinyml")
    samples = replay_data(project, validate_project(project))
    board = boards().get("rpi-pico" if arithmetic == FIXED else "qemu-mps2-an386")
    return run_to_features(validate_project(project, board).plan, samples)


def accuracy() -> None:
    sys.path.insert(0, str(KWS))
    import make_kws  # the sample's own generator: the same seeded clips it trained and tested on

    from studio.core.boards import boards
    from studio.core.host import run_to_features
    from studio.core.project import load_project
    from studio.core.validate import validate_project
    from studio.ml.pipeline import Int8Model

    project = load_project(KWS / "kws.tinyml")
    plans = {FLOAT: validate_project(project).plan, FIXED: validate_project(project, boards().get("rpi-pico")).plan}
    assert plans[FIXED].stage("mfcc").arithmetic == FIXED and plans[FLOAT].stage("mfcc").arithmetic == FLOAT
    model = Int8Model((KWS / "kws.tflite").read_bytes())
    labels = list(make_kws.LABELS)

    def acc(clips: np.ndarray, y: np.ndarray, arithmetic: str) -> tuple[float, np.ndarray]:
        feats = run_to_features(plans[arithmetic], clips.reshape(-1, 1))
        pred = np.argmax(model.scores(feats.reshape(-1, 49, 10)), axis=-1)
        return float(np.mean(pred == y)), pred

    test_y = np.array([labels.index(w) for w in (KWS / "test" / "labels.txt").read_text().split()])
    test = kws_clips()
    rng = np.random.default_rng(make_kws.SEED)
    for split, per_class in (("train", make_kws.TRAIN_PER_CLASS), ("val", make_kws.VAL_PER_CLASS)):
        make_kws.make_split(per_class, rng)   # drawn only to reach the held-out clips' random state
    held, held_labels = make_kws.make_split(make_kws.HELDOUT_PER_CLASS, rng)
    held_y = np.array([labels.index(w) for w in held_labels])
    print("int8 kws model accuracy, float features vs fixed-point features")
    for name, clips, y in (("test clips (committed)", test, test_y), ("held-out clips", held, held_y)):
        a_float, p_float = acc(clips.astype(np.float32), y, FLOAT)
        a_fixed, p_fixed = acc(clips.astype(np.float32), y, FIXED)
        print(f"  {name:24s} {len(y):4d} windows: float {a_float:.4f}  fixed {a_fixed:.4f}  "
              f"same prediction {np.mean(p_float == p_fixed):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accuracy", action="store_true")
    ap.add_argument("--no-instructions", action="store_true")
    args = ap.parse_args()
    if not args.no_instructions:
        instructions()
    snr()
    if args.accuracy:
        accuracy()


if __name__ == "__main__":
    main()
