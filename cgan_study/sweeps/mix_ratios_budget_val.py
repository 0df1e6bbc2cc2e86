"""mix_ratios_budget_val: the downstream classifier's budget check on the validation digits (full-data cells)."""
from __future__ import annotations

from cgan_study.runtime.grid import fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import seeds
from cgan_study.sweeps.mix_ratios_budget import BUDGET_EPOCHS

# mix_ratios_budget judged the budget rule (passes per epoch for large cells) on test accuracy. This check repeats
# its full-data cells, the only ones allowed the 1,000 labelled validation digits, and judges the same rule on them;
# the few-shot cells keep the rule fixed a priori (their classifiers may read no label beyond k per class).
FULL_DATA = product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", (0.1, 1.0)),
                    fixed("augment.synth_fraction", 0.0))


def report(sweep_dir):
    from cgan_study.reporting.budget import budget_report   # deferred: the CLIs start without pandas

    return budget_report(sweep_dir, metric="val_accuracy")


def macros(tables, root):
    """The same check on the validation digits: cells, unconverged cells and the largest move (points)."""
    from cgan_study.reporting.paper_numbers import budget_numbers

    on_val = budget_numbers(tables.get("budget_check_val_paired_long"))
    if not on_val:
        return {}
    doubled = tables["budget_check_val_paired_long"].dropna(subset=["converged"])
    return {"budgetValCells": on_val["budgetCells"], "budgetValUnconverged": on_val["budgetUnconverged"],
            "budgetValLargestMove": f"{100 * doubled['mean_diff'].abs().max():.2f}"}


MIX_RATIOS_BUDGET_VAL = register("mix_ratios_budget_val", Sweep(stable_names=True,
    task="augment",
    description="Budget check of the downstream classifier on the validation digits: the rule's step budget halved "
                "and doubled on the real-only cells with 10% and 100% of the real digits; converged means doubling "
                "moves each by less than 0.15 points. Reads no test digit for its verdict.",
    grids={"smoke": product(FULL_DATA[-1:], sweep("classifier.epochs", BUDGET_EPOCHS["smoke"]), seeds(1)),
           "quick": product(FULL_DATA, sweep("classifier.epochs", BUDGET_EPOCHS["quick"]), seeds(3)),
           "paper": product(FULL_DATA, sweep("classifier.epochs", BUDGET_EPOCHS["paper"]), seeds(5))},
    profile_overrides={profile: {"eval.val_accuracy": True} for profile in ("smoke", "quick", "paper")},
    report=report,
    macros=macros,
    supplement_tables=("budget_check_val",),
    table_notes={"budget_check_val": TableNote(
        "accuracy of the final weights on the 1,000 validation digits (the test digits are scored too, in "
        "summary.csv, and read by nothing here), each full-data cell at the rule's steps, halved and doubled (paired "
        "by seed).",
        "the convergence criterion (reporting/criteria.py) on validation accuracy: the check of the budget rule that "
        "reads no test digit.")},
))
