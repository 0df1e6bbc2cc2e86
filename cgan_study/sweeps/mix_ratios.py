"""mix_ratios (coursework Q4): does CGAN synthetic data help an MNIST classifier? Real x synthetic mixes, the
few-real-per-class arms under two protocols, and the CGAN's classification accuracy score."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, register
from cgan_study.sweeps.common import AUGMENT_NOTES, cas_grid, few_shot_grid, seeds

REAL_FRACTIONS = (0.1, 0.2, 0.5, 1.0)
SYNTH_FRACTIONS = (0.0, 0.1, 0.2, 0.5, 1.0)


def mix_grid(n_seeds: int) -> Grid:
    return product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", REAL_FRACTIONS),
                   sweep("augment.synth_fraction", SYNTH_FRACTIONS), seeds(n_seeds))


def report(sweep_dir):
    # Imported when a report runs, so the CLIs (--list, --dry-run) start without pandas.
    from cgan_study.reporting.mix_ratios import mix_ratio_report

    return mix_ratio_report(sweep_dir)


MIX_RATIOS = register("mix_ratios", Sweep(stable_names=True,
    task="augment",
    description="Does CGAN synthetic data help an MNIST classifier? Real x synthetic mixes, few-real-per-class "
                "strategies (k = 1, 10, 100) under two protocols, and the CGAN's classification accuracy score: the "
                "mission's study (`make study`).",
    grids={
        "smoke": chain(product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", (0.5, 1.0)),
                               sweep("augment.synth_fraction", (0.0, 0.5)), seeds(1)),
                       few_shot_grid((5,), 1, low_data_steps=None), cas_grid(1)),
        "quick": chain(mix_grid(3), few_shot_grid((1, 10, 100), 3), cas_grid(3)),
        "paper": chain(mix_grid(5), few_shot_grid((1, 5, 10, 20, 50, 100), 5), cas_grid(5)),
    },
    report=report,
    # The body shows these arms in the report's compact table (reporting/few_shot_compact.py); the families in full
    # are the supplement's.
    supplement_tables=("few_shot_paired", "mix_grid_paired", "cas", "mix_grid", "few_shot"),
    figures=("few_shot_curves.pdf", "mix_heatmap.pdf"),
    table_notes={t: AUGMENT_NOTES[t] for t in ("few_shot", "few_shot_paired", "mix_grid", "mix_grid_paired", "cas", "filter_kept")},
))
