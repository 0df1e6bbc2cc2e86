"""synth_amount: how many synthetic digits help, at k = 10 real digits per class?"""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import PROTOCOLS, seeds, with_low_data_steps

SYNTH_PER_CLASS = (10, 100, 600, 6000)


def synth_amount_grid(n_seeds: int) -> Grid:
    real_only = product(fixed("augment.real_per_class", 10), fixed("augment.strategy", "real"), seeds(n_seeds))
    mixes = product(fixed("augment.real_per_class", 10), fixed("augment.strategy", "mix"),
                    sweep("augment.synth_per_class", SYNTH_PER_CLASS), sweep("augment.protocol", PROTOCOLS),
                    seeds(n_seeds))
    return chain(real_only, with_low_data_steps(mixes))


def report(sweep_dir):
    from cgan_study.reporting.synth_amount import synth_amount_report   # deferred: the CLIs start without pandas

    return synth_amount_report(sweep_dir)


def claims(tables):
    """amount/<protocol>/<synthetic digits per class> against real only."""
    from cgan_study.reporting.claims import claims_from

    return claims_from(tables, "synth_amount_long",
                       lambda r: f"amount/{str(r['protocol']).replace('_', '')}/{int(r['synth_per_class'])}")


SYNTH_AMOUNT = register("synth_amount", Sweep(stable_names=True,
    task="augment",
    description="How many synthetic digits help? k = 10 real digits per class plus 10, 100, 600 or 6,000 CGAN "
                "digits per class, under both protocols, against real-only at k = 10.",
    grids={"smoke": chain(product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "real"), seeds(2)),
                          product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "mix"),
                                  sweep("augment.synth_per_class", (5, 10)), seeds(2))),
           "quick": synth_amount_grid(3), "paper": synth_amount_grid(5)},
    report=report,
    claims=claims, claim_prefixes=("amount/",),
    supplement_tables=("synth_amount",),
    figures=("synth_amount.pdf",),
    table_notes={"synth_amount": TableNote(
        "test accuracy of the final weights at k = 10 plus n CGAN digits per class, minus real only (same seed).",
        "nothing: reported only (95% intervals, not adjusted).")},
))
