"""A new user's keyword spotter from their own clips, on the command line: new kws project →
import five spoken words × 48 one-second clips (16-bit, 24-bit, float and 44.1 kHz WAVs) →
train with the default command → the host int8 model is well above chance on the test split."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")]
ROOT = Path(__file__).resolve().parents[2]
WORDS = ("yes", "no", "up", "down", "stop")
VOICES = ("en", "en-us", "en-gb", "en+m3", "en+f2", "en+m7", "en+f4", "en-us+m2")
VARIANTS = ("PCM_16", "PCM_24", "FLOAT", "44k")


def speak_clips(root: Path, per_word: int = 48) -> Path:
    import soundfile
    from scipy.signal import resample_poly

    for w in WORDS:
        (root / w).mkdir(parents=True)
        for i in range(per_word):
            out = subprocess.run(["espeak-ng", "-v", VOICES[i % len(VOICES)], "-s", str(130 + (i * 7) % 80),
                                  "-p", str(30 + (i * 11) % 40), "--stdout", w],
                                 capture_output=True, check=True).stdout
            data, rate = soundfile.read(io.BytesIO(out), dtype="float32")
            clip = np.zeros(rate, np.float32)
            n = min(len(data), rate)
            start = (i * 137) % max(1, rate - n + 1)
            clip[start:start + n] = data[:n]
            clip += np.random.default_rng(i).normal(0, 0.003, rate).astype(np.float32)
            variant = VARIANTS[i % len(VARIANTS)]
            if variant == "44k":
                soundfile.write(root / w / f"{w}_{i:02d}.wav", resample_poly(clip, 2, 1), 2 * rate, "PCM_16")
            else:
                soundfile.write(root / w / f"{w}_{i:02d}.wav", clip, rate, variant)
    return root


def _cli(*args):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True, env=env)


def test_own_spoken_words_train_well_above_chance_with_the_default_command(tmp_path):
    clips = speak_clips(tmp_path / "clips")
    new = _cli("new", str(tmp_path / "words"), "--template", "kws", "--board", "qemu-mps2-an386", "--json")
    assert new.returncode == 0, new.stderr
    project = json.loads(new.stdout)["project"]

    imported = _cli("import", project, str(clips), "--json")
    assert imported.returncode == 0, imported.stderr
    out = json.loads(imported.stdout)
    assert out["labels"] == sorted(WORDS) and out["problems"] == []
    assert out["split"] == {"train": 190, "validation": 25, "test": 25}

    trained = _cli("train", project, "--use", "--json")
    assert trained.returncode == 0, trained.stderr
    result = json.loads(trained.stdout)
    assert result["kind"] == "dscnn" and result["evaluated_on"] == "test"
    assert result["int8_accuracy"] >= 0.8, result        # chance is 0.2
    assert "I0000" not in trained.stderr and "absl::InitializeLog" not in trained.stderr

    node = next(n for n in json.loads(Path(project).read_text())["nodes"] if n["id"] == "classifier")
    assert node["props"]["labels"] == sorted(WORDS) and node["props"]["model"] == "models/model.tflite"
