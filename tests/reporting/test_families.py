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


def test_holm_runs_over_every_arm_of_the_table_at_k_and_the_cas_apart():
    low = {"cgan": [-0.07, -0.075, -0.068], "pca": [0.01, 0.025, 0.015], "cvae": [-0.01, 0.005, 0.0]}
    other = {"cgan": [0.09, 0.10, 0.095], "pca": [0.1, 0.09, 0.11]}
    at_100 = _rows_from({"pca": [0.5, 0.6, 0.55]}, k=100)   # another k: not in the table
    cas = pd.DataFrame([{"generator": g, "mean_diff": m, "low": lo, "high": hi, "n": n}
                        for g, (m, lo, hi, n) in {"cgan": t_interval([-0.04, -0.05, -0.045]),
                                                  "pca": t_interval([-0.03, -0.02, -0.025])}.items()])
    long = families.families_long(_paired(_rows_from(low) + _rows_from(other, protocol="coursework") + at_100),
                                  cas, k=10)
    # One family: the five arms at k = 10 (three low-data mixes, two coursework mixes), whatever their arm.
    at_k = long[long["family"] == "k=10"]
    diffs = [low[g] for g in at_k[at_k["arm"] == "mix, low-data"]["generator"]] + \
        [other[g] for g in at_k[at_k["arm"] == "mix, coursework"]["generator"]]
    expected = holm([stats.ttest_1samp(d, 0.0).pvalue for d in diffs])
    ordered = pd.concat([at_k[at_k["arm"] == "mix, low-data"], at_k[at_k["arm"] == "mix, coursework"]])
    np.testing.assert_allclose(ordered["p_holm"].to_numpy(), expected, rtol=1e-9)
    assert set(at_k["m"]) == {5}
    # The CAS rows are against another reference (real only on all digits): a family of two, no margin.
    cas_rows = long[long["arm"] == "CAS"]
    assert set(cas_rows["m"]) == {2} and cas_rows["margin"].isna().all()
    np.testing.assert_allclose(cas_rows["p_holm"].to_numpy(), holm([stats.ttest_1samp(d, 0.0).pvalue for d in
                                                                     ([-0.04, -0.05, -0.045], [-0.03, -0.02, -0.025])]),
                               rtol=1e-9)
    assert (long["k"].dropna() == 10).all()


def test_the_table_has_a_row_per_generator_and_a_dash_where_an_arm_was_not_run(tmp_path):
    paired = _paired([("mix", "pca", "low_data", 10, 0.0167, 0.0042, 0.0292),
                      ("mix", "cgan", "low_data", 10, -0.0717, -0.0793, -0.0642),
                      ("filter", "cgan", "coursework", 10, 0.1020, 0.0622, 0.1418)])
    cas = pd.DataFrame([{"generator": "cgan", "mean_diff": -0.0401, "low": -0.0488, "high": -0.0314, "n": 3}])
    out = families.families_table(tmp_path, paired, cas)
    table = out["families"].set_index(["generator", "arm"])
    # registry order, each generator's arms in the table's order; an arm not run has no row
    assert list(table.index) == [("cgan", "mix, low-data"), ("cgan", "filter, coursework"), ("cgan", "CAS"),
                                 ("pca", "mix, low-data")]
    assert table.loc[("pca", "mix, low-data"), "95% interval"] == "[+0.42, +2.92]"
    assert table.loc[("pca", "mix, low-data"), "m"] == "3" and table.loc[("cgan", "CAS"), "m"] == "1"
    assert table.loc[("cgan", "CAS"), "verdict"] == "hurts"
    tex = (tmp_path / "tables" / "families.tex").read_text()
    assert "PCA" in tex and "one family of m = 3 arms" in tex
    # the arms not run are named in the caption, per generator, never left out silently
    assert "Not run: CGAN: mix, coursework, filter, low-data; PCA: mix, coursework, filter, coursework, filter, " \
        "low-data, CAS" in tex
    # a declared generator with no finished arm at all is named too
    families.families_table(tmp_path, paired, cas, expected=("cgan", "pca", "diffusion"))
    assert "diffusion: mix, coursework, mix, low-data, filter, coursework, filter, low-data, CAS" in \
        (tmp_path / "tables" / "families.tex").read_text()
    numbers = families.families_numbers(out["families_long"])
    assert numbers["familiesBestLowData"] == "PCA" and numbers["familiesM"] == "2"
    assert numbers["familiesFamilyM"] == "3"
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
    assert table.loc["ebgan", families.SUCCESS] == "10.00 ± 1.00 (n=3)"   # on the low-data mix row
    assert table.loc["pca", families.SUCCESS] == "98.00 ± 1.00 (n=3)"
    assert "of 2,000 samples" in (tmp_path / "tables" / "families.tex").read_text()
    out = families.families_table(tmp_path, paired, None, low_data_runs=runs)
    numbers = families.families_numbers(out["families_long"], out["families_success"])
    assert numbers["lowDataSuccessEbgan"] == "10.0" and numbers["lowDataSuccessPca"] == "98.0"
    without = families.families_table(tmp_path / "b", paired, None)["families"]
    assert families.SUCCESS not in without.columns
