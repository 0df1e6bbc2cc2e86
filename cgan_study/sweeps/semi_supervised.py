"""semi_supervised (issue 41): k labelled digits per class plus every other training digit without its label.

The realistic few-shot setting (augment.protocol=semi_supervised, study/semi_supervised.py). Arms at k = 10:
real-only and affine (the labelled digits only: the very configs of few_shot_n10, so their runs can be read beside
or in place of those), the FixMatch baseline, FixMatch with 6,000 digits of the CGAN trained on the pool labelled by
that baseline, and real-only with the same digits (mix). At k = 100: real-only and FixMatch. Each seed its own
subset, baseline, generator and classifiers. k = 1 is left out: FixMatch at one label per class is known to be
unstable (Sohn et al. 2020 report a wide spread over label draws). The pseudo-label CGAN trains a full-data CGAN's
budget (gan.epochs of 460 steps: the pool is 59,000 digits), the few-shot grids' rule. The semi-supervised GAN
(`ssl_gan`: Salimans et al. 2016, its discriminator's K class logits as the classifier) is the GAN-as-classifier
arm beside FixMatch."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, register
from cgan_study.sweeps.common import (
    FEW_SHOT_SYNTH,
    FULL_DATA_STEPS_PER_EPOCH,
    SEMI_SUPERVISED_NOTES,
    STRATEGIES_REAL,
    seeds,
)

SEMI_SUPERVISED = {"augment.protocol": "semi_supervised"}
SEMI_SUPERVISED_ARMS = ("fixmatch", "ssl_gan")            # the pool without a generator's digits
SEMI_SUPERVISED_SYNTH_ARMS = ("fixmatch_mix", "mix")       # with the pseudo-label CGAN's digits


def semi_supervised_grid(k: int, n_seeds: int, synthetic: bool = True, smoke: bool = False) -> Grid:
    real_only = product(fixed("augment.real_per_class", k), sweep("augment.strategy", STRATEGIES_REAL if synthetic
                                                                  else ("real",)), seeds(n_seeds))
    pool = product([dict(SEMI_SUPERVISED)], fixed("augment.real_per_class", k),
                   sweep("augment.strategy", SEMI_SUPERVISED_ARMS), seeds(n_seeds))
    if not synthetic:
        return chain(real_only, pool)
    with_synth = product([dict(SEMI_SUPERVISED)], fixed("augment.real_per_class", k),
                         fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                         sweep("augment.strategy", SEMI_SUPERVISED_SYNTH_ARMS), seeds(n_seeds))
    # The smoke profile keeps its own generator minimum (20 steps); the others train a full-data CGAN's epochs.
    return chain(real_only, pool, with_synth if smoke else
                 [{**point, "gan.min_steps_per_epoch": FULL_DATA_STEPS_PER_EPOCH} for point in with_synth])


SEMI_SUPERVISED_SEEDS = (10, 3)   # k = 10 arms, k = 100 arms
# The smoke profile: FixMatch at 2 x 3 steps on k = 5 of a 60-per-class pool (550 unlabelled digits).
SEMI_SUPERVISED_SMOKE = {"fixmatch.epochs": 2, "fixmatch.steps_per_epoch": 3}

def report(sweep_dir):
    from cgan_study.reporting.semi_supervised import semi_supervised_report   # deferred: the CLIs start without pandas

    return semi_supervised_report(sweep_dir)


def claims(tables):
    """semisup/<setting>/k<k> against real only, and .../vs-fixmatch against the FixMatch baseline."""
    from cgan_study.reporting.claims import claims_from, setting_id

    out = {}
    for table, suffix in (("semi_supervised_paired_long", ""), ("semi_supervised_vs_fixmatch_long", "/vs-fixmatch")):
        out.update(claims_from(tables, table, lambda r: f"semisup/"
                               f"{setting_id(r['strategy'], r['generator'], r['protocol'])}/k{int(r['k'])}{suffix}"))
    return out


def macros(tables, root):
    """Each arm's mean accuracy, size and time, and FixMatch's budget pilot."""
    from cgan_study.reporting import paper_numbers as P

    return {**P.pool_numbers(tables.get("semi_supervised_arms")), **P.doubling_numbers(tables.get("fixmatch_doubling"))}


SEMI_SUPERVISED_SWEEP = register("semi_supervised", Sweep(stable_names=True,
    task="augment",
    description="k labelled digits per class plus every other training digit unlabelled: real-only, affine, FixMatch, "
                "the semi-supervised GAN, FixMatch + pseudo-label CGAN digits and real + those digits at k = 10 (10 "
                "seeds); real-only, FixMatch and the SSL-GAN at k = 100 (3 seeds). Does a generator add anything the "
                "unlabelled pool does not?",
    grids={"smoke": semi_supervised_grid(5, 1, smoke=True),
           "quick": chain(semi_supervised_grid(10, SEMI_SUPERVISED_SEEDS[0]),
                          semi_supervised_grid(100, SEMI_SUPERVISED_SEEDS[1], synthetic=False)),
           "paper": chain(semi_supervised_grid(10, SEMI_SUPERVISED_SEEDS[0]),
                          semi_supervised_grid(100, SEMI_SUPERVISED_SEEDS[1], synthetic=False))},
    profile_overrides={"smoke": SEMI_SUPERVISED_SMOKE},
    report=report,
    claims=claims, claim_prefixes=("semisup/",), macros=macros,
    # The per-arm absolute table (accuracy, the budget check, wall time per run, the literature's anchors) and the
    # two paired families: against real only, and against the FixMatch baseline.
    supplement_tables=("semi_supervised_arms", "semi_supervised_paired", "semi_supervised_vs_fixmatch"),
    table_notes=SEMI_SUPERVISED_NOTES,   # pilots/fixmatch_doubling.csv: the doubling pilot, an input (doubling.py)
))
