"""Real/synthetic training mixes and the augmentation arms (mix, affine, pretrain, filter, synthetic only)."""
from __future__ import annotations

import numpy as np

from . import classifier as clf
from . import stages
from .config import Experiment
from .data import NUM_CLASSES, Split, subset
from .sampling import balanced_labels, sample

SYNTH_SEED_OFFSET = 50_000  # synthetic noise seeds never coincide with other seeds of the run


def real_training_set(exp: Experiment, ctx: stages.Context) -> Split:
    """The real digits a downstream classifier may train on: k per class, or a fraction of each class."""
    pool = ctx.training_pool(exp)
    a = exp.augment
    if a.real_per_class > 0:
        return subset(pool, k=a.real_per_class, seed=exp.seed)
    return subset(pool, fraction=a.real_fraction, seed=exp.seed)


def synthetic_count(exp: Experiment, ctx: stages.Context) -> int:
    """synth_fraction x the size of the full real training set (60,000 for MNIST), rounded to whole classes."""
    reference = len(ctx.data.full_train) if not exp.data.train_per_class_cap else \
        exp.data.train_per_class_cap * NUM_CLASSES
    return int(round(exp.augment.synth_fraction * reference / NUM_CLASSES)) * NUM_CLASSES


def synthetic_set(generator, n: int, seed: int) -> Split:
    """n class-balanced synthetic digits (n/10 per class) as uint8 with the labels G was asked for."""
    labels = balanced_labels(n)
    return Split(sample(generator, labels, seed=seed), labels.astype(np.uint8))


def concat(a: Split, b: Split) -> Split:
    return Split(np.concatenate([a.x, b.x]), np.concatenate([a.y, b.y]))


def confidence_filter(judge, synth: Split, threshold: float) -> Split:
    """Keep synthetic digits the judge classifies as their requested label with probability >= threshold."""
    probs = clf.predict(judge, synth.x)
    keep = probs[np.arange(len(synth)), synth.y.astype(int)] >= threshold
    return synth.take(np.flatnonzero(keep))


GAN_ARMS = ("mix", "pretrain", "filter", "synthetic_only")


def generator_subset(exp: Experiment) -> int:
    """Real digits per class the cell's generator trains on: all (0) under coursework, k under low_data."""
    return exp.augment.real_per_class if exp.augment.protocol == "low_data" else 0


def needs(exp: Experiment, ctx: stages.Context) -> list[stages.Artifact]:
    """The artifacts `run` will use, so that an executor can build each once before the cells that share it."""
    a, out = exp.augment, []
    if a.arm in GAN_ARMS and synthetic_count(exp, ctx) > 0 and not (a.protocol == "low_data" and
                                                                     a.real_per_class <= 0):
        out.append(stages.Artifact("generator", k=generator_subset(exp), subset_seed=exp.seed))
    if a.arm == "filter" and a.protocol == "coursework":
        out.append(stages.Artifact("scorer"))
    return out


def run(exp: Experiment, ctx: stages.Context) -> dict:
    """Train one downstream classifier for this cell and score it on the test digits."""
    a = exp.augment
    real = real_training_set(exp, ctx)
    val = (ctx.data.val.x, ctx.data.val.y)
    out: dict = {"n_real": len(real), "n_synth": 0}
    synth = None
    if a.arm in GAN_ARMS + ("pca",):
        n_synth = synthetic_count(exp, ctx)
        if n_synth == 0:
            if a.arm != "mix":
                raise ValueError(f"augment.arm={a.arm} needs synthetic digits; set augment.synth_fraction > 0")
        else:
            if a.protocol == "low_data" and a.real_per_class <= 0:
                raise ValueError("augment.protocol=low_data trains the generator on the classifier's k real "
                                 "digits per class; set augment.real_per_class > 0")
            k = generator_subset(exp)
            if a.arm == "pca":
                generator = stages.get_pca_generator(exp, ctx, k=k, subset_seed=exp.seed)
            else:
                generator, gen_info, _ = stages.get_generator(exp, ctx, k=k, subset_seed=exp.seed)
                out["gan_train_seconds"] = gen_info.get("train_seconds")
            synth = synthetic_set(generator, n_synth, seed=exp.seed + SYNTH_SEED_OFFSET)
            out["n_synth"] = len(synth)

    cfg, seed = exp.classifier, exp.seed
    if a.arm in ("real", "affine") or (a.arm == "mix" and synth is None):
        model, info = clf.train_classifier(cfg, (real.x, real.y), val, seed, affine=a.arm == "affine")
    elif a.arm in ("mix", "pca"):
        mixed = concat(real, synth)
        model, info = clf.train_classifier(cfg, (mixed.x, mixed.y), val, seed)
    elif a.arm == "synthetic_only":
        model, info = clf.train_classifier(cfg, (synth.x, synth.y), val, seed)
        out["n_real"] = 0
    elif a.arm == "pretrain":
        model, pre = clf.train_classifier(cfg, (synth.x, synth.y), val, seed)
        model, info = clf.train_classifier(cfg, (real.x, real.y), val, seed, model=model)
        out["pretrain_seconds"] = pre["train_seconds"]
    elif a.arm == "filter":
        # Who judges matters: under `coursework` the scorer (trained on all 60,000 real digits) decides;
        # under `low_data` that would leak labels the classifier is not allowed to see, so a classifier
        # trained on the same k real digits per class decides instead.
        if a.protocol == "coursework":
            judge, _ = stages.get_scorer(exp, ctx)
            out["filter_judge"] = "scorer"
        else:
            judge, _ = clf.train_classifier(cfg, (real.x, real.y), val, seed)
            out["filter_judge"] = "real_only_classifier"
        kept = confidence_filter(judge, synth, a.filter_threshold)
        out["n_synth_kept"] = len(kept)
        mixed = concat(real, kept)
        model, info = clf.train_classifier(cfg, (mixed.x, mixed.y), val, seed)
    else:  # pragma: no cover - config validation rejects other arms
        raise ValueError(f"unknown arm {a.arm}")

    test = ctx.data.evaluation_split()
    out["test_accuracy"] = clf.accuracy(model, test.x, test.y)
    out.update({f"train_{k}": v for k, v in info.items()})
    return out
