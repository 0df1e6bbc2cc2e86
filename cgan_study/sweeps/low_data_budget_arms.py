"""low_data_budget_arms: does the headline low-data arm's verdict depend on an unconverged generator?"""
from __future__ import annotations

from cgan_study.runtime.grid import chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import LOW_DATA_CGAN_STEPS, low_data_arm_grid, seeds


def report(sweep_dir):
    from cgan_study.reporting.generator_budget import arm_budget_report   # deferred: CLIs start without pandas

    return arm_budget_report(sweep_dir)


def claims(tables):
    """armbudget/<generator>/k<k>/steps<s>[/<strategy>]/vs-<reference> (this sweep's and low_data_budget_arms_k's
    rows: one long table). The mix arm's ids carry no strategy (the headline); a changed strategy's do."""
    from cgan_study.reporting.claims import claims_from

    def id_of(r):
        strategy = "" if r.get("strategy", "mix") == "mix" else f"/{r['strategy']}"
        return f"armbudget/{r['generator']}/k{int(r['k'])}/steps{int(r['steps'])}{strategy}/vs-{r['against']}"

    return claims_from(tables, "arm_budget_long", id_of)


LOW_DATA_BUDGET_ARMS = register("low_data_budget_arms", Sweep(stable_names=True,
    task="augment",
    description="The headline low-data arm (k = 10, CGAN mix) with its generators trained at the old rule's steps (600), "
                "twice as many, a full-data training's and twice that, against real only and affine augmentation: "
                "does the arm's verdict depend on an unconverged generator?",
    grids={"smoke": chain(product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "real"), seeds(1)),
                          product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "mix"),
                                  fixed("augment.synth_fraction", 0.1), fixed("augment.protocol", "low_data"),
                                  sweep("gan.min_steps_per_epoch", (20, 40)), seeds(1))),
           "quick": low_data_arm_grid((10,), LOW_DATA_CGAN_STEPS, 3, ("pretrain", "filter")),
           "paper": low_data_arm_grid((10,), LOW_DATA_CGAN_STEPS, 5, ("pretrain", "filter"))},
    report=report,
    claims=claims, claim_prefixes=("armbudget/",),
    supplement_tables=("arm_budget",),
    table_notes={"arm_budget": TableNote(
        "test accuracy of the final weights at k = 10, each arm minus real only, affine and the old rule's "
        "generators with the same seed.",
        "nothing: reported only (the step rule rests on low_data_budget's generator scores, not on these).")},
))
