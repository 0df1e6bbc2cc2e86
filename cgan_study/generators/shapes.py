"""The image shape every network of this package is built for: (size, size, channels), from the dataset.

28x28x1 (MNIST) is the default, and the networks built for it are exactly those of before colour images: the
committed artifacts load and sample as they did. Each network has two stride-2 stages, so its smallest feature
map is a quarter of the image's side (7 for 28, 8 for 32, 16 for 64).
"""
from __future__ import annotations

MNIST_SHAPE = (28, 28, 1)


def base_size(image_shape: tuple[int, int, int]) -> int:
    """The side of the smallest feature map: a quarter of the image's."""
    size = int(image_shape[0])
    if size % 4 or int(image_shape[1]) != size:
        raise ValueError(f"image shape {tuple(image_shape)}: the networks need square images whose side is a "
                         "multiple of 4 (28, 32, 64)")
    return size // 4
