"""uint8 images to tensors in [-1, 1] and back, and the tf.data pipeline every training reads (no data sources)."""
from __future__ import annotations

import numpy as np

IMAGE_SHAPE = (28, 28)   # the flat (N, 784) layout's images: MNIST's


def to_float(x: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W) -> float32 (N, H, W, 1), or (N, H, W, C) -> (N, H, W, C), in [-1, 1] (tanh's range)."""
    x = x.astype(np.float32) / 127.5 - 1.0
    return x[..., None] if x.ndim == 3 else x


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float images in [-1, 1] -> uint8: one channel (N, H, W, 1) or flat (N, 784) -> (N, H, W) (MNIST's
    layout, 0 = background); several channels (N, H, W, C) stay (N, H, W, C)."""
    x = np.asarray(x, np.float32)
    if x.ndim == 2:
        x = x.reshape(len(x), *IMAGE_SHAPE)
    elif x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


PREFETCH_BATCHES = 2


def pipeline(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, shuffle: bool = True,
             repeat: bool = False, drop_remainder: bool = False):
    """A tf.data pipeline of (image in [-1, 1], label) batches from uint8 digits.

    Shuffled with a fixed seed (reshuffled each pass), optionally repeated forever so callers choose the
    steps per epoch; images are scaled per batch inside the graph, not per image in Python.
    """
    import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32)))
    if shuffle:
        ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    # Scaling a batch costs microseconds: one map call and two batches in flight keep any model fed.
    greyscale = x.ndim == 3  # (N, H, W) digits gain their one channel; colour images have theirs
    ds = ds.map(lambda img, lab: ((tf.cast(img, tf.float32) / 127.5 - 1.0)[..., None] if greyscale
                                  else tf.cast(img, tf.float32) / 127.5 - 1.0, lab))
    # No autotuning: with two training processes sharing the CPU, the autotuner stalls the input
    # (measured: of two concurrent classifier fits, one took 44 s instead of 25-26 s, its core half idle).
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(PREFETCH_BATCHES).with_options(options)
