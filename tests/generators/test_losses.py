"""GAN losses: known answers, one-sided label smoothing, and parity with TF-GAN on the same logits."""
import numpy as np
import pytest
import tensorflow as tf
from tfgan_reference import load

from cgan_study.generators.gan import losses as L

_LOGITS = np.random.default_rng(1).normal(size=(2, 64, 1)).astype(np.float32)  # fixed, whatever ran before
REAL, FAKE = tf.constant(_LOGITS[0] + 0.5), tf.constant(_LOGITS[1] - 0.5)


@pytest.fixture(scope="module")
def tfgan():
    return load("python.losses.losses_impl")


# TF-GAN smooths positive labels towards 1/2 (target 1 - s/2); our one-sided alpha sets target 1 - alpha,
# so alpha = s / 2.
@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.25])
def test_ns_and_minimax_discriminator_match_tfgan(tfgan, alpha):
    theirs = tfgan.modified_discriminator_loss(REAL, FAKE, label_smoothing=2 * alpha)
    assert float(L.discriminator_loss("ns", REAL, FAKE, alpha)) == pytest.approx(float(theirs), rel=1e-5)
    theirs = tfgan.minimax_discriminator_loss(REAL, FAKE, label_smoothing=2 * alpha)
    assert float(L.discriminator_loss("minimax", REAL, FAKE, alpha)) == pytest.approx(float(theirs), rel=1e-5)


def test_generator_losses_match_tfgan(tfgan):
    # TF-GAN's minimax G loss negates its D loss with constant logits of 1 on the real side, which adds
    # the constant -softplus(-1): same gradient, shifted value.
    shift = np.log1p(np.exp(-1.0))
    pairs = {"ns": tfgan.modified_generator_loss(FAKE),
             "minimax": tfgan.minimax_generator_loss(FAKE, label_smoothing=0.0) + shift,
             "lsgan": tfgan.least_squares_generator_loss(FAKE),
             "wgan": tfgan.wasserstein_generator_loss(FAKE)}
    for kind, theirs in pairs.items():
        assert float(L.generator_loss(kind, FAKE)) == pytest.approx(float(theirs), rel=1e-5), kind


def test_lsgan_and_wgan_discriminators_match_tfgan(tfgan):
    assert float(L.discriminator_loss("lsgan", REAL, FAKE)) == pytest.approx(
        float(tfgan.least_squares_discriminator_loss(REAL, FAKE)), rel=1e-5)
    assert float(L.discriminator_loss("wgan", REAL, FAKE)) == pytest.approx(
        float(tfgan.wasserstein_discriminator_loss(REAL, FAKE)), rel=1e-5)


def test_smoothing_is_one_sided():
    # With fake logits far below zero, only the real side is affected by alpha.
    very_fake = tf.fill([8, 1], -50.0)
    very_real = tf.fill([8, 1], 50.0)
    no_smooth = float(L.discriminator_loss("ns", very_real, very_fake, 0.0))
    smooth = float(L.discriminator_loss("ns", very_real, very_fake, 0.1))
    assert no_smooth == pytest.approx(0.0, abs=1e-6)
    assert smooth == pytest.approx(0.1 * 50.0, rel=1e-3)  # BCE(target 0.9, logit 50) ~ 0.1 * 50
    assert float(L.generator_loss("ns", very_fake)) == pytest.approx(50.0, rel=1e-3)


def test_hinge_known_answers():
    assert float(L.discriminator_loss("hinge", tf.fill([4, 1], 2.0), tf.fill([4, 1], -2.0))) == 0.0
    assert float(L.discriminator_loss("hinge", tf.fill([4, 1], 0.0), tf.fill([4, 1], 0.0))) == 2.0
    assert float(L.generator_loss("hinge", tf.fill([4, 1], 3.0))) == -3.0


def test_gradient_penalty_of_a_linear_critic(rng):
    # critic(x) = sum(w * x): the gradient is w everywhere, so the penalty is (||w|| - 1)^2.
    w = tf.constant(rng.normal(size=(1, 28, 28, 1)).astype(np.float32))
    critic = lambda x: tf.reduce_sum(w * x, axis=[1, 2, 3])  # noqa: E731
    points = tf.constant(rng.normal(size=(5, 28, 28, 1)).astype(np.float32))
    expected = (float(tf.norm(w)) - 1.0) ** 2
    assert float(L.gradient_penalty(critic, points)) == pytest.approx(expected, rel=1e-4)


def test_interpolation_points_lie_between_real_and_fake():
    real, fake = tf.zeros([3, 28, 28, 1]), tf.ones([3, 28, 28, 1])
    pts = L.wgan_gp_points(real, fake, tf.constant([0.0, 0.5, 1.0]))
    assert [float(pts[i, 0, 0, 0]) for i in range(3)] == [0.0, 0.5, 1.0]


def test_unknown_loss_is_an_error():
    with pytest.raises(ValueError, match="unknown loss"):
        L.discriminator_loss("nope", REAL, FAKE)


def test_dragan_points_are_real_digits_moved_by_half_the_batch_std():
    real = tf.constant(np.stack([np.zeros((28, 28, 1)), 2 * np.ones((28, 28, 1))]).astype(np.float32))  # std 1
    noise = tf.fill([2, 28, 28, 1], 0.5)
    np.testing.assert_allclose(L.dragan_points(real, noise) - real, 0.25, rtol=1e-6)


def test_gradient_penalty_is_zero_for_a_unit_norm_critic_and_counts_each_example(rng):
    w = rng.normal(size=(1, 28, 28, 1)).astype(np.float32)
    w = tf.constant(w / np.linalg.norm(w))
    critic = lambda x: tf.reduce_sum(w * x, axis=[1, 2, 3])  # noqa: E731  ||grad|| = 1: on the constraint
    assert float(L.gradient_penalty(critic, tf.zeros([4, 28, 28, 1]))) == pytest.approx(0.0, abs=1e-6)
    # critic(x) = sum(x^2)/2 has gradient x: per-example norms 0 and 3 give ((0-1)^2 + (3-1)^2) / 2 = 2.5
    quadratic = lambda x: 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])  # noqa: E731
    points = np.zeros((2, 28, 28, 1), np.float32)
    points[1, 0, 0, 0] = 3.0
    assert float(L.gradient_penalty(quadratic, tf.constant(points))) == pytest.approx(2.5, rel=1e-5)


def test_discriminator_accuracy_counts_real_above_and_fake_below_zero():
    real, fake = tf.constant([[1.0], [-1.0], [2.0], [0.5]]), tf.constant([[-3.0], [1.0], [-0.1], [-2.0]])
    assert float(L.discriminator_accuracy(real, fake)) == pytest.approx(6 / 8)


def test_loss_records_drive_validation():
    from cgan_study import config as C

    assert {name for name, loss in L.LOSSES.items() if loss.cross_entropy} == {"ns", "minimax", "dragan"}
    assert [name for name, loss in L.LOSSES.items() if loss.clip_weights] == ["wgan"]
    for name, loss in L.LOSSES.items():  # smoothing is accepted exactly where the record allows it
        overrides = {"gan.loss": name, "gan.label_smoothing": 0.1}
        if loss.cross_entropy:
            C.apply(C.Experiment(), overrides)
        else:
            with pytest.raises(C.ConfigError, match="label smoothing"):
                C.apply(C.Experiment(), overrides)
