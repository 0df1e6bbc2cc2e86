"""The semi-supervised protocol (issue 41): the pool's labels are never read after the class-balanced selection (a
tripwire), the FixMatch loss and train step against hand computations, and the protocol's refusals (k the pool does
not allow, a family it cannot serve, a pool holding validation or test digits): one line, exit 2, nothing written."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from helpers import cli, run_main

from cgan_study import config as C
from cgan_study import data as D

# --------------------------------------------------------------------------- the pool's labels behind a tripwire


class _Flag:
    selecting = False   # True only while the class-balanced selection runs


class _GuardedSplit:
    """A split whose images and size may be read but whose labels only by the selection (split_cell and the pool
    check before it): any other read, anywhere downstream, fails the test."""

    def __init__(self, split: D.Split):
        self.x, self._y, self.num_classes = split.x, split.y, split.num_classes

    def __len__(self) -> int:
        return len(self.x)

    @property
    def y(self):
        if not _Flag.selecting:
            raise AssertionError("the pool's labels were read after the class-balanced selection")
        return self._y

    def take(self, idx):
        return D.Split(self.x[idx], self.y[idx], self.num_classes)


class _GuardedData:
    """The dataset with its training labels behind the tripwire and its validation split unreadable."""

    def __init__(self, data):
        self._data = data

    def __getattr__(self, name):
        if name == "val":
            raise AssertionError("a semi-supervised cell read the validation split")
        if name in ("train", "full_train"):
            return _GuardedSplit(getattr(self._data, name))
        return getattr(self._data, name)


def _selecting(function):
    def wrapped(*args, **kwargs):
        _Flag.selecting = True
        try:
            return function(*args, **kwargs)
        finally:
            _Flag.selecting = False
    return wrapped


def _guarded_context(mnist, root, monkeypatch):
    from cgan_study.study import semi_supervised, stages

    monkeypatch.setattr(semi_supervised, "split_cell", _selecting(semi_supervised.split_cell))
    monkeypatch.setattr(semi_supervised, "check_unlabelled_pool", _selecting(semi_supervised.check_unlabelled_pool))

    class Guarded(stages.Context):
        def training_pool(self, exp):
            return _GuardedSplit(D.cap_per_class(mnist.train, exp.data.train_per_class_cap, seed=stages.ARTIFACT_SEED))

    return Guarded(_GuardedData(mnist), root)


def _tiny(strategy: str, **more) -> C.Experiment:
    """A smoke-sized semi-supervised cell: k = 5 of a 60-per-class pool (550 unlabelled), a few steps of everything."""
    return C.apply(C.profile("smoke"), {"augment.protocol": "semi_supervised", "augment.real_per_class": 5,
                                        "augment.strategy": strategy, "fixmatch.epochs": 1,
                                        "fixmatch.steps_per_epoch": 2, "classifier.steps_per_epoch": 3,
                                        "gan.min_steps_per_epoch": 2, "ssl_gan.epochs": 1,
                                        "ssl_gan.steps_per_epoch": 2, **more})


def test_the_tripwire_fires_on_a_label_read_outside_the_selection(mnist, tmp_path, monkeypatch):
    from cgan_study.study import semi_supervised

    ctx = _guarded_context(mnist, tmp_path, monkeypatch)
    exp = _tiny("fixmatch")
    with pytest.raises(AssertionError, match="pool's labels were read"):
        ctx.training_pool(exp).y   # what a leaking strategy would do
    cell = semi_supervised.cell_data(exp, ctx)   # the selection itself may read them
    assert len(cell.labelled) == 50 and cell.unlabelled.shape == (550, 28, 28)
    assert isinstance(cell.unlabelled, np.ndarray)   # images only: no labels travel with the pool


@pytest.mark.parametrize("strategy,synth", [("fixmatch", 0.0), ("fixmatch_mix", 0.1), ("mix", 0.1),
                                            ("ssl_gan", 0.0)])
def test_no_semi_supervised_cell_reads_the_pools_labels_after_the_selection(mnist, tmp_path, monkeypatch, strategy,
                                                                            synth):
    # The baseline's training and pool labels, the CGAN trained on the pseudo-labelled pool, its digits, the
    # classifier: all under the tripwire (and none reads the validation split).
    from cgan_study.study import augment

    ctx = _guarded_context(mnist, tmp_path, monkeypatch)
    out = augment.run(_tiny(strategy, **{"augment.synth_fraction": synth}), ctx)
    assert out["n_real"] == 50 and out["selection"] == "final"
    assert out["n_synth"] == (60 if synth else 0)
    if strategy == "fixmatch":
        assert out["train_n_unlabelled"] == 550 and out["train_steps"] == 2
    if strategy == "ssl_gan":   # the discriminator trained on the 50 labelled digits and the 550 pool images
        assert out["train_n_labelled"] == 50 and out["train_n_pool"] == 550 and "ssl_gan_artifact" in out


def test_the_labelled_digits_are_the_few_shot_cells_own(mnist, tmp_path):
    # The same k digits per class (same seed) as the few-shot cells: real-only reads alike under every protocol.
    from cgan_study.study import augment, semi_supervised, stages

    ctx = stages.Context(mnist, tmp_path)
    exp = _tiny("real", seed=3)
    few_shot = augment.real_training_set(dataclasses.replace(exp, augment=dataclasses.replace(
        exp.augment, protocol="coursework")), ctx)
    cell = semi_supervised.cell_data(exp, ctx)
    assert np.array_equal(cell.labelled.x, few_shot.x) and np.array_equal(cell.labelled.y, few_shot.y)
    pool = ctx.training_pool(exp)
    assert len(cell.unlabelled) + len(cell.labelled) == len(pool)
    labelled = {d.tobytes() for d in cell.labelled.x}
    assert not any(d.tobytes() in labelled for d in cell.unlabelled)


class _Echo:
    """A conditional generator that paints the requested label into each image."""
    conditional = True

    def generate(self, labels, seed, n=None):
        y = np.asarray(labels, dtype=np.float32)
        return np.broadcast_to((y.reshape(-1, 1, 1, 1) / 4.5 - 1.0), (len(y), 28, 28, 1)).copy()


@pytest.mark.parametrize("strategy", ["fixmatch_mix", "mix"])
def test_the_synthetic_arms_mix_the_pseudo_label_generators_digits_as_requested(mnist, tmp_path, monkeypatch, strategy):
    # FixMatch + synthetic: the synthetic digits join the labelled ones and the pool stays the cell's; real + pseudo-
    # label CGAN: the plain classifier on real + synthetic. Training recorded, not done.
    from cgan_study.study import augment, fixmatch, semi_supervised, stages
    from cgan_study.training import classifier as clf

    calls = []
    monkeypatch.setattr(fixmatch, "train_fixmatch", lambda cfg, fm, labelled, unlabelled, seed: calls.append(
        ("fixmatch", np.bincount(labelled[1], minlength=10).tolist(), len(unlabelled))) or (object(), {}))
    monkeypatch.setattr(clf, "train_classifier", lambda cfg, data, val, seed, **kw: calls.append(
        ("classifier", np.bincount(data[1], minlength=10).tolist(), 0)) or (object(), {}))
    monkeypatch.setattr(clf, "accuracy", lambda model, x, y: 0.5)
    monkeypatch.setattr(semi_supervised, "get_generator", lambda exp, ctx: (_Echo(), {}, tmp_path / "gen"))
    exp = _tiny(strategy, **{"augment.synth_per_class": 30, "seed": 3})
    out = augment.run(exp, stages.Context(mnist, tmp_path))
    assert out["n_synth"] == 300 and out["generator_artifact"] == "gen"
    assert calls == [("fixmatch" if strategy == "fixmatch_mix" else "classifier", [35] * 10,
                      550 if strategy == "fixmatch_mix" else 0)]


# --------------------------------------------------------------------------- the FixMatch loss by hand


def _rows(*tops):
    """Probability rows: (class, p) puts p on the class and spreads the rest evenly over the other 9."""
    rows = np.full((len(tops), 10), 0.0, np.float32)
    for i, (c, p) in enumerate(tops):
        rows[i] = (1 - p) / 9
        rows[i, c] = p
    return rows


# Labelled: one digit of class 1 given p = 0.8. Unlabelled weak views: 0.97 on class 2 (passes), exactly 0.95 on class 0
# (passes: >=), 0.90 on class 1 (masked). Strong views give those pseudo-labels p = 0.5, 0.25 and (masked) 0.1.
Y_L, P_L = np.array([1]), _rows((1, 0.8))
P_WEAK = _rows((2, 0.97), (0, 0.95), (1, 0.90))
P_STRONG = np.stack([_rows((2, 0.5))[0], _rows((0, 0.25))[0], _rows((1, 0.1))[0]])
SUPERVISED = -math.log(0.8)
UNSUPERVISED = (-math.log(0.5) - math.log(0.25) + 0.0) / 3   # mean over all 3 unlabelled digits


def test_the_fixmatch_loss_masks_by_the_weak_view_and_scores_the_strong_view():
    from cgan_study.study.fixmatch import fixmatch_loss

    out = fixmatch_loss(Y_L, P_L, P_WEAK, P_STRONG)
    assert np.asarray(out["mask"]).tolist() == [1.0, 1.0, 0.0]
    assert float(out["supervised"]) == pytest.approx(SUPERVISED, rel=1e-5)
    assert float(out["unsupervised"]) == pytest.approx(UNSUPERVISED, rel=1e-5)
    assert float(out["loss"]) == pytest.approx(SUPERVISED + UNSUPERVISED, rel=1e-5)   # weight 1
    # The views swapped: the strong rows (top 0.5, 0.25, 0.1) pass no threshold, so nothing is pseudo-labelled.
    swapped = fixmatch_loss(Y_L, P_L, P_STRONG, P_WEAK)
    assert np.asarray(swapped["mask"]).tolist() == [0.0, 0.0, 0.0]
    assert float(swapped["loss"]) == pytest.approx(SUPERVISED, rel=1e-5)


def test_no_gradient_flows_through_the_weak_view_and_the_threshold_is_a_parameter():
    import tensorflow as tf

    from cgan_study.study.fixmatch import fixmatch_loss

    weak, strong = tf.Variable(P_WEAK), tf.Variable(P_STRONG)
    with tf.GradientTape() as tape:
        loss = fixmatch_loss(Y_L, P_L, weak, strong)["loss"]
    g_weak, g_strong = tape.gradient(loss, [weak, strong])
    assert g_weak is None or not np.any(np.asarray(g_weak))
    # Keras' cross-entropy on probabilities reads p_c / sum(p): d/dp_j of -log(p_c / sum p) / 3 is (1 - 1/p_c) / 3 at
    # the pseudo-label and 1/3 elsewhere (sum p = 1) for the passing rows; 0 for the masked one.
    expected = np.zeros((3, 10), np.float32)
    expected[:2] = 1 / 3
    expected[0, 2], expected[1, 0] = (1 - 1 / 0.5) / 3, (1 - 1 / 0.25) / 3
    np.testing.assert_allclose(np.asarray(g_strong), expected, rtol=1e-4)
    lower = fixmatch_loss(Y_L, P_L, P_WEAK, P_STRONG, threshold=0.9)
    assert np.asarray(lower["mask"]).tolist() == [1.0, 1.0, 1.0]


def _reading_network():
    """A toy classifier whose probabilities are the softmax of an image's first 10 pixels (no trainable surprise)."""
    import keras

    x_in = keras.Input((28, 28, 1))
    h = keras.layers.Flatten()(x_in)
    dense = keras.layers.Dense(10, activation="softmax", use_bias=False)
    out = dense(h)
    kernel = np.zeros((784, 10), np.float32)
    kernel[np.arange(10), np.arange(10)] = 1.0
    dense.set_weights([kernel])
    return keras.Model(x_in, out)


def _images_of(probs: np.ndarray) -> np.ndarray:
    """Images whose first 10 pixels are log-probabilities: the toy network reads the rows back."""
    x = np.zeros((len(probs), 28, 28, 1), np.float32)
    x.reshape(len(probs), -1)[:, :10] = np.log(probs)
    return x


def test_a_fixmatch_train_step_takes_the_target_from_the_weak_view_and_the_loss_from_the_strong_view():
    import keras

    from cgan_study.study.fixmatch import FixMatch

    model = FixMatch(_reading_network())
    model.compile(optimizer=keras.optimizers.SGD(0.0))
    batch = ((_images_of(P_L), Y_L.astype(np.int32)), (_images_of(P_WEAK), _images_of(P_STRONG)))
    logs = model.train_step(batch)
    assert float(logs["loss"]) == pytest.approx(SUPERVISED + UNSUPERVISED, rel=1e-4)
    assert float(logs["mask_rate"]) == pytest.approx(2 / 3)
    swapped = FixMatch(_reading_network())
    swapped.compile(optimizer=keras.optimizers.SGD(0.0))
    logs = swapped.train_step(((_images_of(P_L), Y_L.astype(np.int32)), (_images_of(P_STRONG), _images_of(P_WEAK))))
    assert float(logs["loss"]) == pytest.approx(SUPERVISED, rel=1e-4) and float(logs["mask_rate"]) == 0.0


def test_the_strong_view_is_safe_for_digits():
    from cgan_study.study import fixmatch

    layers = {type(layer).__name__ for layer in fixmatch.strong_augmenter(0).layers}
    assert "RandomFlip" not in layers and fixmatch.STRONG_ROTATION_DEGREES <= 15
    assert {"RandomRotation", "RandomShear", "RandomTranslation", "RandomZoom", "Cutout"} <= layers
    assert fixmatch.recipe()["threshold"] == 0.95 and fixmatch.MU == 7 and fixmatch.UNLABELLED_WEIGHT == 1.0


def test_cutout_sets_one_square_to_the_background():
    from cgan_study.study.fixmatch import Cutout

    out = np.asarray(Cutout(12, seed=0)(np.ones((4, 28, 28, 1), np.float32), training=True))
    erased = (out == -1.0).reshape(4, -1).sum(-1)
    assert all(0 < n <= 144 for n in erased)   # a 12x12 square, clipped where it leaves the image


# --------------------------------------------------------------------------- refusals


def _overlapping_npz(mnist, path):
    """70 digits per class as the training split and 10 per class of those very digits as the test split."""
    train = D.subset(mnist.train, k=70, seed=0)
    test = train.take(np.arange(0, len(train), 7))
    np.savez(path, x_train=train.x, y_train=train.y, x_test=test.x, y_test=test.y)
    return path


def test_a_pool_holding_test_digits_is_refused(mnist, tmp_path):
    path = _overlapping_npz(mnist, tmp_path / "overlap.npz")
    data = D.load(str(path), val_per_class=10, seed=0)
    with pytest.raises(D.DataError, match="copies of validation digits and [1-9][0-9]* of test digits"):
        D.check_unlabelled_pool(data, k=5, cap=60)
    D.check_unlabelled_pool(mnist, k=5, cap=60)   # the real split passes


def test_k_larger_than_the_pool_allows_is_refused(mnist):
    with pytest.raises(D.DataError, match="leaves 440 unlabelled digits of 490"):
        D.check_unlabelled_pool(mnist, k=5, cap=49)
    with pytest.raises(D.DataError, match="asked for 61 digits"):
        D.check_unlabelled_pool(mnist, k=61, cap=60)


@pytest.mark.parametrize("overrides,message", [
    ({"augment.strategy": "mix", "augment.generator": "pca", "augment.synth_fraction": 0.1},
     "augment.generator=pca cannot serve augment.protocol=semi_supervised"),
    ({"augment.strategy": "filter", "augment.synth_fraction": 0.1}, "serves the strategies"),
    ({"augment.strategy": "fixmatch", "augment.real_per_class": 0}, "needs the cell's labelled digits"),
])
def test_what_the_protocol_cannot_serve_is_a_config_error(overrides, message):
    with pytest.raises(C.ConfigError, match=message):
        C.apply(C.profile("quick"), {"augment.protocol": "semi_supervised", "augment.real_per_class": 10,
                                     **overrides})
    with pytest.raises(C.ConfigError, match="set augment.protocol=semi_supervised"):
        C.apply(C.profile("quick"), {"augment.strategy": "fixmatch", "augment.real_per_class": 10})


@pytest.mark.parametrize("args,message", [
    (["--set", "augment.generator=pca"], "augment.generator=pca cannot serve"),
    (["--set", "data.train_per_class_cap=49"], "leaves 440 unlabelled digits"),
])
def test_bad_semi_supervised_input_is_one_line_exit_2_and_writes_nothing(tmp_path, mnist_path, monkeypatch, capsys,
                                                                         args, message):
    code, _, err = run_main(monkeypatch, capsys, "semi_supervised", "--profile", "smoke", "--out",
                            str(tmp_path / "out"), *args, env_data=mnist_path)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert not (tmp_path / "out").exists()


def test_an_overlapping_pool_is_one_line_exit_2_and_writes_nothing(mnist, tmp_path, monkeypatch, capsys):
    path = _overlapping_npz(mnist, tmp_path / "overlap.npz")
    code, _, err = run_main(monkeypatch, capsys, "semi_supervised", "--profile", "smoke", "--data", str(path),
                            "--out", str(tmp_path / "out"))
    assert code == 2 and err.count("\n") == 1 and "of test digits" in err, err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- the sweep, end to end


def test_the_declared_sweep_has_the_issues_cells():
    from cgan_study.sweeps import SWEEPS

    from cgan_study.runtime.grid import name_runs

    runs = [point for _, point in name_runs(SWEEPS["semi_supervised"].grid("quick"), stable=True)]
    cells = {}
    for p in runs:
        cell = (p["augment.real_per_class"], p["augment.strategy"], p.get("augment.protocol", "coursework"))
        cells[cell] = cells.get(cell, 0) + 1
    assert cells == {(10, "real", "coursework"): 10, (10, "affine", "coursework"): 10,
                     (10, "fixmatch", "semi_supervised"): 10, (10, "fixmatch_mix", "semi_supervised"): 10,
                     (10, "mix", "semi_supervised"): 10, (10, "ssl_gan", "semi_supervised"): 10,
                     (100, "real", "coursework"): 3, (100, "fixmatch", "semi_supervised"): 3,
                     (100, "ssl_gan", "semi_supervised"): 3}


@pytest.mark.slow
def test_the_smoke_sweep_runs_end_to_end_on_real_digits(tmp_path, mnist_path):
    import json

    import pandas as pd

    out = cli("semi_supervised", "--profile", "smoke", "--out", str(tmp_path), "--data", str(mnist_path),
              "--cpus-per-run", "1")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    frame = pd.read_csv(tmp_path / "semi_supervised" / "summary.csv").set_index("run")
    assert set(frame["status"]) == {"done"} and len(frame) == 6   # real, affine, fixmatch, ssl_gan and two with digits
    assert frame["test_accuracy"].between(0, 1).all()
    baselines = [p for p in (tmp_path / "_artifacts" / "fixmatch_baseline").iterdir() if not p.name.startswith(".")]
    assert len(baselines) == 1 and frame.loc["semi_supervised-k5-fixmatch-seed0", "baseline_artifact"] == baselines[0].name
    # The pseudo-label CGAN is keyed by the baseline that labelled its pool, and both synthetic arms share it.
    generator = frame.loc["semi_supervised-k5-mix-synth0.10-seed0", "generator_artifact"]
    assert generator == frame.loc["semi_supervised-k5-fixmatch_mix-synth0.10-seed0", "generator_artifact"]
    spec = json.loads((tmp_path / "_artifacts" / "generator" / generator / "config.json").read_text())
    assert spec["baseline"] == baselines[0].name and spec["pool"] == "pseudo_labels" and spec["k_per_class"] == 5
    # The SSL-GAN arm's classifier is its own artifact: trained on the cell's labelled digits and the unlabelled pool.
    ssl = json.loads((tmp_path / "_artifacts" / "generator" / frame.loc["semi_supervised-k5-ssl_gan-seed0", "ssl_gan_artifact"]
                      / "config.json").read_text())
    assert ssl["generator"] == "ssl_gan" and ssl["pool"] == "unlabelled" and ssl["k_per_class"] == 5


def test_the_fixmatch_budget_is_a_section_only_semi_supervised_runs_read():
    # Changing fixmatch.* must not mark a finished real-only run as run with another config.
    from cgan_study.study.jobs import unused_sections

    real = C.to_dict(C.apply(C.profile("quick"), {"augment.strategy": "real", "augment.real_per_class": 10}))
    pool = C.to_dict(_tiny("fixmatch"))
    assert "fixmatch" in unused_sections(real, "augment") and "fixmatch" not in unused_sections(pool, "augment")


def test_fixmatch_is_seeded(mnist):
    # Same seed, same weights after a few steps (input order, both views' augmentation, dropout, initial weights);
    # another seed, other weights.
    from cgan_study.study.fixmatch import train_fixmatch

    cfg, fm = C.profile("smoke").classifier, C.FixMatchConfig(epochs=1, steps_per_epoch=2)
    labelled, pool = D.subset(mnist.train, k=2, seed=0), mnist.train.x[:500]

    def weights(seed):
        network, _ = train_fixmatch(cfg, fm, (labelled.x, labelled.y), pool, seed)
        return network.get_weights()

    first, again, other = weights(1), weights(1), weights(2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
