"""The low-data generators' budget check: each run's steps from its config, each budget against the next smaller one
paired by seed (the old few-shot rule's against its doubling, the present rule's against its), one row per
generator and metric."""
from __future__ import annotations

import pandas as pd
import pytest

from cgan_study.reporting.generator_budget import generator_budget_report, steps_of
from cgan_study.reporting.stats import t_interval


def _summary(tmp_path, success, reverse=False):
    rows = []
    for (generator, section, min_steps), values in success.items():
        for seed, value in enumerate(values):
            rows.append({"run": f"{generator}-minsteps{min_steps}-seed{seed}", "status": "done",
                         "cfg.experiment.augment.generator": generator, "cfg.experiment.augment.strategy": "real",
                         "cfg.experiment.seed": seed, "cfg.experiment.augment.real_per_class": 10,
                         "cfg.experiment.data.val_per_class": 100, f"cfg.experiment.{section}.batch_size": 128, f"cfg.experiment.{section}.epochs": 6,
                         f"cfg.experiment.{section}.min_steps_per_epoch": min_steps,
                         "success_rate": value, "fid_train": 100 * (1 - value), "recall_train": value / 4,
                         "n_samples": 2000})
    frame = pd.DataFrame(rows)
    (frame.iloc[::-1] if reverse else frame).to_csv(tmp_path / "summary.csv", index=False)


def test_steps_follow_each_runs_own_section_and_subset():
    frame = pd.DataFrame({"cfg.experiment.augment.generator": ["cgan", "ebgan"],
                          "cfg.experiment.augment.real_per_class": [10, 100],
                          "cfg.experiment.gan.batch_size": [128, 128], "cfg.experiment.gan.epochs": [6, 6],
                          "cfg.experiment.gan.min_steps_per_epoch": [200, 200],
                          "cfg.experiment.ebgan.batch_size": [128, 64], "cfg.experiment.ebgan.epochs": [6, 6],
                          "cfg.experiment.ebgan.min_steps_per_epoch": [100, 10]})
    # 100 digits at batch 128: the minimum, 200 a step; 1,000 digits at batch 64: 15 steps, above its minimum of 10.
    assert list(steps_of(frame)) == [6 * 200, 6 * 15]


def test_each_budget_is_paired_with_the_next_smaller_one_seed_by_seed(tmp_path):
    rule, doubled, longer, longest = [0.70, 0.75, 0.72], [0.80, 0.86, 0.81], [0.95, 0.96, 0.94], [0.96, 0.96, 0.95]
    _summary(tmp_path, {("cgan", "gan", 100): rule, ("cgan", "gan", 200): doubled, ("cgan", "gan", 460): longer,
                        ("cgan", "gan", 920): longest,
                        ("ebgan", "ebgan", 100): [0.10, 0.11, 0.09], ("ebgan", "ebgan", 200): [0.10, 0.10, 0.10]},
             reverse=True)   # rows in another order than the seeds: pairing must go by seed, not position
    out = generator_budget_report(tmp_path)
    long = out["generator_budget_long"].set_index(["generator", "metric", "steps"])
    cgan = long.loc[("cgan", "success_rate", 1200)]
    mean, low, high, _ = t_interval([d - r for d, r in zip(doubled, rule)])
    assert (cgan["from_steps"], cgan["n"]) == (600, 3)
    assert cgan["mean_diff"] == pytest.approx(100 * mean) and cgan["low"] == pytest.approx(100 * low)
    assert cgan["high"] == pytest.approx(100 * high) and low > 0           # still improving at the rule
    assert long.loc[("cgan", "success_rate", 2760), "mean_diff"] == pytest.approx(100 * (0.95 - 0.8233333), abs=1e-4)
    # The present rule's doubling check: 5,520 against 2,760 steps.
    assert long.loc[("cgan", "success_rate", 5520), "from_steps"] == 2760
    assert long.loc[("cgan", "success_rate", 5520), "mean_diff"] == pytest.approx(100 * 0.02 / 3)
    ebgan = long.loc[("ebgan", "success_rate", 1200)]
    assert ebgan["low"] < 0 < ebgan["high"]                                 # no move beyond its interval
    table = out["generator_budget"]
    assert list(table["generator"]) == ["cgan"] * 4 + ["ebgan"] * 2
    assert list(table["steps"][:4]) == ["600 (old rule)", "1,200", "2,760 (rule)", "5,520"]
    assert table.iloc[0]["success (%): change"] == "--" and table.iloc[1]["success (%): change"].endswith("*")
    assert "2,000 samples" in (tmp_path / "tables" / "generator_budget.tex").read_text()
    from cgan_study.sweeps import comparisons

    comps = comparisons(out)   # claimable in the prose: a lower FID reads as better
    assert comps["genbudget/cgan/steps1200/success_rate"].verdict == "better"
    assert comps["genbudget/cgan/steps1200/fid_train"].verdict == "better"
    assert comps["genbudget/ebgan/steps1200/success_rate"].verdict == "inconclusive"


def test_a_generator_with_one_budget_only_is_left_out(tmp_path):
    _summary(tmp_path, {("cgan", "gan", 100): [0.7, 0.72], ("ebgan", "ebgan", 100): [0.1, 0.1],
                        ("ebgan", "ebgan", 200): [0.2, 0.3]})
    out = generator_budget_report(tmp_path)
    assert set(out["generator_budget"]["generator"]) == {"ebgan"}


def test_a_seed_missing_at_one_budget_is_left_out_of_the_change(tmp_path):
    _summary(tmp_path, {("cgan", "gan", 100): [0.70, float("nan"), 0.72], ("cgan", "gan", 200): [0.80, 0.90, 0.84]})
    row = generator_budget_report(tmp_path)["generator_budget_long"].set_index("metric").loc["success_rate"]
    assert row["n"] == 2 and row["mean_diff"] == pytest.approx(100 * ((0.80 - 0.70) + (0.84 - 0.72)) / 2)


def test_the_arm_by_generator_steps_is_paired_with_real_only_and_with_the_old_rule(tmp_path):
    from cgan_study.sweeps import comparisons
    from cgan_study.reporting.generator_budget import arm_budget_report

    accuracy = {("real", None): [0.86, 0.84, 0.87], ("affine", None): [0.95, 0.92, 0.94],
                ("mix", 100): [0.79, 0.77, 0.80], ("mix", 460): [0.88, 0.85, 0.90],
                ("pretrain", 460): [0.87, 0.86, 0.88]}   # a changed strategy, at the longer budget only
    rows = [{"run": f"{s}-{m}-seed{seed}", "status": "done", "cfg.experiment.augment.strategy": s,
             "cfg.experiment.augment.generator": "cgan", "cfg.experiment.augment.protocol": "low_data",
             "cfg.experiment.augment.synth_fraction": 0.1 if s == "mix" else 0.0,
             "cfg.experiment.seed": seed, "cfg.experiment.augment.real_per_class": 10,
             "cfg.experiment.data.val_per_class": 100, "cfg.experiment.gan.batch_size": 128, "cfg.experiment.gan.epochs": 6,
             "cfg.experiment.gan.min_steps_per_epoch": m or 100, "test_accuracy": a}
            for (s, m), values in accuracy.items() for seed, a in enumerate(values)]
    pd.DataFrame(rows[::-1]).to_csv(tmp_path / "summary.csv", index=False)
    out = arm_budget_report(tmp_path)
    long = out["arm_budget_long"]
    assert set(long["k"]) == {10}
    long = long[long["strategy"] == "mix"].set_index(["steps", "against"])
    assert long.loc[(600, "real"), "mean_diff"] == pytest.approx(-0.07)
    assert long.loc[(2760, "real"), "mean_diff"] == pytest.approx((0.02 + 0.01 + 0.03) / 3)
    assert long.loc[(2760, "oldrule"), "mean_diff"] == pytest.approx((0.09 + 0.08 + 0.10) / 3)
    assert list(out["arm_budget"]["generator steps"]) == ["600 (old rule)", "2,760 (rule)", "2,760 (rule)"]
    assert list(out["arm_budget"]["strategy"]) == ["mix", "mix", "pretrain"]
    assert out["arm_budget"].iloc[2]["vs the old rule's generators"] == "--"   # pretrain never ran at it
    assert out["arm_budget"].iloc[0]["real only (%)"] == "85.67 ± 1.53 (n=3)"
    comps = comparisons(out)
    assert comps["armbudget/cgan/k10/steps2760/vs-oldrule"].verdict == "better"
    assert comps["armbudget/cgan/k10/steps600/vs-real"].verdict == "worse"
    assert comps["armbudget/cgan/k10/steps2760/pretrain/vs-real"].mean == pytest.approx((0.01 + 0.02 + 0.01) / 3)
    assert long.loc[(2760, "affine"), "mean_diff"] == pytest.approx((-0.07 - 0.07 - 0.04) / 3)
    assert out["arm_budget"].iloc[1]["vs affine augmentation"].startswith("-6.00")
    # One family per reference at k: three arms against real only (m = 3), one against the old rule (m = 1).
    assert long.loc[(600, "real"), "m"] == 3 and long.loc[(2760, "oldrule"), "m"] == 1
    row = long.loc[(2760, "real")]   # +2, +1, +3 points: t(2) 95% half-width 2.48, Bonferroni over m = 3 wider
    assert row["high"] - row["low"] == pytest.approx(2 * 4.303 * 0.01 / 3 ** 0.5, rel=1e-3)
    assert row["low_adjusted"] < row["low"] and row["high_adjusted"] > row["high"]
    assert comps["armbudget/cgan/k10/steps2760/vs-real"].m == 3
    assert comps["armbudget/cgan/k10/steps2760/vs-real"].decides == (row["low_adjusted"], row["high_adjusted"])
    assert out["arm_budget"].iloc[0]["vs real only"].endswith("]**")   # -7.00 in every seed: both intervals exclude 0
    assert not out["arm_budget"].iloc[1]["vs real only"].endswith("*")


def test_the_few_shot_rule_is_a_full_data_epoch_and_tables_name_it():
    from cgan_study.training.budget import full_data_epoch_steps, rule_label

    assert full_data_epoch_steps() == 59_000 // 128 == 460
    assert full_data_epoch_steps(batch_size=64, val_per_class=10) == 59_900 // 64
    assert rule_label(460, 128, 100) == " (rule)" and rule_label(100, 128, 100) == " (old rule)"
    assert rule_label(920, 128, 100) == "" and rule_label(460, 64, 100) == ""   # another batch: another rule


def test_the_prose_reads_each_generators_success_at_the_old_rule_and_the_rule(tmp_path):
    from cgan_study.reporting.generator_budget import generator_budget_numbers

    _summary(tmp_path, {("cgan", "gan", 100): [0.70, 0.74, 0.72], ("cgan", "gan", 460): [0.99, 0.98, 0.97],
                        ("cgan", "gan", 920): [0.99, 0.99, 0.99]})
    numbers = generator_budget_numbers(generator_budget_report(tmp_path)["generator_budget_means"])
    assert numbers == {"genBudgetSuccessCganOldRule": "72.0", "genBudgetSuccessCganRule": "98.0"}


def test_the_method_section_quotes_the_few_shot_rule_from_the_code():
    from cgan_study.reporting.paper_numbers import method_numbers

    numbers = method_numbers("quick")
    # 6 GAN epochs and 10 CVAE epochs of 59,000 // 128 steps; the old rule's 6 x 100.
    assert (numbers["lowDataEpochSteps"], numbers["lowDataGanSteps"], numbers["lowDataCvaeSteps"],
            numbers["oldRuleGanSteps"]) == ("460", "2,760", "4,600", "600")
