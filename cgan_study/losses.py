"""GAN losses as small pure functions of logits, with one-sided label smoothing, and gradient penalties."""
from __future__ import annotations

import tensorflow as tf


def _bce(logits: tf.Tensor, target: float) -> tf.Tensor:
    """Mean sigmoid cross-entropy of logits against a constant target."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.fill(tf.shape(logits), target), logits))


def discriminator_loss(kind: str, real: tf.Tensor, fake: tf.Tensor, label_smoothing: float = 0.0) -> tf.Tensor:
    """D's loss on real and fake logits. One-sided smoothing: real targets 1 - alpha, fake targets stay 0.

    Smoothing only the real side keeps D from being over-confident without rewarding G for samples
    where real data has no mass (smoothing the fake side would, Salimans et al. 2016).
    """
    real, fake = tf.cast(real, tf.float32), tf.cast(fake, tf.float32)
    if kind in ("ns", "minimax", "dragan"):
        return _bce(real, 1.0 - label_smoothing) + _bce(fake, 0.0)
    if kind == "lsgan":
        return 0.5 * tf.reduce_mean(tf.square(real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake))
    if kind in ("wgan", "wgan_gp"):
        return tf.reduce_mean(fake) - tf.reduce_mean(real)
    if kind == "hinge":
        return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))
    raise ValueError(f"unknown loss '{kind}'")


def generator_loss(kind: str, fake: tf.Tensor) -> tf.Tensor:
    """G's loss on the logits D gives its samples."""
    fake = tf.cast(fake, tf.float32)
    if kind in ("ns", "dragan"):
        return _bce(fake, 1.0)                    # non-saturating: maximise log D(G(z))
    if kind == "minimax":
        return -_bce(fake, 0.0)                   # the original game: minimise log(1 - D(G(z)))
    if kind == "lsgan":
        return 0.5 * tf.reduce_mean(tf.square(fake - 1.0))
    if kind in ("wgan", "wgan_gp", "hinge"):
        return -tf.reduce_mean(fake)
    raise ValueError(f"unknown loss '{kind}'")


def discriminator_accuracy(real: tf.Tensor, fake: tf.Tensor) -> tf.Tensor:
    """Fraction of real logits > 0 and fake logits < 0: the divergence guard watches it pin at 1."""
    real, fake = tf.cast(real, tf.float32), tf.cast(fake, tf.float32)
    hits = tf.reduce_sum(tf.cast(real > 0, tf.float32)) + tf.reduce_sum(tf.cast(fake < 0, tf.float32))
    return hits / tf.cast(tf.size(real) + tf.size(fake), tf.float32)


def gradient_penalty(critic, points: tf.Tensor, target: float = 1.0) -> tf.Tensor:
    """mean((||d critic / d x|| - target)^2) at `points`; `critic` maps images to logits."""
    with tf.GradientTape() as tape:
        tape.watch(points)
        logits = tf.cast(critic(points), tf.float32)
    grads = tape.gradient(logits, points)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-10)
    return tf.reduce_mean(tf.square(norms - target))


def wgan_gp_points(real: tf.Tensor, fake: tf.Tensor, eps: tf.Tensor) -> tf.Tensor:
    """Points on straight lines between real and fake samples, eps ~ U[0, 1] per example (Gulrajani 2017)."""
    return real + tf.reshape(eps, [-1, 1, 1, 1]) * (fake - real)


def dragan_points(real: tf.Tensor, noise: tf.Tensor) -> tf.Tensor:
    """Real samples perturbed by U[0, 1] noise scaled to half the batch's pixel std (Kodali et al. 2017)."""
    _, variance = tf.nn.moments(real, axes=[0, 1, 2, 3])
    return real + 0.5 * tf.sqrt(variance) * noise
