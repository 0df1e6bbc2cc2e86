"""Augmentations fill uncovered pixels with the images' own background: black for digits (what the fill always
was, so every committed MNIST run is unchanged), white for icons composited on white."""
from __future__ import annotations

import numpy as np

from cgan_study.study.fixmatch import Cutout, strong_augmenter
from cgan_study.training.classifier import affine_augmenter, border_fill


def test_the_fill_is_the_median_of_the_outer_pixel_ring():
    digits = np.zeros((3, 28, 28), np.uint8)
    digits[:, 10:18, 10:18] = 255                  # strokes inside, black border
    assert border_fill(digits) == -1.0
    icons = np.full((2, 32, 32, 3), 255, np.uint8)  # white page
    icons[:, 8:24, 8:24] = (200, 30, 30)
    assert border_fill(icons) == 1.0
    mid = np.full((1, 4, 4), 51, np.uint8)          # 51 / 127.5 - 1 = -0.6
    assert abs(border_fill(mid) - (-0.6)) < 1e-12


def test_a_shifted_white_image_stays_white_with_its_fill_and_gets_black_bars_without():
    white = np.ones((8, 32, 32, 3), np.float32)
    own = np.asarray(affine_augmenter(0, fill=1.0)(white, training=True))
    black = np.asarray(affine_augmenter(0)(white, training=True))
    assert np.allclose(own, 1.0, atol=1e-5)
    assert black.min() < -0.5                       # the old fill: dark borders on a white page


def test_the_strong_view_and_its_cutout_use_the_background():
    white = np.ones((4, 28, 28, 1), np.float32)
    cut = np.asarray(Cutout(12, seed=0, fill=1.0)(white, training=True))
    assert np.all(cut == 1.0)
    layers = strong_augmenter(0, background=1.0).layers
    assert {layer.fill_value for layer in layers if hasattr(layer, "fill_value")} == {1.0}
    assert [layer.fill for layer in layers if isinstance(layer, Cutout)] == [1.0]
