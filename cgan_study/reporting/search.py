"""The CGAN architecture search (gan_search) ranked by FID, and its best points re-run over seeds against the default
CGAN (gan_search_best)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.labels import fmt, fmt_difference, search_label
from cgan_study.reporting.multiplicity import family_table
from cgan_study.reporting.stats import paired_differences
from cgan_study.reporting.tables import (
    DEFAULT_VARIANT,
    config_column,
    finished_runs,
    run_overrides,
    run_variants,
    save_table,
)
from cgan_study.runtime import results
from cgan_study.study.selection import rank

# FID (train) ranks; FID (test) is reported beside it. Recall and coverage against the training reference.
SEARCH_COLUMNS = (("fid_train", "FID (train)", 1, 1), ("fid", "FID (test)", 1, 1), ("success_rate", "success (%)", 100, 2),
                  ("inception_score", "IS", 1, 2), ("recall_train", "recall (%)", 100, 1),
                  ("coverage_train", "coverage (%)", 100, 1))
# The committed search_best rows (re-run before the training reference existed) have test-referenced columns only.
TEST_ONLY_COLUMNS = (("fid", "FID (test)", 1, 1), ("success_rate", "success (%)", 100, 2),
                     ("inception_score", "IS", 1, 2), ("recall", "recall (test, %)", 100, 1),
                     ("coverage", "coverage (test, %)", 100, 1))


def search_rows(frame: pd.DataFrame, columns=SEARCH_COLUMNS) -> list[dict]:
    rows = []
    for label, group in frame.groupby("label", sort=False):
        row = {"point": label}
        for key, name, scale, digits in columns:
            v = group[key].dropna() if key in group else pd.Series(dtype=float)
            row[name] = fmt(v.mean(), v.std(), v.count(), scale=scale, digits=digits).replace(f" (n={v.count()})", "")
        row["n"] = len(group)
        rows.append(row)
    return rows


def search_runs(sweep_dir: Path) -> pd.DataFrame:
    """A search sweep's finished runs, each labelled by its point."""
    frame = finished_runs(sweep_dir)
    if not frame.empty:
        frame["label"] = [search_label(run_overrides(row)) for _, row in frame.iterrows()]
    return frame


def search_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """The search points ranked by FID against real training digits (then success rate), one seed each; the test
    digits' FID is reported beside it and chooses nothing."""
    sweep_dir = Path(sweep_dir)
    frame = search_runs(sweep_dir)
    if frame.empty:
        return {}
    frame = rank(frame)
    table = pd.DataFrame(search_rows(frame))
    table.insert(0, "rank", range(1, len(table) + 1))
    ranked = frame[["run", "label", "fid_train", "fid", "success_rate"]].reset_index(drop=True)
    epochs = int(frame[config_column("gan.epochs")].iloc[0])
    n_ref = int(frame["train_reference_n"].iloc[0])
    save_table(sweep_dir, "search", table, f"CGAN architecture and learning-rate search ({epochs} epochs, one seed "
                f"per point; exploratory: {len(table)} points, no interval), ranked by FID against {n_ref:,} real "
                "training digits in the scorer's features (lower is better), then success rate; the test digits' "
                "FID is reported and chooses nothing. Recall and coverage against the training digits. G, D: "
                "generator and discriminator widths; z: latent size; lr: G / D learning rates.")
    return {"search": table, "search_ranked": ranked}


def search_best_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """The best search points over fresh seeds, each minus the default point with the same seed: the default's own
    runs in this sweep, else (runs from before it held them) the tricks sweep's default CGAN."""
    sweep_dir = Path(sweep_dir)
    frame = search_runs(sweep_dir)
    if frame.empty:
        return {}
    rank_key = "fid_train" if "fid_train" in frame and frame["fid_train"].notna().all() else "fid"
    default_label = default_search_label()
    inside = frame[frame["label"] == default_label]
    frame = frame[frame["label"] != default_label]
    mean_fid = frame.groupby("label")[rank_key].transform("mean")   # best point (lowest mean FID) first
    frame = frame.iloc[mean_fid.argsort(kind="stable")]
    columns = SEARCH_COLUMNS if rank_key == "fid_train" else TEST_ONLY_COLUMNS
    table = pd.DataFrame(search_rows(frame, columns))
    out = {"search_best": table}
    base = inside
    if base.empty and (sweep_dir.parent / "tricks" / results.SUMMARY).exists():
        tricks = finished_runs(sweep_dir.parent / "tricks")
        base = tricks[[v == DEFAULT_VARIANT for v in run_variants(tricks)]] if not tricks.empty else tricks
    if not base.empty:
        seed = config_column("seed")
        longs = []
        for metric, name, scale, _ in columns[:3]:
            # One family per metric: every re-run point against the same default runs (Bonferroni, Holm).
            diffs = family_table(paired_differences(frame, base, [seed], ["label"], value=metric), [], label="label")
            longs.append(diffs.assign(metric=metric))
            cells = {r.label: fmt_difference(r.mean_diff, r.low, r.high, r.n, scale=scale)
                     + ("*" if r.low_adjusted > 0 or r.high_adjusted < 0 else "") for r in diffs.itertuples()}
            table[f"{name} vs default"] = [cells.get(label, "--") for label in table["point"]]
        out["search_best_paired_long"] = pd.concat(longs, ignore_index=True)
    if rank_key == "fid_train":
        chosen = (f"The {len(table)} best search points by FID against training digits, re-run with fresh seeds "
                  "beside the default point")
        against = "the default point with the same seed in this sweep"
    else:
        chosen = ("The three best search points as chosen before the evidence rules (by the test digits' FID; seed 0 "
                  "is the searched run itself), three seeds each")
        against = "the default CGAN with the same seed and budget (tricks sweep)"
    save_table(sweep_dir, "search_best", table, f"{chosen} (each seed trains its own CGAN; exploratory: best "
                f"{len(table)} of 13); mean $\\pm$ std, and the paired difference to "
                f"{against}: mean [95\\% t-interval]; * marks an interval that excludes 0, ** one whose Bonferroni "
                "interval over the points compared (per metric) excludes 0 too.", wide=True)
    return out


def default_search_label() -> str:
    """The default CGAN as a point of the search is labelled."""
    from cgan_study.config import Experiment

    gan = Experiment().gan
    return search_label({"gan.g_width": gan.g_width, "gan.d_width": gan.d_width, "gan.latent_dim": gan.latent_dim,
                         "gan.g_lr": gan.g_lr, "gan.d_lr": gan.d_lr})
