"""low_data_budget_arms_k: the low-data CGAN mix arm at the study's other k, at the old rule's steps and a full-data
training's only (a sweep of its own, so the k = 10 runs of low_data_budget_arms keep their names)."""
from __future__ import annotations

from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import low_data_arm_grid


def report(sweep_dir):
    from cgan_study.reporting.generator_budget import arm_budget_report   # deferred: CLIs start without pandas

    return arm_budget_report(sweep_dir, "arm_budget_k")


LOW_DATA_BUDGET_ARMS_K = register("low_data_budget_arms_k", Sweep(stable_names=True,
    task="augment",
    description="The low-data CGAN mix arm at k = 1 and 100 with its generators trained at the old rule's steps and a "
                "full-data training's, against real only and affine augmentation.",
    grids={"smoke": low_data_arm_grid((2, 5), (20, 40), 1),
           "quick": low_data_arm_grid((1, 100), (100, 460), 3), "paper": low_data_arm_grid((1, 100), (100, 460), 5)},
    report=report,
    supplement_tables=("arm_budget_k",),
    table_notes={"arm_budget_k": TableNote(
        "test accuracy of the final weights at k = 1 and 100, each arm minus real only, affine and the old rule's "
        "generators with the same seed.",
        "nothing: reported only.")},
))
