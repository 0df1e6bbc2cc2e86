"""The semi-supervised per-arm table: the budget rule on recorded training curves (hand-made, known answers), the
arms' absolute numbers and wall times from fabricated run and artifact directories, and the anchors kept apart."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from cgan_study.reporting import criteria as C
from cgan_study.reporting import semi_supervised_arms as A
from cgan_study.reporting.tables import finished_runs
from cgan_study.runtime import results

FLAT = [1.0] * 10


# --------------------------------------------------------------------------- the rule on one curve

def test_ten_epochs_compare_the_eighth_with_the_tenth():
    # Window: round(0.2 x 10) = 2 epochs, read from epoch 8 (index 7) to epoch 10. From 1.00 to 0.94: fell 6% > 5%.
    # Epoch 9's 0.96 must not be the start (from 0.96 to 0.94 is 2.1%: not limited).
    check = C.curve_check([2.0] * 7 + [1.00, 0.96, 0.94])
    assert check.loss_fall == pytest.approx(0.06)
    assert math.isnan(check.mask_rise) and check.budget_limited is True
    # 1.00 -> 0.96: 4%, under the 5% rule; whatever fell before the window does not count.
    assert C.curve_check([9.0] * 7 + [1.00, 0.90, 0.96]).budget_limited is False


def test_a_rising_mask_rate_flags_fixmatch_even_with_a_flat_loss():
    masks = [0.5] * 7 + [0.80, 0.81, 0.815]   # +1.5 points across the window
    check = C.curve_check(FLAT, masks)
    assert check.loss_fall == 0.0 and check.mask_rise == pytest.approx(0.015)
    assert check.budget_limited is True
    assert C.curve_check(FLAT, [0.5] * 7 + [0.80, 0.81, 0.805]).budget_limited is False   # +0.5 point
    # A loss that rose while the mask rate held still: not limited (the rule reads falls and rises only).
    assert C.curve_check([1.0] * 9 + [1.2], [0.9] * 10).budget_limited is False


def test_short_curves_use_one_epoch_of_window_and_one_epoch_says_nothing():
    assert C.curve_check([1.0, 0.9]).loss_fall == pytest.approx(0.1)              # 2 epochs: window 1
    assert C.curve_check([5.0, 5.0, 5.0, 1.0, 0.97]).loss_fall == pytest.approx(0.03)   # 5 epochs: window 1
    one = C.curve_check([0.3])
    assert one.budget_limited is None and math.isnan(one.loss_fall)
    with pytest.raises(ValueError, match="one of each per epoch"):
        C.curve_check([1.0, 0.9], [0.1])


# --------------------------------------------------------------------------- a fabricated sweep

def _run(sweep, name, strategy, seed, acc, metrics, k=10, protocol="semi_supervised", generator="cgan"):
    run = results.Run(sweep / name)
    run.start({"overrides": {"augment.strategy": strategy, "seed": seed},
               "experiment": {"augment": {"strategy": strategy, "generator": generator, "protocol": protocol,
                                          "real_per_class": k, "real_fraction": 1.0, "synth_fraction": 0.1},
                              "seed": seed}})
    run.finish({"test_accuracy": acc, **metrics})


def _artifact(root, kind, key, train_seconds, config=None, history=None):
    path = root / "_artifacts" / kind / key
    results.Run(path).start(config or {})
    results.Run(path).finish({"train_seconds": train_seconds})
    if history is not None:
        (path / "history.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))


def _fixmatch_curve(end):
    """Ten epochs whose loss goes from 1.0 (epoch 8) to `end` (epoch 10), mask rate flat."""
    return {"train_loss_per_epoch": [2.0] * 7 + [1.0, 1.0, end], "train_mask_rate_per_epoch": [0.9] * 10}


@pytest.fixture
def sweep(tmp_path):
    sweep = tmp_path / "semi_supervised"
    # Two FixMatch baselines (100 s and 140 s of training); the pseudo-label generator of seed 0 (300 s) labelled
    # by baseline b0; two SSL-GANs of 50 s, with classifier losses falling 10% and 2% across their windows.
    _artifact(tmp_path, "fixmatch_baseline", "b0", 100.0)
    _artifact(tmp_path, "fixmatch_baseline", "b1", 140.0)
    _artifact(tmp_path, "generator", "g0", 300.0, config={"baseline": "b0", "pool": "pseudo_labels"})
    for key, end in (("s0", 0.9), ("s1", 0.98)):
        _artifact(tmp_path, "generator", key, 50.0,
                  history=[{"epoch": e, "supervised": v} for e, v in enumerate([3.0] * 3 + [1.0, end], 1)])
    # real: 0.80 / 0.84 (mean 0.82, sd 0.028284); fixmatch: falls of 10%, 2%, 3% (median 3%: not limited, one
    # seed flagged), wall 10 / 20 / 30 s plus its baseline's 100 / 140 / 100 s -> 110, 160, 130: median 130.
    _run(sweep, "real-seed0", "real", 0, 0.80, {"wall_seconds": 5.0}, protocol="coursework")
    _run(sweep, "real-seed1", "real", 1, 0.84, {"wall_seconds": 7.0}, protocol="coursework")
    for seed, end, wall, base in ((0, 0.90, 10.0, "b0"), (1, 0.98, 20.0, "b1"), (2, 0.97, 30.0, "b0")):
        _run(sweep, f"fixmatch-seed{seed}", "fixmatch", seed, 0.95 + 0.01 * seed,
             {"wall_seconds": wall, "baseline_artifact": base, **_fixmatch_curve(end)})
    # mix: no curve of its own; 20 s + the generator's 300 s + the baseline that labelled its pool, 100 s = 420 s.
    _run(sweep, "mix-seed0", "mix", 0, 0.90, {"wall_seconds": 20.0, "generator_artifact": "g0"})
    # ssl_gan: seed 0 built its GAN in the run (classifier stage 60 s > 50 s: its wall 70 s stands); seed 1 loaded
    # it (stage 5 s: 8 + 50 - 5 = 53 s). Median cost 61.5 s; loss falls 10% and 2%: median 6% -> limited.
    _run(sweep, "ssl_gan-seed0", "ssl_gan", 0, 0.60, {"wall_seconds": 70.0, "seconds_classifier": 60.0,
                                                      "ssl_gan_artifact": "s0"})
    _run(sweep, "ssl_gan-seed1", "ssl_gan", 1, 0.70, {"wall_seconds": 8.0, "seconds_classifier": 5.0,
                                                      "ssl_gan_artifact": "s1"})
    results.write_summary(sweep)
    return sweep


def test_the_arms_table_reads_curves_costs_and_accuracies(sweep):
    table = A.arms_table(sweep, finished_runs(sweep))
    study = table[table["source"] == A.STUDY].set_index("arm")
    assert list(study.index) == ["real", "mix", "fixmatch", "ssl_gan"]   # strategies in declaration order

    real = study.loc["real"]
    assert (real["n"], real["accuracy_mean"]) == (2, pytest.approx(0.82))
    assert real["accuracy_sd"] == pytest.approx(0.0282843, abs=1e-6)
    assert real["error_mean"] == pytest.approx(18.0) and real["error_sd"] == pytest.approx(2.82843, abs=1e-4)
    assert pd.isna(real["protocol"]) and pd.isna(real["budget_limited"])   # labelled digits only; no curve
    assert real["seconds_with_builds"] == pytest.approx(6.0)

    fm = study.loc["fixmatch"]
    assert fm["protocol"] == "semi_supervised" and fm["loss_fall_median"] == pytest.approx(0.03)
    assert fm["mask_rise_median"] == pytest.approx(0.0)
    assert not fm["budget_limited"] and (fm["n_budget_checked"], fm["n_budget_limited"]) == (3, 1)
    assert fm["run_seconds"] == pytest.approx(20.0) and fm["seconds_with_builds"] == pytest.approx(130.0)

    mix = study.loc["mix"]
    assert mix["generator"] == "cgan" and mix["seconds_with_builds"] == pytest.approx(420.0)
    assert pd.isna(mix["budget_limited"]) and mix["n_budget_checked"] == 0

    gan = study.loc["ssl_gan"]
    assert gan["loss_fall_median"] == pytest.approx(0.06) and gan["budget_limited"]
    assert math.isnan(gan["mask_rise_median"]) and gan["n_budget_limited"] == 1
    assert gan["seconds_with_builds"] == pytest.approx(61.5)


def test_the_anchors_are_rows_of_their_own_and_never_enter_a_statistic(sweep, monkeypatch):
    table = A.arms_table(sweep, finished_runs(sweep))
    anchors = table[table["source"] == A.ANCHOR]
    assert list(anchors["error_mean"]) == [0.93, 0.89, 1.39] and list(anchors["error_sd"]) == [0.07, 0.50, 0.28]
    assert set(anchors["k"]) == {10} and anchors["n"].isna().all() and anchors["budget_limited"].isna().all()
    assert anchors["citation"].str.contains("Salimans et al. 2016").any()
    # Without any anchor, the study's rows are the same numbers.
    monkeypatch.setattr(A, "ANCHORS", ())
    alone = A.arms_table(sweep, finished_runs(sweep))
    pd.testing.assert_frame_equal(alone, table[table["source"] == A.STUDY].reset_index(drop=True), check_dtype=False)


def test_the_report_writes_the_arms_table(sweep):
    from cgan_study.reporting.semi_supervised import semi_supervised_report

    out = semi_supervised_report(sweep)
    assert "semi_supervised_arms" in out
    csv = pd.read_csv(sweep / "tables" / "semi_supervised_arms.csv")
    assert list(csv.columns) == A.COLUMNS and len(csv) == 4 + len(A.ANCHORS)
    tex = (sweep / "tables" / "semi_supervised_arms.tex").read_text()
    assert "$\\Gamma$-model" in tex and "labelled only & real" in tex
    assert "yes (loss $-$6.0\\%)" in tex                    # the SSL-GAN: limited, its median reading
    assert "no (loss $-$3.0\\%, mask +0.0 pt)" in tex       # FixMatch: not limited
    assert "0.93 $\\pm$ 0.07" in tex and "[Salimans et al. 2016]" in tex


def test_every_table_the_sweep_declares_is_written_by_its_report(sweep):
    from cgan_study.sweeps import SWEEPS

    declared = SWEEPS["semi_supervised"].tables
    assert "semi_supervised_arms" in declared
    SWEEPS["semi_supervised"].report(sweep)
    assert [t for t in declared if not (sweep / "tables" / f"{t}.tex").exists()] == []


def test_no_run_at_k_above_zero_leaves_the_anchors_alone(tmp_path):
    table = A.arms_table(tmp_path, pd.DataFrame(columns=["run", "strategy", "generator", "test_accuracy"]))
    assert list(table["source"]) == [A.ANCHOR] * len(A.ANCHORS)


def test_the_pool_macros_read_the_study_rows_only():
    from cgan_study.reporting.paper_numbers import pool_numbers

    arms = pd.DataFrame([
        {"source": "this study", "arm": "fixmatch", "k": 10, "n": 3, "accuracy_mean": 0.9612, "seconds_with_builds": 600.0,
         "n_budget_checked": 3, "n_budget_limited": 1},
        {"source": "this study", "arm": "real", "k": 100, "n": 3, "accuracy_mean": 0.9667, "seconds_with_builds": float("nan")},
        {"source": "anchor", "arm": "fixmatch", "k": 10, "n": None, "accuracy_mean": 0.5, "seconds_with_builds": 1.0}])
    assert pool_numbers(arms) == {"poolAccFixmatch": "96.12", "poolNFixmatch": "3", "poolMinutesFixmatch": "10",
                                  "poolBudgetLimitedFixmatch": "1",
                                  "poolAccRealHundred": "96.67", "poolNRealHundred": "3",
                                  "poolAnchorLow": "50.0", "poolAnchorHigh": "50.0"}   # the anchor row: range only
    assert pool_numbers(None) == {}
