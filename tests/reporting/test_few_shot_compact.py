"""The body's compact few-shot table: one row per CGAN setting, one cell per family (mean and adjusted interval in
points), bold only where the adjusted interval excludes 0, a setting with fewer seeds than its column marked."""
import pandas as pd

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
    assert lines["real only: accuracy (\\%)"] == "real only: accuracy (\\%) & 47.8 & 85.8 &  \\\\"
    assert "\\label{tab:few_shot_compact}" in tex and compact_table(None, n10, acc) == ""
