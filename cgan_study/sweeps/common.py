"""The study's rules that several sweeps share: seeds, the few-shot arms and amounts, the low-data generators' step
budget (with its evidence), the classification accuracy score, the scoring settings of the GAN sweeps, and how to
read the tables of the reports several sweeps share (their TableNotes)."""
from __future__ import annotations

from cgan_study.generators import min_steps_key
from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import TableNote
from cgan_study.study.presets import FEW_SHOT_SYNTH
from cgan_study.training.budget import FULL_DATA_STEPS_PER_EPOCH

__all__ = ["AUGMENT_NOTES", "FEW_SHOT_SYNTH", "FULL_DATA_STEPS_PER_EPOCH", "GENERATORS_EVAL", "LOSS_TREND_NOTE",
           "LOW_DATA_CGAN_STEPS", "LOW_DATA_EVAL", "OTHER_GENERATORS", "PROTOCOLS", "SEMI_SUPERVISED_NOTES",
           "STRATEGIES_REAL", "STRATEGIES_SYNTH", "TRICKS_EVAL", "cas_grid", "few_shot_grid", "low_data_arm_grid",
           "dataset_overrides", "seeds", "with_low_data_steps"]


def seeds(n: int) -> Grid:
    return sweep("seed", range(n))


STRATEGIES_REAL = ("real", "affine")
STRATEGIES_SYNTH = ("mix", "pretrain", "filter")
PROTOCOLS = ("coursework", "low_data")


# The generators' budget rule on a few-shot set. A generator trains its family's epochs; an epoch is a pass over its
# digits but at least min_steps_per_epoch steps. At the default (100) a low-data generator on a cell's 100 digits
# (k = 10) trained 600 steps (CGAN) and had not converged: results/low_data_budget scored the study's CGAN at 72.3%
# success after 600 steps, 94.9% after 1,200, 99.3% after 2,760 and 99.7% after 5,520; EBGAN drew the requested
# digit at chance (10.2%), and a diffusion model at 1,000 steps read 12.5% and 13.3% (seeds 0 and 1). So under the
# low-data protocol every trained generator takes as many steps as its full-data training: an epoch of
# 59,000 // 128 = 460 steps (the training digits less the validation split, at batch 128), 2,760 steps for the
# GANs (6 epochs), 4,600 for the CVAE and diffusion (10 epochs). A budget a few-shot user can pay, and the rule
# that the doubling check (920 steps an epoch, results/low_data_budget) supports. The coursework arms use the
# generators sweep's models unchanged; PCA fits in closed form and has no steps.
# FULL_DATA_STEPS_PER_EPOCH (training/budget.py) = 460


# The same rule for a dataset smaller than MNIST under every protocol: a folder of images (the icons: 2,621 training
# images, 21 steps an epoch at batch 128) would otherwise give the coursework generators 6 x 100 = 600 steps, the
# budget results/low_data_budget showed unconverged. Every trained generator there takes a full-data MNIST epoch's
# steps an epoch, so the colour study's generators train as long as the digit study's.
SMALL_DATASETS_EXEMPT = ("mnist", "fashion_mnist")   # 59,000 training images: their epochs are full already


def dataset_overrides(dataset: str) -> dict:
    """What a dataset changes in every run of every sweep: a folder of images (any dataset but MNIST and
    Fashion-MNIST) gets the full-data epoch's steps for each trained generator family."""
    if dataset in SMALL_DATASETS_EXEMPT:
        return {}
    from cgan_study.generators import REGISTRY

    keys = {min_steps_key(name) for name in REGISTRY} - {None}
    return {key: FULL_DATA_STEPS_PER_EPOCH for key in sorted(keys)}


def with_low_data_steps(grid: Grid, steps: int | None = FULL_DATA_STEPS_PER_EPOCH) -> Grid:
    """Every low-data point of the grid with its generator trained `steps` per epoch (the rule above); other points
    unchanged. A point without a generator key uses the CGAN (augment.generator's default). None leaves the grid as
    it is: the smoke profile's own minimum (20 steps) already equals its full-data epoch (500 digits // 64 < 20)."""
    if steps is None:
        return [dict(point) for point in grid]
    out = []
    for point in grid:
        key = min_steps_key(point.get("augment.generator", "cgan"))
        low_data = point.get("augment.protocol") == "low_data"
        out.append({**point, key: steps} if low_data and key else dict(point))
    return out


def few_shot_grid(ks, n_seeds: int, low_data_steps: int | None = FULL_DATA_STEPS_PER_EPOCH) -> Grid:
    """At each k real digits per class: real-only and affine, and the CGAN's mix, pretrain and filter arms under
    both protocols."""
    real_only = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", STRATEGIES_REAL),
                        seeds(n_seeds))
    synthetic = product(sweep("augment.real_per_class", ks), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                        sweep("augment.strategy", STRATEGIES_SYNTH), sweep("augment.protocol", PROTOCOLS),
                        seeds(n_seeds))
    return chain(real_only, with_low_data_steps(synthetic, low_data_steps))


# The other conditional generators, used exactly like the CGAN's digits at k = 10 (mix and filter, both
# protocols) and in the classification accuracy score (Q5).
OTHER_GENERATORS = ("acgan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion")


def cas_grid(n_seeds: int, generators=("cgan",)) -> Grid:
    """Classification accuracy score: trained on 60,000 synthetic digits only, tested on real."""
    cgan = product(fixed("augment.strategy", "synthetic_only"), fixed("augment.synth_fraction", 1.0), seeds(n_seeds))
    others = [g for g in generators if g != "cgan"]
    if not others:
        return cgan
    return chain(cgan, product(fixed("augment.strategy", "synthetic_only"), fixed("augment.synth_fraction", 1.0),
                               sweep("augment.generator", others), seeds(n_seeds)))


# Every GAN of the tricks and search sweeps is scored at every epoch on 2,000 samples, and its success rate is
# also given by a second scorer (width 48, seed 1) beside the project's (width 32, seed 0).
TRICKS_EVAL = {"eval.epoch_samples": 2000, "eval.second_scorer_width": 48, "eval.second_scorer_seed": 1}

# The generators table gives each generator's success rate by a second scorer of another architecture (gap: 5x5
# convolutions, batch norm, global average pooling) beside the first: levels are scorer-relative, rankings carry.
GENERATORS_EVAL = {"eval.second_scorer_width": 32, "eval.second_scorer_seed": 1, "eval.second_scorer_arch": "gap"}

# Scoring the low-data generators needs no test-sized sample: 2,000 (200 per class) give the success rate to about
# a point, and the FIDs are read against each other, not against the generators table's (10,000 samples).
LOW_DATA_EVAL = {**GENERATORS_EVAL, "eval.n_samples": 2000}

# The study's CGAN at the old rule's steps (epochs of at least 100 steps: 6 x 100 = 600 steps on 100 digits), its
# doubling, the present rule (460 an epoch: 2,760 steps, the low-data arms' own models) and twice that: the doubling
# check of the present rule (low_data_budget scores the generators, low_data_budget_arms the arms they feed).
LOW_DATA_CGAN_STEPS = (100, 200, 460, 920)


def low_data_arm_grid(ks, steps, n_seeds: int, changed: tuple = ()) -> Grid:
    """Real only and affine, the mix arm at every generator budget in `steps`, and the `changed` training
    strategies (pretrain, filter) at a full-data training's steps (460 an epoch) only."""
    real = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", STRATEGIES_REAL), seeds(n_seeds))
    low_data = product(fixed("augment.synth_fraction", FEW_SHOT_SYNTH), fixed("augment.protocol", "low_data"))
    mix = product(sweep("augment.real_per_class", ks), fixed("augment.strategy", "mix"), low_data,
                  sweep("gan.min_steps_per_epoch", steps), seeds(n_seeds))
    others = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", changed), low_data,
                     fixed("gan.min_steps_per_epoch", FULL_DATA_STEPS_PER_EPOCH), seeds(n_seeds)) if changed else []
    return chain(real, mix, others)


# How to read the tables of the augmentation report (reporting/mix_ratios.py), which mix_ratios, mix_ratios_families
# and replication share: every downstream classifier keeps its final weights and reads no validation image, so each
# accuracy below is read once, on the test images, after everything was fixed.
_FAMILY_RULE = ("verdicts from the interval Bonferroni-adjusted within its family, Holm p and TOST at the margin "
                "fixed before the n = 10 runs (reporting/multiplicity.py)")
AUGMENT_NOTES = {
    "filter_kept": TableNote(
        "how many of each filter arm's synthetic images its judge kept, per k, protocol and seed (no accuracy).",
        "the judge's confidence threshold (augment.filter_threshold, fixed in the config); the judge reads training "
        "images only (the scorer under coursework, a classifier of the cell's k labelled images under low_data)."),
    "few_shot": TableNote(
        "test accuracy of the final weights on the test images; a cell's classifier sees its k labelled images per "
        "class (plus synthetic ones) and no other labelled image; a coursework arm's generator saw every labelled "
        "training image (an upper bound).",
        "the filter arms keep the synthetic images a judge classifies as requested (confidence at least "
        "augment.filter_threshold): the scorer (training images) under coursework, a classifier trained on the "
        "cell's k images under low-data; nothing else chosen."),
    "few_shot_paired": TableNote(
        "test accuracy, each arm minus real only with the same k and seed.",
        f"nothing chosen: one family per k, {_FAMILY_RULE}; an arm identical to another is not counted."),
    "mix_grid": TableNote(
        "test accuracy of the final weights by real fraction and synthetic amount, mean over seeds.",
        "nothing: reported only."),
    "mix_grid_paired": TableNote(
        "test accuracy, each cell minus the same real fraction without synthetic images, same seed.",
        f"nothing chosen: the whole grid is one family, {_FAMILY_RULE}."),
    "cas": TableNote(
        "test accuracy of a classifier trained on 60,000 synthetic images alone, minus real only on all training "
        "images (same seed).",
        "nothing: reported only."),
}
# A generator's own training loss (CVAE and diffusion log a likelihood-type loss; a GAN's is a game's).
LOSS_TREND_NOTE = TableNote(
    "each generator artifact's training-loss history (its own training images): how fast the loss still fell at "
    "the end of its budget.",
    "nothing: reported only.")

# The semi-supervised report (reporting/semi_supervised.py), which semi_supervised and its replication share.
SEMI_SUPERVISED_NOTES = {
    "semi_supervised_arms": TableNote(
        "test accuracy of each arm's final weights; the budget check reads each run's training curves (FixMatch's "
        "loss and mask rate, the SSL-GAN's classifier loss), no test image; the literature's anchors as published.",
        "nothing chosen: FixMatch runs its paper's published recipe, fixed before any run; the pseudo-label CGAN "
        "trains on the pool as the FixMatch baseline labels it (no pool label read)."),
    "semi_supervised_paired": TableNote(
        "test accuracy, each arm minus real only (the k labelled images alone) with the same k and seed.",
        f"nothing chosen: one family per k, {_FAMILY_RULE}."),
    "semi_supervised_vs_fixmatch": TableNote(
        "test accuracy, each pool arm minus the FixMatch baseline with the same k and seed.",
        f"nothing chosen: one family per k, {_FAMILY_RULE}."),
}
