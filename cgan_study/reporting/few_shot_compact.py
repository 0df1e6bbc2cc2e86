"""The paper's compact few-shot table: one row per setting, one column per k (n = 3, mix_ratios) and the k = 10
arms at n = 10 (few_shot_n10), each cell the mean paired difference to real only and the interval its verdict reads
(Bonferroni-adjusted within its family). The full families (95% and adjusted intervals, Holm p, margins) stay in the
supplement's tables; every number here is a row of results/mix_ratios/tables/few_shot_paired.csv or
results/few_shot_n10/tables/few_shot_n10_paired.csv.
"""
from __future__ import annotations

import pandas as pd

from cgan_study.reporting.labels import interval_bounds, readable_setting, signed, uses_generator

GENERATOR = "cgan"   # the generator whose arms the body shows
VERDICT_MARK = {"helps": "\\textbf", "hurts": "\\textbf"}   # an adjusted interval excluding 0 is set in bold


def cell(row) -> str:
    """'+47.2 [+24.8, +69.7]' in points, bold where the adjusted interval excludes 0, with a dagger where two
    one-sided tests place it within the margin; '--' where the setting did not run."""
    if row is None:
        return "--"
    lo, hi = interval_bounds(100 * row["low_adjusted"], 100 * row["high_adjusted"], 1)
    text = f"{signed(100 * row['mean_diff'], 1)} [{lo}, {hi}]".replace("-", "$-$")
    mark = VERDICT_MARK.get(row["verdict"])
    text = f"{mark}{{{text}}}" if mark else text
    return text + ("$^\\dagger$" if row["verdict"] == "equivalent" else "")


def compact_table(n3: pd.DataFrame | None, n10: pd.DataFrame | None, real_accuracy: pd.DataFrame | None,
                  real_n10: pd.DataFrame | None = None) -> str:
    """The LaTeX table* (label tab:few_shot_compact); empty string without the n = 3 family. `real_n10`: the n = 10
    real-only accuracy by k, printed above its column."""
    if n3 is None or n3.empty:
        return ""
    # The study's CGAN and the settings without a generator; the other generators' arms stay in the supplement.
    n3 = n3[[g is None or g != g or g == GENERATOR for g in n3["generator"]]]
    ks = sorted(int(k) for k in n3["k"].unique())
    columns = [(f"$k={k}$", n3[n3["k"] == k]) for k in ks]
    if n10 is not None and not n10.empty:
        columns.append(("$k=10$, $n=10$", n10))
    settings = list(dict.fromkeys(n3["setting"]))
    first = n3.drop_duplicates("setting").set_index("setting")
    lines = ["\\begin{table*}[t]", "\\centering", "\\tablefont",
             "\\caption{Few-shot arms: mean paired difference in test accuracy (points) to real only with the same "
             "$k$ and seed, and the interval adjusted within its family (a column: Bonferroni over its $m$ arms). "
             "Bold: the adjusted interval excludes 0. $n=3$ seeds unless stated; --: not run; $=$: the same "
             "training set as the named arm (not in $m$). In full (95\\% intervals, Holm $p$): "
             "Tables~\\ref{S-tab:few_shot_paired} and~\\ref{S-tab:few_shot_n10_paired}.}",
             "\\label{tab:few_shot_compact}", "\\setlength{\\tabcolsep}{4pt}",
             "\\begin{tabular}{l" + "r" * len(columns) + "}", "\\toprule",
             "strategy, generator (protocol) & " + " & ".join(name for name, _ in columns) + " \\\\", "\\midrule"]
    if real_accuracy is not None and not real_accuracy.empty:
        # Two sweeps (mix_ratios and its families) report the same real-only cells: one row per k.
        acc = real_accuracy[real_accuracy["setting"] == "real"].drop_duplicates("k").set_index("k")["mean"]
        row = [f"{100 * acc[k]:.1f}" if k in acc.index else "--" for k in ks]
        at10 = {} if real_n10 is None or real_n10.empty else real_n10.set_index("k")["mean"].to_dict()
        row += [f"{100 * at10[10]:.1f}" if 10 in at10 else "--" for _ in columns[len(ks):]]
        lines.append("real only: accuracy (\\%) & " + " & ".join(row) + " \\\\")

    def name_of(setting: str) -> str:
        r = first.loc[setting]
        return readable_setting(r["strategy"], r["generator"] if uses_generator(r["strategy"]) else None,
                                r["protocol"] if uses_generator(r["strategy"]) else None)

    for setting in settings:
        name = name_of(setting)
        cells = []
        for _, frame in columns:
            match = frame[frame["setting"] == setting]
            twin = match.iloc[0].get("identical_to") if len(match) else None
            if isinstance(twin, str) and twin in first.index:   # the same training set as another arm: said so
                cells.append(f"$=$ {name_of(twin).split(',')[0]}")
                continue
            text = cell(match.iloc[0]) if len(match) else "--"
            usual = int(frame["n"].mode().iloc[0])   # a setting with fewer finished seeds than its column says so
            if len(match) and int(match.iloc[0]["n"]) != usual:
                text += f" ($n={int(match.iloc[0]['n'])}$)"
            cells.append(text)
        lines.append(f"{name} & " + " & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table*}"]
    return "\n".join(lines) + "\n"


# The semi-supervised protocol's arms as the paper names them (strategy -> name; a generator's arms use the CGAN).
POOL_ARMS = {"affine": "affine (labelled only)", "fixmatch": "FixMatch (labelled + pool)",
             "fixmatch_mix": "FixMatch + CGAN digits", "mix": "real + CGAN digits", "ssl_gan": "SSL-GAN (its D)"}
POOL_CAPTION = ("$k$ labelled digits per class plus the unlabelled pool: mean paired difference in test accuracy "
                "(points) to real only and to FixMatch with the same $k$ and seed, and the interval adjusted within its "
                "family (one per reference and $k$). Bold: the adjusted interval excludes 0; $^\\dagger$: equivalent "
                "within the margin fixed in advance (two one-sided tests).")


def pool_table(vs_real: pd.DataFrame | None, vs_fixmatch: pd.DataFrame | None) -> str:
    """The body's semi-supervised table (label tab:semi_supervised): one row per arm and k, against real only and
    against FixMatch; while the sweep has no results, the same rows saying so (the page keeps the table's room)."""
    header = ["\\begin{table}[t]", "\\centering", "\\tablefont"]
    body = ["\\label{tab:semi_supervised}", "\\setlength{\\tabcolsep}{4pt}", "\\begin{tabular}{lrr}", "\\toprule",
            "arm & vs real only & vs FixMatch \\\\", "\\midrule"]
    if vs_real is None or vs_real.empty:
        rows = [f"{name} & pending & {'--' if arm == 'fixmatch' else 'pending'} \\\\" for arm, name in POOL_ARMS.items()]
        rows.append("FixMatch, $k=100$ & pending & -- \\\\")
        caption = f"\\caption{{{POOL_CAPTION} Results still being computed.}}"
    else:
        rows = []
        for _, r in vs_real.iterrows():
            name = POOL_ARMS.get(r["strategy"], str(r["strategy"]))
            if int(r["k"]) != 10:   # the short name: the row must fit the column
                name = name.split(" (")[0] + f", $k={int(r['k'])}$"
            match = pd.DataFrame() if vs_fixmatch is None or vs_fixmatch.empty else \
                vs_fixmatch[(vs_fixmatch["setting"] == r["setting"]) & (vs_fixmatch["k"] == r["k"])]
            rows.append(f"{name} & {cell(r)} & {cell(match.iloc[0]) if len(match) else '--'} \\\\")
        caption = f"\\caption{{{POOL_CAPTION} $k=10$ unless stated.}}"
    return "\n".join(header + [caption] + body + rows + ["\\bottomrule", "\\end{tabular}", "\\end{table}"]) + "\n"
