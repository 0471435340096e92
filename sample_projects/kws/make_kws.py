"""Regenerates the keyword-spotting sample: espeak-ng words, the DS-CNN int8 model, the test recording.

    python sample_projects/kws/make_kws.py        (from the repository root; a few minutes)

The emulated Cortex-M4F (QEMU mps2-an386) replays ``test/replay.wav`` — 12 test clips (two of
each class) back to back, 16 kHz mono 16-bit; the firmware embeds it in flash as float32, so 12 s
is what fits beside the model in 1 MB — through window 16000 / hop 16000 (one window per 1 s clip) →
MFCC 49×10 → DS-CNN → serial. Classes: yes, no, up, down, unknown (other words) and silence
(background noise only). Each clip draws a voice (8 espeak-ng English voices × 23 variants), a
speed (115–194 wpm), a pitch, the word's place in the second, its loudness, and background noise
(white, rumble or mains hum) at 5–30 dB SNR. Everything is seeded.

Figures: ``metrics.json`` (and the project's dataset description) records float and int8 accuracy
on the validation clips, on a larger held-out test set (not committed: regenerated here) and on
the committed test recording (int8 through ``host_inference``, the firmware's reference).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import numpy as np  # noqa: E402

from studio.ml import speech  # noqa: E402
from studio.ml.dataset import evaluate_test_split  # noqa: E402
from studio.ml.pipeline import Int8Model, features_for_clips  # noqa: E402
from studio.ml.recipe import (StageSpec, class_indices, linear_project, save_with_metrics,  # noqa: E402
                              train_and_quantize, write_labels)

NAME = "kws"
KEYWORDS = ("yes", "no", "up", "down")
LABELS = KEYWORDS + ("unknown", "silence")
UNKNOWN_WORDS = ("left", "right", "on", "off", "stop", "go", "one", "two", "three", "four", "five",
                 "house", "dog", "bird", "cat", "wow", "happy", "bed", "tree", "sheila", "marvin")
RATE_HZ = 16000
CLIP = 16000
TRAIN_PER_CLASS, VAL_PER_CLASS, HELDOUT_PER_CLASS, TEST_PER_CLASS = 220, 40, 40, 6
REPLAY_PER_CLASS = 2  # the first rounds of the test split: what the emulated board replays
SEED = 16000


def clip_for(label: str, rng: np.random.Generator) -> np.ndarray:
    if label == "silence":
        level = 10 ** rng.uniform(-3.5, -1.5)
        return speech.to_pcm16_steps(speech.background(rng, CLIP, RATE_HZ, level))
    word = str(rng.choice(UNKNOWN_WORDS)) if label == "unknown" else label
    audio, rate = speech.speak(word, speech.random_voice(rng))
    return speech.fit_clip(audio, rate, rng, RATE_HZ, CLIP, snr_db=float(rng.uniform(5, 30)),
                           peak=float(rng.uniform(0.1, 0.9)))


def make_split(per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    clips, labels = [], []
    for _ in range(per_class):
        for label in LABELS:
            clips.append(clip_for(label, rng))
            labels.append(label)
    return np.stack(clips)[:, :, None], labels


def project():
    stages = [
        StageSpec("mic", "sensors.replay", {"file": "test/replay.wav", "rate_hz": float(RATE_HZ), "channels": 1}),
        StageSpec("window", "dsp.window", {"window": CLIP, "hop": CLIP}),
        StageSpec("mfcc", "dsp.mfcc", {"sample_rate_hz": float(RATE_HZ), "frame_length": 640, "frame_stride": 320,
                                       "n_fft": 1024, "n_mels": 40, "n_mfcc": 10, "fmin_hz": 20.0,
                                       "fmax_hz": 4000.0}),
        StageSpec("classifier", "model.tflite", {"model": f"{NAME}.tflite", "labels": list(LABELS)}),
        StageSpec("serial", "outputs.serial", {}),
    ]
    dataset = {
        "folder": "data",
        "labels": list(LABELS),
        "synthetic": "make_kws.py: espeak-ng words in varied voices, speeds and pitches, with noise",
        "test": {"samples": ["test/replay.wav", "test/extra.wav"], "segment_samples": 0, "labels": "test/labels.txt"},
    }
    return linear_project(NAME, "qemu-mps2-an386", stages, HERE, dataset)


def main() -> None:
    rng = np.random.default_rng(SEED)
    train_clips, train_labels = make_split(TRAIN_PER_CLASS, rng)
    val_clips, val_labels = make_split(VAL_PER_CLASS, rng)
    held_clips, held_labels = make_split(HELDOUT_PER_CLASS, rng)
    test_clips, test_labels = make_split(TEST_PER_CLASS, rng)
    print(f"synthesized {len(train_labels) + len(val_labels) + len(held_labels) + len(test_labels)} clips")

    (HERE / "test").mkdir(exist_ok=True)
    n_replay = REPLAY_PER_CLASS * len(LABELS)  # make_split interleaves the classes round by round
    speech.write_wav(HERE / "test" / "replay.wav", test_clips[:n_replay].reshape(-1), RATE_HZ)
    speech.write_wav(HERE / "test" / "extra.wav", test_clips[n_replay:].reshape(-1), RATE_HZ)
    (HERE / "test" / "test.wav").unlink(missing_ok=True)
    write_labels(HERE / "test" / "labels.txt", test_labels)
    write_labels(HERE / "labels.txt", LABELS)

    proj = project()
    shape = (49, 10)  # MFCC frames × coefficients, before the model exists
    x_train = features_for_clips(proj, train_clips, shape)
    x_val = features_for_clips(proj, val_clips, shape)
    x_held = features_for_clips(proj, held_clips, shape)
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    for name, x, y in (("train", x_train, train_labels), ("val", x_val, val_labels), ("heldout", x_held, held_labels)):
        np.save(data / f"{name}_x.npy", x)
        np.save(data / f"{name}_y.npy", class_indices(y, LABELS))

    trained = train_and_quantize("dscnn", x_train, class_indices(train_labels, LABELS), x_val,
                                 class_indices(val_labels, LABELS), len(LABELS), epochs=30, batch_size=32,
                                 seed=SEED, filters=24, blocks=3, dropout=0.1)
    (HERE / f"{NAME}.tflite").write_bytes(trained.quant.tflite)

    y_held = class_indices(held_labels, LABELS)
    float_held = float(np.mean(np.argmax(trained.model.predict(x_held, verbose=0), axis=-1) == y_held))
    int8_held = float(np.mean(np.argmax(Int8Model(trained.quant.tflite).scores(x_held), axis=-1) == y_held))
    x_test = features_for_clips(proj, test_clips, shape)
    float_test = float(np.mean(np.argmax(trained.model.predict(x_test, verbose=0), axis=-1)
                               == class_indices(test_labels, LABELS)))

    proj.dataset["split"] = {"train": len(train_labels), "validation": len(val_labels),
                             "heldout": len(held_labels), "test": len(test_labels)}
    save_with_metrics(proj, {})
    test = evaluate_test_split(proj)
    metrics = {
        "train_windows": len(train_labels),
        "validation_windows": len(val_labels),
        "heldout_windows": len(held_labels),
        "test_windows": test.windows,
        "float_accuracy_validation": round(trained.quant.float_accuracy, 4),
        "int8_accuracy_validation": round(trained.quant.int8_accuracy, 4),
        "float_accuracy_heldout": round(float_held, 4),
        "int8_accuracy_heldout": round(int8_held, 4),
        "float_accuracy_test": round(float_test, 4),
        "int8_accuracy_test": round(test.accuracy, 4),
        "int8_correct_test": test.correct,
        "model_int8_bytes": len(trained.quant.tflite),
    }
    path = save_with_metrics(proj, metrics)
    print(f"wrote {path}: {metrics}")


if __name__ == "__main__":
    main()
