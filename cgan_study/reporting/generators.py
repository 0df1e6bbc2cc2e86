"""Every generator scored alike (generators sweep): the table, the spread over seeds, sample grids, and the
default generator's success per class with its confusion matrix."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.figures import figure, grid_panels, save_figure
from cgan_study.reporting.labels import COLLAPSE_MARK, fmt, generator_order, signed
from cgan_study.reporting.stats import collapse_caption, flagged_collapse, t_interval
from cgan_study.reporting.tables import (
    class_count,
    class_names,
    config_column,
    finished_runs,
    item_noun,
    save_table,
    test_set_text,
)
from cgan_study.runtime import results
from cgan_study.study.presets import DEFAULT_GENERATOR

# Success by the scorer and by the second scorer of another design (levels are scorer-relative; rankings carry the
# conclusions); the reference-dependent metrics against the test digits, as reported numbers.
GENERATOR_COLUMNS = [("success_rate", "success (%)", 100), ("success_rate_second", "2nd (%)", 100),
                     ("inception_score", "IS", 1), ("fid", "FID", 1),
                     ("precision", "prec. (%)", 100), ("recall", "rec. (%)", 100), ("density", "dens.", 1),
                     ("coverage", "cover. (%)", 100), ("classes_covered", "classes", 1)]


GRID_PRINT_WIDTH_IN = 5.0   # the sample grids' printed width: 0.7 of the paper's text width


def generators_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Every generator scored alike: a table (mean ± std over seeds), a figure with the spread, sample grids."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    from cgan_study.generators import display_name

    order = generator_order(frame["generator"])
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
    # A column that says the same in every row (all classes covered, the same n) goes into the caption instead.
    flat = [c for c in ("classes", "n") if c in table and table[c].nunique() == 1]
    flat_text = "; ".join(("every run covers all 10 classes" if str(table[c].iloc[0]).startswith("10.0 ")
                           else f"classes covered: {table[c].iloc[0]} for every generator") for c in flat
                          if c == "classes")
    # The same seed count for every generator is said once, where the caption says what the std is over.
    n_text = f"{int(table['n'].iloc[0])}" if "n" in flat else "n"
    table = table.drop(columns=flat)
    noun = item_noun(frame)
    elbo_values = table["ELBO"][table["ELBO"] != "--"]
    elbo_text = ""
    if len(elbo_values) <= 1:   # one generator has an ELBO: a sentence, not a column of dashes
        elbo_text = (f"The CVAE's evidence lower bound on its training {noun}: "
                     f"{str(elbo_values.iloc[0]).replace('-', '$-$')} nats per image. "
                     if len(elbo_values) else "")
        table = table.drop(columns=["ELBO"])
    second = frame["second_scorer_test_accuracy"].dropna() if "second_scorer_test_accuracy" in frame else []
    second_text = (f"2nd: the success rate by a second scorer, a classifier of another design (global average pooling; "
                   f"{100 * second.iloc[0]:.2f}\\% on the test {noun}); " if len(second) else "")
    scorer = frame["scorer_test_accuracy"].dropna() if "scorer_test_accuracy" in frame else []
    scorer_text = f" ({100 * scorer.iloc[0]:.2f}\\% on the test {noun})" if len(scorer) else ""
    samples = int(frame["n_samples"].dropna().iloc[0]) if "n_samples" in frame and frame["n_samples"].notna().any() \
        else 10_000
    save_table(sweep_dir, "generators", table, f"Every conditional generator scored by the scoring CNN{scorer_text} on "
                f"{samples:,} samples ({samples // class_count(frame):,} per class); mean $\\pm$ std over {n_text} seeds "
                f"(each seed trains its own generator); "
                f"{second_text}FID, precision, recall, density and coverage against {test_set_text(frame)}; "
                f"{collapse_caption(frame, noun)}{'; ' + flat_text if flat_text else ''}. {elbo_text}"
                + (f"ELBO: the CVAE's evidence lower bound on its training {noun} (nats per image)." if "ELBO" in table
                   else ""), wide=True, tabcolsep=2.5)   # 2.5 pt: the ten columns fit the text width at 8 pt
    # Every mean the prose quotes of a generator, on both references (FID and recall against the training digits
    # too, which the table leaves out): mean over seeds.
    numeric = [c for c in ("success_rate", "success_rate_second", "inception_score", "fid", "fid_train", "precision",
                           "recall", "recall_train", "density", "coverage", "classes_covered", "gan.elbo",
                           "scorer_test_accuracy", "second_scorer_test_accuracy") if c in frame]
    # The scorers' test accuracies and the CVAE's ELBO stand in the caption only; here they trace to a CSV too.
    results.write_csv(sweep_dir / "tables" / "generators_means.csv",
                      frame.groupby("generator")[numeric].mean().loc[order].reset_index()
                      .rename(columns={"gan.elbo": "elbo_nats"}))
    import seaborn as sns

    name_of = {name: display_name(name) for name in order}
    long = frame.assign(success=frame["success_rate"] * 100, generator=frame["generator"].map(name_of))
    labels = [name_of[name] for name in order]
    fig, axes = figure(6.8, 2.2)
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
    save_figure(sweep_dir, "generators", fig)
    per_class = per_class_tables(sweep_dir, frame[frame["generator"] == DEFAULT_GENERATOR], DEFAULT_GENERATOR)
    first = frame.drop_duplicates("generator").set_index("generator")
    grids = [(sweep_dir / first.loc[name, "run"] / "samples.png", name_of[name]) for name in order]
    if all(path.exists() for path, _ in grids):
        # Rows as even as they can be at up to 6 panels each (7 generators: 4 + 3, not 6 + 1).
        rows = -(-len(grids) // 6)
        # Rows are classes (row r asks for class r): named beside the first column, digits or garments alike.
        names = classes_named(frame, int(frame["classes_total"].max()) if "classes_total" in frame else 10)
        # Grid row r asks for class r mod the class count (tasks.run_gan_evaluation).
        # Drawn at the width the paper prints it (0.7 of the text width, 5 in), so titles print at 7 pt and the
        # row labels at 6.5 pt.
        cols = -(-len(grids) // rows)
        grid_panels(sweep_dir, "generator_grids", grids, cols=cols, panel=GRID_PRINT_WIDTH_IN / cols, title_size=7,
                    row_labels=[names[r % len(names)] for r in range(10)], label_size=6.5)
    keep = [c for c in ("generator", "success_rate", "success_rate_second", "fid", "fid_train", "recall",
                        "recall_train", "fid_real_reference", "scorer_test_accuracy", "second_scorer_test_accuracy",
                        "confident_rate") if c in frame]
    runs = frame[keep].assign(seed=frame[config_column("seed")])
    dependence = scorer_dependence(frame, order)
    if not dependence.empty:
        shown = dependence_shown(dependence.assign(generator=dependence["generator"].map(name_of)))
        save_table(sweep_dir, "scorer_dependence", dependence,
                   "Success rate (\\%) of each generator's samples by the scorer and by the second scorer (another "
                   "design), the paired difference (second minus first, the same samples and seed) with its 95\\% "
                   "t-interval, and each generator's rank by either: levels are scorer-relative; an ordering holds "
                   "under both scorers where the ranks agree.", shown=shown)
    return {"generators": table, "generators_runs": runs, "scorer_dependence": dependence, **per_class}


def scorer_dependence(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per generator with both scorers' success rates: the means (%), the paired difference second - first over seeds
    (the same samples) with its 95% t-interval, and the generator's rank (1 = highest mean) by each scorer."""
    if "success_rate_second" not in frame:
        return pd.DataFrame()
    both = frame.dropna(subset=["success_rate", "success_rate_second"])
    rows = []
    for name in [g for g in order if g in set(both["generator"])]:
        runs = both[both["generator"] == name]
        diff = (runs["success_rate_second"] - runs["success_rate"]) * 100
        mean, low, high, n = t_interval(list(diff))
        rows.append({"generator": name, "n": n, "success_scorer": 100 * runs["success_rate"].mean(),
                     "success_second": 100 * runs["success_rate_second"].mean(), "diff": mean, "low": low,
                     "high": high})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    for column, rank in (("success_scorer", "rank_scorer"), ("success_second", "rank_second")):
        table[rank] = table[column].rank(ascending=False, method="min").astype(int)
    table["same_rank"] = table["rank_scorer"] == table["rank_second"]
    return table


def dependence_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The scorer-dependence table as printed: rates to two decimals, the difference with its interval, ranks."""
    return pd.DataFrame({
        "generator": table["generator"], "n": table["n"],
        "scorer (%)": [f"{v:.2f}" for v in table["success_scorer"]],
        "second scorer (%)": [f"{v:.2f}" for v in table["success_second"]],
        "second $-$ scorer [95\\%]": [f"{signed(d)} [{signed(lo)}, {signed(hi)}]"
                                       for d, lo, hi in zip(table["diff"], table["low"], table["high"])],
        "rank (scorer)": table["rank_scorer"], "rank (second)": table["rank_second"],
        "same rank": ["yes" if same else "no" for same in table["same_rank"]]})


def classes_named(frame: pd.DataFrame, classes: int) -> tuple[str, ...]:
    """The dataset's class names (digits, garments) where they are known for this many classes, else "0", "1", ..."""
    names = class_names(frame)
    return tuple(names) if len(names) == classes else tuple(str(i) for i in range(classes))


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
    n, classes = rates.shape
    names = classes_named(runs, classes)
    table = pd.DataFrame({"class": list(names),
                          "success (%)": [fmt(m, s, n) for m, s in zip(rates.mean(0), rates.std(0, ddof=1)
                                                                       if n > 1 else [float("nan")] * classes)],
                          "most confused with": [names[int(np.argsort(row)[-2])] for row in sum(confusions)]})
    save_table(sweep_dir, f"per_class_{name}", table, f"Success rate of the {name} per requested class (scorer "
                f"on 1,000 samples per class and seed; mean $\\pm$ std over {n} seeds) and the class its misses "
                "go to most.")
    confusion = pd.DataFrame(sum(confusions), index=list(names), columns=list(names))
    results.write_csv(sweep_dir / "tables" / f"confusion_{name}.csv", confusion.reset_index(names="requested"))
    import seaborn as sns

    fig, ax = figure(3.4, 3.0)
    share = confusion.div(confusion.sum(1), axis=0) * 100
    sns.heatmap(share, annot=True, fmt=".0f", cmap="viridis", ax=ax, annot_kws={"size": 5},
                cbar_kws={"label": "% of requested class"}, vmin=0, vmax=100)
    ax.set_xlabel("class predicted by the scorer")
    ax.set_ylabel("requested class")
    save_figure(sweep_dir, f"confusion_{name}", fig)
    return {f"per_class_{name}": table, f"confusion_{name}": confusion}


