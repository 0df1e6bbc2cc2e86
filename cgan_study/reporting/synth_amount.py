"""Accuracy against the amount of synthetic digits at a fixed k (synth_amount sweep), per protocol."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.figures import figure, save_figure
from cgan_study.reporting.labels import fmt, fmt_difference, protocol_name
from cgan_study.reporting.stats import aggregate, interval_points, paired_differences
from cgan_study.reporting.tables import config_column, finished_runs, save_table


def synth_amount_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Accuracy against synthetic digits per class at fixed k, per protocol, paired against real-only."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    amount, protocol, seed, k = (config_column(key) for key in ("augment.synth_per_class", "augment.protocol",
                                                              "seed", "augment.real_per_class"))
    base = frame[frame["strategy"] == "real"]
    arms = frame[frame["strategy"] != "real"]
    agg = aggregate(arms, [protocol, amount], "test_accuracy")
    diffs = paired_differences(arms, base, [k, seed], [protocol, amount])
    merged = agg.merge(diffs, on=[protocol, amount], suffixes=("_runs", "_pairs"))
    rows = [{"synthetic per class": int(a), "protocol": protocol_name(p), "test accuracy (%)": fmt(m, s_, n),
             "vs real only (points)": fmt_difference(d, lo, hi, nd)}
            for p, a, m, s_, n, d, lo, hi, nd in zip(merged[protocol], merged[amount], merged["mean"], merged["std"],
                                                     merged["n_runs"], merged["mean_diff"], merged["low"],
                                                     merged["high"], merged["n_pairs"])]
    b = base["test_accuracy"]
    rows.insert(0, {"synthetic per class": 0, "protocol": "real only", "test accuracy (%)":
                    fmt(b.mean(), b.std(), b.count()), "vs real only (points)": "--"})
    table = pd.DataFrame(rows)
    ks = sorted(frame[k].unique())
    save_table(sweep_dir, "synth_amount", table, f"Test accuracy (\\%) with k = {', '.join(str(int(x)) for x in ks)} "
                "real digits per class plus n CGAN digits per class; mean $\\pm$ std (n seeds) and the paired "
                "difference to real only (same seed), 95\\% t-interval; * marks an interval that excludes 0.")
    fig, ax = figure(3.4, 2.3)
    import seaborn as sns

    palette = sns.color_palette("tab10", 3)
    for i, p in enumerate(sorted(arms[protocol].unique())):
        sub = arms[arms[protocol] == p]
        xs = sorted(sub[amount].unique())
        pts = [interval_points(sub[sub[amount] == a]["test_accuracy"]) for a in xs]
        ax.errorbar([a * 1.06 ** (i - 0.5) for a in xs], [q[0] for q in pts], yerr=[[q[1] for q in pts],
                    [q[2] for q in pts]], marker="o", markersize=2.5, linewidth=0.8, capsize=1.5,
                    color=palette[i], label=f"mix ({protocol_name(p)})")
    mean, lo, hi = interval_points(b)
    ax.axhspan(mean - lo, mean + hi, color="grey", alpha=0.25, linewidth=0)
    ax.axhline(mean, color="grey", linewidth=0.8, label="real only")
    ax.set_xscale("log")
    ax.set_xlabel("synthetic digits per class")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout(pad=0.3)
    save_figure(sweep_dir, "synth_amount", fig)
    long = merged.rename(columns={protocol: "protocol", amount: "synth_per_class"})
    long["k"] = ks[0] if len(ks) == 1 else float("nan")
    return {"synth_amount": table, "synth_amount_long": long}


