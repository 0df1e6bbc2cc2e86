"""low_data_generators: the generators the low-data arms draw from (k = 10 real digits per class, one per seed:
the same models), scored like the generators sweep's. No report of its own: the families table reads it."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, fixed, product, sweep
from cgan_study.sweeps import Sweep, register
from cgan_study.sweeps.common import (
    FULL_DATA_STEPS_PER_EPOCH,
    LOW_DATA_EVAL,
    OTHER_GENERATORS,
    seeds,
    with_low_data_steps,
)


def low_data_generators_grid(k: int, generators, n_seeds: int,
                             low_data_steps: int | None = FULL_DATA_STEPS_PER_EPOCH) -> Grid:
    grid = product(fixed("augment.real_per_class", k), fixed("augment.protocol", "low_data"),
                   sweep("augment.generator", generators), seeds(n_seeds))
    return with_low_data_steps(grid, low_data_steps)


LOW_DATA_GENERATORS = register("low_data_generators", Sweep(stable_names=True,
    task="gan_eval",
    description="The generators the low-data arms draw from (k = 10 real digits per class, one per seed: the same "
                "models), scored like the generators sweep's: does each produce the requested digits at its budget?",
    grids={"smoke": low_data_generators_grid(5, ("pca", "cvae"), 1, low_data_steps=None),
           "quick": low_data_generators_grid(10, ("cgan",) + OTHER_GENERATORS, 3),
           "paper": low_data_generators_grid(10, ("cgan",) + OTHER_GENERATORS, 5)},
    profile_overrides={"quick": LOW_DATA_EVAL, "paper": LOW_DATA_EVAL,
                       "smoke": {"eval.n_samples": 200, "eval.second_scorer_width": 8,
                                 "eval.second_scorer_arch": "gap"}},
))
