"""Two datasets side by side: the headline comparisons of the augmentation study on MNIST (mix_ratios and
mix_ratios_families) and on a second dataset (its replication sweep), one column pair per dataset, and the few-shot
curves of both in one figure.

It reads the comparisons `claims.comparisons` computes from each dataset's own report tables (each dataset's runs
stay in their own results tree and are paired only with runs of the same dataset), so a row is the same paired
difference the prose may claim, under `<dataset>/<id>` for the second dataset.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from cgan_study.reporting.claims import Comparison
from cgan_study.reporting.figures import figure, save_figure
from cgan_study.reporting.labels import signed
from cgan_study.reporting.latex import ragged
from cgan_study.reporting.stats import interval_points
from cgan_study.reporting.tables import save_table
from cgan_study.runtime import results

# (comparison id, what it compares): the headline cells that the replication sweep repeats on the second dataset.
HEADLINE = (   # against real only with the same k and seed unless the label names another reference
    ("fewshot/affine/k10", "$k=10$: affine augmentation"),
    ("fewshot/mix/cgan/lowdata/k10", "$k=10$: CGAN mix, low-data"),
    ("fewshot/filter/cgan/lowdata/k10", "$k=10$: CGAN filter, low-data"),
    ("fewshot/mix/cgan/coursework/k10", "$k=10$: CGAN mix, coursework"),
    ("fewshot/mix/cgan/lowdata/k10/vs-affine", "$k=10$: CGAN mix, low-data, vs affine"),
    ("fewshot/mix/cvae/lowdata/k10", "$k=10$: CVAE mix, low-data"),
    ("fewshot/mix/pca/lowdata/k10", "$k=10$: PCA mix, low-data"),
    ("fewshot/affine/k100", "$k=100$: affine augmentation"),
    ("fewshot/mix/cgan/lowdata/k100", "$k=100$: CGAN mix, low-data"),
    ("fewshot/mix/cgan/coursework/k100", "$k=100$: CGAN mix, coursework"),
    ("cas/cgan", "CAS: CGAN images only"),
    ("cas/cvae", "CAS: CVAE images only"),
    ("cas/pca", "CAS: PCA images only"),
    ("semisup/fixmatch/k10", "$k=10$ + unlabelled pool: FixMatch"),
    ("semisup/fixmatch_mix/cgan/semisupervised/k10/vs-fixmatch",
     "$k=10$ + pool: FixMatch + pseudo-label CGAN, vs FixMatch"),
)
# Settings of the few-shot figure: (strategy, generator, protocol) and how the legend names them.
CURVES = ((("real", None, None), "real only"), (("affine", None, None), "affine"),
          (("mix", "cgan", "low_data"), "CGAN mix (low-data)"), (("filter", "cgan", "low_data"), "CGAN filter (low-data)"),
          (("mix", "cgan", "coursework"), "CGAN mix (coursework)"))
DISPLAY = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "icons": "Icons"}


def prefixed(comparisons: dict[str, Comparison], dataset: str) -> dict[str, Comparison]:
    """A second dataset's comparisons under `<dataset>/<id>`, so the prose can claim them beside MNIST's."""
    # replace, not a fresh Comparison: the family fields (adjusted interval, m, equivalence) must travel too, or
    # the second dataset's claims would be read from their unadjusted 95% intervals.
    return {f"{dataset}/{cid}": replace(c, id=f"{dataset}/{cid}") for cid, c in comparisons.items()}


def _cell(c: Comparison | None) -> str:
    """'+8.46 ± 4.60*': the paired t-interval is symmetric, so its half-width says it in half the room of
    '[low, high]' and two datasets fit one column; * where the interval excludes 0."""
    if c is None:
        return "--"
    if c.n < 2:
        return f"{signed(c.scale * c.mean)} (n={c.n})"
    # * the 95% interval excludes 0; ** so does the interval the verdict reads (adjusted within its family): only
    # ** is a direction the paper states, so a star alone never contradicts its text.
    low, high = c.decides
    mark = "**" if low > 0 or high < 0 else "*" if c.low > 0 or c.high < 0 else ""
    return f"{signed(c.scale * c.mean)} ± {c.scale * (c.high - c.low) / 2:.2f}{mark}"


def side_by_side(out_dir: Path | str, by_dataset: dict[str, dict[str, Comparison]],
                 real_only: dict[str, pd.Series]) -> pd.DataFrame:
    """The headline table: one row per comparison, per dataset its paired difference ± half-width (points),
    and a first row with each dataset's real-only accuracy on all training images. Rows that neither dataset has
    are left out; a dataset without a row shows a dash."""
    names = list(by_dataset)
    rows, long = [], []
    accuracy = {"comparison": "real only, all images: accuracy (\\%)"}
    for name in names:
        values = real_only.get(name, pd.Series(dtype=float))
        accuracy[DISPLAY.get(name, name)] = (f"{100 * values.mean():.2f} ± {100 * values.std():.2f}"
                                             if len(values) > 1 else "--")
    rows.append(accuracy)
    for cid, label in HEADLINE:
        found = {name: by_dataset[name].get(cid) for name in names}
        if all(c is None for c in found.values()):
            continue
        rows.append({"comparison": label, **{DISPLAY.get(n, n): _cell(c) for n, c in found.items()}})
        for n, c in found.items():
            if c is not None:
                long.append({"id": cid, "dataset": n, "mean_diff": c.mean, "low": c.low, "high": c.high, "n": c.n,
                             "verdict": c.verdict})
    table = pd.DataFrame(rows)
    out_dir = Path(out_dir)
    results.write_csv(out_dir / "tables" / "side_by_side_long.csv", pd.DataFrame(long))
    save_table(out_dir, "side_by_side", table,
               "The headline comparisons on every dataset, each within its own dataset (its own scorer, "
               "generators and classifiers): paired difference in test accuracy (points) to real only with the "
               "same $k$ and seed (CAS: to real only on all images), mean $\\pm$ half-width of the 95\\% "
               "t-interval over seeds; *: that interval excludes 0; **: so does the interval a verdict reads (adjusted "
               "within its family, each dataset's few-shot table: Tables~\\ref{tab:few_shot_paired}, "
               + ", ".join(f"\\ref{{tab:{n}-few_shot_paired}}" for n in names if n != "mnist") + "), "
               "the only directions the paper states. First row: mean $\\pm$ std. "
               "Coursework: the generator saw all labelled training images (an upper bound); low-data: only the "
               "cell's own $k$ per class.", column_format=ragged("0.46\\linewidth") + "r" * len(names))
    return table


def few_shot_both(out_dir: Path | str, runs: dict[str, pd.DataFrame]) -> None:
    """Test accuracy against k for the settings every dataset ran, one panel per dataset (95% t-intervals)."""
    import seaborn as sns

    names = [n for n in runs if runs[n] is not None and not runs[n].empty]
    if not names:
        return
    fig, _ = figure(1.7 * len(names), 2.5)   # 1.7 in a panel: two fill a column, three or more a page's width
    fig.clf()
    palette = sns.color_palette("tab10", len(CURVES))
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        few = runs[name]
        ks = sorted(few["k"].unique())
        for j, ((strategy, generator, protocol), label) in enumerate(CURVES):
            mask = few["strategy"] == strategy
            mask &= few["generator"].isna() if generator is None else (few["generator"] == generator)
            if protocol is not None:
                mask &= few["protocol"] == protocol
            pts = [(k, *interval_points(few[mask & (few["k"] == k)]["test_accuracy"])) for k in ks
                   if (mask & (few["k"] == k)).any()]
            if not pts:
                continue
            xs = [k * 1.06 ** (j - len(CURVES) / 2) for k, *_ in pts]
            ax.errorbar(xs, [p[1] for p in pts], yerr=[[p[2] for p in pts], [p[3] for p in pts]], marker="o",
                        markersize=2.5, linewidth=0.8, capsize=1.5, color=palette[j], label=label,
                        linestyle="--" if protocol == "coursework" else "-")
        ax.set_xscale("log")
        ax.set_xticks(list(ks), [str(int(k)) for k in ks])
        ax.minorticks_off()
        ax.set_xlabel("real images per class (k)")
        if i == 0:
            ax.set_ylabel("test accuracy (%)")
        ax.set_title(f"({'abcdefgh'[i]}) {DISPLAY.get(name, name)}", fontsize=7)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=6, frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.14, 1, 1), w_pad=0.8)
    save_figure(Path(out_dir), "few_shot_both", fig)
