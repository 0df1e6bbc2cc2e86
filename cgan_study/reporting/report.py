"""Summary DataFrames -> aggregated tables (CSV + booktabs LaTeX) and seaborn figures; never trains anything."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cgan_study.runtime import results

DEFAULT_GENERATOR = "cgan"


# --------------------------------------------------------------------------- aggregation and formatting

def aggregate(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """mean, std (ddof=1; NaN for a single run) and n of `value` per group."""
    grouped = frame.groupby(by, dropna=False)[value]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    return out


def fmt(mean: float, std: float, n: int, scale: float = 100.0, digits: int = 2) -> str:
    """'98.12 ± 0.05 (n=3)'; a single run shows no spread rather than a fake zero."""
    if pd.isna(mean):
        return "--"
    if n <= 1 or pd.isna(std):
        return f"{mean * scale:.{digits}f} (n={n})"
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f} (n={n})"


def to_latex(table: pd.DataFrame, caption: str, label: str, column_format: str | None = None,
             wide: bool = False) -> str:
    """A booktabs table (needs booktabs, adjustbox and array); '±' becomes $\\pm$; `wide` spans both columns."""
    cols = list(table.columns)
    column_format = column_format or "l" + "r" * (len(cols) - 1)

    def esc(value) -> str:
        if str(value).startswith("$") or "\\" in str(value):
            return str(value)  # already LaTeX
        if str(value).strip().lower() in ("nan", "none", ""):
            return "--"  # a missing number is a dash, never 'nan'
        text = str(value).replace("±", "$\\pm$").replace("_", "\\_").replace("%", "\\%")
        return text.replace(" (n=", "\\,(").replace("beta\\_1", "$\\beta_1$")

    env = "table*" if wide else "table"
    lines = [f"\\begin{{{env}}}[t]", "\\centering", "\\scriptsize", f"\\caption{{{caption}}}", f"\\label{{{label}}}",
             "\\setlength{\\tabcolsep}{3pt}",
             # Shrinks a table wider than its column (long variant names) instead of overflowing the margin.
             "\\begin{adjustbox}{max width=\\linewidth}", f"\\begin{{tabular}}{{{column_format}}}", "\\toprule",
             " & ".join(esc(c) for c in cols) + " \\\\", "\\midrule"]
    lines += [" & ".join(esc(v) for v in row) + " \\\\" for row in table.itertuples(index=False)]
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{adjustbox}", f"\\end{{{env}}}", ""]
    return "\n".join(lines)


def _save_table(out_dir: Path, name: str, table: pd.DataFrame, caption: str, wide: bool = False,
                column_format: str | None = None, shown: pd.DataFrame | None = None) -> None:
    """The table as CSV, and as LaTeX (`shown`, where the paper shows it with readable labels, else the same)."""
    results.write_csv(out_dir / "tables" / f"{name}.csv", table)
    results.write_text(out_dir / "tables" / f"{name}.tex", to_latex(table if shown is None else shown, caption,
                                                                    f"tab:{name}", column_format, wide=wide))


def wrapped_first_column(table: pd.DataFrame, width: str, last: str | None = None) -> str:
    """A column format whose first (label) column wraps at `width` instead of shrinking the whole table; the
    last one too when `last` gives its width."""
    middle = "r" * (len(table.columns) - (2 if last else 1))
    return ragged(width) + middle + (ragged(last) if last else "")


def ragged(width: str) -> str:
    """A wrapping, left-aligned column (needs the array package): justified text in a narrow cell stretches."""
    return f">{{\\raggedright\\arraybackslash}}p{{{width}}}"


def _figure(width: float = 3.4, height: float = 2.5):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", font_scale=0.9)
    plt.rcParams["svg.hashsalt"] = "cgan-study"  # deterministic output
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def _save_figure(out_dir: Path, name: str, fig) -> None:
    import matplotlib.pyplot as plt

    results.save_figure(out_dir / "figures" / f"{name}.pdf", fig)
    results.save_figure(out_dir / "figures" / f"{name}.png", fig)
    plt.close(fig)


def done_runs(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "done"].copy() if "status" in frame else frame.iloc[0:0]


# --------------------------------------------------------------------------- mix_ratios

def t_interval(values, level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of a Student-t confidence interval for the mean; no interval below two values."""
    import math

    from scipy import stats

    v = pd.Series(values, dtype=float).dropna()
    n, mean = len(v), float(v.mean()) if len(v) else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan"), n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(v.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


def fmt_difference(mean: float, low: float, high: float, n: int, scale: float = 100.0) -> str:
    """'+1.23 [+0.40, +2.06]*' (percentage points); * marks an interval that excludes 0."""
    if pd.isna(mean):
        return "--"
    if pd.isna(low):
        return f"{mean * scale:+.2f} (n={n})"
    mark = "*" if low > 0 or high < 0 else ""
    return f"{mean * scale:+.2f} [{low * scale:+.2f}, {high * scale:+.2f}]{mark}"


def paired_differences(frame: pd.DataFrame, baseline: pd.DataFrame, match: list[str], by: list[str],
                       value: str = "test_accuracy") -> pd.DataFrame:
    """Per group of `by`: each run minus the baseline run with the same `match` values (same k or fraction, same
    seed), then the mean difference with its 95% t-interval. Runs without a baseline partner are left out."""
    base = baseline[match + [value]].rename(columns={value: "_baseline"})
    if base.duplicated(match).any():
        raise ValueError(f"the baseline has more than one run per {match}; pairing would be ambiguous")
    paired = frame.merge(base, on=match, how="inner")
    paired["_diff"] = paired[value] - paired["_baseline"]
    rows = []
    for key, group in paired.groupby(by, sort=False, dropna=False):
        mean, low, high, n = t_interval(group["_diff"])
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,))), "mean_diff": mean, "low": low,
                     "high": high, "n": n, "excludes_zero": bool(low > 0 or high < 0) if n > 1 else False})
    return pd.DataFrame(rows, columns=by + ["mean_diff", "low", "high", "n", "excludes_zero"])


def _col(frame: pd.DataFrame, key: str) -> str:
    return f"cfg.experiment.{key}"


def with_strategy_and_generator(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `strategy` and `generator` columns, the two axes every table groups by.

    Summaries written before the generator registry have one `augment.arm` column ("pca" was an arm, meaning
    mix with the PCA generator) and name the GAN by `gan.family`; they are read into the same two columns.
    """
    frame = frame.copy()

    def column(key: str) -> pd.Series:
        name = _col(frame, key)
        return frame[name] if name in frame else pd.Series([None] * len(frame), index=frame.index)

    new_strategy, new_generator = column("augment.strategy"), column("augment.generator")
    old_arm, old_family = column("augment.arm"), column("gan.family")
    frame["strategy"] = [s if isinstance(s, str) else ("mix" if a == "pca" else a)
                         for s, a in zip(new_strategy, old_arm)]
    frame["generator"] = [g if isinstance(g, str) else ("pca" if a == "pca" else
                                                         (f if isinstance(f, str) else DEFAULT_GENERATOR))
                          for g, a, f in zip(new_generator, old_arm, old_family)]
    return frame


def finished_runs(sweep_dir: Path) -> pd.DataFrame:
    """The finished runs of a sweep's summary.csv, with the (strategy, generator) columns every table uses."""
    frame = done_runs(pd.read_csv(Path(sweep_dir) / results.SUMMARY))
    return with_strategy_and_generator(frame) if not frame.empty else frame


def setting_label(strategy: str, generator: str, protocol: str) -> str:
    """'real', or 'mix, cgan (low_data)': the generator and protocol matter only where synthetic digits are used."""
    from cgan_study.study.strategies import STRATEGIES

    known = STRATEGIES.get(strategy)
    if known is not None and not known.uses_generator:
        return strategy
    return f"{strategy}, {generator} ({protocol})"


def readable_setting(label: str) -> str:
    """A setting label as tables and figures show it: 'mix, guided_cgan (coursework)' names the generator by its
    readable name ('mix, classifier-guided CGAN (coursework)'); the CSVs and findings keep the registry name."""
    from cgan_study.generators import display_name

    strategy, sep, rest = str(label).partition(", ")
    if not sep:
        return str(label)
    generator, paren, protocol = rest.partition(" (")
    return f"{strategy}, {display_name(generator)}{paren}{protocol}"


def _readable_first_column(table: pd.DataFrame) -> pd.DataFrame:
    first = table.columns[0]
    return table.assign(**{first: [readable_setting(v) for v in table[first]]})


def setting_order(labels) -> list[str]:
    """Declared strategies first (in declaration order), generators in registry order; unknown ones last, sorted.

    Nothing is dropped: a strategy or generator this code does not know still gets its row.
    """
    from cgan_study.generators import REGISTRY
    from cgan_study.study.strategies import STRATEGIES

    strategies, generators = list(STRATEGIES), list(REGISTRY)

    def key(label: str):
        strategy, _, rest = label.partition(", ")
        generator = rest.split(" (")[0]
        return (strategies.index(strategy) if strategy in strategies else len(strategies),
                generators.index(generator) if generator in generators else len(generators), label)

    return sorted(dict.fromkeys(labels), key=key)


def _interval_points(values) -> tuple[float, float, float]:
    """(mean, lower error, upper error) in %, the 95% t-interval clipped to [0, 100] (accuracy's range)."""
    mean, low, high, _ = t_interval(values)
    low, high = (mean, mean) if low != low else (max(low, 0.0), min(high, 1.0))
    return 100 * mean, 100 * (mean - low), 100 * (high - mean)


def _few_shot_figures(sweep_dir: Path, few: pd.DataFrame, k: str, order: list[str]) -> None:
    """Accuracy against k for the settings run at every k (real, affine, the default generator's strategies), and
    every setting at the k where all generators ran, each with its 95% t-interval (clipped to [0, 100])."""
    import seaborn as sns

    ks = sorted(few[k].unique())
    full = [s for s in order if few[few["setting"] == s][k].nunique() == len(ks)]
    fig, ax = _figure(3.4, 3.1)  # the paper's column width; the legend below the axes
    palette = sns.color_palette("tab10", len(full))
    for i, setting in enumerate(full):
        pts = [(kk, *_interval_points(few[(few["setting"] == setting) & (few[k] == kk)]["test_accuracy"]))
               for kk in ks]
        xs = [kk * 1.05 ** (i - len(full) / 2) for kk, *_ in pts]  # settings side by side (log axis)
        ax.errorbar(xs, [p[1] for p in pts], yerr=[[p[2] for p in pts], [p[3] for p in pts]], marker="o",
                    markersize=2.5, linewidth=0.8, capsize=1.5, color=palette[i], label=readable_setting(setting))
    ax.set_xscale("log")
    ax.set_xticks(list(ks), [str(int(kk)) for kk in ks])  # the k values themselves, not powers of ten
    ax.minorticks_off()
    ax.set_ylim(0, 100)
    ax.set_xlabel("real digits per class (k)")
    ax.set_ylabel("test accuracy (%)")
    handles, labels = ax.get_legend_handles_labels()
    rows = (len(labels) + 1) // 2
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=6, frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.045 * rows + 0.02, 1, 1))
    _save_figure(sweep_dir, "few_shot_curves", fig)

    counts = few.groupby(k)["setting"].nunique()
    at = counts.idxmax()
    settings = [s for s in order if s in set(few[few[k] == at]["setting"])]
    if len(settings) <= len(full):
        return
    fig, ax = _figure(3.4, 0.2 * len(settings) + 0.6)
    for i, setting in enumerate(settings):
        mean, lo, hi = _interval_points(few[(few["setting"] == setting) & (few[k] == at)]["test_accuracy"])
        ax.errorbar([mean], [i], xerr=[[lo], [hi]], marker="o", markersize=2.5, capsize=1.5, color="black",
                    linewidth=0.8)
    ax.set_yticks(range(len(settings)), [readable_setting(s) for s in settings], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"test accuracy (%) at k = {int(at)}")
    fig.tight_layout(pad=0.3)
    _save_figure(sweep_dir, f"settings_k{int(at)}", fig)


def setting_order_generators(names) -> list[str]:
    """Generators in registry order, unregistered ones last (sorted): none is dropped."""
    from cgan_study.generators import REGISTRY

    present = set(names)
    return [g for g in REGISTRY if g in present] + sorted(present - set(REGISTRY))


def mix_ratio_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Tables and figures of the augmentation study from its summary.csv."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    k = _col(frame, "augment.real_per_class")
    real_f, synth_f = _col(frame, "augment.real_fraction"), _col(frame, "augment.synth_fraction")
    protocol = _col(frame, "augment.protocol")
    out: dict[str, pd.DataFrame] = {}

    # The mix grid is the default generator's; other generators at k = 0 would be other grids.
    grid = frame[(frame["strategy"] == "mix") & (frame["generator"] == DEFAULT_GENERATOR) & (frame[k] == 0)]
    if not grid.empty:
        agg = aggregate(grid, [real_f, synth_f], "test_accuracy")
        out["mix_grid_long"] = agg.rename(columns={real_f: "real_fraction", synth_f: "synth_fraction"})
        table = agg.assign(cell=[fmt(m, s, n) for m, s, n in zip(agg["mean"], agg["std"], agg["n"])])
        wide = table.pivot(index=real_f, columns=synth_f, values="cell").reset_index()
        wide.columns = ["real \\ synth"] + [f"+{c:.0%}" for c in wide.columns[1:]]
        wide["real \\ synth"] = [f"{v:.0%}" for v in wide["real \\ synth"]]
        out["mix_grid"] = wide
        _save_table(sweep_dir, "mix_grid", wide, "Test accuracy (\\%) by real fraction (rows) and synthetic "
                                                 "amount relative to 60,000 (columns); mean $\\pm$ std (n seeds).", wide=True)
        # Each cell against the same real fraction without synthetic digits, seed by seed.
        seed = _col(frame, "seed")
        diffs = paired_differences(grid[grid[synth_f] > 0], grid[grid[synth_f] == 0], [real_f, seed],
                                   [real_f, synth_f])
        out["mix_grid_paired_long"] = diffs.rename(columns={real_f: "real_fraction", synth_f: "synth_fraction"})
        if not diffs.empty:
            diffs["cell"] = [fmt_difference(m, lo, hi, n) for m, lo, hi, n in
                             zip(diffs["mean_diff"], diffs["low"], diffs["high"], diffs["n"])]
            paired = diffs.pivot(index=real_f, columns=synth_f, values="cell").reset_index()
            paired.columns = ["real \\ synth"] + [f"+{c:.0%}" for c in paired.columns[1:]]
            paired["real \\ synth"] = [f"{v:.0%}" for v in paired["real \\ synth"]]
            out["mix_grid_paired"] = paired
            _save_table(sweep_dir, "mix_grid_paired", paired, "Paired difference in test accuracy (points) to the "
                        "same real fraction without synthetic digits, same seed: mean [95\\% t-interval]; "
                        "* marks an interval that excludes 0.", wide=True)
        heat = agg.pivot(index=real_f, columns=synth_f, values="mean") * 100
        fig, ax = _figure(3.4, 2.4)
        import seaborn as sns

        sns.heatmap(heat, annot=True, fmt=".2f", cmap="viridis", ax=ax, cbar_kws={"label": "test accuracy (%)"},
                    xticklabels=[f"+{c:.0%}" for c in heat.columns], yticklabels=[f"{r:.0%}" for r in heat.index])
        ax.set_xlabel("synthetic digits (relative to 60,000)")
        ax.set_ylabel("real training digits used")
        ax.invert_yaxis()
        _save_figure(sweep_dir, "mix_heatmap", fig)

    few = frame[frame[k] > 0].copy()
    if not few.empty:
        few["setting"] = [setting_label(s, g, p) for s, g, p in zip(few["strategy"], few["generator"], few[protocol])]
        agg = aggregate(few, [k, "setting"], "test_accuracy")
        out["few_shot_long"] = agg.rename(columns={k: "k"})
        out["few_shot_runs"] = few.rename(columns={k: "k", _col(frame, "seed"): "seed"})[
            ["setting", "k", "seed", "test_accuracy"]]
        table = agg.assign(cell=[fmt(m, s, n) for m, s, n in zip(agg["mean"], agg["std"], agg["n"])])
        wide = table.pivot(index="setting", columns=k, values="cell")
        order = setting_order(wide.index)
        wide = wide.loc[order].fillna("--").reset_index()  # settings not run at every k (pca: k=10 only)
        wide.columns = ["strategy, generator (protocol)"] + [f"k={int(c)}" for c in wide.columns[1:]]
        out["few_shot"] = wide
        seed = _col(frame, "seed")
        diffs = paired_differences(few[few["setting"] != "real"], few[few["setting"] == "real"], [k, seed],
                                   ["setting", k])
        out["few_shot_paired_long"] = diffs.rename(columns={k: "k"})
        if not diffs.empty:
            diffs["cell"] = [fmt_difference(m, lo, hi, n) for m, lo, hi, n in
                             zip(diffs["mean_diff"], diffs["low"], diffs["high"], diffs["n"])]
            paired = diffs.pivot(index="setting", columns=k, values="cell")
            paired = paired.loc[[s for s in order if s in paired.index]].fillna("--").reset_index()
            paired.columns = ["strategy, generator (protocol)"] + [f"k={int(c)}" for c in paired.columns[1:]]
            out["few_shot_paired"] = paired
            _save_table(sweep_dir, "few_shot_paired", paired, "Paired difference in test accuracy (points) to "
                        "real-only with the same k and seed: mean [95\\% t-interval]; * marks an interval that "
                        "excludes 0.", wide=True, shown=_readable_first_column(paired))
        _save_table(sweep_dir, "few_shot", wide, "Test accuracy (\\%) with k real digits per class, by strategy, "
                                                 "generator and protocol; mean $\\pm$ std (n seeds).",
                    shown=_readable_first_column(wide))
        _few_shot_figures(sweep_dir, few, k, order)

    cas = frame[frame["strategy"] == "synthetic_only"]
    real_only = grid[(grid[real_f] == 1.0) & (grid[synth_f] == 0.0)] if not grid.empty else grid
    if not cas.empty:
        from cgan_study.generators import display_name

        order = setting_order_generators(cas["generator"])
        rows = [(f"synthetic only (60,000 {name} digits)", cas[cas["generator"] == name]["test_accuracy"])
                for name in order]
        if not real_only.empty:
            rows.append(("real only (all real digits)", real_only["test_accuracy"]))
            seed = _col(frame, "seed")
            out["cas_paired_long"] = paired_differences(cas, real_only, [seed], ["generator"])
        table = pd.DataFrame({"training data": [r[0] for r in rows],
                              "test accuracy (%)": [fmt(v.mean(), v.std(), v.count()) for _, v in rows]})
        if "cas_paired_long" in out:
            by_gen = out["cas_paired_long"].set_index("generator")
            table["vs real only (points)"] = [
                fmt_difference(*by_gen.loc[g, ["mean_diff", "low", "high", "n"]]) if g in by_gen.index else "--"
                for g in order] + ["--"]
        out["cas"] = table
        # The paper names each generator by its readable name; the CSV keeps the registry's.
        shown = table.copy()
        shown["training data"] = [f"synthetic only (60,000 {display_name(name)} digits)" for name in order] + \
            list(table["training data"][len(order):])
        _save_table(sweep_dir, "cas", table, "Classification accuracy score: trained on synthetic digits "
                                             "only (one generator per row), tested on real test digits; paired "
                                             "difference to real only (same seed), 95\\% t-interval.", shown=shown)
    trend = generator_loss_trends(sweep_dir.parent / results.ARTIFACTS / "generator", frame, protocol)
    if not trend.empty:
        out["generator_loss_trend"] = trend
        results.write_csv(sweep_dir / "tables" / "generator_loss_trend.csv", trend)
    return out


LOSS_TREND_KEY = "loss"  # generators trained on a likelihood-type loss (CVAE, diffusion) log it; GANs' losses
# are a game's, whose level says nothing about convergence


def loss_trend(losses) -> float:
    """Percent change of the training loss per epoch over the second half of training (least-squares slope over
    the mean); one epoch's mean loss is noisy, a slope over several is not."""
    import numpy as np

    tail = np.asarray(losses, float)[len(losses) // 2:]
    if len(tail) < 2:
        raise ValueError(f"a loss trend needs at least 4 epochs of history, got {len(losses)}")
    return float(np.polyfit(np.arange(len(tail)), tail, 1)[0] / abs(tail.mean()) * 100)


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
                         "trend_mean": sum(trends) / len(trends), "trend_min": min(trends),
                         "trend_max": max(trends)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- tricks

TRICK_METRICS = [("success_rate", "success (%)", 100), ("inception_score", "IS", 1), ("fid", "FID", 1),
                 ("kid", "KID", 1), ("precision", "prec.", 100), ("recall", "rec.", 100),
                 ("density", "dens.", 1), ("coverage", "cover. (%)", 100),
                 ("classes_covered", "classes", 1), ("confident_rate", "conf. (%)", 100)]
COLLAPSE_MARK = " [collapsed]"  # appended to a row any of whose runs carries a collapse warning


def tricks_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    frame["variant"] = [r.rsplit("-seed", 1)[0] if "-seed" in r else r for r in frame["run"]]
    frame["label"] = [variant_label(_overrides(row)) for _, row in frame.iterrows()]
    ranks = variant_order(frame["label"])   # every table and figure below follows this (stable) order
    frame = frame.iloc[sorted(range(len(frame)), key=ranks.__getitem__)]
    rows = []
    for variant, group in frame.groupby("variant", sort=False):
        row = {"variant": group["label"].iloc[0] + (COLLAPSE_MARK if flagged_collapse(group) else "")}
        for key, label, scale in TRICK_METRICS:
            if key in group and group[key].notna().any():
                v = group[key].dropna()
                digits = 1 if key in ("fid", "kid", "classes_covered") else 2
                row[label] = fmt(v.mean(), v.std(), v.count(), scale=scale, digits=digits).replace(
                    f" (n={v.count()})", "")
        row["n"] = len(group)
        rows.append(row)
    table = pd.DataFrame(rows).fillna("--")  # e.g. no success rate for unconditional models
    _save_table(sweep_dir, "tricks", table, "GAN variants scored by the scoring CNN on 10,000 samples "
                                            "(1,000 per class); mean $\\pm$ std over n seeds. Density and coverage "
                                            "after Naeem et al.; [collapsed]: coverage below 0.25 or recall below 0.1 "
                                            "in a run, where precision and density overstate quality.", wide=True,
                column_format=wrapped_first_column(table, "3.4cm"))
    reference = frame[["fid_real_reference", "scorer_test_accuracy"]].dropna().head(1)
    first = frame.drop_duplicates("variant")  # one sample grid per variant: its first seed
    grids = [(sweep_dir / run / "samples.png", label) for run, label in zip(first["run"], first["label"])]
    if all(path.exists() for path, _ in grids):
        _grid_panels(sweep_dir, "variant_grids", grids, cols=5)
    # Mode collapse shows in unconditional models, whose class coverage nobody enforces.
    from cgan_study.generators import REGISTRY

    unconditional = [name for name, e in REGISTRY.items() if not e.conditional]
    uncond = first[first["generator"].isin(unconditional)].sort_values(["classes_covered", "recall"])
    collapse = [(sweep_dir / r.run / "samples.png",
                 f"{r.label}\ncov. {r.classes_covered:.0f}/10, H {abs(r.class_entropy):.2f}, rec. {100 * r.recall:.0f}%")
                for r in uncond.itertuples()]
    if collapse and all(path.exists() for path, _ in collapse):
        _grid_panels(sweep_dir, "collapse_grids", collapse, cols=min(len(collapse), 2))  # column width
    paired = trick_differences(frame)
    paired_table = None
    if not paired.empty:
        labels = list(dict.fromkeys(paired["label"]))
        ranks = variant_order(pd.Series(labels))
        labels = [lab for _, lab in sorted(zip(ranks, labels), key=lambda pair: pair[0])]
        out_table = paired.pivot(index="label", columns="metric", values="cell").reindex(labels).reset_index()
        out_table = out_table[["label"] + [m for _, m in PAIRED_METRICS if m in out_table]]
        out_table["verdict"] = out_table["label"].map(trick_verdicts(paired))
        from cgan_study.reporting.findings import _against

        # The variant by what it changes, its baseline in a column of its own.
        parts = [_against(label) for label in out_table["label"]]
        out_table.insert(0, "variant", [own for own, _ in parts])
        out_table.insert(1, "vs", [base for _, base in parts])
        out_table = out_table.drop(columns="label")
        paired_table = out_table
        _save_table(sweep_dir, "tricks_paired", out_table, "Each GAN variant minus its baseline (vs: the default "
                    "CGAN, the collapse setup for its mitigations, or the plain DCGAN) with the same seed: mean [95\\% "
                    "t-interval] (n seeds); * marks an interval that excludes 0. FID: lower is better. Verdict: the "
                    "metrics whose interval shows an improvement or a worsening.", wide=True,
                    column_format=ragged("3.6cm") + "l" + "r" * (len(out_table.columns) - 3) + ragged("2.3cm"))
    numeric = [k for k, _, _ in TRICK_METRICS if k in frame] + ["class_entropy"]
    by_variant = frame.groupby("variant", sort=False)
    means = by_variant[numeric].mean()
    means["family"] = by_variant["generator"].first()
    means["label"] = by_variant["label"].first()
    means["epochs"] = by_variant[_col(frame, "gan.epochs")].first()
    from cgan_study.reporting.gan_study import gan_study_extras

    extras = gan_study_extras(sweep_dir, frame)
    return {"tricks": table, "reference": reference, "tricks_means": means, "tricks_paired_long": paired,
            **({"tricks_paired": paired_table} if paired_table is not None else {}), **extras}


DEFAULT_VARIANT = "cgan"   # the run-name stem of the default CGAN in the tricks sweep
PAIRED_METRICS = (("success_rate", "success (points)"), ("inception_score", "IS"), ("fid", "FID"),
                  ("recall", "recall (points)"))


def trick_differences(frame: pd.DataFrame) -> pd.DataFrame:
    """Every variant minus its baseline seed by seed (conditional variants: the default CGAN; the collapse
    setup's mitigations: the collapse setup; other unconditional ones: the plain DCGAN), per metric, with 95%
    t-intervals."""
    seed = _col(frame, "seed")
    baselines = _trick_baselines(frame)
    rows = []
    for baseline in dict.fromkeys(baselines):
        group = frame[baselines == baseline]
        base = frame[frame["variant"] == baseline]
        name = COLLAPSE_SHORT if base["label"].iloc[0].endswith(COLLAPSE_TAG) else base["label"].iloc[0]
        for key, metric in PAIRED_METRICS:
            if key not in group or base[key].isna().all():  # e.g. no success rate for an unconditional baseline
                continue
            others = group[(group["variant"] != baseline) & group[key].notna()]
            diffs = paired_differences(others, base, [seed], ["variant", "label"], value=key)
            scale = 100.0 if "points" in metric else 1.0
            for r in diffs.itertuples():
                rows.append({"variant": r.variant, "label": f"{r.label} (vs {name})", "metric": metric,
                             "mean_diff": r.mean_diff, "low": r.low, "high": r.high, "n": r.n,
                             "cell": fmt_difference(r.mean_diff, r.low, r.high, r.n, scale=scale)})
    return pd.DataFrame(rows, columns=["variant", "label", "metric", "mean_diff", "low", "high", "n", "cell"])


COLLAPSE_TAG = "(collapse setup)"   # ends the label of the plain collapse setup (variant_label)
COLLAPSE_MITIGATED = "Collapse setup"   # begins the label of each of its mitigations ("Collapse setup + ...")
COLLAPSE_SHORT = "collapse setup"


def _trick_baselines(frame: pd.DataFrame) -> pd.Series:
    """Each run's baseline variant: a mitigation is judged against the setup it mitigates, a trick against the
    default CGAN, and any other unconditional variant against the plain DCGAN. Runs whose baseline was not run
    get none (NaN) and are left out of the pairing."""
    from cgan_study.generators import REGISTRY

    setups = frame.loc[frame["label"].str.endswith(COLLAPSE_TAG), "variant"].unique()
    present = set(frame["variant"])

    def pick(row) -> str | None:
        conditional = REGISTRY[row.generator].conditional if row.generator in REGISTRY else True
        if conditional:
            choice = DEFAULT_VARIANT
        elif len(setups) and row.label.startswith(COLLAPSE_MITIGATED + " + "):
            choice = setups[0]
        else:
            choice = "dcgan"
        return choice if choice in present else None

    return pd.Series([pick(r) for r in frame.itertuples()], index=frame.index, dtype=object)


def trick_verdicts(paired: pd.DataFrame) -> dict[str, str]:
    """Per variant, in words: which metrics its paired 95% intervals say it improves or worsens against its
    baseline ('helps: FID, recall'; 'hurts: success'; 'mixed: ...'; 'indistinguishable'; 'one seed')."""
    from cgan_study.reporting.findings import HELPS, HURTS, TOO_FEW, verdict

    short = {"success (points)": "success", "IS": "IS", "FID": "FID", "recall (points)": "recall"}
    out = {}
    for label, rows in paired.groupby("label", sort=False):
        better, worse, judged = [], [], False
        for r in rows.itertuples():
            v = verdict(r.low, r.high, int(r.n))
            if v == TOO_FEW:
                continue
            judged = True
            if r.metric == "FID":  # a lower FID is the improvement
                v = {HELPS: HURTS, HURTS: HELPS}.get(v, v)
            (better if v == HELPS else worse if v == HURTS else []).append(short.get(r.metric, r.metric))
        if not judged:
            out[label] = "one seed"
        elif better and worse:
            out[label] = f"mixed: better {', '.join(better)}; worse {', '.join(worse)}"
        elif better:
            out[label] = "helps: " + ", ".join(better)
        elif worse:
            out[label] = "hurts: " + ", ".join(worse)
        else:
            out[label] = "indistinguishable"
    return out


def variant_order(labels: pd.Series) -> list[int]:
    """Sort keys that put the default CGAN first, then its tricks and losses, the other conditional models, the
    plain DCGAN, and the collapse setup followed by its mitigations."""
    def rank(label: str) -> int:
        label = re.sub(r" \(vs [^()]*\)$", "", label).removesuffix(COLLAPSE_MARK)  # table suffixes aside
        if label == "CGAN":
            return 0
        if label.startswith("CGAN + "):
            return 1
        if label.endswith(COLLAPSE_TAG):
            return 4
        if label.startswith(COLLAPSE_MITIGATED + " + "):
            return 5
        return 3 if label.startswith("DCGAN") else 2
    return [rank(lab) for lab in labels]


LOSS_NAMES = {"ns": "non-saturating loss", "minimax": "minimax loss", "lsgan": "least-squares loss",
              "wgan": "WGAN loss (weight clipping)", "wgan_gp": "WGAN-GP loss", "hinge": "hinge loss",
              "dragan": "DRAGAN loss"}


def _phrase(key: str, value, overrides: dict) -> str | None:
    """One override in words; None for keys folded into another phrase (D lr goes with G lr)."""
    short = key.split(".", 1)[-1]
    if key == "gan.label_smoothing":
        return f"one-sided label smoothing {float(value):g}"
    if key == "gan.vbn":
        return {"g": "VBN in G", "gd": "VBN in G and D", "off": "no VBN"}.get(value, f"vbn={value}")
    if key == "gan.d_norm":
        return {"spectral": "spectral norm in D", "batch": "batch norm in D", "none": "no norm in D"}.get(value)
    if key == "gan.d_steps":
        return f"{int(value)} D steps per G step"
    if key == "gan.loss":
        return LOSS_NAMES.get(value, f"{value} loss")
    if key == "gan.minibatch_discrimination":
        return "minibatch discrimination" if str(value).lower() in ("true", "1") else None
    if key == "gan.g_lr":
        d = overrides.get("gan.d_lr")
        ttur = d is not None and float(d) > float(value)  # D faster than G: the two time-scale update rule
        return ("TTUR, " if ttur else "") + f"G lr {float(value):g}" + (f" / D lr {float(d):g}" if d is not None else "")
    if key == "gan.d_lr":
        return None if "gan.g_lr" in overrides else f"D lr {float(value):g}"
    if key == "gan.beta_1":
        return f"Adam beta_1 {float(value):g}"
    if key == "gan.pack":
        return f"PacGAN{int(value)} (D judges {int(value)} samples at once)"
    if key == "gan.optimizer":
        return {"rmsprop": "RMSProp", "sgd": "SGD", "adam": "Adam"}.get(value, f"optimizer {value}")
    if key in ("gan.g_width", "gan.d_width"):
        return f"{'G' if key == 'gan.g_width' else 'D'} width {int(value)}"
    if key == "gan.latent_dim":
        return f"latent size {int(value)}"
    return f"{short}={value}"


# The mode-collapse setup of the tricks sweep (experiments.sweeps.COLLAPSE), named as one thing in labels.
COLLAPSE_SETUP = {"gan.g_lr": 5e-3, "gan.d_lr": 1e-4, "gan.beta_1": 0.9}


WGAN_CLIP_AS_PUBLISHED = {"gan.loss": "wgan", "gan.optimizer": "rmsprop", "gan.g_lr": 5e-5, "gan.d_lr": 5e-5,
                          "gan.d_steps": 5}   # Arjovsky et al. 2017 (experiments.sweeps.WGAN_CLIP)


def variant_label(overrides: dict) -> str:
    """'CGAN + one-sided label smoothing 0.25' from a run's overrides (seed and generator aside). The collapse
    setup is named once in full; its mitigations read 'Collapse setup + minibatch discrimination'."""
    from cgan_study.generators import display_name

    generator = overrides.get("augment.generator", overrides.get("gan.family", DEFAULT_GENERATOR))
    base = str(display_name(generator))
    skip = {"seed", "augment.generator", "gan.family"}
    if _same(overrides.get("gan.beta_1"), COLLAPSE_SETUP["gan.beta_1"]) and "gan.g_lr" in overrides:
        # The collapse setup, or the setup with its learning rates rebalanced (the TTUR mitigation).
        full = f"{base}, G lr 5e-3 / D lr 1e-4, beta_1 0.9 {COLLAPSE_TAG}"
        base = COLLAPSE_MITIGATED
        skip.add("gan.beta_1")
        if all(_same(overrides.get(k), COLLAPSE_SETUP[k]) for k in ("gan.g_lr", "gan.d_lr")):
            skip |= {"gan.g_lr", "gan.d_lr"}
        if not [k for k in overrides if k not in skip]:
            return full
    prefix = []
    if all(_same(overrides.get(k), v) if k != "gan.loss" and k != "gan.optimizer" else overrides.get(k) == v
           for k, v in WGAN_CLIP_AS_PUBLISHED.items()):
        prefix = ["WGAN loss (weight clipping, as published: RMSProp 5e-5, 5 D steps)"]
        skip |= set(WGAN_CLIP_AS_PUBLISHED)
    parts = prefix + [p for key, value in overrides.items()
                      if key not in skip and (p := _phrase(key, value, overrides))]
    return base + (" + " + ", ".join(parts) if parts else "")


def _same(a, b) -> bool:
    try:
        return a is not None and abs(float(a) - float(b)) < 1e-12
    except (TypeError, ValueError):
        return False


def flagged_collapse(runs: pd.DataFrame) -> bool:
    """Whether any run's coverage or recall trips metrics.collapse_warning (also for summaries without coverage)."""
    from cgan_study.study.metrics import collapse_warning

    for _, row in runs.iterrows():
        scores = {k: float(row[k]) for k in ("coverage", "recall") if k in row and pd.notna(row[k])}
        if collapse_warning(scores):
            return True
    return False


def _overrides(row: pd.Series) -> dict:
    prefix = "cfg.overrides."
    return {k[len(prefix):]: v for k, v in row.items() if k.startswith(prefix) and pd.notna(v)}


def _wrap(title: str, width: int = 24) -> str:
    """Long panel titles broken between words, so neighbouring titles do not overlap."""
    import textwrap

    return "\n".join(line for part in title.split("\n")
                     for line in textwrap.wrap(part, width, break_on_hyphens=False) or [""])


def _grid_panels(out_dir: Path, name: str, grids: list[tuple[Path, str]], cols: int) -> None:
    """Sample-grid PNGs side by side, each titled, as one figure."""
    import matplotlib.image as mpimg

    rows = -(-len(grids) // cols)
    title_lines = max(_wrap(title).count("\n") + 1 for _, title in grids)
    # Room for the longest title above every panel (5.5 pt lines), so titles never run into the grid above.
    fig, _ = _figure(width=1.45 * cols, height=rows * (1.45 + 0.13 * title_lines))
    fig.clf()
    for i, (path, title) in enumerate(grids, start=1):
        ax = fig.add_subplot(rows, cols, i)
        ax.imshow(mpimg.imread(path), cmap="gray", interpolation="nearest")
        ax.set_title(_wrap(title), fontsize=5.5)
        ax.axis("off")
    # Off axes do not count in tight_layout's spacing, so the row gap is set to hold a title explicitly.
    fig.tight_layout(pad=0.3, h_pad=0.6 + 0.5 * title_lines)
    _save_figure(out_dir, name, fig)


# --------------------------------------------------------------------------- generators

GENERATOR_COLUMNS = TRICK_METRICS[:2] + [("fid", "FID", 1), ("precision", "prec. (%)", 100),
                                         ("recall", "rec. (%)", 100), ("density", "dens.", 1),
                                         ("coverage", "cover. (%)", 100), ("classes_covered", "classes", 1)]


def generators_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Every generator scored alike: a table (mean ± std over seeds), a figure with the spread, sample grids."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    from cgan_study.generators import display_name

    order = setting_order_generators(frame["generator"])
    rows = []
    for name in order:
        group = frame[frame["generator"] == name]
        row = {"generator": display_name(name)}
        for key, label, scale in GENERATOR_COLUMNS:
            v = group[key].dropna() if key in group else pd.Series(dtype=float)
            digits = 1 if key in ("fid", "classes_covered") else 2
            row[label] = fmt(v.mean(), v.std(), v.count(), scale=scale, digits=digits).replace(f" (n={v.count()})", "")
        if flagged_collapse(group):
            row["generator"] += COLLAPSE_MARK
        elbo = group["gan.elbo"].dropna() if "gan.elbo" in group else pd.Series(dtype=float)
        row["ELBO"] = f"{elbo.mean():.1f}" if len(elbo) else "--"
        row["train (s)"] = f"{group['gan.train_seconds'].mean():.0f}" if "gan.train_seconds" in group else "--"
        row["n"] = len(group)
        rows.append(row)
    table = pd.DataFrame(rows)
    _save_table(sweep_dir, "generators", table, "Every conditional generator scored by the scoring CNN on 10,000 "
                "samples (1,000 per class); mean $\\pm$ std over n seeds (each seed trains its own generator); "
                "[collapsed]: coverage below 0.25 or recall below 0.1 in a run. "
                "ELBO: the CVAE's evidence lower bound on its training digits (nats per image).", wide=True)
    import seaborn as sns

    name_of = {name: display_name(name) for name in order}
    long = frame.assign(success=frame["success_rate"] * 100, generator=frame["generator"].map(name_of))
    labels = [name_of[name] for name in order]
    fig, axes = _figure(6.8, 2.2)
    fig.clf()
    panels = (("success", "success rate (%)", 0.0, 100.0), ("fid", "FID (scorer features)", 0.0, float("inf")))
    for i, (column, label, floor, ceiling) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        # The 95% t-interval over seeds, clipped to the metric's range (seaborn's "ci" would bootstrap: a
        # different figure on every run).
        def interval(v, floor=floor, ceiling=ceiling):
            _, low, high, _ = t_interval(v)
            return max(low, floor), min(high, ceiling)

        sns.pointplot(data=long, x="generator", y=column, order=labels, errorbar=interval,
                      linestyle="none", capsize=0.2, ax=ax, color="black", markersize=3)
        sns.stripplot(data=long, x="generator", y=column, order=labels, ax=ax, size=3, alpha=0.5, jitter=False)
        ax.set_xlabel("")
        ax.set_ylabel(label)
        ax.tick_params(axis="x", labelrotation=30)
        for tick in ax.get_xticklabels():  # rotated names end under their point and do not run into each other
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")
    fig.tight_layout(pad=0.3)
    _save_figure(sweep_dir, "generators", fig)
    per_class = per_class_tables(sweep_dir, frame[frame["generator"] == DEFAULT_GENERATOR], DEFAULT_GENERATOR)
    first = frame.drop_duplicates("generator").set_index("generator")
    grids = [(sweep_dir / first.loc[name, "run"] / "samples.png", name_of[name]) for name in order]
    if all(path.exists() for path, _ in grids):
        # Rows as even as they can be at up to 6 panels each (7 generators: 4 + 3, not 6 + 1).
        rows = -(-len(grids) // 6)
        _grid_panels(sweep_dir, "generator_grids", grids, cols=-(-len(grids) // rows))
    keep = [c for c in ("generator", "success_rate", "fid", "fid_real_reference", "scorer_test_accuracy",
                        "confident_rate") if c in frame]
    runs = frame[keep].assign(seed=frame[_col(frame, "seed")])
    return {"generators": table, "generators_runs": runs, **per_class}


def per_class_tables(sweep_dir: Path, runs: pd.DataFrame, name: str) -> dict[str, pd.DataFrame]:
    """Q2: one generator's success rate per requested class (mean ± std over its seeds) and the confusion matrix
    of requested against scorer-predicted class, summed over seeds, as CSV, booktabs and a heatmap."""
    import numpy as np

    files = [sweep_dir / run / results.METRICS for run in runs["run"]]
    metrics = [results.read_json(path) for path in files if path.exists()]
    confusions = [np.array(m["confusion"]) for m in metrics if "confusion" in m]
    if not confusions:  # e.g. a summary without its run directories
        return {}
    rates = np.stack([c.diagonal() / np.maximum(c.sum(1), 1) for c in confusions])
    n = len(rates)
    table = pd.DataFrame({"class": range(10),
                          "success (%)": [fmt(m, s, n) for m, s in zip(rates.mean(0), rates.std(0, ddof=1)
                                                                       if n > 1 else [float("nan")] * 10)],
                          "most confused with": [int(np.argsort(row)[-2]) for row in sum(confusions)]})
    _save_table(sweep_dir, f"per_class_{name}", table, f"Success rate of the {name} per requested class (scorer "
                f"on 1,000 samples per class and seed; mean $\\pm$ std over {n} seeds) and the class its misses "
                "go to most.")
    confusion = pd.DataFrame(sum(confusions), index=range(10), columns=range(10))
    results.write_csv(sweep_dir / "tables" / f"confusion_{name}.csv", confusion.reset_index(names="requested"))
    import seaborn as sns

    fig, ax = _figure(3.4, 3.0)
    share = confusion.div(confusion.sum(1), axis=0) * 100
    sns.heatmap(share, annot=True, fmt=".0f", cmap="viridis", ax=ax, annot_kws={"size": 5},
                cbar_kws={"label": "% of requested class"}, vmin=0, vmax=100)
    ax.set_xlabel("class predicted by the scorer")
    ax.set_ylabel("requested class")
    _save_figure(sweep_dir, f"confusion_{name}", fig)
    return {f"per_class_{name}": table, f"confusion_{name}": confusion}


# --------------------------------------------------------------------------- budget check and synthetic amount

BUDGET_TOLERANCE = 0.0015   # converged: doubling the budget moves a cell's mean by less than 0.15 points


def budget_cell_label(real_per_class: int, real_fraction: float, synth: float, protocol: str) -> str:
    if real_per_class > 0:
        return f"k={int(real_per_class)} + {synth:.0%} synthetic ({protocol})"
    return f"real only, {real_fraction:.0%} of real digits"


def budget_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Each cell at the rule's budget, halved and doubled: mean +/- std (n), and paired changes against the rule."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    epochs, seed = _col(frame, "classifier.epochs"), _col(frame, "seed")
    frame["cell"] = [budget_cell_label(k, f, s, p) for k, f, s, p in zip(
        frame[_col(frame, "augment.real_per_class")], frame[_col(frame, "augment.real_fraction")],
        frame[_col(frame, "augment.synth_fraction")], frame[_col(frame, "augment.protocol")])]
    budgets = sorted(frame[epochs].unique())
    rule = budgets[len(budgets) // 2]   # declared as (halved, rule, doubled)
    steps = frame[_col(frame, "classifier.steps_per_epoch")].iloc[0]
    agg = aggregate(frame, ["cell", epochs], "test_accuracy")
    agg["steps"] = agg[epochs] * steps
    cells = list(dict.fromkeys(frame["cell"]))
    table = agg.assign(value=[fmt(m, s_, n) for m, s_, n in zip(agg["mean"], agg["std"], agg["n"])])
    wide = table.pivot(index="cell", columns="steps", values="value").loc[cells].reset_index()
    wide.columns = ["cell"] + [f"{int(c)} steps" for c in wide.columns[1:]]
    diffs = paired_differences(frame[frame[epochs] != rule], frame[frame[epochs] == rule], ["cell", seed],
                               ["cell", epochs])
    diffs["steps"] = diffs[epochs] * steps
    diffs["converged"] = [abs(m) < BUDGET_TOLERANCE if e > rule else None for m, e in zip(diffs["mean_diff"],
                                                                                          diffs[epochs])]
    change = diffs.assign(value=[fmt_difference(m, lo, hi, n) for m, lo, hi, n in
                                 zip(diffs["mean_diff"], diffs["low"], diffs["high"], diffs["n"])])
    change = change.pivot(index="cell", columns="steps", values="value").loc[cells]
    for c in change.columns:
        wide[f"change at {int(c)}"] = list(change[c])
    _save_table(sweep_dir, "budget_check", wide, f"Budget check: test accuracy (\\%) at the rule's {int(rule * steps)} "
                "steps, halved and doubled; mean $\\pm$ std (n seeds), and the paired change to the rule (points, "
                "95\\% t-interval). Converged: doubling moves each cell by less than 0.15 points.", wide=True)
    return {"budget_check": wide, "budget_check_long": agg, "budget_check_paired_long": diffs}


def synth_amount_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Accuracy against synthetic digits per class at fixed k, per protocol, paired against real-only."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    amount, protocol, seed, k = (_col(frame, key) for key in ("augment.synth_per_class", "augment.protocol",
                                                              "seed", "augment.real_per_class"))
    base = frame[frame["strategy"] == "real"]
    arms = frame[frame["strategy"] != "real"]
    agg = aggregate(arms, [protocol, amount], "test_accuracy")
    diffs = paired_differences(arms, base, [k, seed], [protocol, amount])
    merged = agg.merge(diffs, on=[protocol, amount], suffixes=("_runs", "_pairs"))
    rows = [{"synthetic per class": int(a), "protocol": p, "test accuracy (%)": fmt(m, s_, n),
             "vs real only (points)": fmt_difference(d, lo, hi, nd)}
            for p, a, m, s_, n, d, lo, hi, nd in zip(merged[protocol], merged[amount], merged["mean"], merged["std"],
                                                     merged["n_runs"], merged["mean_diff"], merged["low"],
                                                     merged["high"], merged["n_pairs"])]
    b = base["test_accuracy"]
    rows.insert(0, {"synthetic per class": 0, "protocol": "real only", "test accuracy (%)":
                    fmt(b.mean(), b.std(), b.count()), "vs real only (points)": "--"})
    table = pd.DataFrame(rows)
    ks = sorted(frame[k].unique())
    _save_table(sweep_dir, "synth_amount", table, f"Test accuracy (\\%) with k = {', '.join(str(int(x)) for x in ks)} "
                "real digits per class plus n CGAN digits per class; mean $\\pm$ std (n seeds) and the paired "
                "difference to real only (same seed), 95\\% t-interval; * marks an interval that excludes 0.")
    fig, ax = _figure(3.4, 2.3)
    import seaborn as sns

    palette = sns.color_palette("tab10", 3)
    for i, p in enumerate(sorted(arms[protocol].unique())):
        sub = arms[arms[protocol] == p]
        xs = sorted(sub[amount].unique())
        pts = [_interval_points(sub[sub[amount] == a]["test_accuracy"]) for a in xs]
        ax.errorbar([a * 1.06 ** (i - 0.5) for a in xs], [q[0] for q in pts], yerr=[[q[1] for q in pts],
                    [q[2] for q in pts]], marker="o", markersize=2.5, linewidth=0.8, capsize=1.5,
                    color=palette[i], label=f"mix ({p})")
    mean, lo, hi = _interval_points(b)
    ax.axhspan(mean - lo, mean + hi, color="grey", alpha=0.25, linewidth=0)
    ax.axhline(mean, color="grey", linewidth=0.8, label="real only")
    ax.set_xscale("log")
    ax.set_xlabel("synthetic digits per class")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout(pad=0.3)
    _save_figure(sweep_dir, "synth_amount", fig)
    long = merged.rename(columns={protocol: "protocol", amount: "synth_per_class"})
    long["k"] = ks[0] if len(ks) == 1 else float("nan")
    return {"synth_amount": table, "synth_amount_long": long}


# --------------------------------------------------------------------------- diffusion samplers

def sampler_label(sampler: str, steps: int, eta: float, guidance: float, T: int) -> str:
    if sampler == "ddpm":
        return f"DDPM, {T} steps"
    label = f"DDIM, {int(steps)} steps"
    return label + (f", eta {eta:g}" if eta else "") + (f", guidance {guidance:g}" if guidance else "")


def diffusion_samplers_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Quality and seconds per 1,000 digits of every sampler of one trained model; the progressive figures."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    d = "cfg.experiment.diffusion."
    frame = frame.sort_values([d + "sampler", d + "sample_steps", d + "eta", d + "guidance"],
                              key=lambda c: c != "ddpm" if c.name == d + "sampler" else c)  # DDPM first
    frame["sampler"] = [sampler_label(*a) for a in zip(frame[d + "sampler"], frame[d + "sample_steps"],
                                                       frame[d + "eta"], frame[d + "guidance"], frame[d + "T"])]
    rows = [{"sampler": r.sampler, "success (%)": f"{100 * r.success_rate:.2f}", "IS": f"{r.inception_score:.2f}",
             "FID": f"{r.fid:.1f}", "prec. (%)": f"{100 * r.precision:.1f}", "rec. (%)": f"{100 * r.recall:.1f}",
             "s / 1,000 digits": f"{r.sample_seconds_per_1000:.1f}"} for r in frame.itertuples()]
    table = pd.DataFrame(rows)
    n = int(frame["n_samples"].iloc[0])
    vs = sampler_vs_ddpm(frame)
    if not vs.empty:  # each sampler against DDPM: how much faster, and its success rate's difference
        by_run = vs.set_index("run")
        table["speed-up vs DDPM"] = [f"{by_run.loc[r, 'speedup']:.1f}x" if r in by_run.index else "--"
                                     for r in frame["run"]]
        table["success vs DDPM (points)"] = [
            fmt_difference(by_run.loc[r, "diff"], by_run.loc[r, "low"], by_run.loc[r, "high"], n)
            if r in by_run.index else "--" for r in frame["run"]]
    _save_table(sweep_dir, "samplers", table, f"One trained conditional diffusion model sampled {n:,} times per "
                "sampler (100 per class), scored by the scoring CNN; FID on this sample size compares samplers "
                "with each other only. Seconds per 1,000 digits measured on this machine; success against DDPM: "
                "difference [95\\% interval of a difference of two binomial proportions].", wide=True)
    plain = frame[(frame[d + "sampler"] == "ddim") & (frame[d + "guidance"] == 0)].sort_values(d + "sample_steps")
    ddpm = frame[frame[d + "sampler"] == "ddpm"]
    fig, _ = _figure(3.4, 2.2)
    fig.clf()
    for i, (column, label, scale) in enumerate((("success_rate", "success rate (%)", 100), ("fid", "FID", 1))):
        ax = fig.add_subplot(1, 2, i + 1)
        for eta, style in ((0.0, "o-"), (1.0, "s-")):
            ddim = plain[plain[d + "eta"] == eta]
            if not ddim.empty:
                ax.plot(ddim[d + "sample_steps"], scale * ddim[column], style, markersize=3,
                        label=f"DDIM, eta {eta:g}" + (" (deterministic)" if eta == 0 else ""))
        if not ddpm.empty:
            ax.axhline(scale * ddpm[column].iloc[0], color="tab:red", linewidth=0.8, linestyle="--",
                       label=f"DDPM ({int(ddpm[d + 'T'].iloc[0])} steps)")
        ax.set_xscale("log")
        ax.set_xlabel("sampling steps")
        ax.set_ylabel(label)
        ax.set_title(f"({'ab'[i]}) {label.split(' (')[0]}", fontsize=7)
    # One legend for both panels, below them (off the data).
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=6, frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.09, 1, 1), w_pad=1.0)
    _save_figure(sweep_dir, "samplers", fig)
    _guidance_figure(sweep_dir, frame)
    panels = [(sweep_dir / r.run / "progressive.png", r.sampler) for r in frame.itertuples()
              if r.sampler.startswith("DDPM") or r.sampler == "DDIM, 50 steps"]
    if panels and all(path.exists() for path, _ in panels):
        _grid_panels(sweep_dir, "progressive", panels, cols=len(panels))
    return {"samplers": table, "samplers_long": frame, "samplers_vs_ddpm": vs}


def _guidance_figure(sweep_dir: Path, frame: pd.DataFrame) -> None:
    """Success, FID and recall against the classifier-free guidance scale, for every DDIM setting sampled at more
    than one scale: the fidelity/diversity trade-off."""
    d = "cfg.experiment.diffusion."
    ddim = frame[frame[d + "sampler"] == "ddim"]
    settings = [(key, group.sort_values(d + "guidance")) for key, group in ddim.groupby([d + "sample_steps", d + "eta"])
                if group[d + "guidance"].nunique() >= 2]
    if not settings:
        return
    fig, _ = _figure(3.4, 1.9)
    fig.clf()
    for i, (column, label) in enumerate((("success_rate", "success rate (%)"), ("fid", "FID"),
                                         ("recall", "recall (%)"))):
        ax = fig.add_subplot(1, 3, i + 1)
        scale = 1 if column == "fid" else 100
        for (steps, eta), group in settings:
            ax.plot(group[d + "guidance"], scale * group[column], "o-", markersize=3,
                    label=f"DDIM, {int(steps)} steps, eta {eta:g}")
        ax.set_xlabel("guidance w")
        ax.set_ylabel(label)
        ax.set_title(f"({'abc'[i]}) {label.split(' (')[0]}", fontsize=7)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(settings), fontsize=6, frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.11, 1, 1), w_pad=0.8)
    _save_figure(sweep_dir, "guidance", fig)


def sampler_vs_ddpm(frame: pd.DataFrame) -> pd.DataFrame:
    """Every non-DDPM sampler against DDPM: the speed-up in seconds per 1,000 digits and the success-rate
    difference with a 95% normal interval for two independent binomial proportions (each sampler draws its own
    samples, so nothing pairs them)."""
    import math

    d = "cfg.experiment.diffusion."
    ddpm = frame[frame[d + "sampler"] == "ddpm"]
    if ddpm.empty:
        return pd.DataFrame(columns=["run", "speedup", "diff", "low", "high"])
    base = ddpm.iloc[0]
    p0, n0 = float(base["success_rate"]), int(base["n_samples"])
    rows = []
    for _, r in frame[frame[d + "sampler"] != "ddpm"].iterrows():
        p1, n1 = float(r["success_rate"]), int(r["n_samples"])
        half = 1.959964 * math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
        rows.append({"run": r["run"], "sampler": r.get("sampler", r["run"]), "steps": int(r[d + "sample_steps"]),
                     "eta": float(r[d + "eta"]), "guidance": float(r[d + "guidance"]),
                     "speedup": float(base["sample_seconds_per_1000"]) / float(r["sample_seconds_per_1000"]),
                     "diff": p1 - p0, "low": p1 - p0 - half, "high": p1 - p0 + half, "base_success": p0,
                     "fid": float(r.get("fid", float("nan"))), "base_fid": float(base.get("fid", float("nan")))})
    return pd.DataFrame(rows)


def diffusion_guidance_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Guided diffusion at the generators table's sample size, beside the same models unguided (the generators
    sweep's rows of the same seeds) and the CGAN's mean: the quality target in one table."""
    sweep_dir = Path(sweep_dir)
    guided = finished_runs(sweep_dir)
    generators_dir = sweep_dir.parent / "generators"
    if guided.empty or not (generators_dir / results.SUMMARY).exists():
        return {}
    base = finished_runs(generators_dir)
    seed, w = "cfg.experiment.seed", "cfg.experiment.diffusion.guidance"
    seeds = sorted(guided[seed].unique())
    unguided = base[(base["generator"] == "diffusion") & (base[w] == 0) & base[seed].isin(seeds)]
    cgan = base[base["generator"] == "cgan"]
    rows = []
    for scale, group in pd.concat([unguided, guided]).groupby(w, sort=True):
        seeds_used = " ".join(str(int(v)) for v in sorted(group[seed]))
        rows.append({"guidance": float(scale), "n": len(group), "seeds": seeds_used,
                     "success_rate": group["success_rate"].mean(), "fid": group["fid"].mean(),
                     "precision": group["precision"].mean(), "recall": group["recall"].mean(),
                     "n_samples": int(group["n_samples"].iloc[0])})
    long = pd.DataFrame(rows)
    long["cgan_success_rate"] = cgan["success_rate"].mean() if not cgan.empty else float("nan")
    long["cgan_fid"] = cgan["fid"].mean() if not cgan.empty else float("nan")
    table = pd.DataFrame([{"guidance w": f"{r.guidance:g}", "success (%)": f"{100 * r.success_rate:.2f}",
                           "FID": f"{r.fid:.1f}", "prec. (%)": f"{100 * r.precision:.1f}",
                           "rec. (%)": f"{100 * r.recall:.1f}", "seeds": r.seeds} for r in long.itertuples()])
    if not cgan.empty:
        table.loc[len(table)] = {"guidance w": f"CGAN (n = {len(cgan)})",
                                 "success (%)": f"{100 * cgan['success_rate'].mean():.2f}",
                                 "FID": f"{cgan['fid'].mean():.1f}",
                                 "prec. (%)": f"{100 * cgan['precision'].mean():.1f}",
                                 "rec. (%)": f"{100 * cgan['recall'].mean():.1f}", "seeds": "--"}
    _save_table(sweep_dir, "guidance_target", table,
                f"The study's diffusion models (DDIM, 20 steps, $\\eta = 1$) sampled "
                f"{int(long['n_samples'].iloc[0]):,} times per guidance scale, scored like the generators table "
                "(w = 0: that table's rows of the same seeds); the last row is the CGAN's mean over its seeds.")
    return {"guidance_target": table, "guidance_target_long": long}


def _search_report(sweep_dir):
    from cgan_study.reporting.gan_study import search_report

    return search_report(sweep_dir)


def _search_best_report(sweep_dir):
    from cgan_study.reporting.gan_study import search_best_report

    return search_best_report(sweep_dir)


REPORTS = {"mix_ratios": mix_ratio_report, "mix_ratios_budget": budget_report, "synth_amount": synth_amount_report,
           "tricks": tricks_report, "gan_search": _search_report, "gan_search_best": _search_best_report,
           "generators": generators_report, "diffusion_samplers": diffusion_samplers_report,
           "diffusion_guidance": diffusion_guidance_report}


def report_sweep(name: str, sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Regenerate the tables and figures of one sweep (if it has a report) from its summary.csv."""
    if name not in REPORTS or not (Path(sweep_dir) / results.SUMMARY).exists():
        return {}
    return REPORTS[name](sweep_dir)

