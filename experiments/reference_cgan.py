"""The keras.io "Conditional GAN" example's published architecture, rebuilt as a benchmark reference."""
from __future__ import annotations

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import tensorflow as tf

LATENT = 128
CLASSES = 10


def build_generator() -> keras.Model:
    """Dense(7*7*138) -> 2 x Conv2DTranspose(128, 4, stride 2) + LeakyReLU -> Conv2D(1, 7, sigmoid)."""
    channels = LATENT + CLASSES
    return keras.Sequential([
        keras.Input((channels,)),
        keras.layers.Dense(7 * 7 * channels), keras.layers.LeakyReLU(0.2),
        keras.layers.Reshape((7, 7, channels)),
        keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2D(1, 7, padding="same", activation="sigmoid"),
    ], name="keras_io_generator")


def build_discriminator() -> keras.Model:
    """Image with 10 one-hot label channels -> Conv2D(64, 3, s2) -> Conv2D(128, 3, s2) -> GlobalMaxPool -> Dense(1)."""
    return keras.Sequential([
        keras.Input((28, 28, 1 + CLASSES)),
        keras.layers.Conv2D(64, 3, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2D(128, 3, strides=2, padding="same"), keras.layers.LeakyReLU(0.2),
        keras.layers.GlobalMaxPooling2D(), keras.layers.Dense(1),
    ], name="keras_io_discriminator")


class ReferenceCGAN(keras.Model):
    """The example's train_step: one D step on fake+real, one G step, Adam 3e-4, binary cross-entropy."""

    def __init__(self, seed: int = 0):
        super().__init__()
        self.generator, self.discriminator = build_generator(), build_discriminator()
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def compile(self):
        super().compile()
        self.d_optimizer = keras.optimizers.Adam(3e-4)
        self.g_optimizer = keras.optimizers.Adam(3e-4)

    def train_step(self, data):
        real, labels = data
        batch = tf.shape(real)[0]
        one_hot = tf.one_hot(labels, CLASSES)
        label_maps = tf.tile(one_hot[:, None, None, :], [1, 28, 28, 1])
        z = keras.random.normal((batch, LATENT), seed=self.seed_generator)
        fake = self.generator(tf.concat([z, one_hot], 1))
        images = tf.concat([tf.concat([fake, label_maps], -1), tf.concat([real, label_maps], -1)], 0)
        targets = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], 0)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(targets, self.discriminator(images))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        z = keras.random.normal((batch, LATENT), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake = self.generator(tf.concat([z, one_hot], 1))
            g_loss = self.loss_fn(tf.zeros((batch, 1)), self.discriminator(tf.concat([fake, label_maps], -1)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return {"d_loss": d_loss, "g_loss": g_loss}
