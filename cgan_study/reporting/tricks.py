"""The GAN-variant study's report (tricks sweep): every variant scored, and each against its baseline seed by seed.

A variant's baseline: the default CGAN for a conditional variant, the collapse setup for its mitigations, the
plain DCGAN for any other unconditional variant. The paired long table carries the variant, its baseline and the
metric (with its scale and direction) as columns; the tables' names are made from them.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.figures import grid_panels
from cgan_study.reporting.gan_study import gan_study_extras, with_labels
from cgan_study.reporting.labels import (
    COLLAPSE_MARK,
    VariantName,
    fmt,
    fmt_difference,
    variant_name,
)
from cgan_study.reporting.latex import ragged, wrapped_first_column
from cgan_study.reporting.multiplicity import (
    HELPS,
    HURTS,
    TOO_FEW,
    family_caption,
    family_table,
    improvement,
)
from cgan_study.reporting.stats import collapse_caption, flagged_collapse, paired_differences
from cgan_study.reporting.tables import (
    DEFAULT_VARIANT,
    config_column,
    finished_runs,
    run_overrides,
    save_table,
)
from cgan_study.runtime import results

TRICK_METRICS = [("success_rate", "success (%)", 100), ("inception_score", "IS", 1), ("fid", "FID", 1),
                 ("kid", "KID", 1), ("precision", "prec.", 100), ("recall", "rec.", 100),
                 ("density", "dens.", 1), ("coverage", "cover. (%)", 100),
                 ("classes_covered", "classes", 1), ("confident_rate", "conf. (%)", 100)]
# (metric, its column in the paired table, scale to points, lower is better, its word in a verdict)
PAIRED_METRICS = (("success_rate", "success (points)", 100.0, False, "success"),
                  ("inception_score", "IS", 1.0, False, "IS"),
                  ("fid", "FID", 1.0, True, "FID"),
                  ("recall", "recall (points)", 100.0, False, "recall"))
UNCONDITIONAL_BASELINE = "dcgan"   # the variant other unconditional variants are judged against


def tricks_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    frame = with_labels(frame)
    frame = frame.iloc[frame["rank"].argsort(kind="stable")]   # every table and figure below follows this order
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
    save_table(sweep_dir, "tricks", table, "GAN variants scored by the scoring CNN on 10,000 samples "
                                           "(1,000 per class); mean $\\pm$ std over n seeds. Density and coverage "
                                           f"after Naeem et al.; {collapse_caption(frame)}, where precision and "
                                           "density overstate quality.", wide=True,
               column_format=wrapped_first_column(table, "3.4cm"))
    reference = frame[["fid_real_reference", "scorer_test_accuracy"]].dropna().head(1)
    first = frame.drop_duplicates("variant")  # one sample grid per variant: its first seed
    grids = [(sweep_dir / run / "samples.png", label) for run, label in zip(first["run"], first["label"])]
    if all(path.exists() for path, _ in grids):
        # Seven across: the supplement's landscape page holds three rows at print size, titles at 6.5 pt.
        grid_panels(sweep_dir, "variant_grids", grids, cols=7, title_size=6.5)
    # Mode collapse shows in unconditional models, whose class coverage nobody enforces.
    from cgan_study.generators import REGISTRY

    unconditional = [name for name, e in REGISTRY.items() if not e.conditional]
    uncond = first[first["generator"].isin(unconditional)].sort_values(["classes_covered", "recall"])
    collapse = [(sweep_dir / r.run / "samples.png",
                 f"{r.label}\ncov. {r.classes_covered:.0f}/10, H {abs(r.class_entropy):.2f}, rec. {100 * r.recall:.0f}%")
                for r in uncond.itertuples()]
    if collapse and all(path.exists() for path, _ in collapse):
        grid_panels(sweep_dir, "collapse_grids", collapse, cols=min(len(collapse), 2))  # column width
    collapse_figure(sweep_dir, uncond)
    paired = trick_differences(frame)
    paired_table = paired_tricks_table(sweep_dir, paired) if not paired.empty else None
    numeric = [k for k, _, _ in TRICK_METRICS if k in frame] + ["class_entropy"]
    by_variant = frame.groupby("variant", sort=False)
    means = by_variant[numeric].mean()
    means["family"] = by_variant["generator"].first()
    means["label"] = by_variant["label"].first()
    means["label_in_sentence"] = by_variant["label_in_sentence"].first()
    means["epochs"] = by_variant[config_column("gan.epochs")].first()
    # Every mean the prose quotes of a variant (class entropy included, which the table has no column for).
    results.write_csv(Path(sweep_dir) / "tables" / "tricks_means.csv", means.reset_index())
    extras = gan_study_extras(sweep_dir, frame)
    return {"tricks": table, "reference": reference, "tricks_means": means, "tricks_paired_long": paired,
            "tricks_first_seeds": first,
            **({"tricks_paired": paired_table} if paired_table is not None else {}), **extras}


def collapse_figure(sweep_dir: Path, uncond: pd.DataFrame) -> None:
    """The paper's collapse figure, three panels at column width: the plain DCGAN, the collapse setup, and the
    mitigation with the highest recall (first seeds), each titled by what it is and its coverage and recall."""
    plain = uncond[(uncond["collapse"].isna() | (uncond["collapse"] == "")) & (uncond["change"].fillna("") == "")]
    setup, mitigations = uncond[uncond["collapse"] == "setup"], uncond[uncond["collapse"] == "mitigation"]
    if plain.empty or setup.empty or mitigations.empty:
        return
    best = mitigations.sort_values("recall").iloc[-1]
    panels = [(plain.iloc[0], "DCGAN"), (setup.iloc[0], "unbalanced"),
              (best, "+ " + str(best['change']).replace("discrimination", "discr."))]   # the caption names it in full
    grids = [(sweep_dir / r["run"] / "samples.png",
              f"{title}\n{r['classes_covered']:.0f}/10 classes, recall {100 * r['recall']:.0f}%")
             for r, title in panels]
    if all(path.exists() for path, _ in grids):
        grid_panels(sweep_dir, "collapse_main", grids, cols=3, panel=3.4 / 3, title_size=7.5)  # column width


def paired_tricks_table(sweep_dir: Path, paired: pd.DataFrame) -> pd.DataFrame:
    """The paired table: each variant by what it changes, its baseline in a column of its own, one column per
    metric and the verdict; in the variants' table order."""
    first = paired.drop_duplicates("variant").set_index("variant")
    variants = list(first.sort_values("rank", kind="stable").index)
    cells = paired.pivot(index="variant", columns="metric_name", values="cell").reindex(variants)
    table = pd.DataFrame({"variant": list(first.loc[variants, "change"]),
                          "vs": list(first.loc[variants, "baseline_name"])})
    m_by_variant = paired.groupby("variant", sort=False)["m"].max().reindex(variants)
    table["m"] = [str(int(m)) if m else "--" for m in m_by_variant]
    for _, name, _, _, _ in PAIRED_METRICS:
        if name in cells:
            table[name] = list(cells[name])
    verdicts = trick_verdicts(paired)
    table["verdict"] = [verdicts[v] for v in variants]
    save_table(sweep_dir, "tricks_paired", table, "Each GAN variant minus its baseline (vs: the default "
               "CGAN, the collapse setup for its mitigations, or the plain DCGAN) with the same seed: mean "
               "[Bonferroni-adjusted t-interval] and Holm-adjusted p, n seeds; * marks an adjusted interval that "
               f"excludes 0. A family: the variants against one baseline on one metric. {family_caption(paired['m'])} "
               "No equivalence margin is declared for these metrics, so a difference is helps, hurts or "
               "inconclusive. FID: lower is better. Verdict: the metrics whose adjusted interval shows an "
               "improvement or a worsening.", wide=True,
               column_format=ragged("3.6cm") + "l" + "r" * (len(table.columns) - 3) + ragged("2.3cm"))
    return table


def trick_baselines(frame: pd.DataFrame) -> pd.Series:
    """Each run's baseline variant: a mitigation is judged against the setup it mitigates, a trick against the
    default CGAN, and any other unconditional variant against the plain DCGAN. Runs whose baseline was not run
    get none (NaN) and are left out of the pairing."""
    from cgan_study.generators import REGISTRY

    setups = frame.loc[frame["collapse"] == "setup", "variant"].unique()
    present = set(frame["variant"])

    def pick(row) -> str | None:
        conditional = REGISTRY[row.generator].conditional if row.generator in REGISTRY else True
        if conditional:
            choice = DEFAULT_VARIANT
        elif len(setups) and row.collapse == "mitigation" and row.change:
            choice = setups[0]
        else:
            choice = UNCONDITIONAL_BASELINE
        return choice if choice in present else None

    return pd.Series([pick(r) for r in frame.itertuples()], index=frame.index, dtype=object)


def trick_differences(frame: pd.DataFrame) -> pd.DataFrame:
    """Every variant minus its baseline seed by seed, per metric, with 95% t-intervals and the columns of its
    family (multiplicity.family_table; a family: one baseline, one metric): one row per (variant, metric) naming the
    variant, what it changes, its baseline and the metric's scale and direction; `cell` the shown text."""
    seed = config_column("seed")
    baselines = trick_baselines(frame)
    names: dict[str, VariantName] = {row["variant"]: variant_name(run_overrides(row))
                                     for _, row in frame.drop_duplicates("variant").iterrows()}
    ranks = frame.drop_duplicates("variant").set_index("variant")["rank"]
    rows = []
    for baseline in dict.fromkeys(baselines):
        group = frame[baselines == baseline]
        base = frame[frame["variant"] == baseline]
        for key, metric_name, scale, lower_is_better, _ in PAIRED_METRICS:
            if key not in group or base[key].isna().all():  # e.g. no success rate for an unconditional baseline
                continue
            others = group[(group["variant"] != baseline) & group[key].notna()]
            diffs = paired_differences(others, base, [seed], ["variant", "label"], value=key)
            for r in diffs.itertuples():
                rows.append({"variant": r.variant, "label": r.label, "rank": ranks[r.variant],
                             "change": names[r.variant].against(names[baseline]), "baseline": baseline,
                             "baseline_name": names[baseline].as_baseline, "metric": key,
                             "metric_name": metric_name, "scale": scale, "lower_is_better": lower_is_better,
                             "mean_diff": r.mean_diff, "low": r.low, "high": r.high, "n": r.n})
    long = pd.DataFrame(rows, columns=["variant", "label", "change", "rank", "baseline", "baseline_name", "metric",
                                       "metric_name", "scale", "lower_is_better", "mean_diff", "low", "high", "n"])
    if long.empty:
        return long.assign(cell=[], verdict=[], m=[])
    # One family per baseline and metric: every variant judged against the same reference on the same scale.
    long = family_table(long, ["baseline", "metric"], label="variant", margin=None)
    long["cell"] = [fmt_difference(r.mean_diff, r.low_adjusted, r.high_adjusted, r.n, scale=r.scale)
                    + _holm_text(r.p_holm) for r in long.itertuples()]
    return long


def _holm_text(p: float) -> str:
    return "" if p != p else " p<0.01" if p < 0.005 else f" p={p:.2f}"


def trick_verdicts(paired: pd.DataFrame) -> dict[str, str]:
    """Per variant, in words: which metrics its family-adjusted verdicts say it improves or worsens against its
    baseline ('helps: FID, recall'; 'hurts: success'; 'mixed: ...'; 'inconclusive'; 'one seed')."""
    word = {key: short for key, _, _, _, short in PAIRED_METRICS}
    out = {}
    for variant, rows in paired.groupby("variant", sort=False):
        better, worse, judged = [], [], False
        for r in rows.itertuples():
            v = r.verdict
            if v == TOO_FEW:
                continue
            judged = True
            v = improvement(v, bool(r.lower_is_better))
            (better if v == HELPS else worse if v == HURTS else []).append(word.get(r.metric, r.metric))
        if not judged:
            out[variant] = "one seed"
        elif better and worse:
            out[variant] = f"mixed: better {', '.join(better)}; worse {', '.join(worse)}"
        elif better:
            out[variant] = "helps: " + ", ".join(better)
        elif worse:
            out[variant] = "hurts: " + ", ".join(worse)
        else:
            out[variant] = "inconclusive"
    return out
