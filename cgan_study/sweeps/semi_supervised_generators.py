"""semi_supervised_generators (issue 41): the unlabelled-pool protocol's two generators scored as images.

The SSL-GAN (Salimans et al. 2016: its G is unconditional, so FID, precision, recall and class coverage against the
training digits, and no success rate) and the CGAN trained on the pool with the FixMatch baseline's labels (the
model the pool cells draw their synthetic digits from; its success rate says how well it honours labels it was
given by a classifier, not by people). Each point is the very artifact the semi_supervised cells of its seed built
or use (the same keys: k, the seed's subset, its baseline, the pseudo-label CGAN's full-data budget), so scoring them
trains nothing that sweep has built."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import FULL_DATA_STEPS_PER_EPOCH, seeds
from cgan_study.sweeps.semi_supervised import SEMI_SUPERVISED, SEMI_SUPERVISED_SMOKE

POOL_GENERATORS_K, POOL_GENERATORS_SEEDS = 10, 3


def pool_generators_grid(k: int, n_seeds: int, smoke: bool = False) -> Grid:
    """The SSL-GAN and the pseudo-label CGAN of each seed's k-per-class cell (strategy real: a gan_eval point trains
    no classifier, and real is the one strategy every protocol serves without a generator)."""
    cell = product([dict(SEMI_SUPERVISED)], fixed("augment.real_per_class", k), fixed("augment.strategy", "real"))
    ssl_gan = product(cell, fixed("augment.generator", "ssl_gan"), seeds(n_seeds))
    cgan = product(cell, fixed("augment.generator", "cgan"), seeds(n_seeds))
    # The pool cells' CGAN trains a full-data CGAN's epochs (semi_supervised_grid); the smoke profile keeps its own.
    return chain(ssl_gan, cgan if smoke else
                 [{**point, "gan.min_steps_per_epoch": FULL_DATA_STEPS_PER_EPOCH} for point in cgan])


def report(sweep_dir):
    from cgan_study.reporting.pool_generators import pool_generators_report   # deferred: CLIs start without pandas

    return pool_generators_report(sweep_dir)


def macros(tables, root):
    """The SSL-GAN's and the pseudo-label CGAN's training-referenced FID and recall, the CGAN's success rate."""
    from cgan_study.reporting.pool_generators import pool_generator_numbers

    return pool_generator_numbers(tables.get("pool_generators_runs"))


SEMI_SUPERVISED_GENERATORS = register("semi_supervised_generators", Sweep(stable_names=True,
    task="gan_eval",
    description="The unlabelled-pool protocol's generators scored as images: the SSL-GAN (unconditional: FID, "
                "precision, recall against training digits) and the CGAN trained on the FixMatch-labelled pool "
                "(also its success rate), k = 10, 3 seeds, reusing semi_supervised's artifacts.",
    grids={"smoke": pool_generators_grid(5, 1, smoke=True),
           "quick": pool_generators_grid(POOL_GENERATORS_K, POOL_GENERATORS_SEEDS),
           "paper": pool_generators_grid(POOL_GENERATORS_K, POOL_GENERATORS_SEEDS)},
    profile_overrides={"smoke": SEMI_SUPERVISED_SMOKE},
    report=report,
    macros=macros,
    supplement_tables=("pool_generators",),
    figures=("pool_generator_grids.png",),
    depends_on=("semi_supervised",),
    table_notes={"pool_generators": TableNote(
        "each pool generator's 10,000 samples scored by the scorer: success rate (the CGAN only: the SSL-GAN's G "
        "takes no label), and FID, precision, recall and class coverage against 10,000 training digits.",
        "nothing: reported only (the pool generators' recipes are semi_supervised's, fixed before its runs).")},
))
