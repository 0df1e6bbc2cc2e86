"""The GAN comparison at the study's budget (gan_variants): each variant minus the default CGAN, seed by seed, with
95% intervals, Holm-adjusted p-values over the arms, the decision rule for the study's CGAN, and the per-epoch
curves that show whether an early-training difference persists, grows or vanishes."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from cgan_study.reporting.criteria import holm
from cgan_study.reporting.figures import figure, save_figure
from cgan_study.reporting.stats import t_interval
from cgan_study.reporting.labels import interval_bounds, signed
from cgan_study.reporting.tables import finished_runs, item_noun, run_overrides, save_table
from cgan_study.runtime import results

DEFAULT = "default"
# (metric column, lower is better, scale to the table's unit): the first decides, the second must not worsen.
DECIDES = ("fid_train", True, 1.0)
GUARDS = ("success_rate", False, 100.0)
REPORTED = (DECIDES, GUARDS, ("recall_train", False, 100.0), ("fid", True, 1.0))
VARIANT_KEYS = ("gan.label_smoothing", "gan.vbn", "gan.d_steps", "gan.g_width", "gan.d_width", "gan.latent_dim",
                "gan.g_lr", "gan.d_lr", "gan.loss", "gan.d_norm")
SEARCH_KEYS = ("gan.g_width", "gan.d_width", "gan.latent_dim", "gan.g_lr", "gan.d_lr")   # gan_search's points
GENERATOR = "cfg.experiment.augment.generator"
STUDY_GENERATOR = "cgan"   # the generator whose default the decision rule may replace; the DCGAN's arms only report


def generator_of(row: pd.Series) -> str:
    """The GAN a run trained (the CGAN where the summary has no generator column)."""
    value = row.get(GENERATOR)
    return value if isinstance(value, str) and value else STUDY_GENERATOR


def variant_of(row: pd.Series) -> str:
    """The arm a run belongs to, from its overrides (seed aside): 'default' or 'gan.vbn=gd, ...' in key order."""
    overrides = {k: v for k, v in run_overrides(row).items() if k in VARIANT_KEYS}
    from cgan_study import config as C

    base = C.Experiment().gan
    # A summary column mixing numbers and blanks reads as float: 2.0 is the override 2.
    overrides = {k: int(v) if isinstance(v, float) and v.is_integer() and k in ("gan.d_steps", "gan.g_width",
                                                                                    "gan.d_width", "gan.latent_dim")
                 else v for k, v in overrides.items()}
    changed = {k: v for k, v in overrides.items() if v != getattr(base, k.split(".", 1)[1])}
    return ", ".join(f"{k}={changed[k]}" for k in VARIANT_KEYS if k in changed) or DEFAULT


WORDS = {"gan.vbn=g": "VBN in G", "gan.vbn=gd": "VBN in G and D", "gan.d_steps=2": "2 D steps per G step",
         "gan.label_smoothing=0.25": "label smoothing 0.25",
         "gan.label_smoothing=0.25, gan.vbn=g, gan.d_steps=2": "the three stabilisers",
         "gan.loss=wgan_gp": "WGAN-GP loss", "gan.loss=hinge, gan.d_norm=spectral": "SNGAN (hinge, spectral norm)"}


def readable(variant: str, generator: str = STUDY_GENERATOR) -> str:
    """A variant's name for figures and tables, made from its overrides (output only, never parsed back); another
    generator's arms carry its name ("DCGAN + VBN in G")."""
    from cgan_study.generators import display_name

    if variant == DEFAULT:
        return f"default {display_name(generator)}"
    if generator != STUDY_GENERATOR:
        return f"{display_name(generator)} + {readable(variant)}"
    if variant in WORDS:
        return WORDS[variant]
    parts = dict(item.split("=", 1) for item in variant.split(", "))
    if not set(parts) <= set(SEARCH_KEYS):   # no words for it: its overrides as they are
        return variant
    lr = "lr " + f"{float(parts['gan.g_lr']):.0e}".replace("e-0", "e-") if parts.get("gan.g_lr") == parts.get("gan.d_lr") else None
    # Short (the paper's one-column table holds the longest at 8 pt): "search: D 64, lr 5e-4".
    words = [f"D {parts['gan.d_width']}" if "gan.d_width" in parts else None,
             f"G {parts['gan.g_width']}" if "gan.g_width" in parts else None,
             f"z {parts['gan.latent_dim']}" if "gan.latent_dim" in parts else None, lr]
    return "search: " + ", ".join(w for w in words if w)


def with_arms(frame: pd.DataFrame) -> pd.DataFrame:
    """The runs with the arm each belongs to (variant, generator) and its seed, read once per report."""
    return frame.assign(variant=[variant_of(row) for _, row in frame.iterrows()],
                        generator=[generator_of(row) for _, row in frame.iterrows()], seed=frame["cfg.experiment.seed"])


def paired_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (variant, metric): mean difference to its generator's default with the same seed, 95% interval,
    paired-t p, Holm-adjusted p over that generator's variants (per metric: one family per generator and metric),
    and whether the difference is an improvement."""
    frame = with_arms(frame)
    order = list(dict.fromkeys([STUDY_GENERATOR] + list(frame["generator"])))
    rows = []
    for generator in order:
        runs = frame[frame["generator"] == generator]
        if (runs["variant"] == DEFAULT).any():
            rows.extend(_family(runs, generator))
    return pd.DataFrame(rows)


def _family(frame: pd.DataFrame, generator: str) -> list[dict]:
    """The paired rows of one generator's variants against its default (seed by seed), adjusted over them."""
    from scipy import stats

    base = frame[frame["variant"] == DEFAULT].set_index("seed")
    rows = []
    for metric, lower_is_better, scale in REPORTED:
        if metric not in frame or base[metric].isna().all():   # an unconditional GAN has no success rate
            continue
        block, diffs_by_variant = [], {}
        for variant, group in frame[frame["variant"] != DEFAULT].groupby("variant", sort=False):
            paired = group.set_index("seed")[metric].dropna()
            paired = paired[paired.index.isin(base.index)]
            if paired.empty:
                continue
            diff = (paired - base.loc[paired.index, metric]) * scale
            mean, low, high, n = t_interval(diff)
            diffs_by_variant[variant] = diff
            p = float(stats.ttest_1samp(diff, 0.0).pvalue) if n >= 2 and diff.std() > 0 else float("nan")
            block.append({"variant": variant, "generator": generator, "label": readable(variant, generator),
                          "baseline": readable(DEFAULT, generator), "metric": metric, "scale": scale,
                          "lower_is_better": lower_is_better, "mean_diff": mean, "low": low, "high": high, "n": n,
                          "p": p})
        if block:
            ps = np.array([r["p"] for r in block])
            adjusted = np.full(len(ps), np.nan)
            ok = ~np.isnan(ps)
            adjusted[ok] = holm(ps[ok])
            m = int(ok.sum())
            for r, a in zip(block, adjusted):
                # The adjusted interval (Bonferroni, level 1 - 0.05 / m: simultaneous over the m arms, so at least as
                # wide as Holm's step-down needs) is what a direction is read from; the 95% one is shown beside it.
                _, low_adj, high_adj, _ = t_interval(diffs_by_variant[r["variant"]], level=1 - 0.05 / max(m, 1))
                better = (high_adj < 0) if lower_is_better else (low_adj > 0)
                worse = (low_adj > 0) if lower_is_better else (high_adj < 0)
                r.update({"p_holm": a, "m": m, "low_adjusted": low_adj, "high_adjusted": high_adj,
                          "direction": "better" if better else "worse" if worse else "cannot be told apart"})
            rows.extend(block)
    return rows


def variant_comparisons(tables: dict, prefix: str) -> dict:
    """<prefix>/<arm>/<metric> from <prefix>_paired: each arm against its generator's default, its direction read
    from the Bonferroni-adjusted interval (already in the metric's unit: points or FID)."""
    from cgan_study.reporting.claims import Comparison, rows, slug

    return {cid: Comparison(cid, float(r["mean_diff"]), float(r["low_adjusted"]), float(r["high_adjusted"]),
                            int(r["n"]), 1.0, bool(r["lower_is_better"]))
            for r in rows(tables, f"{prefix}_paired") for cid in (f"{prefix}/{slug(r['label'])}/{r['metric']}",)}


def study_cgan(paired: pd.DataFrame) -> dict:
    """The decision rule: a variant replaces the default when it lowers the training-referenced FID beyond its
    adjusted interval (over the m arms compared) without losing success rate beyond its 95% interval; among
    several, the lowest mean FID difference. Otherwise the default stands, and the reason says what n and m
    demand of an effect."""
    metric, _, _ = DECIDES
    if "generator" in paired:
        paired = paired[paired["generator"] == STUDY_GENERATOR]
    fid = paired[paired["metric"] == metric]
    success = paired[paired["metric"] == GUARDS[0]].set_index("variant")
    m = int(fid["m"].max()) if len(fid) else 0
    n = int(fid["n"].min()) if len(fid) else 0
    winners = []
    for _, row in fid.iterrows():
        lost_success = row["variant"] in success.index and success.loc[row["variant"], "high"] < 0
        if row["direction"] == "better" and not lost_success:
            winners.append(row)
    if not winners:
        return {"study_cgan": DEFAULT, "arms_compared": m, "seeds": n,
                "reason": f"no variant lowers the training-referenced FID beyond its interval adjusted over {m} arms "
                          f"without losing success rate; with {n} seeds per arm only a large, consistent effect "
                          "could, so this is not evidence that the variants are no better"}
    best = min(winners, key=lambda r: r["mean_diff"])
    return {"study_cgan": best["variant"], "arms_compared": m, "seeds": n,
            "reason": f"lowers FID (training reference) by {-best['mean_diff']:.2f} (adjusted interval "
                      f"{best['low_adjusted']:.2f} to {best['high_adjusted']:.2f}; Holm p = {best['p_holm']:.3f})"}


def epoch_curves(sweep_dir: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Every run's per-epoch scores (epochs.jsonl) with its variant and seed, long form."""
    rows = []
    for _, row in frame.iterrows():
        path = Path(sweep_dir) / row["run"] / results.EPOCH_SCORES
        if path.exists():
            for record in results.read_jsonl(path):
                rows.append({"variant": variant_of(row), "generator": generator_of(row), "seed": row["cfg.experiment.seed"],
                             **record})
    return pd.DataFrame(rows)


def curves_figure(sweep_dir: Path, curves: pd.DataFrame, prefix: str = "variants") -> None:
    """FID (training reference) and success rate per epoch, mean over seeds, one line per arm."""
    fig, axes = figure(width=7.0, height=2.4)
    fig.clf()
    panels = [(m, title) for m, title in (("fid_train", "FID (training reference)"), ("success_rate", "success"))
              if m in curves]
    for i, (metric, title) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, len(panels), i)
        for (generator, variant), group in curves.groupby(["generator", "variant"], sort=False):
            mean = group.groupby("epoch")[metric].mean()
            if mean.isna().all():   # the DCGAN's success panel: an unconditional GAN has no requested class
                continue
            ax.plot(mean.index, mean.values, marker="o", markersize=2.5, linewidth=1.0,
                    linestyle="-" if generator == STUDY_GENERATOR else "--", label=readable(variant, generator))
        ax.set_xlabel("epoch")
        ax.set_title(title, fontsize=8)
        if metric == "fid_train":
            ax.set_yscale("log")
    # One legend for both panels, beside them: the FID panel has every arm (the success panel lacks the DCGAN's).
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=6.5, loc="center right", frameon=False)
    fig.tight_layout(rect=(0, 0, 0.74, 1))
    save_figure(Path(sweep_dir), f"{prefix}_epochs", fig)


# What the paper shows of each variant: the metric that chooses, and the two that must not be lost.
# Short headers (units in the caption) and one decimal, so the table fits a column at 8 pt without wrapping a cell.
# Recall's intervals span tens of points: whole points say it. Labels print shorter than the ids they make ("2 D
# steps per G step" names the claim, "2 D steps" the row), so the table keeps 8 pt in one column (252 pt).
SHOWN_METRICS = (("fid_train", "FID", 1), ("success_rate", "success", 1), ("recall_train", "recall", 0))
SHORT_WORDS = {"2 D steps per G step": "2 D steps", "label smoothing 0.25": "smoothing 0.25"}


def fmt_half_width(mean: float, low: float, high: float, digits: int) -> str:
    """'-2.0 ± 3.6' (the adjusted interval is symmetric: mean ± its half-width), * where it excludes 0: half the
    width of '[low, high]', so the table fits one column at the papers' table font."""
    mark = "*" if low > 0 or high < 0 else ""
    if not math.isclose(mean - low, high - mean, rel_tol=1e-6, abs_tol=1e-9):   # not symmetric: both ends
        lo, hi = interval_bounds(low, high, digits)
        return f"{signed(mean, digits)} [{lo}, {hi}]{mark}"
    return f"{signed(mean, digits)} ± {(high - low) / 2:.{digits}f}{mark}"


def shown_table(paired: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: its paired difference to the default with the interval adjusted over the variants,
    and the Holm-adjusted p of the FID that chooses."""
    rows = []
    for label, group in paired.groupby("label", sort=False):
        short = label
        for long, word in SHORT_WORDS.items():
            short = short.replace(long, word)
        row = {"variant": short}
        for metric, name, digits in SHOWN_METRICS:
            found = group[group["metric"] == metric]
            if not found.empty:
                r = found.iloc[0]
                row[name] = fmt_half_width(r["mean_diff"], r["low_adjusted"], r["high_adjusted"], digits)
                if metric == "fid_train":
                    row["Holm p"] = f"{r['p_holm']:.2f}"
        rows.append(row)
    return pd.DataFrame(rows)


def arm_means(frame: pd.DataFrame) -> pd.DataFrame:
    """Per generator and arm: the means over seeds of the final scores (10,000 samples; FID and recall against the
    training digits), and how many seeds the collapse rule flagged at the end."""
    rows = []
    for (generator, variant), group in with_arms(frame).groupby(["generator", "variant"], sort=False):
        row = {"generator": generator, "variant": variant, "label": readable(variant, generator), "n": len(group)}
        for column in ("fid_train", "recall_train", "precision_train", "success_rate", "classes_covered"):
            row[column] = group[column].mean() if column in group else float("nan")
        row["collapsed"] = int(group["collapsed"].astype(str).str.lower().eq("true").sum()) \
            if "collapsed" in group else 0
        rows.append(row)
    return pd.DataFrame(rows)


def variants_report(sweep_dir: Path | str, prefix: str = "variants", decide: bool = True) -> dict[str, pd.DataFrame]:
    """The paired table (<prefix>_paired), the arms' means and, with `decide`, the study's CGAN by the decision rule;
    another sweep (gan_losses, on a second dataset) writes the same tables under its own prefix, without deciding."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    paired = paired_table(frame)
    n = int(paired["n"].min()) if len(paired) else 0
    families = paired.groupby("generator")["m"].max() if len(paired) else pd.Series(dtype=int)
    from cgan_study.generators import display_name

    arms = ", ".join(f"{int(m)} {display_name(g)} variants" for g, m in families.items())
    sizes = frame["train_reference_n"].dropna() if "train_reference_n" in frame else pd.Series(dtype=float)
    reference = int(sizes.min()) if len(sizes) else 10000   # the eval default: runs that did not record it
    save_table(sweep_dir, f"{prefix}_paired", paired, "Each variant minus its generator's default (the CGAN's or the "
               f"DCGAN's) at the study's budget, seed by seed (n = {n}): mean difference $\\pm$ the half-width of "
               f"its 95\\% interval adjusted over its generator's variants ({arms}; Bonferroni); Holm-adjusted p of "
               f"the paired t-test on FID. FID and recall against {reference:,} training {item_noun(frame)}, the "
               "reference every choice uses; success rate (conditional GANs only) and recall in points; * marks an "
               "adjusted interval that excludes 0.", shown=shown_table(paired), tabcolsep=2.5)
    means = arm_means(frame)
    results.write_csv(sweep_dir / "tables" / f"{prefix}_means.csv", means)
    out = {f"{prefix}_paired": paired, f"{prefix}_means": means}
    if decide:
        decision = pd.DataFrame([study_cgan(paired)])
        save_table(sweep_dir, "study_cgan", decision, "The CGAN the study uses, by the decision rule.")
        out["study_cgan"] = decision
    curves = epoch_curves(sweep_dir, frame)
    if not curves.empty:
        results.write_csv(sweep_dir / "tables" / f"{prefix}_epochs.csv", curves)
        curves_figure(sweep_dir, curves, prefix)
        out[f"{prefix}_epochs"] = curves
    return out
