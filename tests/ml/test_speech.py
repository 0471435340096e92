"""Spoken-word clips: espeak-ng through an argument list, fitted into a fixed-length noisy clip."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from studio.ml import speech
from studio.ml.errors import MLError

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


@needs_espeak
def test_a_spoken_word_becomes_a_one_second_16_khz_clip_with_the_word_inside():
    rng = np.random.default_rng(1)
    audio, rate = speech.speak("yes", speech.Voice("en-us", "f3", 150, 50))
    clip = speech.fit_clip(audio, rate, rng, 16000, 16000, snr_db=30.0, peak=0.5)
    assert clip.shape == (16000,) and clip.dtype == np.float32
    loud = np.flatnonzero(np.abs(clip) > 0.1)
    assert 0.1 * 16000 < loud[-1] - loud[0] < 16000  # a word of a few hundred ms, not noise
    assert np.max(np.abs(clip)) <= 0.5 + 0.1


@needs_espeak
def test_the_same_voice_says_the_same_word_the_same_way():
    v = speech.Voice("en-gb-x-rp", "m3", 170, 40)
    a, _ = speech.speak("down", v)
    b, _ = speech.speak("down", v)
    np.testing.assert_array_equal(a, b)


def test_text_that_is_not_a_plain_word_is_refused_before_espeak_runs():
    with pytest.raises(MLError, match="plain word"):
        speech.speak("--help; rm -rf /", speech.Voice("en", "m1", 150, 50))


def test_clips_hold_only_values_a_16_bit_wav_can_store():
    x = speech.to_pcm16_steps(np.random.default_rng(2).uniform(-1.2, 1.2, 1000))
    assert np.all(np.abs(x) <= 1.0)
    np.testing.assert_array_equal(x * 32768.0, np.round(x * 32768.0))


def test_background_noise_has_the_requested_standard_deviation():
    for seed in range(6):  # all three kinds of noise
        x = speech.background(np.random.default_rng(seed), 16000, 16000, 0.01)
        assert np.std(x.astype(np.float64)) == pytest.approx(0.01, rel=1e-3)
