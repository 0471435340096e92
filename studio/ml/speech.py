"""Spoken-word clips from the espeak-ng synthesizer, for keyword-spotting datasets.

``speak`` runs ``espeak-ng`` (an argument list, never a shell) into a temporary .wav and reads it
back; ``fit_clip`` resamples to the pipeline's rate, trims the synthesizer's leading and trailing
silence, places the word at a chosen offset inside a fixed-length clip and mixes in background
noise at a chosen signal-to-noise ratio; ``background`` makes the noise (also the "silence" class).
Clips are float32 in [-1, 1], rounded to 16-bit steps so training sees what a 16-bit .wav replays.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.ml.errors import MLError

ESPEAK = "espeak-ng"
# Base voices shipped with Debian's espeak-ng-data (the mbrola ones need extra packages).
BASE_VOICES = ("en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd",
               "en-029", "en-us-nyc")
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2",
            "Annie", "Alex", "Andy", "belinda", "david", "john", "linda", "max", "paul", "steph")


@dataclass(frozen=True)
class Voice:
    base: str
    variant: str
    speed_wpm: int
    pitch: int          # espeak's 0–99

    @property
    def name(self) -> str:
        return f"{self.base}+{self.variant}" if self.variant else self.base


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def random_voice(rng: np.random.Generator) -> Voice:
    return Voice(str(rng.choice(BASE_VOICES)), str(rng.choice(VARIANTS)), int(rng.integers(115, 195)),
                 int(rng.integers(20, 80)))


def speak(word: str, voice: Voice) -> tuple[np.ndarray, int]:
    """The word spoken by ``voice``: float32 mono samples in [-1, 1] and their rate (Hz)."""
    if not espeak_available():
        raise MLError("espeak-ng is not installed; install it (Debian: apt-get install espeak-ng) to "
                      "synthesize spoken words")
    if not word or not all(ch.isalpha() or ch in " '-" for ch in word):
        raise MLError(f"'{word}' is not a plain word to speak (letters, spaces, ' and - only)")
    with tempfile.TemporaryDirectory(prefix="tms-espeak-") as tmp:
        out = Path(tmp) / "word.wav"
        cmd = [ESPEAK, "-w", str(out), "-v", voice.name, "-s", str(voice.speed_wpm), "-p", str(voice.pitch),
               "--", word]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0 or not out.is_file():
            raise MLError(f"espeak-ng failed for '{word}' with voice {voice.name}: "
                          f"{done.stderr.strip() or done.returncode}")
        with wave.open(str(out), "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    if width != 2:
        raise MLError(f"espeak-ng wrote {8 * width}-bit audio; expected 16-bit")
    pcm = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)[:, 0]
    return pcm.astype(np.float32) / np.float32(32768.0), rate


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly  # lazy: only dataset making needs scipy

    if rate_in == rate_out:
        return np.asarray(x, np.float32)
    g = gcd(int(rate_in), int(rate_out))
    return resample_poly(np.asarray(x, np.float64), rate_out // g, rate_in // g).astype(np.float32)


def trim(x: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """The part between the first and last sample above ``threshold`` of the peak."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak == 0.0:
        return x[:0]
    loud = np.flatnonzero(np.abs(x) >= threshold * peak)
    return x[loud[0]: loud[-1] + 1]


def background(rng: np.random.Generator, n: int, rate_hz: int, level: float) -> np.ndarray:
    """Background noise of standard deviation ``level``: white, brown-ish (room rumble) or mains hum
    with hiss."""
    kind = rng.integers(0, 3)
    if kind == 0:
        x = rng.normal(size=n)
    elif kind == 1:
        x = np.cumsum(rng.normal(size=n))
        x -= np.convolve(x, np.ones(401) / 401, mode="same")  # keep it from wandering off
    else:
        t = np.arange(n) / rate_hz
        f = rng.choice((50.0, 60.0))
        x = np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) + 0.3 * np.sin(2 * np.pi * 3 * f * t) \
            + 0.5 * rng.normal(size=n)
    x = x / (np.std(x) + 1e-12)
    return (level * x).astype(np.float32)


def to_pcm16_steps(x: np.ndarray) -> np.ndarray:
    """Rounded to the values a 16-bit .wav holds (what ``sensors.replay`` reads back)."""
    return (np.clip(np.round(np.asarray(x, np.float64) * 32768.0), -32768, 32767) / 32768.0).astype(np.float32)


def fit_clip(word: np.ndarray, rate_in: int, rng: np.random.Generator, rate_hz: int = 16000,
             length: int = 16000, snr_db: float = 20.0, peak: float = 0.6) -> np.ndarray:
    """A clip of ``length`` samples at ``rate_hz`` with the trimmed word at a random offset, scaled
    to ``peak`` and mixed with background noise at ``snr_db``."""
    w = trim(resample(word, rate_in, rate_hz))[:length]
    if w.size == 0:
        raise MLError("the synthesized word is silent")
    w = w * (peak / float(np.max(np.abs(w))))
    clip = np.zeros(length, np.float32)
    start = int(rng.integers(0, length - w.size + 1))
    clip[start:start + w.size] = w
    speech_rms = float(np.sqrt(np.mean(w ** 2)))
    clip += background(rng, length, rate_hz, speech_rms / (10 ** (snr_db / 20)))
    return to_pcm16_steps(clip)


def write_wav(path: Path, x: np.ndarray, rate_hz: int) -> None:
    """A mono 16-bit PCM .wav of float samples in [-1, 1]."""
    pcm = np.clip(np.round(np.asarray(x, np.float64) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate_hz))
        w.writeframes(pcm.tobytes())
