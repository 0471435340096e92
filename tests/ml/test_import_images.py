"""Importing images (PNG, JPEG, BMP through Pillow) for a camera pipeline."""
from __future__ import annotations

import numpy as np
import pytest

from studio.core.dataset import dataset_of
from studio.ml.importer import apply_import, load_split, plan_import
from tests.ml.import_helpers import camera_project, write_image


def image_tree(root, fmt_suffix, size=(12, 16), channels=3, per_label=4):
    rng = np.random.default_rng(0)
    for k, label in enumerate(("cat", "dog")):
        for i in range(per_label):
            pixels = np.clip(rng.normal(60 + 120 * k, 10, size=(*size, channels)), 0, 255)
            write_image(root / label / f"{i}{fmt_suffix}", pixels)
    return root


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".jpeg", ".bmp"])
def test_images_are_read_with_pillow_into_the_camera_shape(tmp_path, suffix):
    project = camera_project(tmp_path / "proj")
    plan = plan_import(project, image_tree(tmp_path / "src", suffix))
    assert plan.problems == ()
    apply_import(project, plan)
    clips, y = load_split(project, "train")
    assert dataset_of(project).shape == (12, 16, 3) and clips[0].shape == (12, 16, 3)
    means = [float(c.mean()) for c in clips]
    assert all(abs(m - (60 + 120 * k) / 255) < 0.05 for m, k in zip(means, y))


def test_an_image_of_another_size_is_a_problem_naming_both_sizes(tmp_path):
    project = camera_project(tmp_path / "proj")
    src = image_tree(tmp_path / "src", ".png")
    write_image(src / "cat" / "big.png", np.zeros((24, 32, 3)))
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("big.png") and "32×24×3" in reason and "16×12×3" in reason


def test_a_grayscale_image_for_an_rgb_camera_is_a_problem(tmp_path):
    project = camera_project(tmp_path / "proj")
    src = image_tree(tmp_path / "src", ".png")
    write_image(src / "dog" / "gray.png", np.zeros((12, 16, 1)))
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("gray.png") and "16×12×1" in reason


def test_grayscale_images_fit_a_grayscale_camera(tmp_path):
    project = camera_project(tmp_path / "proj", color="grayscale")
    plan = plan_import(project, image_tree(tmp_path / "src", ".jpg", channels=1))
    assert plan.problems == () and plan.shape == (12, 16, 1)


def test_a_damaged_image_is_a_problem_not_a_crash(tmp_path):
    project = camera_project(tmp_path / "proj")
    src = image_tree(tmp_path / "src", ".png")
    good = (src / "cat" / "0.png").read_bytes()
    (src / "cat" / "cut.png").write_bytes(good[: len(good) // 2])
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("cut.png") and "cannot be read" in reason


def test_a_recording_for_a_camera_is_a_problem(tmp_path):
    from tests.ml.import_helpers import tone, write_wav

    project = camera_project(tmp_path / "proj")
    src = image_tree(tmp_path / "src", ".png")
    write_wav(src / "cat" / "noise.wav", tone(100, 0.1, 16000))
    (f, reason), = plan_import(project, src).problems
    assert f.endswith("noise.wav") and "camera" in reason
