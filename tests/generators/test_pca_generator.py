"""PCA as a generative model: class-conditional, deterministic, decoding its means to class averages, saved without pickle."""
import numpy as np

from cgan_study.data import subset, to_float
from cgan_study.generators.pca import PCAGenerator
from cgan_study.generators.sampling import balanced_labels, sample


def test_pca_generator_samples_each_requested_class(mnist):
    train = subset(mnist.train, k=200, seed=0)
    gen = PCAGenerator.fit(train, n_components=20)
    labels = balanced_labels(50)
    x = sample(gen, labels, seed=1)
    assert x.shape == (50, 28, 28) and x.dtype == np.uint8
    assert np.array_equal(x, sample(gen, labels, seed=1)) and not np.array_equal(x, sample(gen, labels, seed=2))
    # Zero noise decodes the class mean code: close to the class's average image (PCA keeps most energy).
    zero = gen.decode(np.zeros((10, 20)), np.arange(10))
    for c in range(10):
        avg = to_float(train.x[train.y == c]).mean(0)
        assert np.abs(zero[c] - avg).mean() < 0.1
        others = [np.abs(zero[c] - to_float(train.x[train.y == o]).mean(0)).mean() for o in range(10) if o != c]
        assert np.abs(zero[c] - avg).mean() < min(others)


def test_pca_generator_handles_classes_with_a_single_digit(mnist):
    gen = PCAGenerator.fit(subset(mnist.train, k=1, seed=0))
    assert gen.latent_dim == 9  # at most n - 1 components
    out = gen.decode(np.ones((3, 9)), np.array([0, 5, 9]))
    assert out.shape == (3, 28, 28, 1) and np.isfinite(out).all()


def test_pca_generator_round_trips_through_its_npz(mnist, tmp_path):
    gen = PCAGenerator.fit(subset(mnist.train, k=50, seed=0), n_components=10)
    gen.save(tmp_path / "pca.npz")
    again = PCAGenerator.read(tmp_path / "pca.npz")
    labels = balanced_labels(20)
    assert np.array_equal(gen.generate(labels, seed=3), again.generate(labels, seed=3))
