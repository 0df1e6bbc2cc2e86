"""The one multiplicity rule (reporting/multiplicity.py) against hand computations.

With n = 3 seeds (2 degrees of freedom) the Student-t distribution has a closed form, so every number below is
arithmetic, not a library call: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), hence
  - the two-sided p of a t statistic is 1 - |t| / sqrt(2 + t^2);
  - the quantile with two-sided tail a is t_a = (1 - a) * sqrt(2 / (a (2 - a))).
"""
import math
from pathlib import Path

import pandas as pd
import pytest

from cgan_study.sweeps import comparisons
from cgan_study.reporting import claims as CL
from cgan_study.reporting import few_shot_n10, multiplicity as M
from cgan_study.reporting.stats import t_interval

SE = 0.01 / math.sqrt(3)   # the standard error of three values one point apart (sd 0.01)


def _long(diffs_by_arm: dict[str, list[float]], k: int = 10) -> pd.DataFrame:
    rows = []
    for arm, diffs in diffs_by_arm.items():
        mean, low, high, n = t_interval(diffs)
        rows.append({"arm": arm, "k": k, "mean_diff": mean, "low": low, "high": high, "n": n})
    return pd.DataFrame(rows)


def test_bonferroni_intervals_and_holm_p_of_a_hand_computed_family():
    # Three arms against one reference, three seeds each (differences in accuracy, 1 = 100 points):
    #   A: 0.04 0.05 0.06   mean 0.05, sd 0.01, se = 0.01/sqrt(3) = 0.0057735, t = 5 sqrt(3) = 8.66025
    #   B: 0.00 0.01 0.02   mean 0.01, sd 0.01, se = 0.0057735,            t = sqrt(3)   = 1.73205
    #   C: -0.01 0.00 0.04  mean 0.01, sd sqrt(7e-4) = 0.0264575, se = 0.0152753, t = sqrt(3/7) = 0.654654
    # Raw p = 1 - t / sqrt(2 + t^2):
    #   A: 1 - 8.66025 / sqrt(77)      = 0.0130725
    #   B: 1 - 1.73205 / sqrt(5)       = 0.2254033
    #   C: 1 - 0.654654 / sqrt(17/7)   = 0.5799160
    # Holm (m = 3, ascending): A 3 * 0.0130725 = 0.0392174; B max(0.0392174, 2 * 0.2254033) = 0.4508067;
    #   C max(0.4508067, 0.5799160) = 0.5799160.
    # Bonferroni level 1 - 0.05/3, two-sided tail a = 0.0166667:
    #   t_a = 0.9833333 * sqrt(2 / (0.0166667 * 1.9833333)) = 0.9833333 * 7.778445 = 7.648804
    #   A: 0.05 +- 7.648804 * 0.0057735 = 0.05 +- 0.0441604 -> [0.0058396, 0.0941604]: helps
    #   B: 0.01 +- 0.0441604 -> [-0.0341604, 0.0541604]: contains 0
    fam = M.family_table(_long({"A": [0.04, 0.05, 0.06], "B": [0.00, 0.01, 0.02], "C": [-0.01, 0.00, 0.04]}),
                         ["k"], label="arm", margin=None).set_index("arm")
    assert list(fam["m"]) == [3, 3, 3]
    assert fam["level_adjusted"].tolist() == pytest.approx([1 - 0.05 / 3] * 3)
    assert fam["p"].tolist() == pytest.approx([0.0130725, 0.2254033, 0.5799160], abs=1e-6)
    assert fam["p_holm"].tolist() == pytest.approx([0.0392174, 0.4508067, 0.5799160], abs=1e-6)
    assert (fam.loc["A", "low_adjusted"], fam.loc["A", "high_adjusted"]) == pytest.approx((0.0058396, 0.0941604),
                                                                                           abs=1e-6)
    assert (fam.loc["B", "low_adjusted"], fam.loc["B", "high_adjusted"]) == pytest.approx((-0.0341604, 0.0541604),
                                                                                           abs=1e-6)
    # The verdict follows the adjusted interval (no margin given: nothing can be equivalent).
    assert list(fam["verdict"]) == [M.HELPS, M.INCONCLUSIVE, M.INCONCLUSIVE]
    # A second k is a family of its own: the same three arms at k = 100 do not raise m at k = 10.
    both = pd.concat([_long({"A": [0.04, 0.05, 0.06]}, k=10), _long({"A": [0.04, 0.05, 0.06]}, k=100)])
    assert list(M.family_table(both, ["k"], label="arm", margin=None)["m"]) == [1, 1]


def test_tost_gives_equivalent_inconclusive_helps_and_hurts_on_hand_made_pairs():
    # Four arms, one family (m = 4), margin +-2 points (k = 10). Per arm: (arm accuracy, reference accuracy) by seed.
    reference = [0.80, 0.82, 0.81]
    pairs = {"equivalent": [0.801, 0.822, 0.813],   # differences 0.001 0.002 0.003: mean 0.002, se 0.00057735
             "inconclusive": [0.77, 0.82, 0.84],    # -0.03 0.00 0.03: mean 0, se 0.0173205
             "helps": [0.90, 0.93, 0.93],           # 0.10 0.11 0.12: mean 0.11, se 0.0057735
             "hurts": [0.70, 0.71, 0.69]}           # -0.10 -0.11 -0.12: mean -0.11, se 0.0057735
    fam = M.family_table(_long({arm: [a - r for a, r in zip(acc, reference)] for arm, acc in pairs.items()})
                         .assign(margin=M.few_shot_margin(10)), ["k"], label="arm").set_index("arm")
    assert M.few_shot_margin(10) == pytest.approx(0.02)
    # Bonferroni, two-sided tail 0.05/4 = 0.0125: t = 0.9875 sqrt(2 / (0.0125 * 1.9875)) = 8.860200;
    # TOST, each one-sided test at 0.0125 (the 1 - 0.025 interval): t = 0.975 sqrt(2 / (0.025 * 1.975)) = 6.205347.
    # equivalent: adjusted 0.002 +- 8.8602 * 0.00057735 = [-0.0031155, 0.0071155] contains 0; TOST interval
    #   0.002 +- 6.205347 * 0.00057735 = [-0.0015827, 0.0055827] lies inside (-0.02, 0.02). TOST p: the larger
    #   one-sided p, at t = (0.002 - 0.02) / 0.00057735 = -31.1769: F(-31.1769) = 1/2 - 31.1769 / (2 sqrt(973.999))
    #   = 0.5 - 0.4994868 = 0.0005132 < 0.0125.
    assert fam.loc["equivalent", "low_adjusted"] == pytest.approx(-0.0031155, abs=1e-6)
    assert fam.loc["equivalent", "p_tost"] == pytest.approx(0.0005132, abs=1e-6)
    # inconclusive: TOST interval 0 +- 6.205347 * 0.0173205 = +-0.107480, far outside +-0.02.
    # helps / hurts: 0.11 -+ 8.8602 * 0.0057735 = [0.0588, 0.1612] (and its mirror): excluded from 0.
    assert fam["verdict"].to_dict() == {"equivalent": M.EQUIVALENT, "inconclusive": M.INCONCLUSIVE,
                                        "helps": M.HELPS, "hurts": M.HURTS}
    # Without a margin nothing is equivalent: the same precise arm is inconclusive.
    assert M.family_table(_long({"e": [0.001, 0.002, 0.003]}), ["k"], label="arm", margin=None)["verdict"].tolist() \
        == [M.INCONCLUSIVE]
    assert M.four_way(float("nan"), float("nan"), float("nan"), 0) == M.TOO_FEW


def test_margins_are_the_ones_fixed_before_the_n10_runs():
    assert M.EQUIVALENCE_MARGINS_POINTS == {"k=1": 3.0, "k=10": 2.0, "k=100": 0.5, "mix_grid": 0.2}
    assert [M.few_shot_margin(k) for k in (1, 10, 100)] == pytest.approx([0.03, 0.02, 0.005])
    assert math.isnan(M.few_shot_margin(5)) and M.mix_grid_margin() == pytest.approx(0.002)


P = "cfg.experiment."


def _run(strategy, protocol, k, acc, seed, generator="cgan"):
    return {"run": f"{strategy}-{protocol}-k{k}-seed{seed}", "status": "done", "test_accuracy": acc,
            f"{P}augment.strategy": strategy, f"{P}augment.generator": generator, f"{P}augment.protocol": protocol,
            f"{P}augment.real_per_class": k, f"{P}augment.real_fraction": 1.0, f"{P}augment.synth_fraction": 0.1,
            f"{P}seed": seed}


def test_the_k1_filter_that_keeps_every_digit_is_reported_identical_to_mix_and_left_out_of_m(tmp_path):
    from cgan_study.reporting import mix_ratios

    real, mix = (0.45, 0.50, 0.48), (0.48, 0.47, 0.46)
    rows = []
    for seed in range(3):
        rows += [_run("real", "coursework", 1, real[seed], seed),
                 _run("mix", "low_data", 1, mix[seed], seed),
                 _run("filter", "low_data", 1, mix[seed], seed),                 # the same digits: same accuracy
                 _run("affine", "coursework", 1, real[seed] + 0.05, seed),
                 _run("filter", "coursework", 1, mix[seed] + (0.0001 if seed == 2 else 0), seed)]   # not identical
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    fam = mix_ratios.mix_ratio_report(tmp_path)["few_shot_paired_long"].set_index("setting")
    assert fam.loc["filter, cgan (low_data)", "identical_to"] == "mix, cgan (low_data)"
    assert fam["identical_to"].drop("filter, cgan (low_data)").isna().all()   # 1e-4 apart on one seed: not identical
    # Four arms, one a duplicate: m = 3, so the Bonferroni level is 1 - 0.05/3 for all four rows.
    assert set(fam["m"]) == {3} and fam["level_adjusted"].tolist() == pytest.approx([1 - 0.05 / 3] * 4)
    # The duplicate takes its twin's Holm p and interval, and the table says which arm it duplicates.
    twin, dup = fam.loc["mix, cgan (low_data)"], fam.loc["filter, cgan (low_data)"]
    assert (dup["p_holm"], dup["low_adjusted"], dup["verdict"]) == (twin["p_holm"], twin["low_adjusted"],
                                                                    twin["verdict"])
    csv = pd.read_csv(tmp_path / "tables" / "few_shot_paired.csv")
    assert {"m", "low_adjusted", "high_adjusted", "p_holm", "verdict", "identical_to"} <= set(csv.columns)
    tex = (tmp_path / "tables" / "few_shot_paired.tex").read_text()
    assert "identical to" in tex and "m = 3" in tex


def test_the_claims_check_refuses_no_effect_for_an_inconclusive_comparison():
    acc = dict(scale=100.0, lower_is_better=False)
    wide = CL.Comparison("fewshot/x/k10", 0.0, -0.03, 0.03, 3, low_adjusted=-0.1, high_adjusted=0.1, m=4, **acc)
    tight = CL.Comparison("fewshot/y/k10", 0.002, 0.0005, 0.0035, 3, low_adjusted=-0.003, high_adjusted=0.007, m=4,
                          equivalent=True, **acc)
    assert wide.verdict == CL.INCONCLUSIVE and tight.verdict == CL.EQUIVALENT
    comps = {c.id: c for c in (wide, tight)}
    text = ("\\claim{fewshot/x/k10}{equivalent}{has no effect}\n\\claim{fewshot/x/k10}{no effect}{adds nothing}\n"
            "\\claim{fewshot/y/k10}{no effect}{adds nothing}\n\\claim{fewshot/x/k10}{inconclusive}{cannot be told}\n"
            "\\claim{fewshot/x/k10}{tied}{cannot be told}")
    problems = CL.check_claims({"s.tex": text}, comps)
    assert len(problems) == 3
    assert problems[0].startswith("s.tex:1: claim 'fewshot/x/k10' asserts 'equivalent' but the comparison is "
                                  "inconclusive")
    assert problems[1].startswith("s.tex:2: claim 'fewshot/x/k10' asserts 'no effect' but the comparison is "
                                  "inconclusive")
    assert problems[2].startswith("s.tex:5:") and "retired" in problems[2]
    # The 95% interval excluding 0 does not make a family's comparison 'better': the adjusted one decides.
    assert CL.Comparison("z", 0.02, 0.01, 0.03, 3, low_adjusted=-0.01, high_adjusted=0.05, m=7).verdict == \
        CL.INCONCLUSIVE


def test_the_n10_report_writes_the_paired_family_with_every_column(tmp_path, monkeypatch):
    # Ten seeds: real only, affine (+2 points each seed, every seed: a zero-width interval), the low-data mix
    # (differences 0.00, +0.01 alternating: mean +0.5 points, sd 0.0052705), and its filter (the same accuracies as
    # the mix: identical, not counted). m = 2 (affine, mix).
    rows = []
    for seed in range(10):
        base = 0.86 + 0.001 * seed
        rows += [_run("real", "coursework", 10, base, seed), _run("affine", "coursework", 10, base + 0.02, seed),
                 _run("mix", "low_data", 10, base + 0.01 * (seed % 2), seed),
                 _run("filter", "low_data", 10, base + 0.01 * (seed % 2), seed)]
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    out = few_shot_n10.few_shot_n10_report(tmp_path)
    fam = out["few_shot_n10_paired_long"].set_index("setting")
    csv = pd.read_csv(tmp_path / "tables" / "few_shot_n10_paired.csv")
    assert {"strategy", "protocol", "n", "mean_diff", "low", "high", "low_adjusted", "high_adjusted", "p_holm", "m",
            "verdict"} <= set(csv.columns)
    assert "\\label{tab:few_shot_n10_paired}" in (tmp_path / "tables" / "few_shot_n10_paired.tex").read_text()
    assert set(fam["n"]) == {10} and set(fam["m"]) == {2}
    assert fam.loc["affine", "verdict"] == M.HELPS and fam.loc["affine", "mean_diff"] == pytest.approx(0.02)
    # The mix: mean 0.005, sd = sqrt(10 * 0.005^2 / 9) = 0.0052705, se = 0.0016667.
    #   95%: t_(0.975, 9) = 2.262157 -> 0.005 +- 0.0037703; Bonferroni m = 2: t_(1 - 0.0125, 9) = 2.685011
    #   -> 0.005 +- 0.0044750 = [0.000525, 0.009475]: helps (the t values: scipy.stats.t.ppf, or a t-table).
    mix = fam.loc["mix, cgan (low_data)"]
    assert (mix["low"], mix["high"]) == pytest.approx((0.005 - 0.0037703, 0.005 + 0.0037703), abs=1e-6)
    assert (mix["low_adjusted"], mix["high_adjusted"]) == pytest.approx((0.000525, 0.009475), abs=1e-6)
    assert mix["verdict"] == M.HELPS
    assert fam.loc["filter, cgan (low_data)", "identical_to"] == "mix, cgan (low_data)"
    # The claims read it under ids of its own, beside mix_ratios' n = 3 ones.
    comps = comparisons(out)
    assert comps["fewshotn10/mix/cgan/lowdata/k10"].verdict == CL.BETTER and comps[
        "fewshotn10/mix/cgan/lowdata/k10"].m == 2
    # The sweep declares this report: its report field calls few_shot_n10_report on the sweep's directory.
    from cgan_study.sweeps import SWEEPS

    called = []
    monkeypatch.setattr(few_shot_n10, "few_shot_n10_report", lambda sweep_dir: called.append(sweep_dir) or {})
    SWEEPS["few_shot_n10"].report(Path("somewhere"))
    assert called == [Path("somewhere")]


def test_the_n10_arms_stand_beside_their_n3_intervals():
    n10 = pd.DataFrame({"setting": ["affine", "mix, cgan (low_data)"], "k": [10, 10], "n": [10, 10],
                        "mean_diff": [0.08, 0.02], "low": [0.06, 0.0], "high": [0.10, 0.04],
                        "low_adjusted": [0.05, -0.01], "high_adjusted": [0.11, 0.05], "p_holm": [0.001, 0.2],
                        "m": [2, 2], "verdict": [M.HELPS, M.INCONCLUSIVE]})
    n3 = n10.assign(n=3, mean_diff=[0.0846, 0.0194], verdict=M.INCONCLUSIVE)
    n3 = pd.concat([n3, n3.assign(k=1, mean_diff=9.9)])   # another k: not read
    side = few_shot_n10.n3_beside_n10(n10, n3).set_index("setting")
    assert side.loc["affine", "mean_diff_n10"] == 0.08 and side.loc["affine", "mean_diff_n3"] == 0.0846
    assert side.loc["affine", "verdict_n10"] == M.HELPS and side.loc["affine", "verdict_n3"] == M.INCONCLUSIVE
    assert list(side["n_n3"]) == [3, 3] and list(side["n_n10"]) == [10, 10]
