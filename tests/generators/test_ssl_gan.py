"""The semi-supervised GAN (Salimans et al. 2016): D's class and real/fake outputs, both losses and feature matching
against hand computations; the pool's labels are no input; training, saving, loading, sampling; bit-for-bit resume."""
import dataclasses
import inspect
import math

import numpy as np
import pytest
import tensorflow as tf

from cgan_study import config as C
from cgan_study import generators
from cgan_study.data import subset
from cgan_study.generators import ssl_gan

TINY = C.SSLGANConfig(latent_dim=8, g_width=8, d_width=8, labelled_batch=8, unlabelled_batch=8, epochs=1,
                      steps_per_epoch=3)


def values(t):
    return np.asarray(t, np.float64)


# --------------------------------------------------------------------------- D's outputs, by hand

def test_class_probabilities_and_real_probability_by_hand():
    """l = [0, ln 3]: Z = 1 + 3 = 4, D = 4/5 = 0.8, p(class) = [1/4, 3/4]; ten zero logits: Z = 10, D = 10/11."""
    logits = tf.constant([[0.0, math.log(3.0)]])
    np.testing.assert_allclose(values(tf.nn.softmax(logits)), [[0.25, 0.75]], rtol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.real_logit(logits)), [math.log(4.0)], rtol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.real_probability(logits)), [0.8], rtol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.log_d(logits)), [math.log(0.8)], rtol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.log_one_minus_d(logits)), [math.log(0.2)], rtol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.real_probability(tf.zeros((1, 10)))), [10 / 11], rtol=1e-6)


def test_log_d_and_log_one_minus_d_stay_finite_far_from_the_boundary():
    """Z = 10 e^100 and Z = 10 e^-100 overflow or underflow exp(); the softplus forms do not."""
    big, small = tf.fill((1, 10), 100.0), tf.fill((1, 10), -100.0)
    lse_small = -100.0 + math.log(10.0)
    np.testing.assert_allclose(values(ssl_gan.log_d(big)), [0.0], atol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.log_one_minus_d(big)), [-(100.0 + math.log(10.0))], rtol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.log_d(small)), [lse_small], rtol=1e-6)
    np.testing.assert_allclose(values(ssl_gan.log_one_minus_d(small)), [0.0], atol=1e-6)


# --------------------------------------------------------------------------- the losses, by hand

def test_supervised_and_unsupervised_losses_by_hand():
    """Real l = [0, ln 3] (D = 0.8), fake l = [ln 1/4, ln 1/4] (Z = 1/2, D = 1/3):
    supervised, label 1: -ln 3/4; unsupervised: -ln 0.8 - ln(1 - 1/3)."""
    real = tf.constant([[0.0, math.log(3.0)]])
    fake = tf.constant([[math.log(0.25), math.log(0.25)]])
    np.testing.assert_allclose(float(ssl_gan.supervised_loss(real, tf.constant([1]))), -math.log(0.75), rtol=1e-6)
    np.testing.assert_allclose(float(ssl_gan.supervised_loss(real, tf.constant([0]))), -math.log(0.25), rtol=1e-6)
    np.testing.assert_allclose(float(ssl_gan.unsupervised_loss(real, fake)), -math.log(0.8) - math.log(2 / 3),
                               rtol=1e-6)
    # Means over the batch: a second real example with D = 10/11 (ten zero logits, K = 10 here).
    real10, fake10 = tf.zeros((2, 10)), tf.fill((1, 10), -math.log(10.0))  # fake: Z = 1, D = 1/2
    np.testing.assert_allclose(float(ssl_gan.unsupervised_loss(real10, fake10)),
                               -math.log(10 / 11) - math.log(0.5), rtol=1e-6)


def test_feature_matching_loss_by_hand():
    """Batch means [2, 3] (real) and [1, 1] (fake): || [1, 2] ||^2 = 5; equal means give 0 whatever the spread."""
    real = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    fake = tf.constant([[0.0, 0.0], [2.0, 2.0]])
    assert float(ssl_gan.feature_matching_loss(real, fake)) == pytest.approx(5.0)
    assert float(ssl_gan.feature_matching_loss(real, tf.constant([[2.0, 3.0], [2.0, 3.0]]))) == 0.0


def fixed_model(cfg=TINY):
    """An SSL-GAN whose D ignores its input: every weight 0 except the class-logit bias [ln 6, 0, ..., 0], so every
    image gets Z = 6 + 9 = 15, D = 15/16, p(class 0) = 6/15 = 0.4 and p(other) = 1/15."""
    model = ssl_gan.build_model(cfg, (28, 28, 1), seed=0)
    for var in model.discriminator.trainable_variables:
        var.assign(np.zeros(var.shape, np.float32))
    bias = np.zeros(10, np.float32)
    bias[0] = math.log(6.0)
    model.discriminator.get_layer("class_logits").bias.assign(bias)
    return model


def test_the_models_discriminator_loss_on_a_fixed_network_by_hand(rng):
    x = tf.constant(rng.uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32))
    y = tf.constant([0, 3])
    supervised = (-math.log(0.4) + math.log(15.0)) / 2
    unsupervised = -math.log(15 / 16) - math.log(1 / 16)
    for weight in (1.0, 0.5):
        model = fixed_model(dataclasses.replace(TINY, unsup_weight=weight))
        d = model.d_losses(x, y, x, -x, training=False)
        assert float(d["supervised"]) == pytest.approx(supervised, rel=1e-5)
        assert float(d["unsupervised"]) == pytest.approx(unsupervised, rel=1e-5)
        assert float(d["d_loss"]) == pytest.approx(supervised + weight * unsupervised, rel=1e-5)


def test_the_generators_loss_matches_the_features_layer(rng):
    """G's loss is feature matching on the layer named `features` (D's second output), real side and fake side."""
    model = ssl_gan.build_model(TINY, (28, 28, 1), seed=0)
    real = tf.constant(rng.uniform(-1, 1, (6, 28, 28, 1)).astype(np.float32))
    fake = tf.constant(rng.uniform(-1, 1, (6, 28, 28, 1)).astype(np.float32))
    features = tf.keras.Model(model.discriminator.inputs, model.discriminator.get_layer(ssl_gan.FEATURE_LAYER).output)
    expected = ssl_gan.feature_matching_loss(features(real, training=False), features(fake, training=False))
    assert float(expected) > 0
    assert float(model.g_loss(real, fake, training=False)) == pytest.approx(float(expected), rel=1e-5)


# --------------------------------------------------------------------------- the pool's labels are no input

def test_the_pool_labels_are_not_an_input(mnist):
    assert list(inspect.signature(ssl_gan.train_ssl_gan).parameters) == ["labelled", "pool", "cfg", "work_dir", "seed"]
    assert [f.name for f in dataclasses.fields(ssl_gan.SemiSupervisedDigits)] == ["labelled", "pool"]
    labelled = subset(mnist.train, k=1, seed=0)
    with pytest.raises(TypeError, match="no label of the pool"):  # a Split (images and labels) as the pool
        ssl_gan.train_ssl_gan(labelled, mnist.train.take(np.arange(50)), TINY, "/nonexistent", 0)


def test_the_training_stream_pairs_labels_with_their_own_images(mnist):
    """Shuffled together: each labelled batch's labels are those of its images; the pool stream has no labels."""
    labelled = subset(mnist.train, k=3, seed=0)
    cfg = dataclasses.replace(TINY, labelled_batch=7)
    (x_lab, y_lab), x_unl = next(iter(ssl_gan.training_stream(
        ssl_gan.SemiSupervisedDigits(labelled, mnist.train.x[:40]), cfg, 0)))
    by_image = {labelled.x[i].tobytes(): int(labelled.y[i]) for i in range(len(labelled))}
    images = np.rint((x_lab.numpy()[..., 0] + 1.0) * 127.5).astype(np.uint8)
    assert [by_image[im.tobytes()] for im in images] == list(y_lab.numpy())
    assert x_unl.shape == (8, 28, 28, 1) and float(tf.reduce_min(x_unl)) >= -1.0


# --------------------------------------------------------------------------- shapes, training, the artifact

def test_the_networks_take_their_size_and_channels_from_the_data():
    model = ssl_gan.build_model(TINY, ssl_gan.image_shape_of(np.zeros((2, 32, 32, 3), np.uint8)), seed=0)
    images = model.generator(tf.zeros((2, TINY.latent_dim)), training=False)
    assert images.shape == (2, 32, 32, 3)
    logits, features = model.discriminator(images, training=False)
    assert logits.shape == (2, 10) and features.shape == (2, 2 * TINY.d_width)
    with pytest.raises(ValueError, match="multiple of 4"):
        ssl_gan.image_shape_of(np.zeros((2, 30, 30), np.uint8))


def test_it_trains_saves_loads_samples_and_classifies(mnist, tmp_path):
    labelled = subset(mnist.train, k=2, seed=0)
    pool = mnist.train.x[:64]
    info = ssl_gan.train_ssl_gan(labelled, pool, TINY, tmp_path, seed=0)
    assert info["epochs_run"] == 1 and info["n_labelled"] == 20 and info["n_pool"] == 64
    assert np.isfinite(info["final"]["d_loss"]) and np.isfinite(info["final"]["g_loss"])
    for name in ("generator.keras", "classifier.keras", "checkpoint.npz", "samples.png", "history.jsonl"):
        assert (tmp_path / name).stat().st_size > 0, name
    model = ssl_gan.load_ssl_gan(tmp_path)
    assert model.conditional is False
    images = model.sample(20, seed=3)
    assert images.shape == (20, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(images, model.sample(20, seed=3))
    assert not np.array_equal(images, model.sample(20, seed=4))
    probs = model.predict_proba(mnist.val.x[:5])
    assert probs.shape == (5, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    # uint8 and [-1, 1] floats are the same images; anything else is refused with the fix named
    np.testing.assert_allclose(probs, model.predict_proba((mnist.val.x[:5] / 127.5 - 1.0)[..., None]), rtol=1e-5)
    with pytest.raises(ValueError, match=r"uint8 images or float images in \[-1, 1\]"):
        model.predict_proba(mnist.val.x[:5].astype(np.float32))


def test_the_registry_declares_it_unconditional_and_refuses_it_as_a_source_of_labelled_digits():
    entry = generators.get("ssl_gan")
    assert entry.conditional is False and entry.section == "ssl_gan" and entry.label == "SSL-GAN"
    assert not (entry.snapshots or entry.sampler_settings or entry.progressive)
    with pytest.raises(C.ConfigError, match="unconditional"):
        C.apply(C.Experiment(), {"augment.generator": "ssl_gan", "augment.synth_fraction": 0.1})
    assert entry.spec(C.override(C.Experiment(), "ssl_gan.d_lr", 0.5))["ssl_gan"]["d_lr"] == 0.5


def test_the_config_section_refuses_empty_batches():
    with pytest.raises(C.ConfigError, match="ssl_gan.labelled_batch"):
        C.apply(C.Experiment(), {"ssl_gan.labelled_batch": 0})
    with pytest.raises(C.ConfigError, match="fraction"):
        C.apply(C.Experiment(), {"ssl_gan.dropout": 1.5})


def test_through_the_registry_a_plain_split_is_both_the_labelled_digits_and_the_pool(mnist, tmp_path):
    digits = subset(mnist.train, k=2, seed=0)
    info = generators.get("ssl_gan").train(C.Experiment(ssl_gan=TINY), digits, tmp_path, seed=0)
    assert info["n_labelled"] == info["n_pool"] == 20


@pytest.mark.slow
def test_a_resumed_ssl_gan_training_continues_bit_for_bit(mnist, tmp_path):
    from helpers import assert_resume_is_bit_for_bit

    labelled, pool = subset(mnist.train, k=2, seed=0), mnist.train.x[:100]

    def train(epochs, work_dir):
        return ssl_gan.train_ssl_gan(labelled, pool, dataclasses.replace(TINY, epochs=epochs), work_dir, seed=0)

    def model():
        return ssl_gan.build_model(dataclasses.replace(TINY, epochs=2), (28, 28, 1), seed=0)

    assert_resume_is_bit_for_bit(train, model, tmp_path)

