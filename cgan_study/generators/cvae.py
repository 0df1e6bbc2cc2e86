"""Conditional VAE (Kingma et al. 2014; Sohn et al. 2015): conv encoder q(z | x, y), conv decoder p(x | z, y).

Pixels in [0, 1] are modelled as Bernoulli, so the reconstruction term is the summed binary cross-entropy and
the loss is the negative ELBO (in nats per image; `beta` != 1 weights the KL term). A sample is the decoder's
mean image for z ~ N(0, I), rescaled to [-1, 1].
"""
from __future__ import annotations

from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import tensorflow as tf
from keras import layers

from cgan_study.config import CVAEConfig, to_dict
from cgan_study.data import NUM_CLASSES
from cgan_study.generators import KerasGenerator
from cgan_study.generators.shapes import MNIST_SHAPE, base_size
from cgan_study.generators.sampling import load_generator
from cgan_study.training.callbacks import Checkpointable
from cgan_study.training.fit import GENERATOR_FILE, fit_resumable

# The recipe of this code's generator artifacts: bump RECIPE when a change to RECIPE_CODE alters
# what training produces (above 1 it enters the artifact key, so every cached artifact of it is rebuilt); a
# behaviour-neutral change is recorded as such instead. tests/test_recipes.py holds the code's fingerprint and
# names the command that records a change (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/generators/cvae.py",
               "cgan_study/generators/sampling.py",
               "cgan_study/training/fit.py",
               "cgan_study/training/callbacks.py",
               "cgan_study/training/budget.py")

LABEL_EMBED = 16


def _label_features(y, name: str, num_classes: int):
    return layers.Flatten()(layers.Embedding(num_classes, LABEL_EMBED, name=name)(y))


def build_encoder(cfg: CVAEConfig, image_shape: tuple[int, int, int] = MNIST_SHAPE,
                  num_classes: int = NUM_CLASSES) -> keras.Model:
    """(image in [-1, 1] of image_shape, label) -> (mean, log-variance) of q(z | x, y)."""
    base = base_size(image_shape)
    x_in, y_in = keras.Input(tuple(image_shape), name="image"), keras.Input((1,), dtype="int32", name="label")
    h = layers.Conv2D(cfg.width, 4, strides=2, padding="same", activation="relu", name=f"down{2 * base}")(x_in)
    h = layers.Conv2D(2 * cfg.width, 4, strides=2, padding="same", activation="relu", name=f"down{base}")(h)
    h = layers.Concatenate()([layers.Flatten()(h), _label_features(y_in, "encoder_label", num_classes)])
    h = layers.Dense(256, activation="relu", name="hidden")(h)
    mean = layers.Dense(cfg.latent_dim, name="z_mean")(h)
    log_var = layers.Dense(cfg.latent_dim, name="z_log_var")(h)
    return keras.Model([x_in, y_in], [mean, log_var], name="cvae_encoder")


def build_decoder(cfg: CVAEConfig, image_shape: tuple[int, int, int] = MNIST_SHAPE,
                  num_classes: int = NUM_CLASSES) -> keras.Model:
    """(z, label) -> Bernoulli logits of every pixel and channel (28x28x1 by default)."""
    base, size, channels = base_size(image_shape), int(image_shape[0]), int(image_shape[2])
    z_in, y_in = keras.Input((cfg.latent_dim,), name="z"), keras.Input((1,), dtype="int32", name="label")
    h = layers.Concatenate(name="z_and_label")([z_in, _label_features(y_in, "decoder_label", num_classes)])
    h = layers.Dense(base * base * 2 * cfg.width, activation="relu", name="project")(h)
    h = layers.Reshape((base, base, 2 * cfg.width))(h)
    h = layers.Conv2DTranspose(cfg.width, 4, strides=2, padding="same", activation="relu", name=f"up{2 * base}")(h)
    logits = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name=f"up{size}")(h)
    return keras.Model([z_in, y_in], logits, name="cvae_decoder")


def build_sampler(decoder: keras.Model) -> keras.Model:
    """The decoder's mean image in [-1, 1]: the part that is saved and sampled."""
    mean = layers.Activation("sigmoid", name="pixel_mean")(decoder.outputs[0])
    return keras.Model(decoder.inputs, layers.Rescaling(2.0, offset=-1.0, name="to_pm1")(mean), name="cvae_sampler")


def negative_elbo(target01: tf.Tensor, logits: tf.Tensor, mean: tf.Tensor, log_var: tf.Tensor):
    """Per-image reconstruction (summed Bernoulli cross-entropy) and KL(q(z|x,y) || N(0, I)), in nats."""
    recon = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=target01, logits=logits), axis=[1, 2, 3])
    kl = -0.5 * tf.reduce_sum(1.0 + log_var - tf.square(mean) - tf.exp(log_var), axis=1)
    return recon, kl


class CVAE(Checkpointable, keras.Model):
    """Encoder and decoder trained on (image, label) batches by the reparameterised ELBO under fit()."""

    def __init__(self, cfg: CVAEConfig, seed: int = 0, image_shape: tuple[int, int, int] = MNIST_SHAPE,
                 num_classes: int = NUM_CLASSES, **kwargs):
        super().__init__(**kwargs)
        self.cfg = cfg
        keras.utils.set_random_seed(seed)
        self.encoder = build_encoder(cfg, image_shape, num_classes)
        self.decoder = build_decoder(cfg, image_shape, num_classes)
        self.sampler = build_sampler(self.decoder)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "recon", "kl", "elbo")}

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.vae_optimizer = keras.optimizers.Adam(self.cfg.lr)
        self.vae_optimizer.build(self.encoder.trainable_variables + self.decoder.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        return self.sampler(inputs, training=training)

    def train_step(self, data):
        images, labels = data
        labels = tf.reshape(tf.cast(labels, tf.int32), (-1, 1))
        target = (images + 1.0) / 2.0
        variables = self.encoder.trainable_variables + self.decoder.trainable_variables
        with tf.GradientTape() as tape:
            mean, log_var = self.encoder([images, labels], training=True)
            eps = keras.random.normal(tf.shape(mean), seed=self.seed_generator)
            z = mean + tf.exp(0.5 * log_var) * eps
            recon, kl = negative_elbo(target, self.decoder([z, labels], training=True), mean, log_var)
            loss = tf.reduce_mean(recon + self.cfg.beta * kl)
        self.vae_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        for name, value in (("loss", loss), ("recon", tf.reduce_mean(recon)), ("kl", tf.reduce_mean(kl)),
                            ("elbo", -tf.reduce_mean(recon + kl))):
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def state_variables(self) -> list:
        return (list(self.encoder.weights) + list(self.decoder.weights) + list(self.vae_optimizer.variables)
                + [self.seed_generator.state])


def spec(entry, exp) -> dict:
    return {"generator": entry.name, "cvae": to_dict(exp.cvae)}


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    cfg = exp.cvae
    model = CVAE(cfg, seed, digits.image_shape, digits.num_classes)
    model.compile()
    info = fit_resumable(model, model.sampler, digits, work_dir, seed, epochs=cfg.epochs, batch_size=cfg.batch_size,
                         min_steps_per_epoch=cfg.min_steps_per_epoch,
                         grid_generator=KerasGenerator(model.sampler, True))
    # The ELBO (nats per training image, last epoch's mean), reported beside the sample metrics.
    return {**info, "elbo": info["final"].get("elbo")}


def load(entry, path: Path) -> KerasGenerator:
    return KerasGenerator(load_generator(path / GENERATOR_FILE), conditional=True)
