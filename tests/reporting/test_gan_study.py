"""The GAN-variant study without training: PacGAN packing, the declared tricks and search grids, collapse onset,
the second scorer's identity and the per-epoch scorer's refusal of an artifact without snapshots."""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from cgan_study import config as C
from cgan_study.generators.gan.model import GAN
from cgan_study.generators.gan.networks import FAMILIES, build_discriminator, build_generator
from cgan_study.study import metrics as M
from cgan_study.study import stages
from cgan_study.sweeps import gan_search as sweeps
from experiments.sweep import plan as plan_sweep


def _runs(name: str, profile: str = "quick", out=None):
    return plan_sweep(argparse.Namespace(name=name, profile=profile, sets=[], only=None, out=out))[1]


# --------------------------------------------------------------------------- PacGAN

def test_packing_stacks_consecutive_samples_as_channels():
    cfg = C.GANConfig(g_width=8, d_width=8, latent_dim=4, pack=2)
    family = FAMILIES["dcgan"]
    gan = GAN(build_generator(cfg, family), build_discriminator(cfg, family), cfg, family)
    images = tf.reshape(tf.range(4 * 28 * 28, dtype=tf.float32), (4, 28, 28, 1))
    packed = gan._pack(images).numpy()
    assert packed.shape == (2, 28, 28, 2)
    np.testing.assert_array_equal(packed[1, :, :, 0], images.numpy()[2, :, :, 0])
    np.testing.assert_array_equal(packed[1, :, :, 1], images.numpy()[3, :, :, 0])
    logits, _ = gan._d(images, None, training=False)
    assert logits.shape == (2, 1)  # one verdict per pack


@pytest.mark.parametrize("overrides, message", [
    ({"gan.pack": 2}, "unconditional DCGAN"),                                     # the default generator is a CGAN
    ({"gan.pack": 3, "augment.generator": "dcgan"}, "multiple of gan.pack"),      # 128 % 3
    ({"gan.pack": 2, "augment.generator": "dcgan", "gan.vbn": "gd"}, "virtual batch norm"),
    ({"gan.pack": 0}, "at least one sample"),
])
def test_bad_packing_is_refused_with_the_fix(overrides, message):
    with pytest.raises(C.ConfigError, match=message):
        C.apply(C.Experiment(), overrides)


def test_packing_leaves_the_hash_of_unpacked_gans_alone():
    from cgan_study.generators import gan

    assert "pack" not in gan.gan_part(C.Experiment(), "cgan")
    packed = C.apply(C.Experiment(), {"gan.pack": 2, "augment.generator": "dcgan"})
    assert gan.gan_part(packed, "dcgan")["pack"] == 2


# --------------------------------------------------------------------------- the declared study

TRICKS_WITH_SEEDS = {"cgan", "acgan", "dcgan", "cgan-ls0.25", "cgan-vbn-g", "cgan-vbn-gd", "cgan-ls0.25-vbn-g",
                     "cgan-dsteps2", "cgan-dlr0.0004-glr0.0001"}


def test_the_quick_tricks_sweep_has_three_seeds_per_trick_every_loss_and_three_epochs():
    runs = _runs("tricks")
    seeds: dict[str, set] = {}
    for name, _, exp in runs:
        seeds.setdefault(name.rsplit("-seed", 1)[0], set()).add(exp.seed)
        assert exp.gan.epochs >= 3 and exp.eval.epoch_samples == 2000 and exp.eval.second_scorer_width > 0
    assert all(len(seeds[v]) >= 3 for v in TRICKS_WITH_SEEDS), {v: seeds.get(v) for v in TRICKS_WITH_SEEDS}
    from cgan_study.generators.gan.losses import LOSSES

    assert {exp.gan.loss for _, _, exp in runs} == set(LOSSES)
    wgan = [exp.gan for _, _, exp in runs if exp.gan.loss == "wgan"]
    assert wgan and wgan[0].optimizer == "rmsprop" and wgan[0].d_steps == 5  # as published
    collapse = [exp for _, _, exp in runs if exp.augment.generator == "dcgan" and exp.gan.beta_1 == 0.9]
    assert {e.gan.pack for e in collapse} == {1, 2}


def test_the_search_has_at_least_twelve_points_besides_the_default():
    runs = _runs("gan_search")
    points = {tuple(sorted(p.items())) for _, p, _ in runs}
    assert len(points) == len(runs) >= 13
    default = C.Experiment().gan
    assert any(e.gan == C.apply(C.Experiment(), {"gan.epochs": 3}).gan for _, _, e in runs)
    varied = {k for _, _, e in runs for k in sweeps.SEARCH_KEYS
              if getattr(e.gan, k.split(".")[1]) != getattr(default, k.split(".")[1])}
    assert varied == set(sweeps.SEARCH_KEYS)


def test_the_best_search_points_are_the_lowest_training_fid_and_rerun_with_three_fresh_seeds(tmp_path):
    search = tmp_path / "gan_search"
    search.mkdir()
    rows = []
    # The test digits' FID ranks the points the other way round: it must play no part.
    for i, (fid, success) in enumerate([(30.0, 0.9), (10.0, 0.8), (20.0, 0.95), (10.0, 0.9), (50.0, 0.99)]):
        rows.append({"run": f"p{i}", "status": "done", "fid_train": fid, "fid": 100 - fid, "success_rate": success,
                     "cfg.overrides.gan.g_width": 32 + i, "cfg.overrides.gan.d_width": 32,
                     "cfg.overrides.gan.latent_dim": 64, "cfg.overrides.gan.g_lr": 2e-4, "cfg.overrides.gan.d_lr": 2e-4})
    pd.DataFrame(rows).to_csv(search / "summary.csv", index=False)
    best = sweeps.best_search_points(tmp_path)
    assert [p["gan.g_width"] for p in best] == [35, 33, 34]  # FID 10 (success 0.9), FID 10 (0.8), FID 20
    runs = _runs("gan_search_best", out=tmp_path)
    # The three best points and the default point beside them (its partner seed by seed), on fresh seeds.
    assert len(runs) == 12 and {e.seed for _, _, e in runs} == {1, 2, 3}   # not the searched seed 0
    assert {e.gan.g_width for _, _, e in runs} == {33, 34, 35, C.Experiment().gan.g_width}


def test_the_best_points_sweep_says_to_run_the_search_first(tmp_path):
    from experiments.sweep import UsageError

    with pytest.raises(UsageError, match="run `python -m experiments.sweep gan_search` first"):
        _runs("gan_search_best", out=tmp_path)


# --------------------------------------------------------------------------- scoring over epochs and two scorers

@pytest.mark.parametrize("rows, onset", [
    ([{"epoch": 1, "classes_covered": 10, "recall": 0.3}, {"epoch": 2, "classes_covered": 10, "recall": 0.4}], None),
    ([{"epoch": 1, "classes_covered": 10, "recall": 0.3}, {"epoch": 2, "classes_covered": 7, "recall": 0.4}], 2),
    # Short of recall 0.1 after epoch 1 only: a slow start, not a collapse (the rule must hold from onset on).
    ([{"epoch": 1, "classes_covered": 10, "recall": 0.09}, {"epoch": 2, "classes_covered": 10, "recall": 0.4}], None),
    ([{"epoch": 1, "classes_covered": 10, "recall": 0.09}, {"epoch": 2, "classes_covered": 9, "recall": 0.4}], 1),
    ([{"epoch": 1, "classes_covered": 10, "recall": 0.1}, {"epoch": 2, "classes_covered": 10, "recall": 0.1}], None),
])
def test_collapse_onset_is_the_first_epoch_from_which_the_one_rule_always_holds(rows, onset):
    assert M.collapse_onset(rows) == onset



def test_the_second_scorer_is_another_artifact_than_the_scorer():
    ctx = type("Ctx", (), {"data_part": lambda self, exp: {"sha256": "x"}})()
    exp = C.apply(C.Experiment(), {"eval.second_scorer_width": 48})
    assert stages.scorer_key(exp, ctx) != stages.scorer_key(exp, ctx, second=True)
    # The scorer's own key does not move when a second scorer is configured (committed artifacts stay valid).
    assert stages.scorer_key(exp, ctx) == stages.scorer_key(C.Experiment(), ctx)
    with pytest.raises(C.ConfigError, match="the scorer itself"):
        C.apply(C.Experiment(), {"eval.second_scorer_width": 32, "eval.second_scorer_seed": 0})


def test_scoring_every_epoch_refuses_an_artifact_without_snapshots_or_kept_scores(tmp_path):
    from cgan_study.generators import get
    from cgan_study.runtime import results

    run = results.Run(tmp_path)
    run.log({"epoch": 1, "d_loss": 1.0})
    ctx = type("Ctx", (), {"data_part": lambda self, exp: {"sha256": "x"}})()
    exp = C.apply(C.Experiment(), {"eval.epoch_samples": 100})
    with pytest.raises(FileNotFoundError, match="no per-epoch snapshots .*delete that artifact"):
        stages.evaluate_epochs(get("cgan"), tmp_path, exp, ctx=ctx)
    # Scores the artifact kept for this scorer, sample count and seed are read back without the snapshots...
    kept = [{"epoch": 1, "fid": 40.0, "classes_covered": 10}]
    results.write_jsonl(stages.epoch_scores_path(tmp_path, exp, ctx, seed=0), kept)
    assert stages.evaluate_epochs(get("cgan"), tmp_path, exp, ctx=ctx, seed=0) == kept
    # ...but not for another sample count or seed, which would be other scores.
    for other, seed in ((C.apply(C.Experiment(), {"eval.epoch_samples": 200}), 0), (exp, 1)):
        with pytest.raises(FileNotFoundError, match="no per-epoch snapshots"):
            stages.evaluate_epochs(get("cgan"), tmp_path, other, ctx=ctx, seed=seed)


def test_scorer_dependence_pairs_both_scorers_per_seed_and_ranks_each():
    import pandas as pd
    import pytest

    from cgan_study.reporting.generators import scorer_dependence

    # CGAN: 0.98/0.97 and 0.99/0.97 (second - first = -1, -2 points); PCA: 0.92/0.45, 0.90/0.47 (-47, -43): PCA is
    # second by the scorer and second by the other (2 generators), the differences' means -1.5 and -45.
    frame = pd.DataFrame({"generator": ["cgan", "cgan", "pca", "pca", "cvae"],
                          "success_rate": [0.98, 0.99, 0.92, 0.90, 0.95],
                          "success_rate_second": [0.97, 0.97, 0.45, 0.47, None]})
    table = scorer_dependence(frame, ["cgan", "cvae", "pca"]).set_index("generator")
    assert list(table.index) == ["cgan", "pca"]   # the CVAE has no second opinion: left out
    assert table.loc["cgan", "diff"] == pytest.approx(-1.5) and table.loc["pca", "diff"] == pytest.approx(-45.0)
    # n = 2, sd of (-1, -2) = 0.7071, se = 0.5, t_(0.975, 1) = 12.706: -1.5 +- 6.353
    assert (table.loc["cgan", "low"], table.loc["cgan", "high"]) == pytest.approx((-7.853, 4.853), abs=1e-3)
    assert table.loc["cgan", "rank_scorer"] == 1 and table.loc["pca", "rank_second"] == 2
    assert table["same_rank"].all()
    # as printed: rates to two decimals, the difference with its interval, ranks, yes/no (never raw floats)
    from cgan_study.reporting.generators import dependence_shown

    shown = dependence_shown(table.reset_index()).set_index("generator")
    assert shown.loc["cgan", "scorer (%)"] == "98.50" and shown.loc["pca", "second scorer (%)"] == "46.00"
    assert shown.loc["cgan", "second $-$ scorer [95\\%]"] == "-1.50 [-7.85, +4.85]"
    assert shown.loc["pca", "same rank"] == "yes"
