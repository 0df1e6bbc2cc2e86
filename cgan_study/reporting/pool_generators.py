"""The unlabelled-pool protocol's generators scored as images (semi_supervised_generators sweep): one row per
generator, mean ± std over seeds, against the training digits (the reference every choice reads), and one sample
grid per generator."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.figures import grid_panels
from cgan_study.reporting.labels import COLLAPSE_MARK, fmt
from cgan_study.reporting.stats import collapse_caption, flagged_collapse
from cgan_study.reporting.tables import config_column, finished_runs, save_table

# (generator, its row label, the labels it trained on): the CGAN's are the FixMatch baseline's predictions.
POOL_GENERATORS = (("cgan", "CGAN, pseudo-labelled pool", "k per class + FixMatch's labels on the pool"),
                   ("ssl_gan", "SSL-GAN generator", "none (G takes noise only; D saw k per class)"))
COLUMNS = (("success_rate", "success (%)", 100, 2), ("fid_train", "FID (train)", 1, 1),
           ("precision_train", "prec. (%)", 100, 1), ("recall_train", "rec. (%)", 100, 1),
           ("classes_covered", "classes", 1, 1))
RUN_COLUMNS = ("generator", "success_rate", "fid_train", "precision_train", "recall_train", "classes_covered",
               "collapsed")


def pool_generators_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    rows, grids = [], []
    for name, label, labels in POOL_GENERATORS:
        group = frame[frame["generator"] == name]
        if group.empty:
            continue
        row = {"generator": label + (COLLAPSE_MARK if flagged_collapse(group) else ""), "labels it trained on": labels}
        for column, title, scale, digits in COLUMNS:
            values = group[column].dropna() if column in group else pd.Series(dtype=float)
            row[title] = (fmt(values.mean(), values.std(), values.count(), scale=scale, digits=digits)
                          .replace(f" (n={values.count()})", "") if len(values) else "--")
        row["n"] = len(group)
        rows.append(row)
        first = group.sort_values(config_column("seed")).iloc[0]
        grids.append((sweep_dir / first["run"] / "samples.png", label))
    table = pd.DataFrame(rows)
    k = int(frame[config_column("augment.real_per_class")].iloc[0])
    samples, reference = (int(frame[c].max()) for c in ("n_samples", "train_reference_n"))
    save_table(sweep_dir, "pool_generators", table,
               f"The unlabelled-pool protocol's generators at $k={k}$, each seed the very model its cells use: "
               f"{samples:,} samples scored by the scorer; FID, precision, recall and classes covered against "
               f"{reference:,} training digits; mean $\\pm$ std over n seeds. The SSL-GAN's generator takes no label, so it has no "
               "success rate; the CGAN's success rate counts samples the scorer reads as the class asked for; "
               f"{collapse_caption(frame)}.",
               wide=True)
    if grids and all(path.exists() for path, _ in grids):
        # Two panels at the width of one column; rows of the CGAN's grid ask for classes 0-9, the SSL-GAN's do not.
        grid_panels(sweep_dir, "pool_generator_grids", grids, cols=len(grids), panel=1.7, title_size=7)
    runs = frame[[c for c in RUN_COLUMNS if c in frame]].assign(seed=frame[config_column("seed")])
    return {"pool_generators": table, "pool_generators_runs": runs}


# The pool generators' macros by generator: (FID, recall, seeds, collapsed runs), spelled out so a test finds them.
POOL_GENERATOR_MACROS = {"cgan": ("poolCganFid", "poolCganRecall", "poolCganSeeds", "poolCganCollapsed"),
                         "ssl_gan": ("poolSslganFid", "poolSslganRecall", "poolSslganSeeds", "poolSslganCollapsed")}


def pool_generator_numbers(runs: pd.DataFrame | None) -> dict[str, str]:
    """The pool generators' means over seeds: FID and recall against training digits, seeds, runs under the collapse
    rule, and the pseudo-label CGAN's success rate (poolCganSuccess)."""
    if runs is None or runs.empty:
        return {}
    out = {}
    for name, (fid, recall, seeds, collapsed) in POOL_GENERATOR_MACROS.items():
        group = runs[runs["generator"] == name]
        if group.empty:
            continue
        out[fid] = f"{group['fid_train'].mean():.1f}"
        out[recall] = f"{100 * group['recall_train'].mean():.1f}"
        out[seeds] = f"{len(group)}"
        if "collapsed" in group:   # runs under the one collapse rule (training reference)
            out[collapsed] = f"{int(group['collapsed'].fillna(False).astype(bool).sum())}"
        if name == "cgan" and group["success_rate"].notna().any():
            out["poolCganSuccess"] = f"{100 * group['success_rate'].mean():.1f}"
    return out
