"""The body's compact few-shot table: one row per CGAN setting, one cell per family (mean and adjusted interval in
points), bold only where the adjusted interval excludes 0, a setting with fewer seeds than its column marked."""
import pandas as pd

from cgan_study.sweeps import comparisons
from cgan_study.reporting.few_shot_compact import compact_table


def _row(setting, strategy, generator, protocol, k, mean, low, high, verdict, n=3):
    return dict(setting=setting, strategy=strategy, generator=generator, protocol=protocol, k=k, mean_diff=mean,
                low_adjusted=low, high_adjusted=high, verdict=verdict, n=n)


def test_cells_read_the_adjusted_interval_and_bold_only_an_established_direction():
    n3 = pd.DataFrame([_row("affine", "affine", None, None, 1, 0.061, -0.366, 0.488, "inconclusive"),
                       _row("mix, cgan (coursework)", "mix", "cgan", "coursework", 1, 0.4723, 0.2476, 0.6971, "helps"),
                       _row("mix, pca (low_data)", "mix", "pca", "low_data", 1, 0.01, -0.1, 0.1, "inconclusive"),
                       _row("affine", "affine", None, None, 10, -0.02, -0.03, -0.01, "hurts")])
    n10 = pd.DataFrame([_row("affine", "affine", None, None, 10, 0.0795, 0.0627, 0.0964, "helps", n=10),
                        _row("mix, cgan (coursework)", "mix", "cgan", "coursework", 10, 0.01, -0.01, 0.03,
                             "inconclusive", n=4), _row("x", "real", None, None, 10, 0, 0, 0, "inconclusive", n=10)])
    acc = pd.DataFrame({"k": [1, 10, 1], "setting": ["real", "real", "real"], "mean": [0.4778, 0.8579, 0.4778]})
    tex = compact_table(n3, n10, acc)
    lines = {line.split(" & ")[0]: line for line in tex.splitlines() if " & " in line}
    assert "mix, PCA (low-data)" not in lines   # only the study's CGAN and the settings without a generator
    assert lines["affine"] == ("affine & +6.1 [$-$36.6, +48.8] & \\textbf{$-$2.0 [$-$3.0, $-$1.0]} & "
                               "\\textbf{+8.0 [+6.3, +9.6]} \\\\")
    assert lines["mix, CGAN (coursework)"].split(" & ")[1:] == ["\\textbf{+47.2 [+24.8, +69.7]}", "--",
                                                                "+1.0 [$-$1.0, +3.0] ($n=4$) \\\\"]
    assert lines["real only: accuracy (\\%)"] == "real only: accuracy (\\%) & 47.8 & 85.8 & -- \\\\"
    # with the n = 10 column's own real-only level
    with_n10 = compact_table(n3, n10, acc, pd.DataFrame({"k": [10], "mean": [0.8631]}))
    assert "real only: accuracy (\\%) & 47.8 & 85.8 & 86.3 \\\\" in with_n10
    assert "\\label{tab:few_shot_compact}" in tex and compact_table(None, n10, acc) == ""


def test_the_pool_table_holds_its_rows_before_the_results_and_fills_them_after():
    from cgan_study.reporting import claims
    from cgan_study.reporting.few_shot_compact import POOL_ARMS, pool_table

    pending = pool_table(None, None)
    assert "\\label{tab:semi_supervised}" in pending and pending.count("pending") == 2 * len(POOL_ARMS)
    vs_real = pd.DataFrame([_row("fixmatch", "fixmatch", None, None, 10, 0.30, 0.20, 0.40, "helps", n=10),
                            _row("mix, cgan (semi_supervised)", "mix", "cgan", "semi_supervised", 10, 0.01, -0.02,
                                 0.04, "inconclusive", n=10)]).assign(low=0.0, high=0.0, m=2)
    vs_fix = pd.DataFrame([_row("mix, cgan (semi_supervised)", "mix", "cgan", "semi_supervised", 10, -0.29, -0.35,
                                -0.23, "hurts", n=10)]).assign(low=0.0, high=0.0, m=1)
    lines = [line for line in pool_table(vs_real, vs_fix).splitlines() if " & " in line][1:]
    assert lines == ["FixMatch (labelled + pool) & \\textbf{+30.0 [+20.0, +40.0]} & -- \\\\",
                     "real + CGAN digits & +1.0 [$-$2.0, +4.0] & \\textbf{$-$29.0 [$-$35.0, $-$23.0]} \\\\"]
    # The prose may claim them: semisup/<setting>/k<k> against real only, .../vs-fixmatch against FixMatch.
    comps = comparisons({"semi_supervised_paired_long": vs_real, "semi_supervised_vs_fixmatch_long": vs_fix})
    assert comps["semisup/fixmatch/k10"].verdict == claims.BETTER
    assert comps["semisup/mix/cgan/semisupervised/k10/vs-fixmatch"].verdict == claims.WORSE


def test_an_arm_identical_to_another_by_construction_is_marked():
    twin = dict(_row("filter, cgan (low_data)", "filter", "cgan", "low_data", 1, -0.014, -0.271, 0.243,
                     "inconclusive"), identical_to="mix, cgan (low_data)")
    n3 = pd.DataFrame([_row("mix, cgan (low_data)", "mix", "cgan", "low_data", 1, -0.014, -0.271, 0.243,
                            "inconclusive"), twin])
    lines = {line.split(" & ")[0]: line for line in compact_table(n3, None, None).splitlines() if " & " in line}
    assert lines["filter, CGAN (low-data)"] == "filter, CGAN (low-data) & $=$ mix \\\\"   # named, not repeated
    assert lines["mix, CGAN (low-data)"].startswith("mix, CGAN (low-data) & $-$1.4 [$-$27.1, +24.3]")


def test_an_interval_that_excludes_zero_never_prints_an_end_as_zero():
    # the published Table IV once read '-1.9 [-3.8, +0.0]' in bold for an adjusted interval that excluded 0
    from cgan_study.reporting.few_shot_compact import cell
    from cgan_study.reporting.labels import fmt_difference, interval_bounds

    assert interval_bounds(-3.79, -0.04, 1) == ("-3.8", "-0.04")
    assert interval_bounds(0.004, 2.0, 2) == ("+0.004", "+2.00")
    assert interval_bounds(-0.0004, -0.0001, 1) == ("+0.000", "+0.000")   # at most two more digits
    assert interval_bounds(-0.04, 0.3, 1) == ("+0.0", "+0.3")             # touches 0: printed as it rounds
    bold = cell(_row("affine", "affine", None, None, 10, -0.0192, -0.0379, -0.0004, "hurts"))
    assert bold == "\\textbf{$-$1.9 [$-$3.8, $-$0.04]}"
    assert fmt_difference(0.012, 0.00004, 0.024, 7) == "+1.20 [+0.004, +2.40]*"
