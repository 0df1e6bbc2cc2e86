"""What one sweep point runs, by task name (a downstream classifier, a GAN evaluation, the scorer), and needs."""
from __future__ import annotations

from pathlib import Path

from . import augment, results, stages
from .config import Experiment
from .training import GRID_FILE


def run_augment(exp: Experiment, ctx: stages.Context, run_dir: Path) -> dict:
    return augment.run(exp, ctx)


def run_gan_evaluation(exp: Experiment, ctx: stages.Context, run_dir: Path) -> dict:
    """Train (or reuse) the GAN of this point with the run's seed, score it, copy its sample grid."""
    generator, info, path = stages.get_generator(exp, ctx, seed=exp.seed)
    results.write_bytes(run_dir / GRID_FILE, (path / GRID_FILE).read_bytes())
    out = stages.evaluate(generator, exp, ctx, seed=exp.seed)
    out["gan"] = {k: info[k] for k in ("epochs_run", "stopped_early", "train_seconds", "g_flops_per_image",
                                       "d_flops_per_image") if k in info}
    out["generator_artifact"] = path.name
    return out


def run_scorer(exp: Experiment, ctx: stages.Context, run_dir: Path) -> dict:
    _, info = stages.get_scorer(exp, ctx)
    return {**info, "artifact": stages.scorer_key(exp, ctx)}


TASKS = {"augment": run_augment, "gan_eval": run_gan_evaluation, "scorer": run_scorer}

# What each task's run needs built first (an executor builds every distinct artifact once, then the runs).
NEEDS = {
    "augment": augment.needs,
    "gan_eval": lambda exp, ctx: [stages.Artifact("scorer"), stages.Artifact("generator", seed=exp.seed)],
    "scorer": lambda exp, ctx: [stages.Artifact("scorer")],
}
