"""Image grids and PNG encoding (no plotting library needed for sample grids)."""
from __future__ import annotations

import io

import numpy as np

from cgan_study.data import to_uint8


def tile(images: np.ndarray, rows: int, pad: int = 1) -> np.ndarray:
    """Tile uint8 or [-1, 1] float images into one (rows x cols) uint8 mosaic: greyscale (N, H, W[, 1]) gives
    (rows * (H + 2 pad), cols * (W + 2 pad)), colour (N, H, W, C) the same with C channels."""
    if images.dtype != np.uint8:
        images = to_uint8(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    images = images if images.ndim == 4 else images[..., None]
    n, h, w, c = images.shape
    cols = int(np.ceil(n / rows))
    canvas = np.zeros((rows * cols, h, w, c), np.uint8)
    canvas[:n] = images
    canvas = np.pad(canvas.reshape(rows, cols, h, w, c), ((0, 0), (0, 0), (pad, pad), (pad, pad), (0, 0)))
    mosaic = canvas.transpose(0, 2, 1, 3, 4).reshape(rows * (h + 2 * pad), cols * (w + 2 * pad), c)
    return mosaic[..., 0] if c == 1 else mosaic


def encode_png(array: np.ndarray) -> bytes:
    """uint8 array, greyscale (H, W) or RGB (H, W, 3) -> PNG bytes, without timestamps so equal images give
    equal files."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array, mode="L" if array.ndim == 2 else "RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def grid_png(images: np.ndarray, rows: int = 10) -> bytes:
    return encode_png(tile(images, rows))
