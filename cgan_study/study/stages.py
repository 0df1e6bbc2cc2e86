"""Cached pipeline stages: the scorer, trained generators (any registered family) and their evaluation."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np

from cgan_study.config import Experiment, classifier_part, stable_hash, with_recipe
from cgan_study.data import MnistData, Split, cap_per_class, subset, to_uint8
from cgan_study.generators import Generator
from cgan_study.generators import get as get_entry
from cgan_study.generators.sampling import balanced_labels
from cgan_study.runtime import results
from cgan_study.training import classifier as clf
from cgan_study.study import metrics as M

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

    def data_part(self, exp: Experiment) -> dict:
        return {"sha256": self.data.sha256, "val_per_class": exp.data.val_per_class,
                "train_per_class_cap": exp.data.train_per_class_cap}


# --------------------------------------------------------------------------- scorer

def _scorer_parts(exp: Experiment, ctx: Context, second: bool = False) -> tuple:
    """(config, seed, spec) of the scorer, or of the independent second scorer (eval.second_scorer_*)."""
    if not second:
        return exp.scorer, ARTIFACT_SEED, with_recipe({"scorer": classifier_part(exp.scorer), "data": ctx.data_part(exp)},
                                                      clf.RECIPE)
    if not exp.eval.second_scorer_width:
        raise ValueError("no second scorer is configured; set eval.second_scorer_width")
    cfg = dataclasses.replace(exp.scorer, width=exp.eval.second_scorer_width, arch=exp.eval.second_scorer_arch)
    seed = exp.eval.second_scorer_seed
    return cfg, seed, with_recipe({"scorer": classifier_part(cfg), "data": ctx.data_part(exp), "seed": seed}, clf.RECIPE)


def scorer_key(exp: Experiment, ctx: Context, second: bool = False) -> str:
    return stable_hash(_scorer_parts(exp, ctx, second)[2])


def get_scorer(exp: Experiment, ctx: Context, second: bool = False) -> tuple[keras.Model, dict]:
    """The scoring CNN trained on real training digits only; trained once per (config, dataset, seed)."""
    cfg, seed, spec = _scorer_parts(exp, ctx, second)
    key = stable_hash(spec)

    def build(work: Path) -> dict:
        pool = ctx.training_pool(exp)
        # The scorer may see every labelled training digit, the validation split included.
        val = (ctx.data.val.x, ctx.data.val.y) if cfg.selection == "best_val" else None
        model, info = clf.train_classifier(cfg, (pool.x, pool.y), val, seed=seed, num_classes=ctx.data.num_classes)
        test = ctx.data.evaluation_split()
        info["test_accuracy"] = clf.accuracy(model, test.x, test.y)
        results.save_keras_model(work / SCORER_FILE, model)
        return info

    path = ctx.cache.get_or_build("scorer", key, spec, build)
    if key not in ctx._models:
        ctx._models[key] = keras.saving.load_model(path / SCORER_FILE, compile=False)
    return ctx._models[key], results.read_json(path / results.METRICS)


def test_features(exp: Experiment, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Scorer features and probabilities of the 10,000 test digits (cached per scorer): final reported numbers only."""
    key = scorer_key(exp, ctx)
    if key not in ctx._features:
        scorer, _ = get_scorer(exp, ctx)
        ctx._features[key] = clf.features_and_probs(scorer, ctx.data.evaluation_split().x)
    return ctx._features[key]


def train_reference_digits(exp: Experiment, ctx: Context) -> Split:
    """The real reference every *choice* is scored against: eval.train_reference training digits, class-balanced.

    Training digits, not the test set (which only reports) and not the 1,000-digit validation split (FID is biased
    upwards at small n, and a reference as large as the test set keeps the two on the same scale). A generator
    trained on all training digits has seen them, as in the FID-train commonly reported; ranking models by it
    rewards memorisation no more than the test reference would reward it for a model this size.
    """
    pool = ctx.training_pool(exp)
    classes = ctx.data.num_classes
    per_class = min(exp.eval.train_reference // classes, int(np.bincount(pool.y, minlength=classes).min()))
    return subset(pool, k=per_class, seed=ARTIFACT_SEED + 11)


def train_features(exp: Experiment, ctx: Context) -> np.ndarray:
    """Scorer features of the training reference digits (cached per scorer and reference size)."""
    key = f"train-{scorer_key(exp, ctx)}-{exp.eval.train_reference}"
    if key not in ctx._features:
        scorer, _ = get_scorer(exp, ctx)
        ctx._features[key] = clf.features_and_probs(scorer, train_reference_digits(exp, ctx).x)
    return ctx._features[key][0]


# --------------------------------------------------------------------------- generators

def generator_entry(exp: Experiment):
    return get_entry(exp.augment.generator)


def generator_spec(exp: Experiment, ctx: Context, k: int = 0, subset_seed: int = 0,
                   seed: int = ARTIFACT_SEED) -> dict:
    """What a generator depends on: its own config section, the data, (low_data) the real subset it saw, its seed,
    and the version of its family's training code."""
    entry = generator_entry(exp)
    return with_recipe({**entry.spec(exp), "data": ctx.data_part(exp), "k_per_class": k,
                        "subset_seed": subset_seed if k else 0, "seed": seed}, entry.recipe())


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
    return generator_of_spec(exp, ctx, generator_spec(exp, ctx, k, subset_seed, seed),
                             lambda: gan_training_digits(exp, ctx, k, subset_seed), seed)


def generator_of_spec(exp: Experiment, ctx: Context, spec: dict, digits: Callable[[], Split],
                      seed: int) -> tuple[Generator, dict, Path]:
    """The generator of augment.generator trained with `seed` on `digits()` (called only when it is not cached yet),
    cached under the hash of `spec`: which must name everything those digits depend on."""
    entry = generator_entry(exp)
    key = stable_hash(spec)

    def build(work: Path) -> dict:
        info = entry.train(exp, digits(), work, seed)
        # TensorFlow's float reductions depend on its thread count, which the artifact's hash does not hold: the
        # same spec rebuilt with other threads can differ in its last bits (a committed CGAN did). Recorded here.
        return {**info, "tf_intra_op_threads": intra_op_threads()}

    path = ctx.cache.get_or_build("generator", key, spec, build)
    if key not in ctx._models:
        ctx._models[key] = entry.load(path)
    return entry.configure(ctx._models[key], exp), results.read_json(path / results.METRICS), path


def intra_op_threads() -> int:
    """The intra-op thread count TensorFlow runs with here (its float reductions depend on it)."""
    import os

    import tensorflow as tf

    return int(os.environ.get("TF_NUM_INTRAOP_THREADS") or tf.config.threading.get_intra_op_parallelism_threads()
               or os.cpu_count() or 0)


# --------------------------------------------------------------------------- artifacts as jobs

@dataclass(frozen=True)
class Artifact:
    """An expensive output a run needs (the scorer or one generator), so an executor can build it first."""
    kind: str                 # scorer | second_scorer | generator | fixmatch_baseline
    k: int = 0                # generator: real digits per class it trains on (0 = all)
    subset_seed: int = 0      # generator: which k-per-class subset
    seed: int = ARTIFACT_SEED
    # generator under the semi_supervised protocol: trained on the whole pool with the FixMatch baseline's labels
    # (fixmatch_baseline: that baseline; both built by study/semi_supervised.py for the experiment's cell)
    pseudo_labels: bool = False

    def path(self, exp: Experiment, ctx: Context) -> Path:
        if self.kind in ("scorer", "second_scorer"):
            return ctx.cache.path("scorer", scorer_key(exp, ctx, second=self.kind == "second_scorer"))
        if self.kind == "fixmatch_baseline" or self.pseudo_labels:
            from cgan_study.study import semi_supervised  # it builds on this module

            return semi_supervised.artifact_path(self.kind, exp, ctx)
        return generator_path(exp, ctx, self.k, self.subset_seed, self.seed)

    def is_built(self, exp: Experiment, ctx: Context) -> bool:
        return (self.path(exp, ctx) / results.DONE).exists()

    def build(self, exp: Experiment, ctx: Context) -> Path:
        if self.kind in ("scorer", "second_scorer"):
            get_scorer(exp, ctx, second=self.kind == "second_scorer")
            return self.path(exp, ctx)
        if self.kind == "fixmatch_baseline" or self.pseudo_labels:
            from cgan_study.study import semi_supervised

            return semi_supervised.build_artifact(self.kind, exp, ctx)
        return get_generator(exp, ctx, self.k, self.subset_seed, self.seed)[2]


# --------------------------------------------------------------------------- evaluation

def evaluate(generator, exp: Experiment, ctx: Context, seed: int = 0) -> dict:
    """Sample n/10 per class, score with the scorer, compute the requested metrics and the real reference."""
    n = exp.eval.n_samples
    conditional = generator.conditional
    # Random class order: inception-score splits and KID blocks are contiguous slices, and class-sorted
    # samples would make every slice a single class (IS near 1, inflated KID).
    labels = np.random.default_rng([seed, 3]).permutation(balanced_labels(n, ctx.data.num_classes)).astype(np.int32)
    images = to_uint8(generator.generate(labels if conditional else None, seed=seed, n=n))
    scorer, scorer_info = get_scorer(exp, ctx)
    fake_features, fake_probs = clf.features_and_probs(scorer, images)
    real_features, _ = test_features(exp, ctx)
    out = M.compute(exp.eval.metrics, M.Inputs(labels if conditional else None, fake_probs, fake_features,
                                                real_features))
    out.pop("collapse_warning", None)
    out["reference"] = "test"
    collapse_scores = out
    if exp.eval.train_reference:
        # The same reference-dependent metrics against real training digits, suffixed _train: what every choice
        # (a search's ranking, a collapse flag, a guidance scale, a default) reads. The unsuffixed ones are test-
        # referenced and only report.
        referenced = [m for m in exp.eval.metrics if m in M.REFERENCED]
        train = M.compute(referenced, M.Inputs(None, fake_probs, fake_features, train_features(exp, ctx)))
        train.pop("collapse_warning", None)
        out.update({f"{k}_train": v for k, v in train.items()})
        out["train_reference_n"] = len(train_features(exp, ctx))
        collapse_scores = {**out, **train}
    # One collapse rule (metrics.collapse_reasons), read on the training reference when there is one.
    warning = M.collapse_warning(collapse_scores)
    out["collapsed"] = warning is not None
    out["collapse_reference"] = "train" if exp.eval.train_reference else "test"
    if warning:
        out["collapse_warning"] = warning
    out["n_samples"] = n
    out["scorer_test_accuracy"] = scorer_info["test_accuracy"]
    if exp.eval.second_scorer_width and conditional:
        out.update(second_opinion(exp, ctx, images, labels, fake_probs))
    if exp.eval.val_cas and conditional:
        out.update(validation_cas(exp, ctx, images, labels, seed))
    out.update(real_reference(exp, ctx, n))
    return out


def second_opinion(exp: Experiment, ctx: Context, images: np.ndarray, labels: np.ndarray,
                   fake_probs: np.ndarray) -> dict:
    """The success rate by the independent second scorer, overall and per class, and how often the two agree."""
    scorer_b, info_b = get_scorer(exp, ctx, second=True)
    probs_b = clf.predict(scorer_b, images)
    success_b = M.success_rate(probs_b, labels)
    return {"success_rate_second": success_b["overall"], "success_rate_second_per_class": success_b["per_class"],
            "scorers_agree": float(np.mean(probs_b.argmax(-1) == fake_probs.argmax(-1))),
            "second_scorer_test_accuracy": info_b["test_accuracy"]}


# Per-epoch scores: what stability over time needs (quality, coverage of the classes and of the real data).
EPOCH_METRICS = ("success_rate", "fid", "precision_recall", "class_coverage")


EPOCH_SCORES_DIR = "epoch_scores"   # in a generator artifact: its per-epoch scores, one file per way of scoring


def epoch_scores_path(artifact: Path, exp: Experiment, ctx: Context, seed: int) -> Path:
    """Where an artifact keeps its per-epoch scores for this scorer, sample count and seed."""
    # Scores with a training reference are kept apart from the (older) test-referenced ones.
    reference = f"-train{exp.eval.train_reference}" if exp.eval.train_reference else ""
    return artifact / EPOCH_SCORES_DIR / (f"scorer-{scorer_key(exp, ctx)}-n{exp.eval.epoch_samples}{reference}"
                                          f"-seed{seed}.jsonl")


def evaluate_epochs(entry, artifact: Path, exp: Experiment, ctx: Context, seed: int = 0) -> list[dict]:
    """Score the generator of every training epoch (the artifact's snapshots) on eval.epoch_samples samples.

    The scores are kept in the artifact (small, committed with it; the snapshots are not), so another sweep that
    reuses the generator, here or on a fresh clone, reads them instead of needing the snapshots again."""
    from cgan_study.training.callbacks import snapshot_name
    from cgan_study.training.fit import SNAPSHOT_DIR

    cached = epoch_scores_path(artifact, exp, ctx, seed)
    if cached.exists():
        return results.read_jsonl(cached)
    history = results.Run(artifact).history()
    files = [artifact / SNAPSHOT_DIR / snapshot_name(e) for e in range(1, len(history) + 1)]
    missing = [f.name for f in files if not f.exists()]
    if missing or not files:
        raise FileNotFoundError(f"{artifact} has no per-epoch snapshots ({', '.join(missing) or 'no epochs'}) and no "
                                f"{EPOCH_SCORES_DIR}/{cached.name}: it was built before either was kept, or on "
                                "another machine (snapshots are not committed); delete that artifact directory to "
                                "rebuild it, or set eval.epoch_samples=0")
    small = dataclasses.replace(exp, eval=dataclasses.replace(exp.eval, n_samples=exp.eval.epoch_samples,
                                                              metrics=EPOCH_METRICS, second_scorer_width=0))
    rows = []
    for epoch, file in enumerate(files, start=1):
        scores = evaluate(entry.load_snapshot(file), small, ctx, seed=seed)
        keys = ("success_rate", "fid", "recall", "precision", "classes_covered", "fid_train", "recall_train",
                "precision_train", "collapsed")
        rows.append({"epoch": epoch, **{k: scores[k] for k in keys if k in scores}})
    results.write_jsonl(cached, rows)
    return rows


def validation_cas(exp: Experiment, ctx: Context, images: np.ndarray, labels: np.ndarray, seed: int) -> dict:
    """The classification accuracy score on the validation split: the downstream classifier trained on the scored
    samples, and on as many real training digits (a fixed, seeded subset), each scored on the validation digits.
    Final weights (selection=final): the validation digits only score, as the test digits do for the reported CAS."""
    cfg = dataclasses.replace(exp.classifier, selection="final")
    classes = ctx.data.num_classes
    model, info = clf.train_classifier(cfg, (images, labels), None, seed, num_classes=classes)
    val = ctx.data.val
    out = {"cas_val": clf.accuracy(model, val.x, val.y), "cas_val_n_train": int(len(labels)),
           "cas_val_train_seconds": info["train_seconds"], "cas_val_n": int(len(val.y))}
    memo = f"cas-real-{stable_hash(classifier_part(cfg))}-{len(labels)}-{seed}"
    if memo not in ctx._reference:
        pool = ctx.training_pool(exp)
        per_class = min(len(labels) // classes, int(np.bincount(pool.y, minlength=classes).min()))
        real = subset(pool, k=per_class, seed=seed)
        real_model, _ = clf.train_classifier(cfg, (real.x, real.y), None, seed, num_classes=classes)
        ctx._reference[memo] = {"cas_val_real": clf.accuracy(real_model, val.x, val.y)}
    out.update(ctx._reference[memo])
    out["cas_val_gap"] = out["cas_val_real"] - out["cas_val"]
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
    classes = ctx.data.num_classes
    per_class = min(n // classes, int(np.bincount(pool.y, minlength=classes).min()))
    real = subset(pool, k=per_class, seed=ARTIFACT_SEED)
    feats, _ = clf.features_and_probs(scorer, real.x)
    test_feats, _ = test_features(exp, ctx)
    kid, _ = M.kernel_distance(test_feats, feats)
    return {"fid_real_reference": M.frechet_distance(test_feats, feats), "kid_real_reference": kid,
            "real_reference_n": len(real)}
