"""Parity of the image C kernels (resize, crop, grayscale) with the numpy references.

Resize reads its source rows, columns and weights from tables the emitter takes from
nodes.dsp_image, so nearest and crop are exact and bilinear is bit-exact on the host (the same
float32 operations in the same order); asserted to 1e-6 of the pixel range, which also allows for a
compiler that fuses multiply-adds. Grayscale: numpy's float32 matmul may sum R, G, B in another
order, so 1e-6 relative.
"""
from __future__ import annotations

import numpy as np
import pytest

from codegen.emitters.dsp_host import node_on_host
from nodes.base import node_type


def image(h: int, w: int, c: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 255.0, (h, w, c)).astype(np.float32)


@pytest.mark.parametrize("method", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [(24, 20), (7, 45)], ids=["down", "up-and-down"])
def test_resize_matches_reference(method, size):
    height, width = size
    stage = node_on_host("dsp.resize", {"height": height, "width": width, "method": method}, (30, 32, 3))
    x = image(30, 32, 3, seed=10)
    got, want = stage.run(x)[0], node_type("dsp.resize")().transform(x, stage.props)
    assert np.max(np.abs(got - want)) <= 1e-6 * 255.0


def test_crop_copies_the_rectangle_exactly():
    stage = node_on_host("dsp.crop", {"x": 5, "y": 3, "width": 10, "height": 12}, (20, 16, 2))
    x = image(20, 16, 2, seed=11)
    np.testing.assert_array_equal(stage.run(x)[0], node_type("dsp.crop")().transform(x, stage.props))


def test_grayscale_matches_bt601_reference():
    stage = node_on_host("dsp.grayscale", {}, (12, 9, 3))
    x = image(12, 9, 3, seed=12)
    np.testing.assert_allclose(stage.run(x)[0], node_type("dsp.grayscale")().transform(x, stage.props), rtol=1e-6)
