"""Data loading of the real MNIST file, validation of bad files, subsets and pipelines."""
import gzip

import numpy as np
import pytest
from helpers import MNIST_SHA256

from cgan_study import data

OFFICIAL_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_real_mnist_sizes_counts_and_sha(mnist_path):
    d = data.load(str(mnist_path), expect_full_size=True)
    assert d.sha256 == MNIST_SHA256
    assert d.train.x.shape == (60000, 28, 28) and d.train.x.dtype == np.uint8
    assert np.bincount(d.train.y).tolist() == OFFICIAL_TRAIN_COUNTS
    assert len(d.evaluation_split()) == 10000
    assert d.describe()["n_test"] == 10000


def test_validation_and_training_indices_are_disjoint_and_cover_the_training_split():
    """Each image carries its own index in two pixels, so the split can be read back as indices (issue 33.4)."""
    n = 300
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 0, 0], x[:, 0, 1] = np.arange(n) // 256, np.arange(n) % 256
    train = data.Split(x, (np.arange(n) % 10).astype(np.uint8))
    test = data.Split(np.zeros((10, 28, 28), np.uint8), np.arange(10, dtype=np.uint8))
    for seed in (0, 1):
        split = data.MnistData("mnist", "toy", "0" * 64, train, test, val_per_class=5, seed=seed)

        def indices(part):
            return part.x[:, 0, 0].astype(int) * 256 + part.x[:, 0, 1]

        val, rest = indices(split.val), indices(split.train)
        assert len(set(val)) == len(val) == 50 and len(set(rest)) == len(rest) == n - 50
        assert not set(val) & set(rest)
        assert sorted(set(val) | set(rest)) == list(range(n))
        assert np.array_equal(split.val.y, train.y[val]) and np.array_equal(split.train.y, train.y[rest])


def test_source_resolution_prefers_flag_then_env(monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, "/env/path.npz")
    assert data.resolve_source("/flag.npz") == "/flag.npz"
    assert data.resolve_source(None) == "/env/path.npz"
    monkeypatch.delenv(data.ENV_VAR)
    assert data.resolve_source(None) == "keras"


def test_validation_split_is_carved_from_train_and_disjoint(mnist):
    assert len(mnist.val) == 1000
    assert np.bincount(mnist.val.y).tolist() == [100] * 10
    assert len(mnist.train) == 59000
    # No training image object exposes the test split except the explicit accessor.
    assert not any("test" in name for name in vars(mnist) if not name.startswith("_MnistData"))


def test_class_balanced_subset_exact_deterministic_and_nested(mnist):
    a = data.class_balanced_indices(mnist.train.y, k=10, seed=3)
    b = data.class_balanced_indices(mnist.train.y, k=10, seed=3)
    small = data.class_balanced_indices(mnist.train.y, k=5, seed=3)
    other = data.class_balanced_indices(mnist.train.y, k=10, seed=4)
    assert np.array_equal(a, b)
    assert np.bincount(mnist.train.y[a]).tolist() == [10] * 10
    assert set(small) <= set(a)
    assert not np.array_equal(a, other)


def test_fraction_subset_keeps_class_proportions(mnist):
    sub = data.subset(mnist.train, fraction=0.1, seed=0)
    counts = np.bincount(mnist.train.y, minlength=10)
    assert np.bincount(sub.y).tolist() == [int(round(0.1 * c)) for c in counts]


def test_subset_errors_name_the_limit(mnist):
    with pytest.raises(data.DataError, match="only"):
        data.subset(mnist.train, k=10_000, seed=0)
    with pytest.raises(data.DataError, match=r"\[0, 1\]"):
        data.subset(mnist.train, fraction=1.5, seed=0)


def test_scaling_round_trips():
    x = np.array([[[0, 128, 255] + [0] * 25] * 28], np.uint8)
    f = data.to_float(x)
    assert f.shape == (1, 28, 28, 1) and f.min() == -1.0 and f.max() == 1.0
    assert np.array_equal(data.to_uint8(f), x)


def test_pipeline_batches_scaled_images(mnist):
    ds = data.pipeline(mnist.train.x[:100], mnist.train.y[:100], batch_size=32, seed=0)
    x, y = next(iter(ds))
    assert tuple(x.shape) == (32, 28, 28, 1) and float(x.numpy().min()) >= -1.0 and y.dtype.name == "int32"


def test_pipeline_does_not_autotune(mnist):
    # Two sweep workers sharing the CPU stall each other through tf.data's autotuner (README, committed results).
    ds = data.pipeline(mnist.train.x[:100], mnist.train.y[:100], batch_size=32, seed=0, repeat=True)
    assert ds.options().autotune.enabled is False


# --------------------------------------------------------------------------- IDX directories

def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def test_idx_directory_loads(tmp_path, mnist):
    idx = data.class_balanced_indices(mnist.train.y, k=3, seed=0)
    test = mnist.evaluation_split()
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", mnist.train.x[idx])
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", mnist.train.y[idx])
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", test.x[:100])
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", test.y[:100])
    d = data.load(str(tmp_path))
    assert len(d.train) == 30 and np.array_equal(d.train.x, mnist.train.x[idx])
    assert len(d.sha256) == 64


def test_truncated_idx_is_reported(tmp_path, mnist):
    _write_idx(tmp_path / "x.gz", mnist.train.x[:2])
    raw = gzip.decompress((tmp_path / "x.gz").read_bytes())[:-10]
    (tmp_path / "y.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(data.DataError, match="truncated"):
        data._read_idx(tmp_path / "y.gz")


# --------------------------------------------------------------------------- bad files

def _save(path, **overrides):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 255, (40, 28, 28), dtype=np.uint8), "y_train": np.arange(40) % 10,
              "x_test": rng.integers(0, 255, (20, 28, 28), dtype=np.uint8), "y_test": np.arange(20) % 10}
    arrays.update(overrides)
    np.savez(path, **arrays)
    return str(path)


def test_small_valid_file_loads(tmp_path):
    d = data.load(_save(tmp_path / "ok.npz"))
    assert len(d.train) == 40


@pytest.mark.parametrize("overrides,match", [
    ({"x_train": np.zeros((40, 28, 27), np.uint8)}, r"shape \(40, 28, 27\)"),
    ({"x_train": np.zeros((40, 28, 28), np.float32)}, "dtype float32"),
    ({"y_train": np.arange(40) % 10 + 1}, r"labels 1\.\.10"),
    ({"y_test": np.zeros(20, np.int64)}, r"no examples of class"),
    ({"y_train": np.arange(39) % 10}, r"shape \(39,\)"),
])
def test_bad_arrays_are_rejected_with_a_named_problem(tmp_path, overrides, match):
    with pytest.raises(data.DataError, match=match):
        data.load(_save(tmp_path / "bad.npz", **overrides))


def test_missing_path_names_the_fix(tmp_path):
    with pytest.raises(data.DataError, match="--data"):
        data.load(str(tmp_path / "nope.npz"))


def test_truncated_npz_is_reported(tmp_path, mnist_path):
    bad = tmp_path / "cut.npz"
    bad.write_bytes(mnist_path.read_bytes()[:100_000])
    with pytest.raises(data.DataError, match="truncated or corrupt"):
        data.load(str(bad))


def test_missing_arrays_are_named(tmp_path):
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(data.DataError, match="missing arrays"):
        data.load(str(tmp_path / "partial.npz"))


def test_full_size_check(tmp_path):
    with pytest.raises(data.DataError, match="expected 60000"):
        data.load(_save(tmp_path / "small.npz"), expect_full_size=True)
