"""Real/synthetic training sets and the strategies that train a downstream classifier on them."""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cgan_study.config import Experiment
from cgan_study.data import NUM_CLASSES, Split, subset
from cgan_study.generators.sampling import balanced_labels, sample
from cgan_study.training import classifier as clf
from cgan_study.study import semi_supervised, stages, synthetic
from cgan_study.study.strategies import STRATEGIES

SYNTH_SEED_OFFSET = 50_000  # synthetic noise seeds never coincide with other seeds of the run


def real_training_set(exp: Experiment, ctx: stages.Context) -> Split:
    """The real digits a downstream classifier may train on: k per class, or a fraction of each class."""
    a = exp.augment
    if a.protocol == semi_supervised.PROTOCOL:  # the same k digits, chosen where the pool's labels are last read
        return semi_supervised.cell_data(exp, ctx).labelled
    pool = ctx.training_pool(exp)
    if a.real_per_class > 0:
        return subset(pool, k=a.real_per_class, seed=exp.seed)
    return subset(pool, fraction=a.real_fraction, seed=exp.seed)


def synthetic_count(exp: Experiment, ctx: stages.Context) -> int:
    """synth_per_class x the classes, else synth_fraction x the full real training set's size (60,000 for MNIST),
    rounded to whole classes."""
    classes = ctx.data.num_classes
    if exp.augment.synth_per_class > 0:
        return exp.augment.synth_per_class * classes
    reference = len(ctx.data.full_train) if not exp.data.train_per_class_cap else \
        exp.data.train_per_class_cap * classes
    return int(round(exp.augment.synth_fraction * reference / classes)) * classes


def synthetic_set(generator, n: int, seed: int, num_classes: int = NUM_CLASSES) -> Split:
    """n class-balanced synthetic images (n/num_classes per class) as uint8 with the labels G was asked for."""
    labels = balanced_labels(n, num_classes)
    return Split(sample(generator, labels, seed=seed), labels.astype(np.uint8), num_classes)


def cell_synthetic_set(exp: Experiment, ctx: stages.Context, generator, artifact: Path, n: int
                       ) -> tuple[Split, str, dict]:
    """The cell's n synthetic digits: the very set `synthetic_set` would draw, sampled once per (generator
    artifact, n, seed, sampler settings) and shared through the cache by every cell that needs it.
    Returns (set, its cache key, the info of the draw that made it)."""
    seed = exp.seed + SYNTH_SEED_OFFSET
    spec = synthetic.synthetic_spec(exp, ctx, artifact, generator, n, seed)
    return synthetic.get_synthetic(ctx, spec, lambda: synthetic_set(generator, n, seed, ctx.data.num_classes))


def concat(a: Split, b: Split) -> Split:
    return Split(np.concatenate([a.x, b.x]), np.concatenate([a.y, b.y]), max(a.num_classes, b.num_classes))


def confidence_filter(judge, synth: Split, threshold: float) -> Split:
    """Keep synthetic digits the judge classifies as their requested label with probability >= threshold."""
    probs = clf.predict(judge, synth.x)
    keep = probs[np.arange(len(synth)), synth.y.astype(int)] >= threshold
    return synth.take(np.flatnonzero(keep))


def generator_subset(exp: Experiment) -> int:
    """Real digits per class the cell's generator trains on: all (0) under coursework, k under low_data."""
    return exp.augment.real_per_class if exp.augment.protocol == "low_data" else 0


@dataclass(frozen=True)
class CellPlan:
    """What one cell needs, decided in one place: the executor builds its artifacts, the runner follows it."""
    n_synth: int                            # synthetic digits to draw (0: none)
    generator: stages.Artifact | None       # the generator artifact they come from
    judge: str | None                       # filter: "scorer" (coursework) or "real_only_classifier" (low_data)
    problem: str | None = None              # why the cell cannot run (reported by the runner, not the planner)
    baseline: stages.Artifact | None = None  # semi_supervised: the FixMatch baseline (the cell's model or its labels)

    def artifacts(self) -> list[stages.Artifact]:
        # The baseline first: the pseudo-label generator trains on its labels.
        return [a for a in (self.baseline, self.generator,
                            stages.Artifact("scorer") if self.judge == "scorer" else None) if a]


def plan(exp: Experiment, ctx: stages.Context) -> CellPlan:
    """The one place that decides what a cell needs (its generator artifact, the filter's judge) or why it can't run."""
    a = exp.augment
    strategy = STRATEGIES[a.strategy]
    n_synth = synthetic_count(exp, ctx) if strategy.uses_generator else 0
    # Who judges matters: under `coursework` the scorer (trained on all real digits) decides; under `low_data`
    # that would leak labels the classifier may not see, so a classifier trained on the same k real digits
    # per class decides instead.
    judge = None if a.strategy != "filter" else ("scorer" if a.protocol == "coursework" else "real_only_classifier")
    if strategy.needs_synthetic and n_synth == 0:
        return CellPlan(0, None, judge, f"augment.strategy={a.strategy} needs synthetic digits; set "
                                        "augment.synth_fraction > 0 or augment.synth_per_class > 0")
    if n_synth and a.protocol == "low_data" and a.real_per_class <= 0:
        return CellPlan(0, None, judge, "augment.protocol=low_data trains the generator on the classifier's k "
                                        "real digits per class; set augment.real_per_class > 0")
    if a.protocol == semi_supervised.PROTOCOL:
        if a.real_per_class <= 0:
            return CellPlan(0, None, judge, "augment.protocol=semi_supervised needs the cell's labelled digits; set "
                                            "augment.real_per_class > 0")
        # The generator trains on the pool labelled by the baseline; the fixmatch cell is the baseline itself.
        generator = semi_supervised.generator_artifact(exp) if n_synth else None
        wants_baseline = bool(n_synth) or a.strategy == "fixmatch"
        return CellPlan(n_synth, generator, judge, baseline=semi_supervised.baseline_artifact(exp) if wants_baseline
                        else None)
    # Generator seed = run seed under both protocols: each seed of a cell draws from its own independently
    # trained generator, so a generator's training variance enters the cell's spread and intervals.
    generator = stages.Artifact("generator", k=generator_subset(exp), subset_seed=exp.seed,
                                seed=exp.seed) if n_synth else None
    return CellPlan(n_synth, generator, judge)


def needs(exp: Experiment, ctx: stages.Context) -> list[stages.Artifact]:
    """The artifacts `run` will use, so that an executor can build each once before the cells that share it."""
    return plan(exp, ctx).artifacts()


def _train(exp: Experiment, ctx: stages.Context, data: Split, val, **kwargs):
    """The downstream classifier on `data`, over the dataset's classes (10 on MNIST)."""
    return clf.train_classifier(exp.classifier, (data.x, data.y), val, exp.seed, num_classes=ctx.data.num_classes,
                                **kwargs)


# Each strategy's training, given the real digits, the synthetic ones (or None) and the cell; returns the
# trained model, fit info and extra metrics. Keys match strategies.STRATEGIES (checked below).

def _real(exp, ctx, real, synth, val):
    return (*_train(exp, ctx, real, val), {})


def _affine(exp, ctx, real, synth, val):
    return (*_train(exp, ctx, real, val, affine=True), {})


def _mix(exp, ctx, real, synth, val):
    mixed = concat(real, synth) if synth is not None else real
    return (*_train(exp, ctx, mixed, val), {})


def _synthetic_only(exp, ctx, real, synth, val):
    return (*_train(exp, ctx, synth, val), {"n_real": 0})


def _pretrain(exp, ctx, real, synth, val):
    model, pre = _train(exp, ctx, synth, val)
    model, info = _train(exp, ctx, real, val, model=model)
    return model, info, {"pretrain_seconds": pre["train_seconds"]}


def _filter(exp, ctx, real, synth, val):
    start = time.perf_counter()
    judge_kind = plan(exp, ctx).judge
    if judge_kind == "scorer":
        judge, _ = stages.get_scorer(exp, ctx)
    else:
        judge, _ = _train(exp, ctx, real, val)
    kept = confidence_filter(judge, synth, exp.augment.filter_threshold)
    filtering = time.perf_counter() - start  # the judge (loaded or trained) and its verdicts
    mixed = concat(real, kept)
    model, info = _train(exp, ctx, mixed, val)
    return model, info, {"filter_judge": judge_kind, "n_synth_kept": len(kept), "seconds_filtering": filtering}


def _fixmatch(exp, ctx, real, synth, val):
    # The cell's FixMatch classifier is the baseline artifact (trained once per seed and config, its pool labels
    # kept for the pseudo-label generator): loaded here, its training time reported as the artifact recorded it.
    model, info, path = semi_supervised.get_baseline(exp, ctx)
    return model, info, {"baseline_artifact": path.name}


def _fixmatch_mix(exp, ctx, real, synth, val):
    from cgan_study.study import fixmatch

    labelled = concat(real, synth) if synth is not None else real
    model, info = fixmatch.train_fixmatch(exp.classifier, exp.fixmatch, (labelled.x, labelled.y),
                                          semi_supervised.cell_data(exp, ctx).unlabelled, exp.seed)
    return model, info, {}


def _ssl_gan(exp, ctx, real, synth, val):
    # The SSL-GAN is trained once per seed and config (a generator artifact: its samples are scored by the generators
    # table); its discriminator's softmax over the K class logits is the cell's classifier.
    model, info, path = semi_supervised.get_ssl_gan(exp, ctx)
    return model.classifier, {**info, "selection": "final"}, {"ssl_gan_artifact": path.name}


TRAIN = {"real": _real, "affine": _affine, "mix": _mix, "pretrain": _pretrain, "filter": _filter,
         "synthetic_only": _synthetic_only, "fixmatch": _fixmatch, "fixmatch_mix": _fixmatch_mix,
         "ssl_gan": _ssl_gan}
assert set(TRAIN) == set(STRATEGIES), "every declared strategy needs its training here"


# Where a cell's time goes, each written to its metrics as seconds_<stage>: the real digits; the generator (loaded,
# or trained if the executor had not built it); drawing the synthetic set (or loading it from the cache);
# the filter's judge and verdicts; the downstream classifier's training; scoring it on the test digits.
STAGES = ("data", "generator", "sampling", "filtering", "classifier", "evaluation")


@contextlib.contextmanager
def _timed(seconds: dict, stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] += time.perf_counter() - start


def run(exp: Experiment, ctx: stages.Context) -> dict:
    """Train one downstream classifier for this cell and score it on the test digits."""
    cell = plan(exp, ctx)
    if cell.problem:
        raise ValueError(cell.problem)
    seconds = dict.fromkeys(STAGES, 0.0)
    with _timed(seconds, "data"):
        real = real_training_set(exp, ctx)
        # Under selection=final (every study cell) no validation digit is read: a cell with k labelled digits
        # per class sees no other labelled digit, for training, stopping or selection; the filter's judge included.
        val = (ctx.data.val.x, ctx.data.val.y) if exp.classifier.selection == "best_val" else None
    out: dict = {"n_real": len(real), "n_synth": 0}
    synth = None
    if cell.generator is not None:
        with _timed(seconds, "generator"):
            if cell.generator.pseudo_labels:
                generator, gen_info, path = semi_supervised.get_generator(exp, ctx)
            else:
                generator, gen_info, path = stages.get_generator(exp, ctx, k=cell.generator.k,
                                                                 subset_seed=cell.generator.subset_seed,
                                                                 seed=cell.generator.seed)
        out["gan_train_seconds"] = gen_info.get("train_seconds")
        out["generator_artifact"] = path.name  # results/_artifacts/generator/<this>
        with _timed(seconds, "sampling"):
            synth, key, drawn = cell_synthetic_set(exp, ctx, generator, path, cell.n_synth)
        out["synthetic_set"] = key  # results/_artifacts/synthetic/<this> (local, rebuilt on demand)
        out["synthetic_sample_seconds"] = drawn.get("sample_seconds")  # the draw's cost, whichever cell paid it
        out["n_synth"] = len(synth)
    with _timed(seconds, "classifier"):
        model, info, extra = TRAIN[exp.augment.strategy](exp, ctx, real, synth, val)
    seconds["filtering"] = extra.pop("seconds_filtering", 0.0)
    seconds["classifier"] -= seconds["filtering"]
    out.update(extra)
    with _timed(seconds, "evaluation"):
        test = ctx.data.evaluation_split()
        out["test_accuracy"] = clf.accuracy(model, test.x, test.y)  # one batched pass over the test digits
        if exp.eval.val_accuracy:   # full-data cells only (config): the budget check's split, read after training
            out["val_accuracy"] = clf.accuracy(model, ctx.data.val.x, ctx.data.val.y)
    out["selection"] = exp.classifier.selection
    out.update({f"train_{k}": v for k, v in info.items()})
    out.update({f"seconds_{stage}": value for stage, value in seconds.items()})
    return out
