"""replication: the headline cells of mix_ratios and mix_ratios_families for a second dataset (run it with
--data fashion_mnist; the report reads it from that dataset's tree, beside the MNIST sweeps)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, register
from cgan_study.sweeps.common import (
    AUGMENT_NOTES,
    FEW_SHOT_SYNTH,
    LOSS_TREND_NOTE,
    PROTOCOLS,
    STRATEGIES_REAL,
    cas_grid,
    seeds,
    with_low_data_steps,
)

REPLICATION_GENERATORS = ("cvae", "pca")


def replication_grid(ks, n_seeds: int) -> Grid:
    """The headline cells, for a second dataset: real-only on all real images; at each k real-only, affine, and the
    CGAN's mix and filter under both protocols; the other generators' mix at the smallest k under both protocols;
    the classification accuracy score of every generator."""
    full = product(fixed("augment.strategy", "mix"), fixed("augment.real_fraction", 1.0),
                   fixed("augment.synth_fraction", 0.0), seeds(n_seeds))
    real_only = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", STRATEGIES_REAL),
                        seeds(n_seeds))
    cgan = product(sweep("augment.real_per_class", ks), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                   sweep("augment.strategy", ("mix", "filter")), sweep("augment.protocol", PROTOCOLS), seeds(n_seeds))
    others = product(fixed("augment.real_per_class", ks[0]), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                     fixed("augment.strategy", "mix"), sweep("augment.generator", REPLICATION_GENERATORS),
                     sweep("augment.protocol", PROTOCOLS), seeds(n_seeds))
    return chain(full, real_only, with_low_data_steps(chain(cgan, others)),
                 cas_grid(n_seeds, ("cgan", *REPLICATION_GENERATORS)))


def report(sweep_dir):
    from cgan_study.reporting.mix_ratios import mix_ratio_report   # deferred: the CLIs start without pandas

    return mix_ratio_report(sweep_dir)


REPLICATION = register("replication", Sweep(stable_names=True,
    task="augment",
    description="Does the answer hold beyond digits? The headline cells of mix_ratios and mix_ratios_families "
                "(k = 10 and 100; CGAN, CVAE and PCA; both protocols; CAS) for a second dataset: run it with "
                "--data fashion_mnist and read it beside the MNIST sweeps.",
    grids={"smoke": chain(product(fixed("augment.real_per_class", 5), sweep("augment.strategy", ("real", "mix")),
                                  fixed("augment.synth_fraction", FEW_SHOT_SYNTH), seeds(1))),
           "quick": replication_grid((10, 100), 3), "paper": replication_grid((10, 100), 5)},
    report=report,
    table_notes={**{t: AUGMENT_NOTES[t] for t in ("few_shot", "few_shot_paired", "mix_grid", "cas", "filter_kept")},
                 "generator_loss_trend": LOSS_TREND_NOTE},
    datasets=("fashion_mnist", "icons"),
))
