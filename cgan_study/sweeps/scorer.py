"""scorer: the scoring CNN every quality metric reads (trained once, cached; the first sweep `reproduce` runs)."""
from __future__ import annotations

from cgan_study.runtime.grid import fixed
from cgan_study.sweeps import Sweep, register

SCORER = register("scorer", Sweep(stable_names=True, task="scorer",
                                  description="Train (or reuse) the scoring CNN and record its test accuracy.",
                                  grids={"quick": fixed("seed", 0)},
                                  datasets=("mnist", "fashion_mnist", "icons")))
