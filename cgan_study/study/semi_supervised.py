"""The semi-supervised protocol: a cell's k labelled digits per class plus every other training digit without its label.

What a cell may use: its k labelled digits per class, chosen from the training pool as every few-shot cell chooses
them (data.class_balanced_indices with the run's seed), and the rest of the training pool as images only. The
validation digits are not in the pool (the split carved them out) and the test digits never are; a pool holding a
copy of either is refused (data.check_unlabelled_pool, before anything is written, and again here).

Choosing k digits *per class* reads the pool's labels: it assumes the class priors are known (balanced), standard
practice in semi-supervised benchmarks (Oliver et al. 2018). That selection, in `split_cell`, is the last place the
pool's labels are read: it hands the unlabelled part on as an image array, and nothing downstream (FixMatch, the
pseudo-labels, the generator trained on them) can reach the labels (tests/study/test_semi_supervised.py puts the pool's
labels behind a tripwire after the selection).

Two cached artifacts per (seed, k, config), built by an executor before the cells that need them:
- fixmatch_baseline: the FixMatch classifier of the cell (study/fixmatch.py) and its labels for the unlabelled pool
  (the pseudo-labels; issue 41 decided that these, not the SSL-GAN's, label the generator's pool). The `fixmatch`
  cell is this classifier, scored on the test digits.
- the pseudo-label generator: augment.generator (the study's CGAN) trained on the whole pool, the k labelled digits
  with their labels and the unlabelled ones with the baseline's; its key holds the baseline's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cgan_study.config import Experiment, classifier_part, stable_hash, to_dict, with_recipe
from cgan_study.data import DataError, Split, check_unlabelled_pool, class_balanced_indices
from cgan_study.runtime import results
from cgan_study.study import stages
from cgan_study.study.strategies import PSEUDO_LABEL_GENERATORS, SEMI_SUPERVISED_STRATEGIES  # noqa: F401

PROTOCOL = "semi_supervised"
BASELINE_FILE, PSEUDO_LABELS_FILE = "classifier.keras", "pseudo_labels.npz"


@dataclass(frozen=True)
class Cell:
    """What a semi-supervised cell may train on: labelled digits and the unlabelled pool as images only."""
    labelled: Split
    unlabelled: np.ndarray   # (N, 28, 28) uint8, no labels


def split_cell(pool: Split, k: int, seed: int) -> Cell:
    """k labelled digits per class (the selection reads the pool's labels: known class priors) and the rest of the
    pool as images. The last read of the pool's labels."""
    chosen = class_balanced_indices(pool.y, k=k, seed=seed)
    labelled = Split(pool.x[chosen], pool.y[chosen])
    rest = np.ones(len(pool.x), bool)
    rest[chosen] = False
    return Cell(labelled, pool.x[rest])


def cell_data(exp: Experiment, ctx: stages.Context) -> Cell:
    """The cell's labelled digits and unlabelled pool (the training pool less the labelled ones), checked once per
    context: k the pool allows, no copy of a validation or test digit in it."""
    a = exp.augment
    if a.real_per_class <= 0:
        raise DataError("augment.protocol=semi_supervised needs the cell's labelled digits; set "
                        "augment.real_per_class > 0")
    memo = ("semi_supervised_pool_checked", a.real_per_class, exp.data.train_per_class_cap)
    if memo not in ctx._reference:
        check_unlabelled_pool(ctx.data, a.real_per_class, exp.data.train_per_class_cap, seed=stages.ARTIFACT_SEED)
        ctx._reference[memo] = {}
    return split_cell(ctx.training_pool(exp), a.real_per_class, exp.seed)


# --------------------------------------------------------------------------- the FixMatch baseline

def baseline_spec(exp: Experiment, ctx: stages.Context) -> dict:
    """What the baseline depends on: the recipe, its budget, the classifier, the data, k, the subset and the seed."""
    from cgan_study.study import fixmatch

    return with_recipe({"baseline": "fixmatch", "method": fixmatch.recipe(), "fixmatch": to_dict(exp.fixmatch),
                        "classifier": classifier_part(exp.classifier), "data": ctx.data_part(exp),
                        "k_per_class": exp.augment.real_per_class, "subset_seed": exp.seed, "seed": exp.seed},
                       fixmatch.RECIPE)


def get_baseline(exp: Experiment, ctx: stages.Context):
    """(the FixMatch classifier of the cell, its build info, its artifact directory), trained once and cached."""
    import keras

    spec = baseline_spec(exp, ctx)
    key = stable_hash(spec)

    def build(work: Path) -> dict:
        from cgan_study.study import fixmatch

        cell = cell_data(exp, ctx)
        network, info = fixmatch.train_fixmatch(exp.classifier, exp.fixmatch, (cell.labelled.x, cell.labelled.y),
                                                cell.unlabelled, exp.seed)
        labels, confidence = fixmatch.pseudo_labels(network, cell.unlabelled)
        results.save_keras_model(work / BASELINE_FILE, network)
        results.write_npz(work / PSEUDO_LABELS_FILE, labels=labels, confidence=confidence)
        # Read without any pool label: how confident the baseline is on the pool, and how its labels spread.
        info.update({"pool_confident_rate": float(np.mean(confidence >= fixmatch.THRESHOLD)),
                     "pool_label_counts": np.bincount(labels, minlength=10).tolist()})
        return info

    path = ctx.cache.get_or_build("fixmatch_baseline", key, spec, build)
    if key not in ctx._models:
        ctx._models[key] = keras.saving.load_model(path / BASELINE_FILE, compile=False)
    return ctx._models[key], results.read_json(path / results.METRICS), path


def pseudo_labelled_pool(exp: Experiment, ctx: stages.Context) -> Split:
    """The whole pool as a generator's training set: the labelled digits with their labels, the unlabelled ones with
    the baseline's pseudo-labels."""
    _, _, path = get_baseline(exp, ctx)
    cell = cell_data(exp, ctx)
    labels = results.read_npz(path / PSEUDO_LABELS_FILE)["labels"]
    if len(labels) != len(cell.unlabelled):
        raise RuntimeError(f"{path}: {len(labels)} pseudo-labels for a pool of {len(cell.unlabelled)}; delete the "
                           "artifact to rebuild it")
    return Split(np.concatenate([cell.labelled.x, cell.unlabelled]),
                 np.concatenate([cell.labelled.y, labels]).astype(np.uint8))


# --------------------------------------------------------------------------- the pseudo-label generator

def generator_spec(exp: Experiment, ctx: stages.Context) -> dict:
    """The generator's own spec (its section, the data, k, subset, seed) plus the baseline that labelled its pool."""
    k = exp.augment.real_per_class
    return {**stages.generator_spec(exp, ctx, k=k, subset_seed=exp.seed, seed=exp.seed),
            "pool": "pseudo_labels", "baseline": stable_hash(baseline_spec(exp, ctx))}


def get_generator(exp: Experiment, ctx: stages.Context):
    """(generator, build info, artifact directory) of augment.generator trained on the pseudo-labelled pool."""
    if exp.augment.generator not in PSEUDO_LABEL_GENERATORS:
        raise ValueError(f"augment.generator={exp.augment.generator} cannot serve augment.protocol=semi_supervised; "
                         f"use one of {', '.join(PSEUDO_LABEL_GENERATORS)}")
    return stages.generator_of_spec(exp, ctx, generator_spec(exp, ctx), lambda: pseudo_labelled_pool(exp, ctx),
                                    exp.seed)


# --------------------------------------------------------------------------- as executor artifacts

def artifact_path(kind: str, exp: Experiment, ctx: stages.Context) -> Path:
    if kind == "fixmatch_baseline":
        return ctx.cache.path(kind, stable_hash(baseline_spec(exp, ctx)))
    return ctx.cache.path("generator", stable_hash(generator_spec(exp, ctx)))


def build_artifact(kind: str, exp: Experiment, ctx: stages.Context) -> Path:
    return get_baseline(exp, ctx)[2] if kind == "fixmatch_baseline" else get_generator(exp, ctx)[2]


def baseline_artifact(exp: Experiment) -> stages.Artifact:
    return stages.Artifact("fixmatch_baseline", k=exp.augment.real_per_class, subset_seed=exp.seed, seed=exp.seed)


def generator_artifact(exp: Experiment) -> stages.Artifact:
    return stages.Artifact("generator", k=exp.augment.real_per_class, subset_seed=exp.seed, seed=exp.seed,
                           pseudo_labels=True)


# --------------------------------------------------------------------------- the semi-supervised GAN

def ssl_gan_spec(exp: Experiment, ctx: stages.Context) -> dict:
    """What the cell's SSL-GAN depends on: its section, the data, k, the subset (the pool follows from it) and the
    seed, and its family's recipe version."""
    from cgan_study.generators import REGISTRY

    entry = REGISTRY["ssl_gan"]
    return with_recipe({**entry.spec(exp), "data": ctx.data_part(exp), "k_per_class": exp.augment.real_per_class,
                        "subset_seed": exp.seed, "seed": exp.seed, "pool": "unlabelled"}, entry.recipe())


def get_ssl_gan(exp: Experiment, ctx: stages.Context):
    """(the trained SSL-GAN, its build info, its artifact directory), trained once on the cell's labelled digits and
    the pool's images (never its labels) and cached as a generator artifact."""
    from cgan_study.generators import ssl_gan

    spec = ssl_gan_spec(exp, ctx)
    key = stable_hash(spec)

    def build(work: Path) -> dict:
        cell = cell_data(exp, ctx)
        return ssl_gan.train_ssl_gan(cell.labelled, cell.unlabelled, exp.ssl_gan, work, exp.seed)

    path = ctx.cache.get_or_build("generator", key, spec, build)
    if key not in ctx._models:
        ctx._models[key] = ssl_gan.load_ssl_gan(path)
    return ctx._models[key], results.read_json(path / results.METRICS), path
