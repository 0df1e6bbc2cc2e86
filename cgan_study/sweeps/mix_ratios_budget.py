"""mix_ratios_budget: the downstream classifier's budget check (the rule's step budget halved and doubled)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import FEW_SHOT_SYNTH, PROTOCOLS, seeds, with_low_data_steps

# The classifier budget rule's epochs (x classifier.steps_per_epoch steps) per profile: halved, the rule, doubled.
BUDGET_EPOCHS = {"quick": (3, 6, 12), "paper": (5, 10, 20), "smoke": (1, 2, 4)}


def budget_cells() -> Grid:
    """Real-only at 10% and 100% of the real digits, and the k = 10 mix arm under both protocols."""
    real_only = product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", (0.1, 1.0)),
                        fixed("augment.synth_fraction", 0.0))
    mix_k10 = product(fixed("augment.strategy", "mix"), fixed("augment.real_per_class", 10),
                      fixed("augment.synth_fraction", FEW_SHOT_SYNTH), sweep("augment.protocol", PROTOCOLS))
    return chain(real_only, with_low_data_steps(mix_k10))


def budget_grid(profile: str, n_seeds: int) -> Grid:
    return product(budget_cells(), sweep("classifier.epochs", BUDGET_EPOCHS[profile]), seeds(n_seeds))


def report(sweep_dir):
    from cgan_study.reporting.budget import budget_report   # deferred: the CLIs start without pandas

    return budget_report(sweep_dir)


def claims(tables):
    """budget/<cell>: the classifier's budget doubled against the rule's (converged or not, on test digits)."""
    from cgan_study.reporting.claims import comparison, rows, slug

    return {cid: comparison(cid, r, converged=bool(r["converged"])) for r in rows(tables, "budget_check_paired_long")
            if r.get("converged") is not None and r["converged"] == r["converged"]
            for cid in (f"budget/{slug(r['cell'])}",)}


def macros(tables, root):
    """How many cells the check doubles and how many are not converged."""
    from cgan_study.reporting.paper_numbers import budget_numbers

    return budget_numbers(tables.get("budget_check_paired_long"))


MIX_RATIOS_BUDGET = register("mix_ratios_budget", Sweep(stable_names=True,
    task="augment",
    description="Budget check of the downstream classifier: the rule's step budget halved and doubled on "
                "real-only (10% and 100% real) and the k = 10 mix arm; converged means doubling moves each "
                "by less than 0.15 points.",
    grids={"smoke": product(fixed("augment.strategy", "mix"), fixed("augment.real_fraction", 1.0),
                            sweep("classifier.epochs", BUDGET_EPOCHS["smoke"]), seeds(1)),
           "quick": budget_grid("quick", 3), "paper": budget_grid("paper", 5)},
    report=report,
    claims=claims, claim_prefixes=("budget/",), macros=macros,
    supplement_tables=("budget_check",),
    table_notes={"budget_check": TableNote(
        "test accuracy of the final weights on the test images, each cell at the rule's steps, halved and doubled "
        "(paired by seed).",
        "the convergence criterion (reporting/criteria.py) judges the classifier's budget rule; the rule's passes "
        "per epoch for large cells and the noisy-cell branch were set from this table, that is on test accuracy.")},
    datasets=("mnist", "fashion_mnist"),   # the supplement's Fashion-MNIST budget check
))
