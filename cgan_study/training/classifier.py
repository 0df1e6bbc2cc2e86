"""The CNN classifier: the scorer trained on real digits, and the same builder for downstream models."""
from __future__ import annotations

import math
import sys
import time

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np

from cgan_study.config import ClassifierConfig
from cgan_study.data import NUM_CLASSES, image_shape, pipeline, to_float
from cgan_study.training.callbacks import FaultPoint

# The recipe of the classifiers this code trains (the scorer, the guide, the downstream models): bump RECIPE when
# a change to RECIPE_CODE alters what training produces (above 1 it enters the keys of the cached scorers and of the
# generators trained with a classifier, so they are rebuilt); a behaviour-neutral change is recorded as such instead.
# tests/test_recipes.py holds the code's fingerprint and names the command that records a change
# (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/training/classifier.py",)

PENULTIMATE = "penultimate"


def build_classifier(cfg: ClassifierConfig, seed: int, shape: tuple[int, int, int] = (28, 28, 1),
                     num_classes: int = NUM_CLASSES) -> keras.Model:
    """The classifier of `cfg.arch` for images of `shape` (height, width, channels); both end in a PENULTIMATE
    feature layer and a softmax over the classes (MNIST's 28x28x1 and 10 by default)."""
    keras.utils.set_random_seed(seed)  # weight init is part of the seed's definition
    if cfg.arch == "gap":
        return _build_gap(cfg, shape, num_classes)
    w = cfg.width
    x_in = keras.Input(tuple(shape), name="image")
    h = x_in
    for i, channels in enumerate((w, 2 * w)):
        h = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv{i}a")(h)
        h = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv{i}b")(h)
        h = keras.layers.MaxPooling2D(name=f"pool{i}")(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(128, activation="relu", name=PENULTIMATE)(h)
    h = keras.layers.Dropout(cfg.dropout)(h)
    out = keras.layers.Dense(num_classes, activation="softmax", name="probs")(h)
    model = keras.Model(x_in, out, name="classifier")
    return model


def _build_gap(cfg: ClassifierConfig, shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """Another design for a second opinion: 5x5 convolutions with batch norm, strided downsampling and global
    average pooling as the feature layer (no dense layer, no max-pooling)."""
    w = cfg.width
    x_in = keras.Input(tuple(shape), name="image")
    h = x_in
    for i, (channels, stride) in enumerate(((w, 1), (2 * w, 2), (4 * w, 2))):
        h = keras.layers.Conv2D(channels, 5, strides=stride, padding="same", use_bias=False, name=f"conv{i}")(h)
        h = keras.layers.BatchNormalization(name=f"bn{i}")(h)
        h = keras.layers.Activation("relu")(h)
    h = keras.layers.GlobalAveragePooling2D(name=PENULTIMATE)(h)
    h = keras.layers.Dropout(cfg.dropout)(h)
    out = keras.layers.Dense(num_classes, activation="softmax", name="probs")(h)
    return keras.Model(x_in, out, name="classifier_gap")


def feature_extractor(model: keras.Model) -> keras.Model:
    """Image -> (penultimate activations, class probabilities), in one forward pass."""
    return keras.Model(model.inputs, [model.get_layer(PENULTIMATE).output, model.outputs[0]])


# The classical baseline's ranges (the paper's method section quotes them from here).
AFFINE_ROTATION_DEGREES, AFFINE_SHIFT, AFFINE_ZOOM = 10.0, 0.1, 0.1


def border_fill(x: np.ndarray) -> float:
    """The value an augmentation fills uncovered pixels with, in the network's [-1, 1]: the median of the images'
    outermost pixel ring. Digits on black give -1 exactly (what the fill always was); icons composited on white
    give +1, so a shifted icon is not framed by black bars its class never has."""
    ring = np.concatenate([x[:, 0].ravel(), x[:, -1].ravel(), x[:, :, 0].ravel(), x[:, :, -1].ravel()])
    return float(np.median(ring)) / 127.5 - 1.0


def affine_augmenter(seed: int, fill: float = -1.0) -> keras.Sequential:
    """Classical augmentation: random shift (+-10%), rotation (+-10 degrees) and zoom (+-10%); uncovered pixels
    take `fill` (border_fill of the training images)."""
    return keras.Sequential([
        keras.layers.RandomRotation(AFFINE_ROTATION_DEGREES / 360, fill_mode="constant", fill_value=fill, seed=seed),
        keras.layers.RandomTranslation(AFFINE_SHIFT, AFFINE_SHIFT, fill_mode="constant", fill_value=fill,
                                       seed=seed + 1),
        keras.layers.RandomZoom(AFFINE_ZOOM, fill_mode="constant", fill_value=fill, seed=seed + 2),
    ], name="affine")


def steps_per_epoch(cfg: ClassifierConfig, n_train: int) -> int:
    """cfg.steps_per_epoch if set (at least cfg.passes_per_epoch of a pass over the data), else one pass over the
    data (at least cfg.min_steps_per_epoch)."""
    one_pass = math.ceil(n_train / cfg.batch_size)
    if cfg.steps_per_epoch:
        return max(cfg.steps_per_epoch, math.ceil(cfg.passes_per_epoch * one_pass))
    return max(one_pass, cfg.min_steps_per_epoch)


def learning_rate(cfg: ClassifierConfig, total_steps: int):
    """The budget rule's rate: constant, or a linear warm-up to cfg.lr then cosine decay to 0 at `total_steps`."""
    if cfg.schedule == "constant":
        return cfg.lr
    warmup = int(round(cfg.warmup * total_steps))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=max(total_steps - warmup, 1), alpha=0.0,
        warmup_target=cfg.lr, warmup_steps=warmup)


def _dataset(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, repeat: bool, augment=None):
    """Batches in [-1, 1]; training sets repeat (epochs are a step count), with optional augmentation."""
    ds = pipeline(x, y, batch_size, seed, shuffle=repeat, repeat=repeat)
    if augment is not None:
        # Sequential on purpose: the random layers advance one seed state per call, and parallel calls
        # would advance it in a thread-dependent order (a different result on every run).
        ds = ds.map(lambda a, b: (augment(a, training=True), b))
    return ds


def train_classifier(cfg: ClassifierConfig, train: tuple[np.ndarray, np.ndarray],
                     val: tuple[np.ndarray, np.ndarray] | None, seed: int, affine: bool = False,
                     model: keras.Model | None = None, callbacks: list | None = None,
                     num_classes: int | None = None) -> tuple[keras.Model, dict]:
    """Train (or fine-tune `model`) on uint8 digits; returns (model, info).

    The budget rule is the same for every caller: `cfg.epochs` epochs of `cfg.steps_per_epoch` steps (or one
    pass, at least `cfg.min_steps_per_epoch`) under the learning-rate schedule of `learning_rate`. Which weights
    are kept is `cfg.selection`: the final ones (`val` must then be None: no validation digit is touched), or
    (best_val) early stopping on `val` accuracy with the best weights restored.
    """
    x, y = train
    if len(y) == 0:
        raise ValueError("cannot train a classifier on an empty training set")
    if cfg.selection == "final" and val is not None:
        raise ValueError("selection=final keeps the final weights and may not look at validation digits; pass "
                         "val=None (or set selection=best_val)")
    # The network fits the images (size, channels) and the classes: `num_classes`, else 10 (MNIST's) unless the
    # labels need more.
    classes = num_classes or max(NUM_CLASSES, int(y.max()) + 1)
    model = model or build_classifier(cfg, seed, image_shape(x), classes)
    # A fixed step count gives every cell of a sweep the same compute, unless a large cell needs more passes.
    steps = steps_per_epoch(cfg, len(y))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate(cfg, steps * cfg.epochs)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    augment = affine_augmenter(seed, border_fill(x)) if affine else None
    ds = _dataset(x, y, cfg.batch_size, seed, repeat=True, augment=augment)
    cbs = list(callbacks or [])
    val_ds = None
    if val is not None and len(val[1]):
        val_ds = _dataset(val[0], val[1], 512, seed, repeat=False)
        if cfg.early_stopping_patience:
            # Under a cosine schedule the early epochs run at a high rate and their validation accuracy is noisy:
            # patience alone stopped a 10-epoch run at epoch 4 at 98.9%. So stopping (and choosing the best
            # weights) starts at the schedule's midpoint, where the rate has fallen to half its peak.
            start = cfg.epochs // 2 if cfg.schedule == "cosine" else 0
            cbs.append(keras.callbacks.EarlyStopping("val_accuracy", patience=cfg.early_stopping_patience,
                                                     restore_best_weights=True, start_from_epoch=start))
    cbs.append(FaultPoint())
    start = time.perf_counter()
    history = model.fit(ds, epochs=cfg.epochs, steps_per_epoch=steps, validation_data=val_ds,
                        callbacks=cbs, verbose=1 if sys.stdout.isatty() else 2)
    info = {"train_seconds": time.perf_counter() - start, "epochs_run": len(history.history["loss"]),
            "n_train": int(len(y)), "steps_per_epoch": steps}
    if val_ds is not None:
        info["best_val_accuracy"] = float(max(history.history["val_accuracy"]))
    return model, info


def predict(model: keras.Model, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities for uint8 (N, H, W[, C]) or float [-1, 1] (N, H, W, C) images."""
    return _forward(model, x, batch_size)


def features_and_probs(model: keras.Model, x: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate activations and class probabilities in one pass."""
    return _forward(feature_extractor(model), x, batch_size)


def _forward(model: keras.Model, x: np.ndarray, batch_size: int):
    if x.dtype == np.uint8:
        x = to_float(x)
    outs = [model([x[i:i + batch_size]], training=False) for i in range(0, len(x), batch_size)]
    if isinstance(outs[0], (list, tuple)):
        return tuple(np.concatenate([np.asarray(o[j]) for o in outs]) for j in range(len(outs[0])))
    return np.concatenate([np.asarray(o) for o in outs])


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predict(model, x).argmax(-1) == y))
