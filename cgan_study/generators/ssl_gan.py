"""Semi-supervised GAN (Salimans et al. 2016, "Improved techniques for training GANs"): D is a K-class classifier
whose logits also say real or fake, G is unconditional and trained by feature matching.

D has K = 10 class logits l_1..l_K and no extra fake class: with Z(x) = sum_k exp(l_k(x)), D(x) = Z / (Z + 1), so
    log D(x)     = LSE(l) - softplus(LSE(l))
    log(1 - D(x)) = -softplus(LSE(l)).
D's loss is the supervised cross-entropy of softmax(l) on a labelled batch plus unsup_weight (1 by default) times
the unsupervised loss -E_real[log D(x)] - E_fake[log(1 - D(G(z)))] on an unlabelled batch and a batch of G's
samples. G minimises || E_real f(x) - E_fake f(G(z)) ||^2 (batch means, squared L2 norm over the units) with f
the output of D's layer `features` (the global average of its last conv block, the layer before the logits).

Training data: the k labelled digits per class with their labels, and a pool of images whose labels this module
never receives (`SemiSupervisedDigits` has no field for them). Each step draws one labelled and one unlabelled
batch (1:1 by default; the labelled digits repeat). The artifact holds generator.keras (z -> image, as every
family) and classifier.keras (image -> class probabilities); `load` returns both behind one object.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from cgan_study.config import SSLGANConfig, to_dict
from cgan_study.data import NUM_CLASSES, Split
from cgan_study.generators import KerasGenerator
from cgan_study.generators.gan.networks import count_flops
from cgan_study.generators.sampling import load_generator
from cgan_study.runtime import results
from cgan_study.training.callbacks import (Checkpointable, DivergenceGuard, FaultPoint, HistoryLogger, SampleGrid,
                                           StateCheckpoint, load_checkpoint)
from cgan_study.training.fit import CHECKPOINT_FILE, GENERATOR_FILE, GRID_FILE

# The recipe of this code's artifacts: bump RECIPE when a change to RECIPE_CODE alters what training produces (above 1
# it enters the artifact key); a behaviour-neutral change is recorded as such (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/generators/ssl_gan.py",
               "cgan_study/generators/sampling.py",
               "cgan_study/training/callbacks.py",
               "cgan_study/training/fit.py")

CLASSIFIER_FILE = "classifier.keras"
FEATURE_LAYER = "features"   # the layer feature matching reads


@dataclass(frozen=True)
class SemiSupervisedDigits:
    """What an SSL-GAN trains on: k labelled digits per class, and pool images without labels (uint8, as Split.x)."""
    labelled: Split
    pool: np.ndarray


# --------------------------------------------------------------------------- D's outputs and the losses

def real_logit(logits: tf.Tensor) -> tf.Tensor:
    """log Z(x) = LSE(l): D(x) = Z / (Z + 1) = sigmoid(LSE(l)), so LSE(l) is the real/fake logit."""
    return tf.reduce_logsumexp(tf.cast(logits, tf.float32), axis=-1)


def log_d(logits: tf.Tensor) -> tf.Tensor:
    """log D(x) = LSE(l) - softplus(LSE(l)), stable for large and small Z."""
    lse = real_logit(logits)
    return lse - tf.nn.softplus(lse)


def log_one_minus_d(logits: tf.Tensor) -> tf.Tensor:
    """log(1 - D(x)) = -softplus(LSE(l))."""
    return -tf.nn.softplus(real_logit(logits))


def real_probability(logits: tf.Tensor) -> tf.Tensor:
    """D(x) = Z / (Z + 1)."""
    return tf.sigmoid(real_logit(logits))


def supervised_loss(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """Mean cross-entropy of softmax(l) against the labels."""
    labels = tf.reshape(tf.cast(labels, tf.int32), (-1,))
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, tf.cast(logits, tf.float32)))


def unsupervised_loss(real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
    """-E_real[log D(x)] - E_fake[log(1 - D(G(z)))]."""
    return -tf.reduce_mean(log_d(real_logits)) - tf.reduce_mean(log_one_minus_d(fake_logits))


def feature_matching_loss(real_features: tf.Tensor, fake_features: tf.Tensor) -> tf.Tensor:
    """|| mean_batch f(real) - mean_batch f(fake) ||^2 (summed over the feature units)."""
    diff = tf.reduce_mean(tf.cast(real_features, tf.float32), 0) - tf.reduce_mean(tf.cast(fake_features, tf.float32), 0)
    return tf.reduce_sum(tf.square(diff))


# --------------------------------------------------------------------------- networks

def image_shape_of(x: np.ndarray) -> tuple[int, int, int]:
    """(size, size, channels) of uint8 images (N, H, W) or (N, H, W, C)."""
    shape = tuple(int(s) for s in x.shape[1:])
    shape = shape + (1,) if len(shape) == 2 else shape
    if len(shape) != 3 or shape[0] != shape[1] or shape[0] % 4:
        raise ValueError(f"the SSL-GAN takes square images whose side is a multiple of 4 (two stride-2 stages); "
                         f"got images of shape {x.shape[1:]}")
    return shape


def build_generator(cfg: SSLGANConfig, image_shape: tuple[int, int, int]) -> keras.Model:
    """z -> image in [-1, 1]: dense to (size/4)^2 maps, two stride-2 transposed convolutions (the DCGAN's G)."""
    side, channels, w = image_shape[0] // 4, image_shape[2], cfg.g_width
    z_in = keras.Input((cfg.latent_dim,), name="z")
    h = layers.Dense(side * side * 2 * w, use_bias=False, name="project")(z_in)
    h = layers.ReLU()(layers.BatchNormalization(name="project_norm")(h))
    h = layers.Reshape((side, side, 2 * w))(h)
    h = layers.Conv2DTranspose(w, 4, strides=2, padding="same", use_bias=False, name="up2")(h)
    h = layers.ReLU()(layers.BatchNormalization(name="up2_norm")(h))
    h = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name="up4")(h)
    return keras.Model(z_in, layers.Activation("tanh", name="image")(h), name="ssl_gan_generator")


def build_discriminator(cfg: SSLGANConfig, image_shape: tuple[int, int, int]) -> keras.Model:
    """image in [-1, 1] -> (K class logits, features). A small all-convolutional CNN in the spirit of Salimans et al.'s
    CIFAR D: Gaussian input noise, 3x3 convs with leaky ReLU, dropout after each stride-2 block, a 1x1 (network in
    network) conv and global average pooling, whose output is the feature-matching layer."""
    w = cfg.d_width
    x_in = keras.Input(image_shape, name="image")
    h = layers.GaussianNoise(cfg.input_noise, name="input_noise")(x_in)
    for i, (width, stride) in enumerate(((w, 1), (w, 2), (2 * w, 1), (2 * w, 2))):
        h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 3, strides=stride, padding="same", name=f"conv{i}")(h))
        if stride == 2:
            h = layers.Dropout(cfg.dropout, name=f"dropout{i}")(h)
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * w, 3, padding="valid", name="conv4")(h))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * w, 1, name="nin")(h))
    features = layers.GlobalAveragePooling2D(name=FEATURE_LAYER)(h)
    logits = layers.Dense(NUM_CLASSES, name="class_logits")(features)
    return keras.Model(x_in, [logits, features], name="ssl_gan_discriminator")


def build_classifier(discriminator: keras.Model) -> keras.Model:
    """image -> softmax of D's K logits (the saved classifier; noise and dropout are off outside training)."""
    probs = layers.Softmax(name="class_probabilities")(discriminator.outputs[0])
    return keras.Model(discriminator.inputs, probs, name="ssl_gan_classifier")


# --------------------------------------------------------------------------- the model

class SSLGAN(Checkpointable, keras.Model):
    """G and D trained under fit() on ((labelled images, labels), unlabelled images) batches."""

    def __init__(self, cfg: SSLGANConfig, image_shape: tuple[int, int, int], seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.cfg = cfg
        keras.utils.set_random_seed(seed)
        self.generator = build_generator(cfg, image_shape)
        self.discriminator = build_discriminator(cfg, image_shape)
        self.classifier = build_classifier(self.discriminator)
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ("d_loss", "supervised", "unsupervised", "g_loss", "labelled_acc", "d_real", "d_fake")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = keras.optimizers.Adam(self.cfg.d_lr, beta_1=self.cfg.beta_1)
        self.g_optimizer = keras.optimizers.Adam(self.cfg.g_lr, beta_1=self.cfg.beta_1)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def d_losses(self, x_lab, y_lab, x_unl, fake, training=True) -> dict[str, tf.Tensor]:
        """D's loss and its parts on one labelled, one unlabelled and one generated batch."""
        lab_logits, _ = self.discriminator(x_lab, training=training)
        real_logits, _ = self.discriminator(x_unl, training=training)
        fake_logits, _ = self.discriminator(fake, training=training)
        supervised = supervised_loss(lab_logits, y_lab)
        unsupervised = unsupervised_loss(real_logits, fake_logits)
        return {"d_loss": supervised + self.cfg.unsup_weight * unsupervised, "supervised": supervised,
                "unsupervised": unsupervised, "lab_logits": lab_logits, "real_logits": real_logits,
                "fake_logits": fake_logits}

    def g_loss(self, x_unl, fake, training=True) -> tf.Tensor:
        """Feature matching between an unlabelled real batch and a generated one (the real side is a constant)."""
        _, real_features = self.discriminator(x_unl, training=training)
        _, fake_features = self.discriminator(fake, training=training)
        return feature_matching_loss(tf.stop_gradient(real_features), fake_features)

    def _noise(self, batch):
        return keras.random.normal((batch, self.cfg.latent_dim), seed=self.seed_generator)

    def train_step(self, data):
        (x_lab, y_lab), x_unl = data
        batch = tf.shape(x_unl)[0]
        fake = self.generator(self._noise(batch), training=True)
        with tf.GradientTape() as tape:
            d = self.d_losses(x_lab, y_lab, x_unl, fake)
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d["d_loss"], variables), variables))

        z = self._noise(batch)
        with tf.GradientTape() as tape:
            g_loss = self.g_loss(x_unl, self.generator(z, training=True))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))

        y = tf.reshape(tf.cast(y_lab, tf.int32), (-1,))
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(d["lab_logits"], -1, output_type=tf.int32), y), tf.float32))
        for name, value in (("d_loss", d["d_loss"]), ("supervised", d["supervised"]),
                            ("unsupervised", d["unsupervised"]), ("g_loss", g_loss), ("labelled_acc", acc),
                            ("d_real", tf.reduce_mean(real_probability(d["real_logits"]))),
                            ("d_fake", tf.reduce_mean(real_probability(d["fake_logits"])))):
            self.trackers[name].update_state(value)
        logs = {name: t.result() for name, t in self.trackers.items()}
        logs.update(step_d_loss=d["d_loss"], step_g_loss=g_loss)  # for the divergence guard (NaN/Inf)
        return logs

    def state_variables(self) -> list:
        # `variables`, not `weights`: they include the seed states of D's noise and dropout layers, which a
        # bit-for-bit resume needs as much as the weights, BN statistics and optimiser slots.
        return (list(self.generator.variables) + list(self.discriminator.variables)
                + list(self.g_optimizer.variables) + list(self.d_optimizer.variables) + [self.seed_generator.state])


# --------------------------------------------------------------------------- data

def _to_float(images: tf.Tensor, has_channel: bool) -> tf.Tensor:
    images = tf.cast(images, tf.float32) / 127.5 - 1.0
    return images if has_channel else images[..., None]


def training_stream(digits: SemiSupervisedDigits, cfg: SSLGANConfig, seed: int):
    """((labelled images, labels), unlabelled images) per step, images in [-1, 1] with a channel axis.

    Two seeded streams, each shuffled anew every pass and repeated for ever: one step's batches depend only on the
    seed and the step's number, so a resumed run that skips the steps it has done continues exactly."""
    x_lab, y_lab, pool = digits.labelled.x, digits.labelled.y.astype(np.int32), digits.pool
    labelled = (tf.data.Dataset.from_tensor_slices((x_lab, y_lab))
                .shuffle(len(y_lab), seed=seed, reshuffle_each_iteration=True).repeat()
                .batch(cfg.labelled_batch, drop_remainder=True)
                .map(lambda x, y: (_to_float(x, x_lab.ndim == 4), y)))
    unlabelled = (tf.data.Dataset.from_tensor_slices(pool)
                  .shuffle(len(pool), seed=seed + 1, reshuffle_each_iteration=True).repeat()
                  .batch(cfg.unlabelled_batch, drop_remainder=True)
                  .map(lambda x: _to_float(x, pool.ndim == 4)))
    options = tf.data.Options()
    options.autotune.enabled = False  # as data.pipeline: the autotuner stalls the input when processes share a CPU
    return tf.data.Dataset.zip((labelled, unlabelled)).prefetch(2).with_options(options)


# --------------------------------------------------------------------------- training, the artifact, the registry

def check_digits(digits: SemiSupervisedDigits) -> None:
    if not isinstance(digits.pool, np.ndarray):
        raise TypeError(f"the pool is images only (a uint8 array), not {type(digits.pool).__name__}: no label of the "
                        "pool is ever given to the SSL-GAN; pass split.x")
    x, y, pool = digits.labelled.x, digits.labelled.y, digits.pool
    if len(y) == 0 or len(pool) == 0:
        raise ValueError(f"the SSL-GAN needs labelled digits and a pool; got {len(y)} labelled, {len(pool)} in the pool")
    if x.dtype != np.uint8 or pool.dtype != np.uint8:
        raise ValueError(f"the SSL-GAN takes uint8 images (0-255, as Split.x); got {x.dtype} and {pool.dtype}")
    if image_shape_of(x) != image_shape_of(pool):
        raise ValueError(f"labelled images {x.shape[1:]} and pool images {pool.shape[1:]} differ in shape")
    if y.min() < 0 or y.max() >= NUM_CLASSES:
        raise ValueError(f"labels must lie in 0..{NUM_CLASSES - 1}; got {y.min()}..{y.max()}")


def build_model(cfg: SSLGANConfig, image_shape: tuple[int, int, int], seed: int) -> SSLGAN:
    model = SSLGAN(cfg, image_shape, seed)
    model.compile()
    return model


def train_ssl_gan(labelled: Split, pool: np.ndarray, cfg: SSLGANConfig, work_dir: Path, seed: int) -> dict:
    """Train into `work_dir` (history.jsonl, a grid and a checkpoint per epoch, generator.keras, classifier.keras);
    an interrupted training resumes from its last epoch, bit for bit. `pool` is images only: no label of it is
    ever given. Returns the summary that becomes the artifact's metrics.json."""
    digits = SemiSupervisedDigits(labelled, pool)
    check_digits(digits)
    work_dir = Path(work_dir)
    model = build_model(cfg, image_shape_of(pool), seed)
    run = results.Run(work_dir)
    done_epochs = load_checkpoint(model, work_dir / CHECKPOINT_FILE)
    run.truncate_history(done_epochs)
    ds = training_stream(digits, cfg, seed).skip(done_epochs * cfg.steps_per_epoch)
    grid = SampleGrid(KerasGenerator(model.generator, False), work_dir)
    guard = DivergenceGuard(patience=0)  # no D-accuracy rule (D is mostly a classifier); NaN/Inf losses stop it
    callbacks = [guard, StateCheckpoint(model, work_dir / CHECKPOINT_FILE), HistoryLogger(run), grid, FaultPoint()]
    start = time.perf_counter()
    if done_epochs < cfg.epochs:
        model.fit(ds, epochs=cfg.epochs, initial_epoch=done_epochs, steps_per_epoch=cfg.steps_per_epoch,
                  callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2)
    seconds = time.perf_counter() - start
    grid.write(GRID_FILE)
    results.save_keras_model(work_dir / GENERATOR_FILE, model.generator)
    results.save_keras_model(work_dir / CLASSIFIER_FILE, model.classifier)
    history = run.history()
    return {"epochs_run": len(history), "resumed_from_epoch": done_epochs, "steps_per_epoch": cfg.steps_per_epoch,
            "train_seconds": seconds, "n_train": len(labelled), "n_labelled": len(labelled),
            "n_pool": len(pool),
            "final": history[-1] if history else {}, "stopped_early": guard.reason,
            "g_flops_per_image": count_flops(model.generator), "d_flops_per_image": count_flops(model.classifier)}


class SSLGANModel(KerasGenerator):
    """A trained SSL-GAN: an unconditional Generator (generate / sample) and a classifier (predict_proba)."""

    def __init__(self, generator: keras.Model, classifier: keras.Model):
        super().__init__(generator, conditional=False)
        self.classifier = classifier

    def sample(self, n: int, seed: int) -> np.ndarray:
        """n images in [-1, 1], (n, size, size, channels); the same seed gives the same images."""
        return self.generate(None, seed=seed, n=n)

    def predict_proba(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Class probabilities (N, 10), the softmax of D's logits, for uint8 images (0-255, (N, H, W[, C])) or float
        images in [-1, 1] with a channel axis."""
        x = np.asarray(images)
        if x.dtype == np.uint8:
            x = x.astype(np.float32) / 127.5 - 1.0
            x = x[..., None] if x.ndim == 3 else x
        elif x.ndim != 4 or x.size and (x.min() < -1.0 or x.max() > 1.0):
            raise ValueError(f"predict_proba takes uint8 images or float images in [-1, 1] of shape (N, H, W, C); "
                             f"got {x.dtype} {x.shape}")
        out = [np.asarray(self.classifier(x[i:i + batch_size].astype(np.float32), training=False))
               for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)


def load_ssl_gan(path: Path) -> SSLGANModel:
    path = Path(path)
    classifier = keras.saving.load_model(path / CLASSIFIER_FILE, compile=False, safe_mode=True)
    return SSLGANModel(load_generator(path / GENERATOR_FILE), classifier)


# The registry's hooks. Through stages.get_generator `digits` is a Split (all of it labelled: the pool is the same
# images, a fully supervised SSL-GAN); the semi-supervised protocol passes SemiSupervisedDigits.

def spec(entry, exp) -> dict:
    return {"generator": entry.name, "ssl_gan": to_dict(exp.ssl_gan)}


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    if isinstance(digits, Split):
        digits = SemiSupervisedDigits(digits, digits.x)
    return train_ssl_gan(digits.labelled, digits.pool, exp.ssl_gan, work_dir, seed)


def load(entry, path: Path) -> SSLGANModel:
    return load_ssl_gan(path)
