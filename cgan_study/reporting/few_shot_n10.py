"""The n = 10 sweep's report (few_shot_n10): the k = 10 few-shot arms of mix_ratios at ten seeds, each arm minus
real only with the same seed, one family (multiplicity.py) with the margin fixed for k = 10 before the runs.

Its long table goes under names of its own (few_shot_n10_*), never merged with mix_ratios' n = 3 tables: the
claims read it as `fewshotn10/<setting>/k10`, beside the n = 3 `fewshot/...` ids.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.few_shot import K, paired_family, save_paired, with_settings
from cgan_study.reporting.tables import finished_runs
from cgan_study.runtime import results

TABLE = "few_shot_n10_paired"   # results/few_shot_n10/tables/few_shot_n10_paired.{csv,tex}, a name of its own
N3_TABLE = "few_shot_paired"    # mix_ratios' table of the same arms at n = 3
N3_SWEEP = "mix_ratios"     # the same k = 10 arms at n = 3, seeds 0-2 (the same configs)
COMPARED = ["mean_diff", "low", "high", "low_adjusted", "high_adjusted", "p_holm", "m", "verdict"]


def n3_beside_n10(n10: pd.DataFrame, n3: pd.DataFrame) -> pd.DataFrame:
    """Every k = 10 arm's paired difference at n = 3 (mix_ratios) beside n = 10 (this sweep): the same columns,
    suffixed _n3 and _n10, one row per setting of the n = 10 family."""
    n3 = n3[n3["k"] == 10].set_index("setting")[COMPARED + ["n"]].add_suffix("_n3")
    n10 = n10.set_index("setting")[COMPARED + ["n"]].add_suffix("_n10")
    return n10.join(n3, how="left").reset_index()


def few_shot_n10_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    few, readable = with_settings(frame[frame[K] > 0])
    fam = paired_family(few)
    if fam.empty:
        return {}
    shown = save_paired(sweep_dir, TABLE, fam, readable, what="The $k=10$ arms rerun at $n=10$ seeds. ",
                        label="few_shot_n10_paired", rule_ref="tab:few_shot_paired")   # beside mix_ratios' table
    # the reference's level, which the body's compact table prints above its n = 10 column
    real = (few[few["setting"] == "real"].groupby(K, as_index=False)["test_accuracy"].agg(["mean", "count"])
            .rename(columns={K: "k", "count": "n"}))
    results.write_csv(sweep_dir / "tables" / "few_shot_n10_real.csv", real)
    out = {"few_shot_n10_paired_long": fam, "few_shot_n10_paired": shown, "few_shot_n10_real": real}
    n3_csv = sweep_dir.parent / N3_SWEEP / "tables" / f"{N3_TABLE}.csv"
    if n3_csv.exists():
        side = n3_beside_n10(fam, pd.read_csv(n3_csv))
        results.write_csv(sweep_dir / "tables" / "n3_vs_n10.csv", side)
        out["few_shot_n3_vs_n10"] = side
    return out
