"""The evidence rules, each with a known answer: choices read the training reference (never the test set), a
few-shot cell touches no validation digit, one collapse rule with a persistent onset, Holm's adjustment and the
budget's convergence rule (both branches)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from cgan_study.sweeps import comparisons
from cgan_study import config as C
from cgan_study.reporting.criteria import budget_converged, holm
from cgan_study.study import augment, stages
from cgan_study.training import classifier as clf
from cgan_study.study import metrics as M
from cgan_study.study.selection import NoTrainingReference, rank

# --------------------------------------------------------------------------- choices on the training reference


def _toy_search() -> pd.DataFrame:
    # Point "b" is best on the test reference, "c" on the training one: the ranking must follow the latter.
    return pd.DataFrame({"run": ["a", "b", "c"], "fid": [30.0, 10.0, 20.0], "fid_train": [25.0, 22.0, 12.0],
                         "success_rate": [0.9, 0.9, 0.9]})


def test_a_ranking_that_differs_between_references_follows_the_training_reference():
    assert list(rank(_toy_search())["run"]) == ["c", "b", "a"]
    tie = pd.DataFrame({"run": ["x", "y"], "fid_train": [5.0, 5.0], "success_rate": [0.8, 0.95]})
    assert list(rank(tie)["run"]) == ["y", "x"]  # ties: the higher success rate first


def test_a_ranking_without_the_training_reference_refuses_rather_than_using_the_test_set():
    with pytest.raises(NoTrainingReference, match="fid_train"):
        rank(_toy_search().drop(columns="fid_train"))


def test_the_reference_features_come_from_training_digits_only(mnist):
    exp = dataclasses.replace(C.Experiment(), eval=dataclasses.replace(C.Experiment().eval, train_reference=200))
    ctx = stages.Context(mnist, "/nonexistent")
    digits = stages.train_reference_digits(exp, ctx)
    assert len(digits) == 200 and np.bincount(digits.y, minlength=10).tolist() == [20] * 10
    pool = {d.tobytes() for d in ctx.training_pool(exp).x}
    assert all(d.tobytes() in pool for d in digits.x)
    val = {d.tobytes() for d in mnist.val.x}
    assert not any(d.tobytes() in val for d in digits.x)   # the held-out validation digits stay out of it too


def test_the_committed_scorer_keeps_its_hash_after_the_selection_key_was_added(mnist):
    ctx = stages.Context(mnist, "/nonexistent")
    from helpers import REPO

    key = stages.scorer_key(C.profile("quick"), ctx)
    assert (REPO / "results" / "_artifacts" / "scorer" / key / "DONE").exists()


# --------------------------------------------------------------------------- no labels beyond the allowance

class _NoValidation:
    """The dataset with its validation split behind a tripwire: reading it fails the test."""

    def __init__(self, data):
        self._data = data

    def __getattr__(self, name):
        if name == "val":
            raise AssertionError("a cell read the validation split")
        return getattr(self._data, name)


def _tiny(exp: C.Experiment, **augment_keys) -> C.Experiment:
    cls = dataclasses.replace(exp.classifier, epochs=2, steps_per_epoch=3)
    return dataclasses.replace(exp, classifier=cls, augment=dataclasses.replace(exp.augment, **augment_keys))


@pytest.mark.parametrize("strategy", ["real", "affine"])
def test_a_few_shot_cell_never_touches_the_validation_split(mnist, tmp_path, strategy):
    exp = _tiny(C.profile("quick"), real_per_class=1, strategy=strategy, synth_fraction=0.0)
    assert exp.classifier.selection == "final"
    ctx = stages.Context(_NoValidation(mnist), tmp_path)
    out = augment.run(exp, ctx)
    assert out["n_real"] == 10 and out["selection"] == "final" and "train_best_val_accuracy" not in out


@pytest.mark.parametrize("strategy", ["filter", "mix", "pretrain", "synthetic_only"])
def test_no_strategy_with_synthetic_digits_touches_the_validation_split(mnist, tmp_path, strategy):
    # Under low_data the PCA generator fits the cell's own 10 digits; the filter's judge is trained on them too.
    exp = _tiny(C.profile("quick"), real_per_class=1, strategy=strategy, synth_per_class=5, protocol="low_data",
                generator="pca")
    ctx = stages.Context(_NoValidation(mnist), tmp_path)
    out = augment.run(exp, ctx)
    assert out["n_synth"] == 50 and out["selection"] == "final"
    if strategy == "filter":
        assert out["filter_judge"] == "real_only_classifier"


def test_final_weights_may_not_be_given_validation_digits():
    cfg = C.ClassifierConfig(selection="final")
    x = np.zeros((10, 28, 28), np.uint8)
    y = np.arange(10, dtype=np.uint8)
    with pytest.raises(ValueError, match="selection=final"):
        clf.train_classifier(cfg, (x, y), (x, y), seed=0)


# --------------------------------------------------------------------------- one collapse rule

def test_the_collapse_rule_is_classes_covered_or_recall():
    assert not M.is_collapsed({"classes_covered": 10, "recall": 0.5})
    assert M.is_collapsed({"classes_covered": 9, "recall": 0.5})
    assert M.is_collapsed({"classes_covered": 10, "recall": 0.05})
    # Precision, density and coverage play no part: a collapsed model can score high on them.
    assert not M.is_collapsed({"classes_covered": 10, "recall": 0.5, "precision": 0.0, "coverage": 0.0})


def _curve(*collapsed_per_epoch):
    return [{"epoch": e, "classes_covered": 5 if c else 10, "recall": 0.5} for e, c in
            enumerate(collapsed_per_epoch, start=1)]


def test_collapse_onset_is_the_first_epoch_after_which_the_rule_always_holds():
    assert M.collapse_onset(_curve(False, False, True, True)) == 3
    assert M.collapse_onset(_curve(True, False, True, True, True)) == 3   # an early dip is not the onset
    assert M.collapse_onset(_curve(False, False, False)) is None


def test_a_slow_starter_has_no_onset():
    assert M.collapse_onset(_curve(True, True, False, False)) is None


def test_a_recorded_verdict_wins_over_recomputing_from_test_referenced_columns():
    rows = [{"epoch": 1, "classes_covered": 10, "recall": 0.01, "collapsed": False}]
    assert M.collapse_onset(rows) is None


# --------------------------------------------------------------------------- Holm and the budget rule

def test_holm_against_a_hand_computed_case():
    # p sorted: 0.01 (x4 = 0.04), 0.02 (x3 = 0.06), 0.03 (x2 = 0.06, monotone), 0.5 (x1 = 0.5)
    np.testing.assert_allclose(holm([0.03, 0.01, 0.5, 0.02]), [0.06, 0.04, 0.5, 0.06])
    np.testing.assert_allclose(holm([0.4, 0.9]), [0.8, 0.9])
    assert holm([0.6, 0.7]).max() <= 1.0


def test_the_budget_rule_small_move_branch():
    verdict = budget_converged(mean_move=0.10, seed_sd=0.1, low=-0.2, high=0.4)
    assert verdict.converged and verdict.branch == "small move"


def test_the_budget_rule_noisy_cell_branch():
    # The low-data cell of the old check: +0.23 [-4.42, +4.88] with a seed sd of 1.9 points.
    verdict = budget_converged(mean_move=0.23, seed_sd=1.9, low=-4.42, high=4.88)
    assert verdict.converged and verdict.branch == "noisy cell"


def test_the_budget_rule_fails_a_noisy_cell_that_moves_too_far_or_a_quiet_one_that_moves():
    assert not budget_converged(mean_move=0.6, seed_sd=1.9, low=-1.0, high=2.2).converged   # > sd / 4
    assert not budget_converged(mean_move=0.3, seed_sd=0.2, low=0.1, high=0.5).converged
    assert not budget_converged(mean_move=0.3, seed_sd=1.9, low=0.1, high=0.5).converged    # excludes 0


# --------------------------------------------------------------------------- a CAS that may choose: validation only

class _NoTest:
    """The dataset with its test split behind a tripwire: a choosing metric must not read it."""

    def __init__(self, data):
        self._data = data

    def evaluation_split(self):
        raise AssertionError("a choosing metric read the test split")

    def __getattr__(self, name):
        return getattr(self._data, name)


def _cas_exp() -> C.Experiment:
    exp = C.profile("quick")
    return dataclasses.replace(exp, classifier=dataclasses.replace(exp.classifier, epochs=2, steps_per_epoch=40,
                                                                   width=8, min_steps_per_epoch=1))


def test_the_validation_cas_of_real_digits_equals_its_real_reference_and_never_reads_the_test_split(mnist):
    exp = _cas_exp()
    ctx = stages.Context(_NoTest(mnist), "/nonexistent")
    # "Samples" that are the very real digits the reference trains on (same subset, same seed): no gap.
    real = stages.subset(ctx.training_pool(exp), k=50, seed=3)
    out = stages.validation_cas(exp, ctx, real.x, real.y, seed=3)
    assert out["cas_val_n_train"] == 500 and out["cas_val_n"] == len(mnist.val.y) == 1000
    assert out["cas_val"] > 0.5 and abs(out["cas_val_gap"]) <= 0.01


def test_samples_with_wrong_labels_get_a_validation_cas_near_chance(mnist):
    exp = _cas_exp()
    ctx = stages.Context(_NoTest(mnist), "/nonexistent")
    real = stages.subset(ctx.training_pool(exp), k=50, seed=3)
    out = stages.validation_cas(exp, ctx, real.x, (real.y + 1) % 10, seed=3)   # every label off by one class
    assert out["cas_val"] < 0.1 and out["cas_val_real"] > 0.5 and out["cas_val_gap"] > 0.4


# --------------------------------------------------------------------------- a second scorer of another design

def test_the_second_scorer_is_another_architecture_with_the_same_interface():
    import keras

    cnn = clf.build_classifier(C.ClassifierConfig(width=8), seed=0)
    gap = clf.build_classifier(C.ClassifierConfig(width=8, arch="gap"), seed=0)
    kinds = lambda m: {type(layer).__name__ for layer in m.layers}  # noqa: E731
    assert "MaxPooling2D" in kinds(cnn) and "MaxPooling2D" not in kinds(gap)
    assert {"BatchNormalization", "GlobalAveragePooling2D"} <= kinds(gap)
    x = np.zeros((3, 28, 28), np.uint8)
    features, probs = clf.features_and_probs(gap, x)
    assert probs.shape == (3, 10) and features.shape == (3, 32) and isinstance(gap, keras.Model)


def test_the_generators_sweep_asks_for_a_second_scorer_of_another_design(mnist):
    from cgan_study.sweeps import SWEEPS

    overrides = SWEEPS["generators"].overrides("quick")
    assert overrides["eval.second_scorer_arch"] == "gap"
    exp = C.apply(C.profile("quick"), overrides)
    ctx = stages.Context(mnist, "/nonexistent")
    same_width_cnn = C.apply(C.profile("quick"), {**overrides, "eval.second_scorer_arch": "cnn"})
    assert stages.scorer_key(exp, ctx, second=True) not in {stages.scorer_key(exp, ctx),
                                                             stages.scorer_key(same_width_cnn, ctx, second=True)}


# --------------------------------------------------------------------------- declared generator capabilities

def test_declared_capabilities_match_the_family_modules():
    import importlib

    from cgan_study.generators import REGISTRY

    for entry in REGISTRY.values():
        module = importlib.import_module(entry.module)
        assert entry.snapshots == callable(getattr(module, "load_snapshot", None)), entry.name
        assert entry.sampler_settings == callable(getattr(module, "configure", None)), entry.name
        sampler_class = getattr(module, "DiffusionGenerator", None)
        assert entry.progressive == callable(getattr(sampler_class, "progressive", None)), entry.name


def test_every_committed_artifact_loads_through_the_entry_that_built_it():
    import json
    from pathlib import Path

    from cgan_study.generators import entry_of_artifact

    from helpers import REPO

    root = REPO / "results" / "_artifacts" / "generator"
    guided = [p for p in root.iterdir() if (p / "guide.json").exists()]
    assert guided and all(entry_of_artifact(p).name == "guided_cgan" for p in guided)
    plain = [p for p in root.iterdir() if (p / "config.json").exists() and not (p / "guide.json").exists()]
    for path in plain:
        spec = json.loads((path / "config.json").read_text())
        assert entry_of_artifact(path).name == (spec.get("generator") or spec["gan"]["family"])


# --------------------------------------------------------------------------- the study's CGAN by the decision rule

def _variants_frame(fid_train: dict, success: dict) -> pd.DataFrame:
    rows = []
    for variant, values in fid_train.items():
        overrides = {} if variant == "default" else {"cfg.overrides.gan.d_steps": 2} if variant == "d2" else \
            {"cfg.overrides.gan.vbn": "gd"}
        for seed, (fid, ok) in enumerate(zip(values, success[variant])):
            rows.append({"run": f"{variant}-seed{seed}", "cfg.experiment.seed": seed, "fid_train": fid,
                         "success_rate": ok, **overrides})
    return pd.DataFrame(rows)


def test_a_variant_that_clearly_lowers_fid_becomes_the_study_cgan():
    from cgan_study.reporting.variants import paired_table, study_cgan

    frame = _variants_frame({"default": [10.0, 11.0, 12.0], "d2": [6.0, 7.1, 7.9], "vbn": [10.5, 10.0, 13.0]},
                            {"default": [0.98] * 3, "d2": [0.98, 0.981, 0.979], "vbn": [0.97] * 3})
    paired = paired_table(frame)
    fid = paired[paired["metric"] == "fid_train"].set_index("variant")
    assert fid.loc["gan.d_steps=2", "direction"] == "better" and fid.loc["gan.d_steps=2", "m"] == 2
    assert fid.loc["gan.vbn=gd", "direction"] == "cannot be told apart"
    decision = study_cgan(paired)
    assert decision["study_cgan"] == "gan.d_steps=2" and decision["arms_compared"] == 2


def test_the_default_stands_when_the_fid_gain_costs_success_rate():
    from cgan_study.reporting.variants import paired_table, study_cgan

    frame = _variants_frame({"default": [10.0, 11.0, 12.0], "d2": [6.0, 7.1, 7.9]},
                            {"default": [0.98, 0.985, 0.982], "d2": [0.90, 0.91, 0.905]})
    assert study_cgan(paired_table(frame))["study_cgan"] == "default"


def test_the_papers_variants_table_shows_adjusted_intervals_in_the_metrics_units_and_the_comparisons_match():
    from cgan_study.reporting import claims
    from cgan_study.reporting.variants import paired_table, shown_table

    frame = _variants_frame({"default": [10.0, 11.0, 12.0], "d2": [6.0, 7.1, 7.9], "vbn": [10.5, 10.0, 13.0]},
                            {"default": [0.98] * 3, "d2": [0.98, 0.981, 0.979], "vbn": [0.97] * 3})
    paired = paired_table(frame)
    shown = shown_table(paired).set_index("variant")
    fid = paired[(paired["metric"] == "fid_train") & (paired["variant"] == "gan.d_steps=2")].iloc[0]
    label = fid["label"]
    half = (fid["high_adjusted"] - fid["low_adjusted"]) / 2   # the adjusted t-interval is symmetric
    # the row prints a shorter name than the claim id's label (the table keeps 8 pt in one column)
    assert label == "2 D steps per G step" and "2 D steps per G step" not in shown.index
    assert shown.loc["2 D steps", "FID"] == f"{fid['mean_diff']:+.1f} ± {half:.1f}*"
    assert shown.loc["2 D steps", "success"].startswith("+0.0 ± ")    # 0.98 - 0.98 on average: never -0.0
    comp = comparisons({"variants_paired": paired})[f"variants/{claims.slug(label)}/fid_train"]
    assert comp.verdict == claims.BETTER and comp.mean == pytest.approx(fid["mean_diff"])
    assert (comp.low, comp.high) == (pytest.approx(fid["low_adjusted"]), pytest.approx(fid["high_adjusted"]))


def test_the_dcgans_arms_pair_with_the_default_dcgan_form_their_own_family_and_never_choose_the_study_cgan():
    from cgan_study.reporting.variants import paired_table, study_cgan

    cgan = _variants_frame({"default": [10.0, 11.0, 12.0], "vbn": [10.5, 10.0, 13.0]}, {"default": [0.98] * 3,
                                                                                      "vbn": [0.97] * 3})
    dcgan = pd.DataFrame([{"run": f"dcgan-{v}-seed{s}", "cfg.experiment.seed": s, "fid_train": fid,
                           "success_rate": float("nan"), "cfg.experiment.augment.generator": "dcgan", **o}
                          for v, o, fids in (("default", {}, [60.0, 70.0, 80.0]),
                                             ("ls", {"cfg.overrides.gan.label_smoothing": 0.25}, [40.0, 50.1, 59.9]),
                                             ("d2", {"cfg.overrides.gan.d_steps": 2}, [61.0, 69.0, 81.0]))
                          for s, fid in enumerate(fids)])
    paired = paired_table(pd.concat([cgan.assign(**{"cfg.experiment.augment.generator": "cgan"}), dcgan]))
    fid = paired[paired["metric"] == "fid_train"].set_index("label")
    # each DCGAN arm minus the default DCGAN of its seed (not the CGAN's): label smoothing -20, -19.9, -20.1
    assert fid.loc["DCGAN + label smoothing 0.25", "mean_diff"] == pytest.approx(-20.0)
    assert fid.loc["DCGAN + label smoothing 0.25", "baseline"] == "default DCGAN"
    assert fid.loc["DCGAN + label smoothing 0.25", "direction"] == "better"
    assert fid.loc["DCGAN + 2 D steps per G step", "mean_diff"] == pytest.approx(1 / 3)
    # two families: the CGAN's one arm (m = 1) and the DCGAN's two (m = 2); no success rate for the DCGAN
    assert fid.loc["VBN in G and D", "m"] == 1 and fid.loc["DCGAN + label smoothing 0.25", "m"] == 2
    assert set(paired.loc[paired["generator"] == "dcgan", "metric"]) == {"fid_train"}
    # the decision rule reads the CGAN's family only: the DCGAN's large FID gain chooses nothing
    assert study_cgan(paired)["study_cgan"] == "default" and study_cgan(paired)["arms_compared"] == 1


def test_recall_compares_as_many_real_as_generated_samples(rng):
    # Epoch scores use 2,000 samples, final ones 10,000: the collapse threshold on recall reads alike only when the
    # real reference is thinned to the generated count.
    real, fake = rng.normal(size=(1000, 4)), rng.normal(size=(200, 4))
    thinned = M.as_many_real(real, fake)
    assert len(thinned) == 200 and (thinned[0] == real[0]).all() and (thinned[-1] == real[-1]).all()
    out = M.compute(["precision_recall"], M.Inputs(None, np.full((200, 10), 0.1), fake, real))
    assert (out["precision"], out["recall"]) == M.precision_recall(thinned, fake)
    assert M.as_many_real(real[:100], fake) is not None and len(M.as_many_real(real[:100], fake)) == 100
