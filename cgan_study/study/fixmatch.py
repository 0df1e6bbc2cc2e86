"""FixMatch-style pseudo-labelling (Sohn et al. 2020): the semi-supervised baseline a generator must beat.

One step sees a batch of B labelled digits and mu x B unlabelled ones. The labelled digits are seen through the weak
view and trained on their labels (cross-entropy). Each unlabelled digit is seen twice: through the weak view, whose
prediction (no gradient) gives a pseudo-label when its top probability reaches the threshold, and through the strong
view, which is trained towards that pseudo-label. The loss is

    CE(labelled weak) + UNLABELLED_WEIGHT x mean over the unlabelled batch of mask x CE(strong, argmax weak),
    mask = max weak probability >= THRESHOLD,

the mean taken over the whole unlabelled batch (masked-out digits count as zero), as in the paper.

The recipe is the paper's published defaults, fixed here before any run (issue 41: no recipe setting is judged on
test accuracy, and none is tuned at all): threshold 0.95, mu = 7, weight 1, labelled batch 64. The network and the
optimiser are the downstream classifier's (classifier section: the same CNN, Adam, warm-up and cosine decay to 0 over
the whole budget), so FixMatch differs from the other arms by its use of the unlabelled pool alone; the paper's SGD
with Nesterov momentum and weight decay belong to its WideResNet and 2^20 steps, which these 2 cores cannot pay.
The step budget is a config value (fixmatch section), set from measured speed. Final weights, no early stopping, no
validation digit: the pool's images arrive here without labels (study/semi_supervised.py).
"""
from __future__ import annotations

import sys
import time

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np
from keras import ops

from cgan_study.config import ClassifierConfig, FixMatchConfig
from cgan_study.data import MIN_UNLABELLED
from cgan_study.training import classifier as clf
from cgan_study.training.callbacks import FaultPoint

THRESHOLD = 0.95          # confidence a weak-view prediction needs to become a pseudo-label
MU = 7                    # unlabelled digits per labelled digit in a batch
UNLABELLED_WEIGHT = 1.0   # lambda_u
LABELLED_BATCH = 64       # B
assert MU * LABELLED_BATCH == MIN_UNLABELLED, "data.MIN_UNLABELLED is one unlabelled batch of this recipe"

# The strong view: safe for digits. No flips (a mirrored 2 or 7 is no digit) and rotations of at most 15 degrees (a 6
# turned into a 9 needs 180): a stronger random affine than the weak view's (rotation +-15 degrees, shift +-15%, zoom
# +-20%, shear +-0.2), brightness and contrast jitter, and cutout of a 12x12 square set to the background.
STRONG_ROTATION_DEGREES, STRONG_SHIFT, STRONG_ZOOM, STRONG_SHEAR = 15.0, 0.15, 0.2, 0.2
STRONG_BRIGHTNESS, STRONG_CONTRAST, CUTOUT = 0.3, 0.5, 12


# The recipe version of the cached baselines: bump RECIPE when a change to RECIPE_CODE alters what training produces
# (above 1 it enters the baseline's key); a behaviour-neutral change is recorded as such (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/study/fixmatch.py", "cgan_study/study/semi_supervised.py",
               "cgan_study/training/classifier.py")


def recipe() -> dict:
    """The fixed recipe, for the artifact keys and the run's metrics."""
    return {"threshold": THRESHOLD, "mu": MU, "unlabelled_weight": UNLABELLED_WEIGHT,
            "labelled_batch": LABELLED_BATCH, "weak": "affine",
            "strong": {"rotation": STRONG_ROTATION_DEGREES, "shift": STRONG_SHIFT, "zoom": STRONG_ZOOM,
                       "shear": STRONG_SHEAR, "brightness": STRONG_BRIGHTNESS, "contrast": STRONG_CONTRAST,
                       "cutout": CUTOUT}}


class Cutout(keras.layers.Layer):
    """A size x size square at a random place in each image set to `fill` (the background), seeded."""

    def __init__(self, size: int, seed: int, fill: float = -1.0, **kwargs):
        super().__init__(**kwargs)
        self.size, self.fill, self.seed_generator = size, fill, keras.random.SeedGenerator(seed)

    def call(self, x, training=True):
        if not training:
            return x
        n, h, w = ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[2]
        centre = keras.random.uniform((n, 2), 0.0, 1.0, seed=self.seed_generator) * ops.cast(
            ops.stack([h, w]), "float32")
        rows = ops.cast(ops.arange(h), "float32")[None, :, None]
        cols = ops.cast(ops.arange(w), "float32")[None, None, :]
        half = self.size / 2
        inside = (ops.abs(rows - centre[:, 0, None, None]) < half) & (ops.abs(cols - centre[:, 1, None, None]) < half)
        return ops.where(inside[..., None], self.fill, x)


def strong_augmenter(seed: int, background: float = -1.0) -> keras.Sequential:
    """The strong view; uncovered and cut-out pixels take `background` (classifier.border_fill of the images)."""
    fill = {"fill_mode": "constant", "fill_value": background}
    return keras.Sequential([
        keras.layers.RandomRotation(STRONG_ROTATION_DEGREES / 360, seed=seed, **fill),
        keras.layers.RandomShear(STRONG_SHEAR, STRONG_SHEAR, seed=seed + 1, **fill),
        keras.layers.RandomTranslation(STRONG_SHIFT, STRONG_SHIFT, seed=seed + 2, **fill),
        keras.layers.RandomZoom(STRONG_ZOOM, seed=seed + 3, **fill),
        keras.layers.RandomBrightness(STRONG_BRIGHTNESS, value_range=(-1.0, 1.0), seed=seed + 4),
        keras.layers.RandomContrast(STRONG_CONTRAST, value_range=(-1.0, 1.0), seed=seed + 5),
        Cutout(CUTOUT, seed=seed + 6, fill=background),
    ], name="strong")


def fixmatch_loss(y_labelled, probs_labelled, probs_weak, probs_strong, threshold: float = THRESHOLD,
                  weight: float = UNLABELLED_WEIGHT) -> dict:
    """The FixMatch loss from class probabilities: {loss, supervised, unsupervised, mask}.

    The pseudo-label and the mask come from the weak view's probabilities (gradient stopped); the unlabelled
    cross-entropy is the strong view's. `mask` is per unlabelled example (1.0 = passed the threshold)."""
    supervised = ops.mean(keras.losses.sparse_categorical_crossentropy(y_labelled, probs_labelled))
    weak = ops.stop_gradient(probs_weak)
    pseudo = ops.argmax(weak, axis=-1)
    mask = ops.cast(ops.max(weak, axis=-1) >= threshold, "float32")
    unsupervised = ops.mean(mask * keras.losses.sparse_categorical_crossentropy(pseudo, probs_strong))
    return {"loss": supervised + weight * unsupervised, "supervised": supervised, "unsupervised": unsupervised,
            "mask": mask}


class FixMatch(keras.Model):
    """The classifier `network` trained by FixMatch under `fit`: data are ((labelled weak, labels), (unlabelled
    weak, unlabelled strong)) batches, already augmented by the input pipeline."""

    def __init__(self, network: keras.Model, threshold: float = THRESHOLD, weight: float = UNLABELLED_WEIGHT,
                 **kwargs):
        super().__init__(**kwargs)
        self.network, self.threshold, self.weight = network, threshold, weight
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("loss", "supervised", "unsupervised", "mask_rate")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, x, training=False):
        return self.network(x, training=training)

    def train_step(self, data):
        import tensorflow as tf

        (x_l, y_l), (u_weak, u_strong) = data
        n_l, n_u = tf.shape(x_l)[0], tf.shape(u_weak)[0]
        with tf.GradientTape() as tape:
            # One forward pass over all three parts (as in the paper's code): one set of dropout draws per step.
            probs = self.network(tf.concat([x_l, u_weak, u_strong], axis=0), training=True)
            out = fixmatch_loss(y_l, probs[:n_l], probs[n_l:n_l + n_u], probs[n_l + n_u:], self.threshold,
                                self.weight)
        weights = self.network.trainable_weights
        self.optimizer.apply(tape.gradient(out["loss"], weights), weights)
        for name in ("loss", "supervised", "unsupervised"):
            self.trackers[name].update_state(out[name])
        self.trackers["mask_rate"].update_state(ops.mean(out["mask"]))
        return {name: tracker.result() for name, tracker in self.trackers.items()}


def datasets(x_l: np.ndarray, y_l: np.ndarray, x_u: np.ndarray, seed: int, batch: int = LABELLED_BATCH,
             mu: int = MU):
    """The zipped, repeating input: labelled digits through the weak view; unlabelled ones through both views."""
    import tensorflow as tf

    from cgan_study.data import PREFETCH_BATCHES, pipeline

    labelled = pipeline(x_l, y_l, batch, seed, shuffle=True, repeat=True, drop_remainder=True)
    fill = clf.border_fill(x_l)   # the background, from the labelled images (-1 for digits, +1 for white icons)
    weak_l, weak_u = clf.affine_augmenter(seed, fill), clf.affine_augmenter(seed + 100, fill)
    strong = strong_augmenter(seed + 200, fill)
    # Sequential maps on purpose (classifier._dataset): each random layer advances one seed state per call.
    labelled = labelled.map(lambda a, b: (weak_l(a, training=True), b))
    unlabelled = (tf.data.Dataset.from_tensor_slices(x_u)
                  .shuffle(len(x_u), seed=seed + 1, reshuffle_each_iteration=True).repeat()
                  .batch(mu * batch, drop_remainder=True)
                  .map(lambda img: (tf.cast(img, tf.float32) / 127.5 - 1.0)[..., None])
                  .map(lambda u: (weak_u(u, training=True), strong(u, training=True))))
    options = tf.data.Options()
    options.autotune.enabled = False   # as data.pipeline: the autotuner stalls two runs sharing the CPU
    return tf.data.Dataset.zip((labelled, unlabelled)).prefetch(PREFETCH_BATCHES).with_options(options)


def train_fixmatch(cfg: ClassifierConfig, fm: FixMatchConfig, labelled: tuple[np.ndarray, np.ndarray],
                   unlabelled: np.ndarray, seed: int, callbacks: list | None = None) -> tuple[keras.Model, dict]:
    """Train the classifier of `cfg` by FixMatch on uint8 labelled digits and unlabelled images; (network, info).

    `unlabelled` is images only: no label of the pool reaches this function. The budget is fm.epochs x
    fm.steps_per_epoch steps under the classifier's learning-rate rule; the final weights are kept."""
    x_l, y_l = labelled
    if len(y_l) == 0 or len(unlabelled) < MU * LABELLED_BATCH:
        raise ValueError(f"FixMatch needs labelled digits and at least {MU * LABELLED_BATCH} unlabelled ones (one "
                         f"batch); got {len(y_l)} and {len(unlabelled)}")
    network = clf.build_classifier(cfg, seed)
    model = FixMatch(network)
    steps = fm.epochs * fm.steps_per_epoch
    model.compile(optimizer=keras.optimizers.Adam(clf.learning_rate(cfg, steps)))
    start = time.perf_counter()
    history = model.fit(datasets(x_l, y_l, unlabelled, seed), epochs=fm.epochs, steps_per_epoch=fm.steps_per_epoch,
                        callbacks=[*(callbacks or []), FaultPoint()], verbose=1 if sys.stdout.isatty() else 2)
    h = history.history
    info = {"train_seconds": time.perf_counter() - start, "epochs_run": len(h["loss"]), "steps": steps,
            "n_train": int(len(y_l)), "n_unlabelled": int(len(unlabelled)),
            # The training curve of the budget's doubling check (no test digit, no pool label).
            "loss_per_epoch": [float(v) for v in h["loss"]], "mask_rate_per_epoch": [float(v) for v in h["mask_rate"]],
            "final_loss": float(h["loss"][-1]), "final_mask_rate": float(h["mask_rate"][-1])}
    return network, info


def pseudo_labels(network: keras.Model, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The network's labels for un-augmented images, and their top probabilities."""
    probs = clf.predict(network, images)
    return probs.argmax(-1).astype(np.uint8), probs.max(-1).astype(np.float32)
