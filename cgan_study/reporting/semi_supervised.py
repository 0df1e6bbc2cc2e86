"""The semi-supervised sweep's report: k labelled digits per class plus the unlabelled pool. Two families per k, each
with its one reference (multiplicity.py, the k's margin fixed before the runs): every arm minus real only, and every
pool arm minus the FixMatch baseline (does a generator's digits, or the GAN as the classifier, add anything the pool
already gives?). The protocol travels in its own column. Beside them, the per-arm absolute table with each arm's
step-budget check, its wall time per run and the literature's anchors (semi_supervised_arms.py).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.few_shot import K, paired_family, save_paired, with_settings
from cgan_study.reporting.semi_supervised_arms import arms_table, save_arms
from cgan_study.reporting.tables import finished_runs, item_noun

BASELINE = "fixmatch"
DOUBLING = "fixmatch_doubling"   # the semi-supervised baseline a generator must beat (its setting label)


def semi_supervised_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    few, readable = with_settings(frame[frame[K] > 0])
    out = {"semi_supervised_arms": arms_table(sweep_dir, frame[frame[K] > 0])}
    save_arms(sweep_dir, out["semi_supervised_arms"])
    vs_real = paired_family(few)
    if not vs_real.empty:
        out["semi_supervised_paired_long"] = vs_real
        out["semi_supervised_paired"] = save_paired(
            sweep_dir, "semi_supervised_paired", vs_real, readable, label="semi_supervised_paired",
            what=f"k labelled {item_noun(frame)} per class plus the unlabelled pool (semi\\_supervised). ",
            rule_ref="tab:few_shot_paired")   # the supplement states the family rule once, there
    # Every other arm against the baseline (real only is the first family's reference, read there).
    others = few[few["setting"] != "real"]
    vs_baseline = paired_family(others, reference=BASELINE) if (others["setting"] == BASELINE).any() else pd.DataFrame()
    if not vs_baseline.empty:
        out["semi_supervised_vs_fixmatch_long"] = vs_baseline
        out["semi_supervised_vs_fixmatch"] = save_paired(
            sweep_dir, "semi_supervised_vs_fixmatch", vs_baseline, readable, label="semi_supervised_vs_fixmatch",
            what="Beyond the unlabelled pool (semi\\_supervised). ", reference="the FixMatch baseline",
            rule_ref="tab:few_shot_paired")
    # The budget's doubling pilot (reporting/doubling.py, one seed): an input the report reads, written by its CLI
    # under pilots/ (tables/ holds only what the report writes).
    doubling = sweep_dir / "pilots" / f"{DOUBLING}.csv"
    if doubling.exists():
        out[DOUBLING] = pd.read_csv(doubling)
    return out
