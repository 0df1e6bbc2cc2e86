"""End to end on real MNIST subsets: the mix builder, and the smoke mix_ratios sweep through the CLI."""
import hashlib
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cgan_study import config as C
from cgan_study.generators.gan.networks import count_flops
from cgan_study.study import augment, stages
from experiments.reference_cgan import build_discriminator, build_generator


def _hashes(x):
    return {hashlib.sha1(img.tobytes()).hexdigest() for img in x}


def test_keras_io_reference_flops_match_the_hand_count():
    # Dense 2*138*6762 + ConvT 2*7*7*138*128*16 + ConvT 2*14*14*128*128*16 + Conv 2*28*28*128*49
    assert count_flops(build_generator()) == 1_866_312 + 27_697_152 + 102_760_448 + 9_834_496
    assert count_flops(build_discriminator()) == 2 * 14 * 14 * 11 * 64 * 9 + 2 * 7 * 7 * 64 * 128 * 9 + 2 * 128


@pytest.mark.parametrize("overrides,per_class", [
    ({"augment.real_per_class": 7}, [7] * 10),
    ({"augment.real_fraction": 0.5}, None),
])
def test_real_training_set_has_exact_counts_and_no_test_digits(mnist, tmp_path, overrides, per_class):
    exp = C.apply(C.profile("smoke"), overrides)
    ctx = stages.Context(mnist, tmp_path)
    real = augment.real_training_set(exp, ctx)
    pool = ctx.training_pool(exp)
    counts = np.bincount(real.y, minlength=10).tolist()
    expected = per_class or [int(round(0.5 * c)) for c in np.bincount(pool.y, minlength=10)]
    assert counts == expected
    train_h, test_h, val_h = _hashes(mnist.train.x), _hashes(mnist.evaluation_split().x), _hashes(mnist.val.x)
    real_h = _hashes(real.x)
    assert real_h <= train_h                       # drawn from the training split only
    assert not (real_h & test_h - train_h)         # no image that only the test split holds
    assert not (real_h & val_h - train_h)          # nor a validation digit


def test_synthetic_count_is_relative_to_the_full_training_set(mnist, tmp_path):
    ctx = stages.Context(mnist, tmp_path)
    exp = C.apply(C.Experiment(), {"augment.synth_fraction": 0.1})
    assert augment.synthetic_count(exp, ctx) == 6000
    smoke = C.apply(C.profile("smoke"), {"augment.synth_fraction": 0.5})
    assert augment.synthetic_count(smoke, ctx) == 300  # 0.5 x (60 per class x 10)


def test_synthetic_set_is_class_balanced_with_requested_labels():
    class Echo:  # a generator that draws the label as an image: checks that labels and images stay paired
        conditional = True

        def generate(self, labels, seed, n=None):
            y = np.asarray(labels)
            return np.broadcast_to((y.reshape(-1, 1, 1, 1) / 4.5 - 1.0), (len(y), 28, 28, 1)).astype(np.float32)

    synth = augment.synthetic_set(Echo(), 50, seed=0)
    assert np.bincount(synth.y).tolist() == [5] * 10
    assert np.array_equal(np.round(synth.x[:, 0, 0] / 255 * 9), synth.y)


@pytest.mark.integration
def test_smoke_sweep_writes_a_complete_summary_and_reruns_do_nothing(smoke_sweep):
    tmp_path, first, second = smoke_sweep
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv")
    assert len(summary) == 13 and set(summary["status"]) == {"done"}
    assert summary["test_accuracy"].between(0.0, 1.0).all()
    assert (summary["tf_intra_op_threads"] >= 1).all()  # float sums follow it: a rerun needs it to match bit for bit
    # the scorer and each generator (coursework + low_data k=5) are built once for the whole sweep, first
    built = [line.split("]")[0].lstrip("[") for line in first.stdout.splitlines() if line.endswith(": building")]
    assert sorted(b.split("/")[0] for b in built) == ["generator", "generator", "scorer"], first.stdout
    assert len(set(built)) == 3
    assert first.stdout.rindex(": building") < first.stdout.index(": running")  # artifacts before runs
    mix = summary.set_index("run").loc["real0.50-mix-synth0.50-seed0"]
    assert mix["n_synth"] == 300 and mix["n_real"] == 300
    cas = summary.set_index("run").loc["synthetic_only-synth1.00-seed0"]
    assert cas["n_real"] == 0 and cas["n_synth"] == 600
    for table in ("mix_grid", "few_shot", "cas"):
        assert (tmp_path / "mix_ratios" / "tables" / f"{table}.tex").exists()
    assert second.returncode == 0 and second.stdout.count("done, skipped") == 13
    assert "running" not in second.stdout


@pytest.mark.integration
def test_a_generator_that_copies_test_digits_scores_the_scorers_accuracy(smoke_sweep, mnist):
    import keras

    from cgan_study.data import to_float
    from cgan_study.generators.sampling import generate
    from cgan_study.training import classifier as clf
    from cgan_study.study import metrics as M

    root, first, _ = smoke_sweep
    assert first.returncode == 0
    scorer = keras.saving.load_model(next((root / "_artifacts" / "scorer").glob("*/scorer.keras")), compile=False)
    test = mnist.evaluation_split()

    class Copier:  # asked for label y_i, returns test digit i
        inputs = [SimpleNamespace(shape=(None, 4)), SimpleNamespace(shape=(None, 1))]

        def __call__(self, inputs, training=False):
            z, _ = inputs
            start = self.offset
            self.offset += len(z)
            return to_float(test.x[start:start + len(z)])

    copier = Copier()
    copier.offset = 0
    images = generate(copier, test.y.astype(np.int32), 4, seed=0)
    probs = clf.predict(scorer, images)
    assert M.success_rate(probs, test.y)["overall"] == pytest.approx(clf.accuracy(scorer, test.x, test.y))


@pytest.mark.integration
def test_tricks_smoke_sweep_scores_every_family(smoke_tricks):
    tmp_path, out = smoke_tricks
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    summary = pd.read_csv(tmp_path / "tricks" / "summary.csv").set_index("run")
    packed = "dcgan-b1-0.90-dlr0.0001-glr0.005-pack2"   # the collapse setup with PacGAN2
    assert set(summary.index) == {"dcgan", "cgan", "acgan", packed}
    for column in ("inception_score", "fid", "kid", "precision", "recall", "classes_covered", "confident_rate",
                   "fid_real_reference", "scorer_test_accuracy"):
        assert summary[column].notna().all(), column
    assert pd.isna(summary.loc["dcgan", "success_rate"]) and summary.loc["cgan", "success_rate"] >= 0
    assert (tmp_path / "tricks" / "tables" / "tricks.tex").exists()
    # Samples are drawn in random class order, so IS splits are not single-class (which would give IS ~ 1
    # for any generator); a conditional model asked for all ten classes covers them.
    assert summary.loc["cgan", "classes_covered"] >= 1 and summary.loc["cgan", "inception_score"] > 1.0
    assert (tmp_path / "tricks" / "cgan" / "samples.png").stat().st_size > 0
    for figure in ("variant_grids.png", "collapse_grids.png"):  # per-variant grids; unconditional ones
        assert (tmp_path / "tricks" / "figures" / figure).stat().st_size > 0
    # Stability over time: every run scored after each of its epochs, curves per group, the onset table.
    for run in summary.index:
        rows = [json.loads(line) for line in (tmp_path / "tricks" / run / "epochs.jsonl").read_text().splitlines()]
        assert [r["epoch"] for r in rows] == [1] and {"fid", "recall", "classes_covered"} <= set(rows[0])
        # ...and the same scores kept in its generator's artifact, for sweeps that reuse it without snapshots.
        artifact = tmp_path / "_artifacts" / "generator" / summary.loc[run, "generator_artifact"]
        assert [json.loads(line) for f in (artifact / "epoch_scores").iterdir()
                for line in f.read_text().splitlines()] == rows
    assert {"epochs_tricks.png", "epochs_collapse.png"} <= {p.name for p in (tmp_path / "tricks" / "figures").iterdir()}
    onset = pd.read_csv(tmp_path / "tricks" / "tables" / "collapse_onset.csv")
    assert len(onset) == 4
    # The second scorer: another network than the scorer, a success rate of its own for conditional models.
    assert summary.loc["cgan", "second_scorer_test_accuracy"] != summary.loc["cgan", "scorer_test_accuracy"]
    assert 0 <= summary.loc["cgan", "success_rate_second"] <= 1 and pd.isna(summary.loc["dcgan", "success_rate_second"])
    assert (tmp_path / "tricks" / "tables" / "scorer_agreement.csv").exists()
