"""Image grids and PNG encoding (no plotting library needed for sample grids)."""
from __future__ import annotations

import io

import numpy as np

from cgan_study.data import to_uint8


def tile(images: np.ndarray, rows: int, pad: int = 1) -> np.ndarray:
    """Tile (N, 28, 28) uint8 or [-1, 1] float images into one (rows x cols) uint8 mosaic."""
    if images.dtype != np.uint8:
        images = to_uint8(images)
    images = images.reshape(len(images), 28, 28)
    cols = int(np.ceil(len(images) / rows))
    canvas = np.zeros((rows * cols, 28, 28), np.uint8)
    canvas[: len(images)] = images
    canvas = np.pad(canvas.reshape(rows, cols, 28, 28), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return canvas.transpose(0, 2, 1, 3).reshape(rows * (28 + 2 * pad), cols * (28 + 2 * pad))


def encode_png(array: np.ndarray) -> bytes:
    """Greyscale uint8 array -> PNG bytes, without timestamps so equal images give equal files."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array, mode="L").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def grid_png(images: np.ndarray, rows: int = 10) -> bytes:
    return encode_png(tile(images, rows))
