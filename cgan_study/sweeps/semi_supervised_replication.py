"""semi_supervised_replication: the semi-supervised protocol's headline cells for a second dataset (issue 41).

Fashion-MNIST at k = 10 labelled images per class plus every other training image without its label, at n = 3
seeds: real-only, the FixMatch baseline, and FixMatch with the CGAN's images trained on the pool labelled by that
baseline (baseline + synthetic). The cells, the recipe and the budgets are semi_supervised's (sweeps/semi_supervised.py:
the same keys, the pseudo-label CGAN at a full-data CGAN's epochs); only the dataset and the arms differ. Declared,
to be run with --data fashion_mnist; its report (semi_supervised's) reads it from that dataset's tree, beside MNIST's.
"""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product
from cgan_study.sweeps import Sweep, register
from cgan_study.sweeps.common import FEW_SHOT_SYNTH, FULL_DATA_STEPS_PER_EPOCH, SEMI_SUPERVISED_NOTES, seeds
from cgan_study.sweeps.semi_supervised import SEMI_SUPERVISED, SEMI_SUPERVISED_SMOKE

REPLICATION_K, REPLICATION_SEEDS = 10, 3


def replication_grid(k: int, n_seeds: int, smoke: bool = False) -> Grid:
    """real-only (the labelled images only), the FixMatch baseline and baseline + synthetic, at k and n_seeds."""
    real_only = product(fixed("augment.real_per_class", k), fixed("augment.strategy", "real"), seeds(n_seeds))
    baseline = product([dict(SEMI_SUPERVISED)], fixed("augment.real_per_class", k),
                       fixed("augment.strategy", "fixmatch"), seeds(n_seeds))
    with_synth = product([dict(SEMI_SUPERVISED)], fixed("augment.real_per_class", k),
                         fixed("augment.synth_fraction", FEW_SHOT_SYNTH), fixed("augment.strategy", "fixmatch_mix"),
                         seeds(n_seeds))
    # As semi_supervised_grid: the smoke profile keeps its own generator minimum; the others a full-data CGAN's.
    return chain(real_only, baseline, with_synth if smoke else
                 [{**point, "gan.min_steps_per_epoch": FULL_DATA_STEPS_PER_EPOCH} for point in with_synth])


def report(sweep_dir):
    from cgan_study.reporting.semi_supervised import semi_supervised_report   # deferred: the CLIs start without pandas

    return semi_supervised_report(sweep_dir)


SEMI_SUPERVISED_REPLICATION = register("semi_supervised_replication", Sweep(
    task="augment",
    description="Does the semi-supervised answer hold beyond digits? Fashion-MNIST at k = 10 labelled images per class "
                "plus the unlabelled pool: real-only, the FixMatch baseline and baseline + pseudo-label CGAN images "
                "(3 seeds); run it with --data fashion_mnist.",
    grids={"smoke": replication_grid(5, 1, smoke=True),
           "quick": replication_grid(REPLICATION_K, REPLICATION_SEEDS),
           "paper": replication_grid(REPLICATION_K, REPLICATION_SEEDS)},
    profile_overrides={"smoke": SEMI_SUPERVISED_SMOKE},
    report=report,
    table_notes=SEMI_SUPERVISED_NOTES,   # its report is semi_supervised's
    datasets=("fashion_mnist",),
))
