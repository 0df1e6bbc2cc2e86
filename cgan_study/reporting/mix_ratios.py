"""The augmentation study's report (mix_ratios sweep): the mix grid, the few-shot settings, the CAS table and
the generators' loss trends."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cgan_study.reporting.figures import figure, save_figure
from cgan_study.reporting.labels import (
    fmt,
    fmt_difference,
    generator_order,
    setting_order,
)
from cgan_study.reporting.few_shot import SETTING, paired_family, save_paired, with_settings
from cgan_study.reporting.multiplicity import (
    EQUIVALENCE_MARGINS_POINTS,
    EQUIVALENT,
    HELPS,
    HURTS,
    INCONCLUSIVE,
    family_caption,
    family_table,
    mix_grid_margin,
    shown_family,
)
from cgan_study.reporting.stats import (
    aggregate,
    interval_points,
    loss_trend,
    paired_differences,
)
from cgan_study.reporting.tables import config_column, finished_runs, item_noun, save_table
from cgan_study.runtime import results
from cgan_study.study.presets import DEFAULT_GENERATOR

K, REAL_F, SYNTH_F = (config_column(key) for key in ("augment.real_per_class", "augment.real_fraction",
                                                     "augment.synth_fraction"))
PROTOCOL, SEED = config_column("augment.protocol"), config_column("seed")
LOSS_TREND_KEY = "loss"  # generators trained on a likelihood-type loss (CVAE, diffusion) log it; GANs' losses
# are a game's, whose level says nothing about convergence


def mix_ratio_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Tables and figures of the augmentation study from its summary.csv."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    # The mix grid is the default generator's; other generators at k = 0 would be other grids.
    grid = frame[(frame["strategy"] == "mix") & (frame["generator"] == DEFAULT_GENERATOR) & (frame[K] == 0)]
    out: dict[str, pd.DataFrame] = {}
    if not grid.empty:
        out.update(mix_grid_tables(sweep_dir, grid))
    few = frame[frame[K] > 0].copy()
    if not few.empty:
        out.update(few_shot_tables(sweep_dir, few))
    cas = frame[frame["strategy"] == "synthetic_only"]
    real_only = grid[(grid[REAL_F] == 1.0) & (grid[SYNTH_F] == 0.0)] if not grid.empty else grid
    if not cas.empty:
        out.update(cas_tables(sweep_dir, cas, real_only))
    trend = generator_loss_trends(sweep_dir.parent / results.ARTIFACTS / "generator", frame, PROTOCOL)
    if not trend.empty:
        out["generator_loss_trend"] = trend
        results.write_csv(sweep_dir / "tables" / "generator_loss_trend.csv", trend)
    return out


def _by_fractions(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells (one per real and synthetic fraction) as the grid the paper shows: real fractions down, synthetic
    amounts across."""
    wide = cells.pivot(index=REAL_F, columns=SYNTH_F, values="cell").reset_index()
    wide.columns = ["real \\ synth"] + [f"+{c:.0%}" for c in wide.columns[1:]]
    wide["real \\ synth"] = [f"{v:.0%}" for v in wide["real \\ synth"]]
    return wide


def mix_grid_tables(sweep_dir: Path, grid: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Accuracy by real fraction and synthetic amount, each cell against the same real fraction without synthetic
    digits seed by seed, and the heatmap."""
    out, noun = {}, item_noun(grid)
    agg = aggregate(grid, [REAL_F, SYNTH_F], "test_accuracy")
    out["mix_grid_long"] = agg.rename(columns={REAL_F: "real_fraction", SYNTH_F: "synth_fraction"})
    wide = _by_fractions(agg.assign(cell=[fmt(m, s, n) for m, s, n in zip(agg["mean"], agg["std"], agg["n"])]))
    out["mix_grid"] = wide
    save_table(sweep_dir, "mix_grid", wide, "Test accuracy (\\%) by real fraction (rows) and synthetic "
                                            "amount relative to 60,000 (columns); mean $\\pm$ std (n seeds).", wide=True)
    diffs = paired_differences(grid[grid[SYNTH_F] > 0], grid[grid[SYNTH_F] == 0], [REAL_F, SEED], [REAL_F, SYNTH_F])
    diffs = diffs.rename(columns={REAL_F: "real_fraction", SYNTH_F: "synth_fraction"}).assign(margin=mix_grid_margin())
    # The whole grid is one family: a reader scans every cell of the table, so the error rate is the table's.
    fam = family_table(diffs, [], label="synth_fraction")
    out["mix_grid_paired_long"] = fam
    if not fam.empty:
        shown = shown_family(fam, {f"real {noun}": [f"{v:.0%}" for v in fam["real_fraction"]],
                                   "+ synthetic": [f"+{v:.0%}" for v in fam["synth_fraction"]]})
        out["mix_grid_paired"] = shown
        save_table(sweep_dir, "mix_grid_paired", fam, "Paired difference in test accuracy (points) to the same real "
                   f"fraction without synthetic {noun}, same seed (synthetic amount relative to 60,000): mean, 95\% "
                   "t-interval and the interval adjusted over the whole grid, one family. "
                   f"{family_caption(fam['m'], ref='tab:few_shot_paired')} Equivalence margin: "
                   f"$\\pm${EQUIVALENCE_MARGINS_POINTS['mix_grid']:g} points.", wide=True, shown=shown)
    if not fam.empty:
        mix_heatmap(sweep_dir, agg, fam, noun)
    return out


# A cell's verdict as the heatmap marks it (the table carries the intervals): up/down an adjusted interval above/below
# 0, "=" equivalence inside the grid's margin, nothing when inconclusive or without a verdict (one seed: no interval).
VERDICT_MARKS = {HELPS: "\u25b2", HURTS: "\u25bc", EQUIVALENT: "=", INCONCLUSIVE: ""}


def heatmap_cells(agg: pd.DataFrame, fam: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The heatmap's content: the paired mean difference (points) per real fraction (rows) and synthetic amount
    (columns), each cell's annotation (the difference and its verdict mark), and each row's real-only accuracy (%)."""
    diff = fam.pivot(index="real_fraction", columns="synth_fraction", values="mean_diff") * 100
    marks = fam.assign(text=[f"{100 * d:+.2f}{VERDICT_MARKS.get(v, '')}" for d, v in zip(fam["mean_diff"], fam["verdict"])])
    text = marks.pivot(index="real_fraction", columns="synth_fraction", values="text").loc[diff.index, diff.columns]
    real = agg[agg[SYNTH_F] == 0].set_index(REAL_F)["mean"] * 100
    return diff, text, real.reindex(diff.index)


def mix_heatmap(sweep_dir: Path, agg: pd.DataFrame, fam: pd.DataFrame, noun: str) -> None:
    import seaborn as sns

    diff, text, real = heatmap_cells(agg, fam)
    bound = max(float(diff.abs().max().max()), 1e-9)
    fig, ax = figure(3.4, 2.4)
    sns.heatmap(diff, annot=text.to_numpy(), fmt="", cmap="RdBu", center=0, vmin=-bound, vmax=bound, ax=ax,
                annot_kws={"fontsize": 7}, cbar_kws={"label": "change vs real only (points)"},
                xticklabels=[f"+{c:.0%}" for c in diff.columns],
                yticklabels=[f"{r:.0%} ({a:.2f}%)" for r, a in zip(diff.index, real)])
    ax.set_xlabel(f"synthetic {noun} added (relative to 60,000)")
    ax.set_ylabel(f"real {noun} used (real-only accuracy)")
    ax.invert_yaxis()
    save_figure(sweep_dir, "mix_heatmap", fig)


def _by_k(cells: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Cells (one per setting and k) as the table the paper shows: settings down in `order`, k across."""
    wide = cells.pivot(index="setting", columns=K, values="cell")
    wide = wide.loc[[s for s in order if s in wide.index]].fillna("--").reset_index()  # not every k (pca: k=10)
    wide.columns = ["strategy, generator (protocol)"] + [f"k={int(c)}" for c in wide.columns[1:]]
    return wide


def few_shot_tables(sweep_dir: Path, few: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every setting at every k, against real-only with the same k and seed; the few-shot figures."""
    few, readable = with_settings(few)
    out = {}
    agg = aggregate(few, [K, "setting"], "test_accuracy")
    out["few_shot_long"] = agg.rename(columns={K: "k"})
    out["few_shot_runs"] = few.rename(columns={K: "k", SEED: "seed"})[SETTING + ["k", "seed", "test_accuracy"]]
    if "n_synth_kept" in few:   # how many synthetic digits each filter cell's judge kept (the prose quotes it)
        kept = few[few["strategy"] == "filter"].rename(columns={K: "k", SEED: "seed"})
        results.write_csv(Path(sweep_dir) / "tables" / "filter_kept.csv",
                          kept[SETTING + ["k", "seed", "n_synth_kept"]].sort_values(SETTING + ["k", "seed"]))
    order = setting_order(few)
    wide = _by_k(agg.assign(cell=[fmt(m, s, n) for m, s, n in zip(agg["mean"], agg["std"], agg["n"])]), order)
    out["few_shot"] = wide
    fam = paired_family(few, order)
    out["few_shot_paired_long"] = fam
    if not fam.empty:
        # MNIST's table states the rule; a second dataset's cites it (captions that read alike are refused).
        mnist = item_noun(few) == "digits"
        out["few_shot_paired"] = save_paired(sweep_dir, "few_shot_paired", fam, readable,
                                             what=f"Every strategy at every $k$ ({item_noun(few)}): ",
                                             rule_ref=None if mnist else "tab:few_shot_paired")

    def shown(table: pd.DataFrame) -> pd.DataFrame:   # the paper names generators by their readable names
        return table.assign(**{table.columns[0]: [readable[s] for s in table[table.columns[0]]]})

    save_table(sweep_dir, "few_shot", wide, f"Test accuracy (\\%) with k real {item_noun(few)} per class, by strategy, "
                                            "generator and protocol; mean $\\pm$ std (n seeds).", shown=shown(wide))
    few_shot_figures(sweep_dir, few, order, readable)
    return out


def few_shot_figures(sweep_dir: Path, few: pd.DataFrame, order: list[str], readable: dict[str, str]) -> None:
    """Accuracy against k for the settings run at every k (real, affine, the default generator's strategies), and
    every setting at the k where all generators ran, each with its 95% t-interval (clipped to [0, 100])."""
    import seaborn as sns

    ks = sorted(few[K].unique())
    full = [s for s in order if few[few["setting"] == s][K].nunique() == len(ks)]
    fig, ax = figure(3.4, 2.6)  # the paper's column width; the legend below the axes
    palette = sns.color_palette("tab10", len(full))
    for i, setting in enumerate(full):
        pts = [(kk, *interval_points(few[(few["setting"] == setting) & (few[K] == kk)]["test_accuracy"]))
               for kk in ks]
        xs = [kk * 1.05 ** (i - len(full) / 2) for kk, *_ in pts]  # settings side by side (log axis)
        # The coursework protocol's arms (an upper bound) dashed, so they read apart from the honest ones.
        upper = "coursework" in setting
        ax.errorbar(xs, [p[1] for p in pts], yerr=[[p[2] for p in pts], [p[3] for p in pts]], marker="o",
                    markersize=2.5, linewidth=0.8, capsize=1.5, color=palette[i], label=readable[setting],
                    linestyle="--" if upper else "-")
    ax.set_xscale("log")
    ax.set_xticks(list(ks), [str(int(kk)) for kk in ks])  # the k values themselves, not powers of ten
    ax.minorticks_off()
    # From just below the lowest lower bound: the k = 10 and 100 differences are a few points, not tens.
    lowest = min(interval_points(few[(few["setting"] == s) & (few[K] == kk)]["test_accuracy"])[0] -
                 interval_points(few[(few["setting"] == s) & (few[K] == kk)]["test_accuracy"])[1]
                 for s in full for kk in ks)
    ax.set_ylim(max(0.0, 10 * (lowest // 10)), 100)
    ax.set_xlabel(f"real {item_noun(few)} per class (k)")
    ax.set_ylabel("test accuracy (%)")
    handles, labels = ax.get_legend_handles_labels()
    rows = (len(labels) + 1) // 2
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=6, frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.045 * rows + 0.02, 1, 1))
    save_figure(sweep_dir, "few_shot_curves", fig)

    counts = few.groupby(K)["setting"].nunique()
    at = counts.idxmax()
    settings = [s for s in order if s in set(few[few[K] == at]["setting"])]
    if len(settings) <= len(full):
        return
    fig, ax = figure(3.4, 0.2 * len(settings) + 0.6)
    for i, setting in enumerate(settings):
        mean, lo, hi = interval_points(few[(few["setting"] == setting) & (few[K] == at)]["test_accuracy"])
        ax.errorbar([mean], [i], xerr=[[lo], [hi]], marker="o", markersize=2.5, capsize=1.5, color="black",
                    linewidth=0.8)
    ax.set_yticks(range(len(settings)), [readable[s] for s in settings], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"test accuracy (%) at k = {int(at)}")
    fig.tight_layout(pad=0.3)
    save_figure(sweep_dir, f"settings_k{int(at)}", fig)


def cas_tables(sweep_dir: Path, cas: pd.DataFrame, real_only: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Classification accuracy score: trained on one generator's digits alone, against all real digits."""
    from cgan_study.generators import display_name

    out = {}
    order = generator_order(cas["generator"])
    noun = item_noun(cas)
    # How many synthetic images each CAS classifier trained on (60,000 on MNIST; a folder's training-set size).
    amount = {name: (f"{int(cas.loc[cas['generator'] == name, 'n_synth'].iloc[0]):,}" if "n_synth" in cas else "60,000")
              for name in order}
    rows = [(f"synthetic only ({amount[name]} {name} {noun})", cas[cas["generator"] == name]["test_accuracy"])
            for name in order]
    if not real_only.empty:
        rows.append((f"real only (all real {noun})", real_only["test_accuracy"]))
        # One family: every generator's CAS against the same real-only runs (no equivalence margin declared).
        out["cas_paired_long"] = family_table(paired_differences(cas, real_only, [SEED], ["generator"]), [],
                                              label="generator")
    table = pd.DataFrame({"training data": [r[0] for r in rows],
                          "test accuracy (%)": [fmt(v.mean(), v.std(), v.count()) for _, v in rows]})
    if "cas_paired_long" in out:
        by_gen = out["cas_paired_long"].set_index("generator")
        table["vs real only (points)"] = [
            fmt_difference(*by_gen.loc[g, ["mean_diff", "low", "high", "n"]])
            + ("*" if by_gen.loc[g, "low_adjusted"] > 0 or by_gen.loc[g, "high_adjusted"] < 0 else "")
            if g in by_gen.index else "--" for g in order] + ["--"]
    out["cas"] = table
    # The paper names each generator by its readable name; the CSV keeps the registry's.
    shown = table.copy()
    shown["training data"] = [f"synthetic only ({amount[name]} {display_name(name)} {noun})" for name in order] + \
        list(table["training data"][len(order):])
    save_table(sweep_dir, "cas", table, f"Classification accuracy score: trained on synthetic {noun} "
                                        f"only (one generator per row), tested on real test {noun}; paired "
                                        "difference to real only (same seed), 95\\% t-interval, * where it "
                                        "excludes 0, ** where so does the Bonferroni interval over the "
                                        "generators compared (the interval a verdict reads).", shown=shown)
    return out


def generator_loss_trends(artifact_dir: Path, frame: pd.DataFrame, protocol: str) -> pd.DataFrame:
    """Per (generator, protocol) of the study: how fast each distinct generator's training loss still fell at the
    end of its budget (`loss_trend`, % per epoch), read from the artifacts' history.jsonl."""
    if "generator_artifact" not in frame or protocol not in frame:
        return pd.DataFrame()
    used = frame[frame["generator_artifact"].notna()].drop_duplicates("generator_artifact")
    rows = []
    for (generator, proto), group in used.groupby(["generator", protocol], sort=False):
        trends, epochs = [], []
        for artifact in group["generator_artifact"]:
            history = results.read_jsonl(Path(artifact_dir) / str(artifact) / "history.jsonl")
            if len(history) >= 4 and all(LOSS_TREND_KEY in h for h in history):
                trends.append(loss_trend([h[LOSS_TREND_KEY] for h in history]))
                epochs.append(len(history))
        if trends:
            rows.append({"generator": generator, "protocol": proto, "n": len(trends), "epochs": max(epochs),
                         # fsum is exactly rounded, so the mean does not depend on the order the runs were listed in
                         "trend_mean": math.fsum(trends) / len(trends), "trend_min": min(trends),
                         "trend_max": max(trends)})
    return pd.DataFrame(rows)
