"""What one sweep point runs, by task name (a downstream classifier, a GAN evaluation, the scorer, the Q5 analysis),
and what it needs built first."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from cgan_study.config import Experiment
from cgan_study.images import grid_png
from cgan_study.runtime import results
from cgan_study.study import augment, stages
from cgan_study.study import metrics as M
from cgan_study.training.callbacks import GRID_SEED
from cgan_study.training.fit import GRID_FILE

PROGRESSIVE_FILE = "progressive.png"
GAN_HISTORY = "generator_history.jsonl"   # the analysis run's copy of its generator's training history


def run_augment(exp: Experiment, ctx: stages.Context, run_dir: Path) -> dict:
    return augment.run(exp, ctx)


class _Timed:
    """A generator that adds up the seconds its generate() calls take (sampling speed, e.g. per sampler)."""

    def __init__(self, generator):
        self.generator, self.conditional, self.seconds = generator, generator.conditional, 0.0

    def generate(self, labels, seed, n=None):
        start = time.perf_counter()
        out = self.generator.generate(labels, seed=seed, n=n)
        self.seconds += time.perf_counter() - start
        return out


def evaluated_generator(exp: Experiment) -> stages.Artifact | None:
    """The generator a gan_eval point scores: trained on all real digits with the run's seed, or (augment.protocol
    low_data, augment.real_per_class k) on the k digits per class of the seed's subset: the very model that the
    low-data augmentation cells of that seed draw from (augment.plan). Under semi_supervised: the CGAN trained on
    the pool with the FixMatch baseline's labels, the model those cells draw from; None for the SSL-GAN, which its
    run builds (or finds) as the ssl_gan arm does."""
    if exp.augment.protocol == "semi_supervised":
        from cgan_study.study import semi_supervised

        return None if exp.augment.generator == "ssl_gan" else semi_supervised.generator_artifact(exp)
    k = augment.generator_subset(exp)
    return stages.Artifact("generator", k=k, subset_seed=exp.seed if k else 0, seed=exp.seed)


def scored_generator(exp: Experiment, ctx: stages.Context):
    """(generator, build info, artifact directory) of the point: evaluated_generator's model, or the cell's SSL-GAN."""
    if exp.augment.protocol == "semi_supervised":
        from cgan_study.study import semi_supervised

        if exp.augment.generator == "ssl_gan":
            return semi_supervised.get_ssl_gan(exp, ctx)
        return semi_supervised.get_generator(exp, ctx)
    wanted = evaluated_generator(exp)
    return stages.get_generator(exp, ctx, k=wanted.k, subset_seed=wanted.subset_seed, seed=wanted.seed)


def run_gan_evaluation(exp: Experiment, ctx: stages.Context, run_dir: Path) -> dict:
    """Train (or reuse) the generator of this point with the run's seed, score it, draw its sample grid."""
    generator, info, path = scored_generator(exp, ctx)
    # Row r = class r for conditional generators (classes cycle when there are fewer than 10: the training callback's
    # rows); the same noise seed as that callback's final grid.
    labels = np.repeat(np.arange(10), 10) % ctx.data.num_classes if generator.conditional else None
    results.write_bytes(run_dir / GRID_FILE, grid_png(generator.generate(labels, seed=GRID_SEED, n=100), rows=10))
    if stages.generator_entry(exp).progressive:  # diffusion: the x_0 estimate from noise to digit, a row per class
        results.write_bytes(run_dir / PROGRESSIVE_FILE, grid_png(generator.progressive(seed=GRID_SEED), rows=10))
    timed = _Timed(generator)
    out = stages.evaluate(timed, exp, ctx, seed=exp.seed)
    out["sample_seconds_per_1000"] = 1000 * timed.seconds / exp.eval.n_samples
    if exp.eval.epoch_samples:  # stability over time: every epoch's generator, scored alike
        rows = stages.evaluate_epochs(stages.generator_entry(exp), path, exp, ctx, seed=exp.seed)
        results.write_jsonl(run_dir / results.EPOCH_SCORES, rows)
        onset = M.collapse_onset(rows)
        out["collapse_onset_epoch"] = onset if onset is not None else "none"
    out["gan"] = {k: info[k] for k in ("epochs_run", "stopped_early", "train_seconds", "elbo", "g_flops_per_image",
                                       "d_flops_per_image") if k in info}
    out["generator_artifact"] = path.name
    return out


def run_analysis(exp: Experiment, ctx: stages.Context, run_dir: Path) -> dict:
    """Q5: the default generator (seed = run seed) against real digits in the scorer's features, as files that the
    report draws (embeddings, confidences, the 1-NN two-sample accuracy, sample grid, training history)."""
    from cgan_study.study import analysis

    generator, info, path = stages.get_generator(exp, ctx, seed=exp.seed)
    scorer, _ = stages.get_scorer(exp, ctx)
    out = analysis.compute(scorer, ctx.data, generator, run_dir, seed=exp.seed)
    results.write_bytes(run_dir / "samples.png", (path / GRID_FILE).read_bytes())
    results.write_bytes(run_dir / GAN_HISTORY, (path / results.HISTORY).read_bytes())
    model = getattr(generator, "model", None)
    if model is not None:
        try:
            analysis.interpolation_png(model, run_dir)
        except ValueError:  # not a label-embedding generator (e.g. with VBN): no interpolation figure
            pass
    out["generator_artifact"] = path.name
    return out


def run_scorer(exp: Experiment, ctx: stages.Context, run_dir: Path) -> dict:
    _, info = stages.get_scorer(exp, ctx)
    return {**info, "artifact": stages.scorer_key(exp, ctx)}


TASKS = {"augment": run_augment, "gan_eval": run_gan_evaluation, "scorer": run_scorer, "analysis": run_analysis}

# What each task's run needs built first (an executor builds every distinct artifact once, then the runs).
NEEDS = {
    "augment": augment.needs,
    "gan_eval": lambda exp, ctx: [a for a in (stages.Artifact("scorer"), evaluated_generator(exp)) if a is not None]
    + ([stages.Artifact("second_scorer")] if exp.eval.second_scorer_width else []),
    "scorer": lambda exp, ctx: [stages.Artifact("scorer")],
    "analysis": lambda exp, ctx: [stages.Artifact("scorer"), stages.Artifact("generator", seed=exp.seed)],
}
