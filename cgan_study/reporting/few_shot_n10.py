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

TABLE = "few_shot_paired"   # results/few_shot_n10/tables/few_shot_paired.{csv,tex}


def few_shot_n10_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    few, readable = with_settings(frame[frame[K] > 0])
    fam = paired_family(few)
    if fam.empty:
        return {}
    shown = save_paired(sweep_dir, TABLE, fam, readable, what="The $k=10$ arms at $n=10$ seeds (few\\_shot\\_n10). ",
                        label="few_shot_n10_paired")   # beside mix_ratios' tab:few_shot_paired
    return {"few_shot_n10_paired_long": fam, "few_shot_n10_paired": shown}
