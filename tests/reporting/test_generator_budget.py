"""The low-data generators' budget check: each run's steps from its config, the rule against the doubled budget
paired by seed, one row per generator and metric."""
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
                         f"cfg.experiment.{section}.batch_size": 128, f"cfg.experiment.{section}.epochs": 6,
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


def test_the_doubled_budget_is_paired_with_the_rule_seed_by_seed(tmp_path):
    rule, doubled = [0.70, 0.75, 0.72], [0.80, 0.86, 0.81]
    _summary(tmp_path, {("cgan", "gan", 100): rule, ("cgan", "gan", 200): doubled,
                        ("ebgan", "ebgan", 100): [0.10, 0.11, 0.09], ("ebgan", "ebgan", 200): [0.10, 0.10, 0.10]},
             reverse=True)   # rows in another order than the seeds: pairing must go by seed, not position
    out = generator_budget_report(tmp_path)
    long = out["generator_budget_long"].set_index(["generator", "metric"])
    cgan = long.loc[("cgan", "success_rate")]
    mean, low, high, _ = t_interval([d - r for d, r in zip(doubled, rule)])
    assert (cgan["rule_steps"], cgan["doubled_steps"], cgan["n"]) == (600, 1200, 3)
    assert cgan["mean_diff"] == pytest.approx(100 * mean) and cgan["low"] == pytest.approx(100 * low)
    assert cgan["high"] == pytest.approx(100 * high) and low > 0           # still improving: not converged
    ebgan = long.loc[("ebgan", "success_rate")]
    assert ebgan["low"] < 0 < ebgan["high"]                                 # no move beyond its interval
    table = out["generator_budget"]
    assert list(table["generator"].unique()) == ["cgan", "ebgan"] and len(table) == 6
    assert table.iloc[0]["steps"] == "600 / 1,200" and table.iloc[0]["change"].endswith("*")
    assert "2,000 samples" in (tmp_path / "tables" / "generator_budget.tex").read_text()


def test_a_generator_with_one_budget_only_is_left_out(tmp_path):
    _summary(tmp_path, {("cgan", "gan", 100): [0.7, 0.72], ("ebgan", "ebgan", 100): [0.1, 0.1],
                        ("ebgan", "ebgan", 200): [0.2, 0.3]})
    out = generator_budget_report(tmp_path)
    assert set(out["generator_budget"]["generator"]) == {"ebgan"}


def test_a_seed_missing_at_one_budget_leaves_both_columns_and_the_change(tmp_path):
    _summary(tmp_path, {("cgan", "gan", 100): [0.70, float("nan"), 0.72], ("cgan", "gan", 200): [0.80, 0.90, 0.84]})
    row = generator_budget_report(tmp_path)["generator_budget_long"].set_index("metric").loc["success_rate"]
    assert row["n"] == 2 and row["rule_mean"] == pytest.approx(71.0) and row["doubled_mean"] == pytest.approx(82.0)
    assert row["mean_diff"] == pytest.approx(row["doubled_mean"] - row["rule_mean"])
