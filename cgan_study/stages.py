"""Cached pipeline stages: the scorer, trained generators (any registered family) and their evaluation."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from . import classifier as clf
from . import metrics as M
from . import results
from .config import Experiment, stable_hash, to_dict
from .data import MnistData, Split, cap_per_class, subset
from .data import to_uint8
from .generators import Generator, get as get_entry
from .sampling import balanced_labels

SCORER_FILE = "scorer.keras"
# The scorer and the real reference do not vary with a run's seed (one per dataset and config); generators do:
# a run with seed s uses the generator trained with seed s (augment.plan).
ARTIFACT_SEED = 0


class Context:
    """What every run of a sweep shares: the dataset, the artifact cache and models already loaded."""

    def __init__(self, data: MnistData, out_root: Path | str):
        self.data = data
        self.cache = results.ArtifactCache(out_root)
        self._models: dict[str, keras.Model] = {}
        self._features: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._reference: dict[str, dict] = {}

    def training_pool(self, exp: Experiment) -> Split:
        """The real training digits every stage may use (validation digits already removed)."""
        return cap_per_class(self.data.train, exp.data.train_per_class_cap, seed=ARTIFACT_SEED)

    def _data_part(self, exp: Experiment) -> dict:
        return {"sha256": self.data.sha256, "val_per_class": exp.data.val_per_class,
                "train_per_class_cap": exp.data.train_per_class_cap}


# --------------------------------------------------------------------------- scorer

def scorer_key(exp: Experiment, ctx: Context) -> str:
    return stable_hash({"scorer": to_dict(exp.scorer), "data": ctx._data_part(exp)})


def get_scorer(exp: Experiment, ctx: Context) -> tuple[keras.Model, dict]:
    """The scoring CNN trained on real training digits only; trained once per (config, dataset)."""
    key = scorer_key(exp, ctx)

    def build(work: Path) -> dict:
        pool = ctx.training_pool(exp)
        model, info = clf.train_classifier(exp.scorer, (pool.x, pool.y), (ctx.data.val.x, ctx.data.val.y),
                                           seed=ARTIFACT_SEED)
        test = ctx.data.evaluation_split()
        info["test_accuracy"] = clf.accuracy(model, test.x, test.y)
        results.save_keras_model(work / SCORER_FILE, model)
        return info

    path = ctx.cache.get_or_build("scorer", key, {"scorer": to_dict(exp.scorer), "data": ctx._data_part(exp)},
                                  build)
    if key not in ctx._models:
        ctx._models[key] = keras.saving.load_model(path / SCORER_FILE, compile=False)
    return ctx._models[key], results.read_json(path / results.METRICS)


def test_features(exp: Experiment, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Scorer features and probabilities of the 10,000 test digits (cached per scorer)."""
    key = scorer_key(exp, ctx)
    if key not in ctx._features:
        scorer, _ = get_scorer(exp, ctx)
        ctx._features[key] = clf.features_and_probs(scorer, ctx.data.evaluation_split().x)
    return ctx._features[key]


# --------------------------------------------------------------------------- generators

def generator_entry(exp: Experiment):
    return get_entry(exp.augment.generator)


def generator_spec(exp: Experiment, ctx: Context, k: int = 0, subset_seed: int = 0,
                   seed: int = ARTIFACT_SEED) -> dict:
    """What a generator depends on: its own config section, the data, (low_data) the real subset it saw, its seed."""
    return {**generator_entry(exp).spec(exp), "data": ctx._data_part(exp), "k_per_class": k,
            "subset_seed": subset_seed if k else 0, "seed": seed}


def gan_training_digits(exp: Experiment, ctx: Context, k: int = 0, subset_seed: int = 0) -> Split:
    """The labelled real digits a generator may train on: all of them, or k per class (low_data protocol)."""
    pool = ctx.training_pool(exp)
    return subset(pool, k=k, seed=subset_seed) if k else pool


def generator_path(exp: Experiment, ctx: Context, k: int = 0, subset_seed: int = 0,
                   seed: int = ARTIFACT_SEED) -> Path:
    """Where the generator of this spec lives in the artifact cache (built or not)."""
    return ctx.cache.path("generator", stable_hash(generator_spec(exp, ctx, k, subset_seed, seed)))


def get_generator(exp: Experiment, ctx: Context, k: int = 0, subset_seed: int = 0,
                  seed: int = ARTIFACT_SEED) -> tuple[Generator, dict, Path]:
    """The trained generator named by augment.generator: on all real training digits (k=0) or on k per class."""
    entry = generator_entry(exp)
    spec = generator_spec(exp, ctx, k, subset_seed, seed)
    key = stable_hash(spec)

    def build(work: Path) -> dict:
        return entry.train(exp, gan_training_digits(exp, ctx, k, subset_seed), work, seed)

    path = ctx.cache.get_or_build("generator", key, spec, build)
    if key not in ctx._models:
        ctx._models[key] = entry.load(path)
    return entry.configure(ctx._models[key], exp), results.read_json(path / results.METRICS), path


# --------------------------------------------------------------------------- artifacts as jobs

@dataclass(frozen=True)
class Artifact:
    """An expensive output a run needs (the scorer or one generator), so an executor can build it first."""
    kind: str                 # scorer | generator
    k: int = 0                # generator: real digits per class it trains on (0 = all)
    subset_seed: int = 0      # generator: which k-per-class subset
    seed: int = ARTIFACT_SEED

    def path(self, exp: Experiment, ctx: Context) -> Path:
        if self.kind == "scorer":
            return ctx.cache.path("scorer", scorer_key(exp, ctx))
        return generator_path(exp, ctx, self.k, self.subset_seed, self.seed)

    def is_built(self, exp: Experiment, ctx: Context) -> bool:
        return (self.path(exp, ctx) / results.DONE).exists()

    def build(self, exp: Experiment, ctx: Context) -> Path:
        if self.kind == "scorer":
            get_scorer(exp, ctx)
            return self.path(exp, ctx)
        return get_generator(exp, ctx, self.k, self.subset_seed, self.seed)[2]


# --------------------------------------------------------------------------- evaluation

def evaluate(generator, exp: Experiment, ctx: Context, seed: int = 0) -> dict:
    """Sample n/10 per class, score with the scorer, compute the requested metrics and the real reference."""
    n = exp.eval.n_samples
    conditional = generator.conditional
    # Random class order: inception-score splits and KID blocks are contiguous slices, and class-sorted
    # samples would make every slice a single class (IS near 1, inflated KID).
    labels = np.random.default_rng([seed, 3]).permutation(balanced_labels(n)).astype(np.int32)
    images = to_uint8(generator.generate(labels if conditional else None, seed=seed, n=n))
    scorer, scorer_info = get_scorer(exp, ctx)
    fake_features, fake_probs = clf.features_and_probs(scorer, images)
    real_features, _ = test_features(exp, ctx)
    out = M.compute(exp.eval.metrics, M.Inputs(labels if conditional else None, fake_probs, fake_features,
                                                real_features))
    out["n_samples"] = n
    out["scorer_test_accuracy"] = scorer_info["test_accuracy"]
    out.update(real_reference(exp, ctx, n))
    return out


def real_reference(exp: Experiment, ctx: Context, n: int) -> dict:
    """FID/KID of n real training digits against the test set: the floor a perfect generator reaches."""
    memo = f"reference-{scorer_key(exp, ctx)}-{n}"
    if memo not in ctx._reference:
        ctx._reference[memo] = _real_reference(exp, ctx, n)
    return ctx._reference[memo]


def _real_reference(exp: Experiment, ctx: Context, n: int) -> dict:
    scorer, _ = get_scorer(exp, ctx)
    pool = ctx.training_pool(exp)
    per_class = min(n // 10, int(np.bincount(pool.y, minlength=10).min()))
    real = subset(pool, k=per_class, seed=ARTIFACT_SEED)
    feats, _ = clf.features_and_probs(scorer, real.x)
    test_feats, _ = test_features(exp, ctx)
    kid, _ = M.kernel_distance(test_feats, feats)
    return {"fid_real_reference": M.frechet_distance(test_feats, feats), "kid_real_reference": kid,
            "real_reference_n": len(real)}
