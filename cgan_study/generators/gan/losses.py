"""GAN losses as declared records (D loss, G loss, smoothing, penalty, clipping), and the gradient penalties."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


class _TensorFlow:
    """This module's `tf`: TensorFlow, imported (quietly) on first use. Config validation reads the loss records
    below, and `python -m experiments.sweep --dry-run` or a bad --set should not wait seconds for TensorFlow."""

    def __getattr__(self, name: str):
        global tf
        import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
        import tensorflow

        tf = tensorflow
        return getattr(tensorflow, name)


tf = _TensorFlow()


def _bce(logits: tf.Tensor, target: float) -> tf.Tensor:
    """Mean sigmoid cross-entropy of logits against a constant target."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.fill(tf.shape(logits), target), logits))


def _d_cross_entropy(real, fake, smoothing):
    # One-sided smoothing: real targets 1 - alpha, fake targets stay 0. Smoothing only the real side keeps D
    # from being over-confident without rewarding G where real data has no mass (Salimans et al. 2016).
    return _bce(real, 1.0 - smoothing) + _bce(fake, 0.0)


def _d_least_squares(real, fake, smoothing):
    return 0.5 * tf.reduce_mean(tf.square(real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake))


def _d_wasserstein(real, fake, smoothing):
    return tf.reduce_mean(fake) - tf.reduce_mean(real)


def _d_hinge(real, fake, smoothing):
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))


@dataclass(frozen=True)
class Loss:
    """A GAN objective as data, read by the train step and by config validation alike.

    Every D here returns an unbounded score (a logit); `cross_entropy` says the score is read through a sigmoid
    against targets in [0, 1], the only case where one-sided label smoothing means anything.
    """
    name: str
    d_loss: Callable[[tf.Tensor, tf.Tensor, float], tf.Tensor]   # (real scores, fake scores, smoothing)
    g_loss: Callable[[tf.Tensor], tf.Tensor]                     # (scores D gives G's samples)
    cross_entropy: bool = False
    penalty: str | None = None        # gradient penalty at "interpolates" (WGAN-GP) or "perturbed_real" (DRAGAN)
    clip_weights: bool = False        # critic weights clipped to [-c, c] after each D step (WGAN)
    reference: str = ""


LOSSES = {loss.name: loss for loss in (
    Loss("ns", _d_cross_entropy, lambda fake: _bce(fake, 1.0), cross_entropy=True,     # maximise log D(G(z))
         reference="Goodfellow et al. 2014, non-saturating"),
    Loss("minimax", _d_cross_entropy, lambda fake: -_bce(fake, 0.0), cross_entropy=True,  # min log(1 - D(G(z)))
         reference="Goodfellow et al. 2014"),
    Loss("lsgan", _d_least_squares, lambda fake: 0.5 * tf.reduce_mean(tf.square(fake - 1.0)),
         reference="Mao et al. 2017"),
    Loss("wgan", _d_wasserstein, lambda fake: -tf.reduce_mean(fake), clip_weights=True,
         reference="Arjovsky et al. 2017"),
    Loss("wgan_gp", _d_wasserstein, lambda fake: -tf.reduce_mean(fake), penalty="interpolates",
         reference="Gulrajani et al. 2017"),
    Loss("hinge", _d_hinge, lambda fake: -tf.reduce_mean(fake), reference="Lim & Ye 2017; Miyato et al. 2018"),
    Loss("dragan", _d_cross_entropy, lambda fake: _bce(fake, 1.0), cross_entropy=True, penalty="perturbed_real",
         reference="Kodali et al. 2017"),
)}


def _loss(kind: str) -> Loss:
    if kind not in LOSSES:
        raise ValueError(f"unknown loss '{kind}'; choose one of {', '.join(LOSSES)}")
    return LOSSES[kind]


def discriminator_loss(kind: str, real: tf.Tensor, fake: tf.Tensor, label_smoothing: float = 0.0) -> tf.Tensor:
    """D's loss on real and fake logits under the named objective."""
    return _loss(kind).d_loss(tf.cast(real, tf.float32), tf.cast(fake, tf.float32), label_smoothing)


def generator_loss(kind: str, fake: tf.Tensor) -> tf.Tensor:
    """G's loss on the logits D gives its samples."""
    return _loss(kind).g_loss(tf.cast(fake, tf.float32))


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
