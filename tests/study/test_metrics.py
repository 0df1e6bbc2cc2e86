"""Metric known answers, and agreement with TF-GAN's implementations on the same arrays."""
import numpy as np
import pytest
import tensorflow as tf
from tfgan_reference import load

from cgan_study.study import metrics as M


def test_identical_feature_sets_give_fid_zero(rng):
    f = rng.normal(size=(500, 16))
    assert M.frechet_distance(f, f) == pytest.approx(0.0, abs=1e-8)


def test_fid_of_shifted_gaussian_is_the_squared_shift(rng):
    f = rng.normal(size=(2000, 8))
    assert M.frechet_distance(f, f + 3.0) == pytest.approx(9.0 * 8, rel=1e-9)


def test_uniform_predictions_give_inception_score_one():
    assert M.inception_score(np.full((1000, 10), 0.1))[0] == pytest.approx(1.0)


@pytest.mark.parametrize("k", [2, 5, 10])
def test_one_hot_predictions_spread_over_k_classes_give_is_k(k):
    probs = np.eye(10)[np.arange(1000) % k]
    mean, std = M.inception_score(probs, splits=10)
    assert mean == pytest.approx(k) and std == pytest.approx(0.0, abs=1e-9)


def test_success_rate_confusion_and_per_class():
    requested = np.array([0, 0, 1, 1])
    probs = np.eye(10)[[0, 1, 1, 1]]
    s = M.success_rate(probs, requested)
    assert s["overall"] == 0.75 and s["per_class"][:2] == [0.5, 1.0]
    assert s["confusion"][0][1] == 1 and np.sum(s["confusion"]) == 4


def test_class_coverage_detects_collapse():
    collapsed = np.eye(10)[np.zeros(1000, int)]
    healthy = np.eye(10)[np.arange(1000) % 10]
    assert M.class_coverage(collapsed)["classes_covered"] == 1
    assert M.class_coverage(collapsed)["entropy"] == 0.0
    assert M.class_coverage(healthy)["classes_covered"] == 10
    assert M.class_coverage(healthy)["entropy"] == pytest.approx(np.log(10))


def test_confident_rate():
    probs = np.array([[0.95] + [0.05 / 9] * 9, [0.5, 0.5] + [0.0] * 8])
    assert M.confident_rate(probs) == 0.5


def test_precision_recall_known_cases(rng):
    real = rng.normal(size=(400, 4))
    assert M.precision_recall(real, real.copy()) == (1.0, 1.0)
    far = real + 100.0
    assert M.precision_recall(real, far) == (0.0, 0.0)
    # A generator that covers only half of the data: precise, but recall about one half.
    half = real[real[:, 0] > 0]
    precision, recall = M.precision_recall(real, half)
    assert precision == 1.0 and 0.4 < recall < 0.7


def test_kid_of_identical_distributions_is_near_zero(rng):
    a, b = rng.normal(size=(1000, 8)), rng.normal(size=(1000, 8))
    assert abs(M.kernel_distance(a, b)[0]) < 0.01
    assert M.kernel_distance(a, b + 1)[0] > 0.5


def test_registry_rejects_unknown_metric():
    inputs = M.Inputs(None, np.eye(10), np.eye(10), np.eye(10))
    with pytest.raises(ValueError, match="registered"):
        M.compute(["fid", "nope"], inputs)


# --------------------------------------------------------------------------- parity with TF-GAN

@pytest.fixture(scope="module")
def tfgan_metrics():
    return load("python.eval.classifier_metrics")


def test_inception_score_matches_tfgan(tfgan_metrics, rng):
    logits = rng.normal(size=(1000, 10)) * 3
    probs = tf.nn.softmax(logits).numpy()
    ours = M.inception_score(probs, splits=1)[0]
    theirs = float(tfgan_metrics.classifier_score_from_logits(tf.constant(logits)))
    assert ours == pytest.approx(theirs, rel=1e-4)


def test_fid_matches_tfgan(tfgan_metrics, rng):
    a = rng.normal(size=(600, 32))
    b = rng.normal(size=(500, 32)) * 1.3 + 0.2
    theirs = float(tfgan_metrics.frechet_classifier_distance_from_activations(tf.constant(a), tf.constant(b)))
    assert M.frechet_distance(a, b) == pytest.approx(theirs, rel=1e-4)


@pytest.mark.parametrize("n_real,n_fake,block", [(700, 600, 1024), (2100, 2050, 1024), (500, 333, 128)])
def test_kid_and_its_std_match_tfgan(tfgan_metrics, n_real, n_fake, block, rng):
    a = rng.normal(size=(n_real, 16))
    b = rng.normal(size=(n_fake, 16)) * 1.2 + 0.1
    mean, std = M.kernel_distance(a, b, max_block_size=block)
    t_mean, t_std = tfgan_metrics.kernel_classifier_distance_and_std_from_activations(
        tf.constant(a), tf.constant(b), max_block_size=block)
    assert mean == pytest.approx(float(t_mean), rel=1e-4)
    if np.isfinite(float(t_std)):
        assert std == pytest.approx(float(t_std), rel=1e-4)
    else:
        assert np.isnan(std)


def test_density_and_coverage_known_cases(rng):
    real = rng.normal(size=(500, 8))
    density, coverage = M.density_coverage(real, real.copy(), k=5)
    # each point lies in its own ball and, on average, in about k others: density about (k + 1) / k
    assert coverage == 1.0 and 0.9 < density < 1.4
    far = real + 100.0
    assert M.density_coverage(real, far, k=5) == (0.0, 0.0)
    # one realistic sample repeated: perfect precision, but coverage near 0 and a warning
    repeated = np.repeat(real[:1], 500, axis=0)
    precision, recall = M.precision_recall(real, repeated)
    density, coverage = M.density_coverage(real, repeated, k=5)
    assert precision == 1.0 and coverage < 0.05  # the few real balls around that one point
    warning = M.collapse_warning({"precision": precision, "recall": recall, "coverage": coverage})
    assert warning and "recall" in warning  # the one collapse rule: recall or classes covered


def test_fresh_samples_from_the_real_distribution_score_density_and_coverage_near_one(rng):
    real, fake = rng.normal(size=(1000, 4)), rng.normal(size=(1000, 4))
    density, coverage = M.density_coverage(real, fake, k=5)
    assert 0.85 < density < 1.15 and coverage > 0.9  # Naeem et al.: both ~1 for identical distributions
    assert M.collapse_warning({"coverage": coverage, "recall": 0.9}) is None


def test_overlapping_embedding_labels_are_spread_apart_and_separate_ones_stay():
    import itertools

    from cgan_study.study.analysis import spread_labels

    points = np.array([[0.5, 0.5], [0.52, 0.5], [0.5, 0.5], [0.9, 0.1]])   # two near, two coincident, one apart
    at = spread_labels(points, min_dist=0.1)
    for i, j in itertools.combinations(range(len(at)), 2):
        assert np.hypot(*(at[i] - at[j])) >= 0.1 - 1e-6
    assert np.allclose(at[3], [0.9, 0.1])
    apart = np.array([[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]])
    assert np.array_equal(spread_labels(apart, min_dist=0.1), apart)
