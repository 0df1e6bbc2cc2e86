"""mix_ratios_families: every other conditional generator used like the CGAN at k = 10 and in the classification
accuracy score, beside their real-only baselines; read beside mix_ratios (the report merges their long tables)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import (
    AUGMENT_NOTES,
    FEW_SHOT_SYNTH,
    LOSS_TREND_NOTE,
    OTHER_GENERATORS,
    PROTOCOLS,
    seeds,
    with_low_data_steps,
)


def generators_grid(k: int, n_seeds: int) -> Grid:
    grid = product(fixed("augment.real_per_class", k), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                   sweep("augment.strategy", ("mix", "filter")), sweep("augment.generator", OTHER_GENERATORS),
                   sweep("augment.protocol", PROTOCOLS), seeds(n_seeds))
    return with_low_data_steps(grid)


def families_grid(k: int, n_seeds: int) -> Grid:
    """The other generators' arms with their own baselines (real-only at k and on all real digits), so the sweep
    reads on its own: the baselines are the same runs as mix_ratios' (same config, same seeds), recomputed here
    because a run's directory belongs to one sweep (3 + 3 classifier runs, minutes)."""
    baselines = chain(product(fixed("augment.real_per_class", k), fixed("augment.strategy", "real"), seeds(n_seeds)),
                      product(fixed("augment.strategy", "mix"), fixed("augment.real_fraction", 1.0),
                              fixed("augment.synth_fraction", 0.0), seeds(n_seeds)))
    cas = product(fixed("augment.strategy", "synthetic_only"), fixed("augment.synth_fraction", 1.0),
                  sweep("augment.generator", OTHER_GENERATORS), seeds(n_seeds))
    return chain(baselines, generators_grid(k, n_seeds), cas)


def report(sweep_dir):
    # It carries its own real-only baselines, so mix_ratios' report reads it (deferred: CLIs start without pandas).
    from cgan_study.reporting.mix_ratios import mix_ratio_report

    return mix_ratio_report(sweep_dir)


MIX_RATIOS_FAMILIES = register("mix_ratios_families", Sweep(stable_names=True,
    task="augment",
    description="Every other conditional generator (AC-GAN, guided CGAN, CVAE, EBGAN, PCA, diffusion) used like the "
                "CGAN at k = 10 (mix and filter, both protocols) and in the classification accuracy score, beside "
                "their real-only baselines; read beside mix_ratios.",
    grids={"smoke": product(fixed("augment.real_per_class", 5), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                            fixed("augment.strategy", "mix"), sweep("augment.generator", ("pca", "cvae")), seeds(1)),
           "quick": families_grid(10, 3), "paper": families_grid(10, 5)},
    report=report,
    table_notes={**{t: AUGMENT_NOTES[t] for t in ("few_shot", "few_shot_paired", "mix_grid", "cas", "filter_kept")},
                 "generator_loss_trend": LOSS_TREND_NOTE,
                 # Written by experiments.report (reporting/families.py) beside this sweep's own tables.
                 "families": TableNote(
                     "test accuracy at k = 10, each generator's arm minus its own sweep's real only (same seed), the "
                     "CAS rows, and each low-data generator's success rate by the scorer (low_data_generators).",
                     "nothing chosen: every arm at k = 10 is one family and the CAS rows another; verdicts from "
                     "the Bonferroni-adjusted interval, Holm p and TOST at the k = 10 margin. The caption names "
                     "every arm not run. Diffusion's low-data arms and its CAS were not run, for cost: each low-data "
                     "seed trains a diffusion model for the rule's full-data step count (as long as a generators-"
                     "sweep model, recorded there), and a CAS draws 60,000 samples per seed; its coursework arms "
                     "use the generators sweep's models and ran.")},
))
