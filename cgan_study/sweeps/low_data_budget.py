"""low_data_budget: the evidence for the low-data generators' budget rule (common.with_low_data_steps).

The old rule (epochs of at least 100 steps: 6 x 100 = 600 steps on 100 digits) and its doubling, for the study's
CGAN and for EBGAN (whose old-rule models drew the requested digit at chance), on the same subsets and seeds; the
CGAN also at the present rule and twice that (common.LOW_DATA_CGAN_STEPS)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import LOW_DATA_CGAN_STEPS, LOW_DATA_EVAL, seeds

LOW_DATA_BUDGET_STEPS = (100, 200)


def low_data_budget_grid(k: int, n_seeds: int) -> Grid:
    setting = product(fixed("augment.real_per_class", k), fixed("augment.protocol", "low_data"))
    return product(setting, chain(
        product(fixed("augment.generator", "cgan"), sweep("gan.min_steps_per_epoch", LOW_DATA_CGAN_STEPS)),
        product(fixed("augment.generator", "ebgan"), sweep("ebgan.min_steps_per_epoch", LOW_DATA_BUDGET_STEPS))),
        seeds(n_seeds))


def report(sweep_dir):
    from cgan_study.reporting.generator_budget import generator_budget_report   # deferred: CLIs start without pandas

    return generator_budget_report(sweep_dir)


def claims(tables):
    """genbudget/<generator>/steps<s>/<metric>: a low-data generator at one budget against the next smaller one."""
    from cgan_study.reporting.claims import Comparison, rows

    out = {}
    for r in rows(tables, "generator_budget_long"):
        scale = 1.0 if r["metric"] == "fid_train" else 100.0
        cid = f"genbudget/{r['generator']}/steps{int(r['steps'])}/{r['metric']}"
        out[cid] = Comparison(cid, float(r["mean_diff"]) / scale, float(r["low"]) / scale, float(r["high"]) / scale,
                              int(r["n"]), scale, bool(r["lower_is_better"]))
    return out


def macros(tables, root):
    """The low-data generators' budgets and what doubling them changed."""
    from cgan_study.reporting.generator_budget import generator_budget_numbers

    return generator_budget_numbers(tables.get("generator_budget_means"))


LOW_DATA_BUDGET = register("low_data_budget", Sweep(stable_names=True,
    task="gan_eval",
    description="Budget check of the low-data generators: the CGAN and EBGAN on k = 10 digits per class at the "
                "old rule's steps (600) and at more (EBGAN twice as many; the CGAN up to 9.2 times), scored alike (success "
                "rate, FID and recall on training digits).",
    grids={"smoke": product(fixed("augment.real_per_class", 5), fixed("augment.protocol", "low_data"),
                            sweep("gan.min_steps_per_epoch", (20, 40)), seeds(1)),
           "quick": low_data_budget_grid(10, 3), "paper": low_data_budget_grid(10, 5)},
    profile_overrides={"quick": LOW_DATA_EVAL, "paper": LOW_DATA_EVAL,
                       "smoke": {"eval.n_samples": 200, "eval.second_scorer_width": 8,
                                 "eval.second_scorer_arch": "gap"}},
    report=report,
    claims=claims, claim_prefixes=("genbudget/",), macros=macros,
    supplement_tables=("generator_budget",),
    table_notes={"generator_budget": TableNote(
        "success rate by the scorer on 2,000 samples; FID and recall against 10,000 training digits; each "
        "budget minus the next smaller with the same seed.",
        "nothing in the table; its doubling check on these training-referenced metrics supports the low-data "
        "generators' step rule (a full-data training's steps).")},
))
