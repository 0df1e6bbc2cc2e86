"""Label-conditioned energy-based GAN (Zhao et al. 2017): D is an autoencoder whose reconstruction error is the
energy; D lowers the energy of real digits and pushes that of G's samples up to a margin m, G lowers the energy
of its samples, and a pulling-away term on D's codes of G's batch keeps those samples apart (against collapse).

Both networks see the label: G as in the CGAN (label embedding beside z), D by feeding the label's embedding
into its code, so an image that does not look like its label is hard to reconstruct (high energy).
"""
from __future__ import annotations

from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import tensorflow as tf
from keras import layers

from cgan_study.config import EBGANConfig, GANConfig, to_dict
from cgan_study.data import NUM_CLASSES
from cgan_study.generators import KerasGenerator
from cgan_study.generators.gan.networks import FAMILIES, build_generator, count_flops
from cgan_study.generators.shapes import MNIST_SHAPE, base_size
from cgan_study.generators.sampling import load_generator
from cgan_study.training.callbacks import Checkpointable, DivergenceGuard
from cgan_study.training.fit import GENERATOR_FILE, fit_resumable
from cgan_study.training.optimizers import make_optimizer

# The recipe of this code's generator artifacts: bump RECIPE when a change to RECIPE_CODE alters
# what training produces (above 1 it enters the artifact key, so every cached artifact of it is rebuilt); a
# behaviour-neutral change is recorded as such instead. tests/test_recipes.py holds the code's fingerprint and
# names the command that records a change (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/generators/ebgan.py",
               "cgan_study/generators/gan/networks.py",
               "cgan_study/generators/gan/layers.py",
               "cgan_study/generators/sampling.py",
               "cgan_study/training/fit.py",
               "cgan_study/training/callbacks.py",
               "cgan_study/training/budget.py",
               "cgan_study/training/optimizers.py")

CODE_DIM = 64
LABEL_EMBED = 16


def build_autoencoder(cfg: EBGANConfig, image_shape: tuple[int, int, int] = MNIST_SHAPE,
                      num_classes: int = NUM_CLASSES) -> keras.Model:
    """(image in [-1, 1], label) -> (reconstruction in [-1, 1], code): the energy function's two parts."""
    base, size, channels = base_size(image_shape), int(image_shape[0]), int(image_shape[2])
    x_in, y_in = keras.Input(tuple(image_shape), name="image"), keras.Input((1,), dtype="int32", name="label")
    w = cfg.d_width
    h = layers.Conv2D(w, 4, strides=2, padding="same", name=f"down{2 * base}")(x_in)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Conv2D(2 * w, 4, strides=2, padding="same", name=f"down{base}")(h)
    h = layers.LeakyReLU(0.2)(h)
    label = layers.Flatten()(layers.Embedding(num_classes, LABEL_EMBED, name="label_embedding")(y_in))
    code = layers.Dense(CODE_DIM, name="code")(layers.Concatenate()([layers.Flatten()(h), label]))
    h = layers.Dense(base * base * 2 * w, activation="relu", name="project")(layers.Concatenate()([code, label]))
    h = layers.Reshape((base, base, 2 * w))(h)
    h = layers.Conv2DTranspose(w, 4, strides=2, padding="same", activation="relu", name=f"up{2 * base}")(h)
    out = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh", name=f"up{size}")(h)
    return keras.Model([x_in, y_in], [out, code], name="ebgan_autoencoder")


def energy(images: tf.Tensor, reconstruction: tf.Tensor) -> tf.Tensor:
    """Per-image mean squared reconstruction error."""
    return tf.reduce_mean(tf.square(tf.cast(reconstruction, tf.float32) - tf.cast(images, tf.float32)), axis=[1, 2, 3])


def pulling_away(codes: tf.Tensor) -> tf.Tensor:
    """Mean squared cosine similarity between distinct codes of a batch (0 when all are orthogonal)."""
    s = tf.math.l2_normalize(tf.cast(codes, tf.float32), axis=1)
    n = tf.cast(tf.shape(s)[0], tf.float32)
    similarity = tf.square(tf.matmul(s, s, transpose_b=True))
    return (tf.reduce_sum(similarity) - tf.reduce_sum(tf.linalg.diag_part(similarity))) / (n * (n - 1.0))


def generator_config(cfg: EBGANConfig) -> GANConfig:
    """EBGAN's G is the CGAN's generator at EBGAN's width and latent size."""
    return GANConfig(latent_dim=cfg.latent_dim, g_width=cfg.g_width, batch_size=cfg.batch_size)


class EBGAN(Checkpointable, keras.Model):
    def __init__(self, cfg: EBGANConfig, seed: int = 0, image_shape: tuple[int, int, int] = MNIST_SHAPE,
                 num_classes: int = NUM_CLASSES, **kwargs):
        super().__init__(**kwargs)
        self.cfg, self.num_classes = cfg, num_classes
        keras.utils.set_random_seed(seed)
        self.generator = build_generator(generator_config(cfg), FAMILIES["cgan"], seed, image_shape, num_classes)
        self.autoencoder = build_autoencoder(cfg, image_shape, num_classes)
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ("d_loss", "g_loss", "energy_real", "energy_fake", "pull_away")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = make_optimizer("adam", self.cfg.d_lr, self.cfg.beta_1)
        self.g_optimizer = make_optimizer("adam", self.cfg.g_lr, self.cfg.beta_1)
        self.d_optimizer.build(self.autoencoder.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _energy(self, images, labels):
        reconstruction, code = self.autoencoder([images, labels], training=True)
        return energy(images, reconstruction), code

    def train_step(self, data):
        real, labels = data
        labels = tf.reshape(tf.cast(labels, tf.int32), (-1, 1))
        batch = tf.shape(real)[0]
        cfg = self.cfg
        z = keras.random.normal((batch, cfg.latent_dim), seed=self.seed_generator)
        fake = self.generator([z, labels], training=True)
        with tf.GradientTape() as tape:
            e_real, _ = self._energy(real, labels)
            e_fake, _ = self._energy(fake, labels)
            d_loss = tf.reduce_mean(e_real) + tf.reduce_mean(tf.nn.relu(cfg.margin - e_fake))
        grads = tape.gradient(d_loss, self.autoencoder.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.autoencoder.trainable_variables))

        # As in the CGAN, G is asked for uniformly random classes.
        g_labels = keras.random.randint((batch, 1), 0, self.num_classes, seed=self.seed_generator, dtype="int32")
        z = keras.random.normal((batch, cfg.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            g_fake = self.generator([z, g_labels], training=True)
            e_g, codes = self._energy(g_fake, g_labels)
            pull = pulling_away(codes)
            g_loss = tf.reduce_mean(e_g) + cfg.pt_weight * pull
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("energy_real", tf.reduce_mean(e_real)),
                            ("energy_fake", tf.reduce_mean(e_fake)), ("pull_away", pull)):
            self.trackers[name].update_state(value)
        logs = {name: t.result() for name, t in self.trackers.items()}
        logs.update(step_d_loss=d_loss, step_g_loss=g_loss)  # for the divergence guard (NaN/Inf)
        return logs

    def state_variables(self) -> list:
        return (list(self.generator.weights) + list(self.autoencoder.weights) + list(self.g_optimizer.variables)
                + list(self.d_optimizer.variables) + [self.seed_generator.state])


def spec(entry, exp) -> dict:
    return {"generator": entry.name, "ebgan": to_dict(exp.ebgan)}


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    cfg = exp.ebgan
    model = EBGAN(cfg, seed, digits.image_shape, digits.num_classes)
    model.compile()
    # No D-accuracy guard: an energy has no decision threshold; NaN/Inf losses still stop training.
    guard = DivergenceGuard(patience=0)
    info = fit_resumable(model, model.generator, digits, work_dir, seed, epochs=cfg.epochs, batch_size=cfg.batch_size,
                         min_steps_per_epoch=cfg.min_steps_per_epoch,
                         grid_generator=KerasGenerator(model.generator, True), callbacks=[guard])
    return {**info, "stopped_early": guard.reason, "g_flops_per_image": count_flops(model.generator),
            "d_flops_per_image": count_flops(model.autoencoder)}


def load(entry, path: Path) -> KerasGenerator:
    return KerasGenerator(load_generator(path / GENERATOR_FILE), conditional=True)
