"""One report per sweep, by name: `report_sweep` regenerates a sweep's tables and figures from its summary.csv.

Each sweep's report lives in a module of its own (mix_ratios, budget, synth_amount, tricks, search, generators,
diffusion); they share stats, labels, latex, figures and tables below them and never import each other's tables.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.budget import budget_report
from cgan_study.reporting.diffusion import (
    diffusion_guidance_report,
    diffusion_recipes_report,
    diffusion_samplers_report,
)
from cgan_study.reporting.generator_budget import (
    arm_budget_report,
    generator_budget_report,
)
from cgan_study.reporting.few_shot_n10 import few_shot_n10_report
from cgan_study.reporting.generators import generators_report
from cgan_study.reporting.mix_ratios import mix_ratio_report
from cgan_study.reporting.search import search_best_report, search_report
from cgan_study.reporting.semi_supervised import semi_supervised_report
from cgan_study.reporting.synth_amount import synth_amount_report
from cgan_study.reporting.tables import finished_runs
from cgan_study.reporting.tricks import tricks_report
from cgan_study.reporting.variants import variants_report
from cgan_study.runtime import results

__all__ = ["REPORTS", "finished_runs", "report_sweep"]

# mix_ratios_families and replication carry their own real-only baselines, so the mix_ratios report reads them.
REPORTS = {"mix_ratios": mix_ratio_report, "mix_ratios_families": mix_ratio_report, "replication": mix_ratio_report,
           "few_shot_n10": few_shot_n10_report, "semi_supervised": semi_supervised_report,
           "mix_ratios_budget": budget_report, "synth_amount": synth_amount_report,
           "tricks": tricks_report, "gan_search": search_report, "gan_search_best": search_best_report,
           "generators": generators_report, "diffusion_samplers": diffusion_samplers_report,
           "diffusion_guidance": diffusion_guidance_report, "gan_variants": variants_report,
           "diffusion_recipes": diffusion_recipes_report, "low_data_budget": generator_budget_report,
           "low_data_budget_arms": arm_budget_report,
           "low_data_budget_arms_k": lambda sweep_dir: arm_budget_report(sweep_dir, "arm_budget_k")}


def report_sweep(name: str, sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Regenerate the tables and figures of one sweep (if it has a report) from its summary.csv."""
    if name not in REPORTS or not (Path(sweep_dir) / results.SUMMARY).exists():
        return {}
    return REPORTS[name](sweep_dir)
