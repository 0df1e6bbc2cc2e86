"""Sweep combinators (sweep/fixed/product/zip/chain) and run names built from the swept values."""
from __future__ import annotations

import re
from typing import Any, Iterable

Grid = list[dict[str, Any]]

# Short labels for run names; a key not listed uses its last dotted component.
SHORT = {
    "seed": "seed",
    "augment.real_fraction": "real",
    "augment.synth_fraction": "synth",
    "augment.real_per_class": "k",
    "augment.synth_per_class": "synthk",
    "classifier.epochs": "epochs",
    "diffusion.sampler": "",
    "diffusion.sample_steps": "S",
    "diffusion.min_steps_per_epoch": "minsteps",
    "gan.min_steps_per_epoch": "minsteps",
    "ebgan.min_steps_per_epoch": "minsteps",
    "cvae.min_steps_per_epoch": "minsteps",
    "diffusion.eta": "eta",
    "diffusion.guidance": "w",
    "augment.strategy": "",
    "augment.generator": "",
    "augment.protocol": "",
    "gan.loss": "",
    "gan.label_smoothing": "ls",
    "gan.vbn": "vbn-",
    "gan.d_norm": "dnorm-",
    "gan.d_steps": "dsteps",
    "gan.beta_1": "b1-",
    "gan.minibatch_discrimination": "mbd-",
    "gan.g_lr": "glr",
    "gan.d_lr": "dlr",
    "gan.g_width": "gw",
    "gan.d_width": "dw",
    "gan.latent_dim": "z",
    "gan.pack": "pack",
    "gan.optimizer": "",
}


def sweep(key: str, values: Iterable[Any]) -> Grid:
    """One key over several values: [{key: v1}, {key: v2}, ...]."""
    values = list(values)
    if not values:
        raise ValueError(f"sweep over '{key}' has no values")
    return [{key: v} for v in values]


def fixed(key: str, value: Any) -> Grid:
    """One key at one value."""
    return [{key: value}]


def product(*grids: Grid) -> Grid:
    """Every combination of the given grids, the last varying fastest."""
    out: Grid = [{}]
    for grid in grids:
        out = [{**a, **b} for a in out for b in grid]
    return out


def zip_(*grids: Grid) -> Grid:
    """Element-wise combination of equally long grids."""
    lengths = {len(g) for g in grids}
    if len(lengths) > 1:
        raise ValueError(f"zip_ needs grids of equal length, got {sorted(lengths)}")
    return [{k: v for part in parts for k, v in part.items()} for parts in zip(*grids)]


def chain(*grids: Grid) -> Grid:
    """Concatenation of grids (runs of different shapes in one sweep)."""
    return [dict(point) for grid in grids for point in grid]


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}" if 0 < abs(value) < 0.01 else f"{value:.2f}"
    return re.sub(r"[^A-Za-z0-9_.+]+", "_", str(value))


def run_name(point: dict[str, Any], keys: Iterable[str] | None = None) -> str:
    """'real0.10-synth0.50-seed1' from the swept values of one grid point (seed last)."""
    keys = [k for k in (point if keys is None else keys) if k in point]
    keys = sorted(keys, key=lambda k: (k == "seed",))  # stable: declaration order, seed at the end
    parts = [f"{SHORT.get(k, k.rsplit('.', 1)[-1])}{_format(point[k])}" for k in keys]
    return "-".join(parts) or "default"


def stable_name(point: dict[str, Any]) -> str:
    """A run's own name: every key its point declares, in key order (seed last). Nothing else in the grid enters
    it, so adding a point to a sweep never renames another run (and never makes it run again)."""
    return run_name(point, sorted(point))


def name_runs(grid: Grid, stable: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """Name every point: by its own keys (stable), or, as the sweeps named before, by the keys whose values differ
    somewhere in the grid (a new point can rename the others); names must be unique."""
    varying = [k for k in dict.fromkeys(k for p in grid for k in p)
               if len({repr(p.get(k, "<unset>")) for p in grid}) > 1]
    named = [(stable_name(p) if stable else run_name(p, varying), p) for p in grid]
    seen: dict[str, dict] = {}
    for name, point in named:
        if name in seen:
            raise ValueError(f"two grid points share the run name '{name}': {seen[name]} and {point}")
        seen[name] = point
    return named
