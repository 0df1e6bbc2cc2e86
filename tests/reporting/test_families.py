"""Every generator in one table: its arms' paired differences, the CAS, and Holm over the generators for the low-data
mix (the arm a "best of N" sentence is about)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cgan_study.reporting import families
from cgan_study.reporting.criteria import holm, p_from_interval
from cgan_study.reporting.stats import t_interval


def test_the_t_test_p_is_recovered_exactly_from_its_interval():
    for diffs in ([0.012, 0.020, 0.018], [-0.05, 0.01, -0.02, -0.04], [0.3, 0.31]):
        mean, low, high, n = t_interval(diffs)
        assert p_from_interval(mean, low, high, n) == pytest.approx(stats.ttest_1samp(diffs, 0.0).pvalue, rel=1e-9)
    assert np.isnan(p_from_interval(0.1, 0.05, 0.15, 1))                  # one seed: no test
    assert np.isnan(p_from_interval(0.1, float("nan"), float("nan"), 3))  # no interval: no test
    assert p_from_interval(0.1, 0.1, 0.1, 3) == 0.0                       # identical differences: sure
    with pytest.raises(ValueError, match="not a symmetric interval"):
        p_from_interval(0.1, 0.0, 0.5, 3)


def _paired(rows):
    return pd.DataFrame([{"strategy": s, "generator": g, "protocol": p, "k": k, "mean_diff": m, "low": lo,
                          "high": hi, "n": 3} for s, g, p, k, m, lo, hi in rows])


def _rows_from(diffs_by_generator, strategy="mix", protocol="low_data", k=10):
    out = []
    for generator, diffs in diffs_by_generator.items():
        mean, low, high, _ = t_interval(diffs)
        out.append((strategy, generator, protocol, k, mean, low, high))
    return out


def test_holm_runs_over_the_low_data_mix_arm_of_every_generator_and_nothing_else():
    low = {"cgan": [-0.07, -0.075, -0.068], "pca": [0.01, 0.025, 0.015], "cvae": [-0.01, 0.005, 0.0]}
    other = _rows_from({"cgan": [0.09, 0.10, 0.095], "pca": [0.1, 0.09, 0.11]}, protocol="coursework")
    at_100 = _rows_from({"pca": [0.5, 0.6, 0.55]}, k=100)   # another k: not in the table
    long = families.families_long(_paired(_rows_from(low) + other + at_100), None, k=10)
    question = long[long["arm"] == "mix, low-data"].set_index("generator")
    expected = holm([stats.ttest_1samp(low[g], 0.0).pvalue for g in question.index])
    np.testing.assert_allclose(question["p_holm"].to_numpy(), expected, rtol=1e-9)
    assert set(question["m"]) == {3}
    assert long[long["arm"] != "mix, low-data"]["p_holm"].isna().all()
    assert (long["k"].dropna() == 10).all()


def test_the_table_has_a_row_per_generator_and_a_dash_where_an_arm_was_not_run(tmp_path):
    paired = _paired([("mix", "pca", "low_data", 10, 0.0167, 0.0042, 0.0292),
                      ("mix", "cgan", "low_data", 10, -0.0717, -0.0793, -0.0642),
                      ("filter", "cgan", "coursework", 10, 0.1020, 0.0622, 0.1418)])
    cas = pd.DataFrame([{"generator": "cgan", "mean_diff": -0.0401, "low": -0.0488, "high": -0.0314, "n": 3}])
    out = families.families_table(tmp_path, paired, cas)
    table = out["families"].set_index("generator")
    assert list(table.index) == ["cgan", "pca"]          # registry order
    assert table.loc["pca", "mix, low-data"] == "+1.67 [+0.42, +2.92]*"
    assert table.loc["pca", "filter, coursework"] == "--" and table.loc["pca", "CAS"] == "--"
    assert table.loc["cgan", "CAS"] == "-4.01 [-4.88, -3.14]*"
    tex = (tmp_path / "tables" / "families.tex").read_text()
    assert "PCA" in tex and "over the 2 generators with at least two seeds" in tex
    numbers = families.families_numbers(out["families_long"])
    assert numbers["familiesBestLowData"] == "PCA" and numbers["familiesM"] == "2"
    # Every generator's Holm-adjusted p is quotable, the best one's under both names.
    assert numbers["familiesHolmPPca"] == numbers["familiesBestLowDataHolmP"]
    assert set(numbers) >= {"familiesHolmPCgan", "familiesHolmPPca"}


def test_an_arm_reported_by_two_sweeps_is_refused():
    rows = [("mix", "pca", "low_data", 10, 0.01, 0.0, 0.02)] * 2
    with pytest.raises(ValueError, match="ambiguous"):
        families.families_long(_paired(rows), None, k=10)


def test_each_low_data_generators_success_rate_sits_beside_its_arms(tmp_path):
    paired = _paired([("mix", "ebgan", "low_data", 10, -0.3, -1.2, 0.6), ("mix", "pca", "low_data", 10, 0.015, 0.0, 0.03)])
    runs = pd.DataFrame({"cfg.experiment.augment.generator": ["ebgan"] * 3 + ["pca"] * 3 + ["pca"],
                         "cfg.experiment.augment.real_per_class": [10] * 6 + [100],   # another k: left out
                         "cfg.experiment.augment.protocol": "low_data",
                         "success_rate": [0.09, 0.10, 0.11, 0.97, 0.98, 0.99, 0.5], "n_samples": 2000})
    table = families.families_table(tmp_path, paired, None, low_data_runs=runs)["families"].set_index("generator")
    assert table.loc["ebgan", families.SUCCESS] == "10.00 ± 1.00 (n=3)"
    assert table.loc["pca", families.SUCCESS] == "98.00 ± 1.00 (n=3)"
    assert "of 2,000 samples" in (tmp_path / "tables" / "families.tex").read_text()
    out = families.families_table(tmp_path, paired, None, low_data_runs=runs)
    numbers = families.families_numbers(out["families_long"], out["families_success"])
    assert numbers["lowDataSuccessEbgan"] == "10.0" and numbers["lowDataSuccessPca"] == "98.0"
    without = families.families_table(tmp_path / "b", paired, None)["families"]
    assert families.SUCCESS not in without.columns
