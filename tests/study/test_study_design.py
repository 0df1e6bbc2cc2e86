"""The augmentation study's design, checked without training: one classifier budget per sweep, the confidence
filter and its judge per protocol, each strategy's training-set composition, one generator per run seed."""
from __future__ import annotations

import argparse

import keras
import numpy as np
import pytest

from cgan_study import config as C
from cgan_study.data import Split
from cgan_study.study import augment, stages
from cgan_study.training import classifier as clf
from cgan_study.study.strategies import STRATEGIES
from experiments.sweep import plan as plan_sweep

AUGMENT_SWEEPS = ("mix_ratios", "synth_amount", "mix_ratios_families", "replication")


def _runs(name: str, profile: str):
    args = argparse.Namespace(name=name, profile=profile, sets=[], only=None)
    return plan_sweep(args)[1]


@pytest.mark.parametrize("profile", ["quick", "paper"])
@pytest.mark.parametrize("name", AUGMENT_SWEEPS)
def test_every_cell_of_a_sweep_resolves_to_the_same_classifier_budget(name, profile):
    runs = _runs(name, profile)
    budgets = {C.stable_hash(exp.classifier) for _, _, exp in runs}
    assert len(budgets) == 1, f"{name}/{profile}: {len(budgets)} different classifier budgets"
    cfg = runs[0][2].classifier
    # A fixed step count per epoch for every small cell, whatever its data size; a large cell gets its passes.
    assert cfg.steps_per_epoch > 0 and cfg.schedule == "cosine" and cfg.passes_per_epoch > 0
    assert {clf.steps_per_epoch(exp.classifier, n) for _, _, exp in runs for n in (10, 1_000)} == \
        {cfg.steps_per_epoch}


def test_the_step_rule_gives_small_cells_fixed_steps_and_large_cells_their_passes():
    cfg = C.ClassifierConfig(batch_size=100, steps_per_epoch=200, passes_per_epoch=0.8)
    assert clf.steps_per_epoch(cfg, 10) == 200            # k = 1: the fixed steps
    assert clf.steps_per_epoch(cfg, 25_000) == 200        # 0.8 x 250 = 200: the rule's crossover
    assert clf.steps_per_epoch(cfg, 60_000) == 480        # 0.8 x 600 steps of one pass
    assert clf.steps_per_epoch(cfg, 60_050) == 481        # a partial batch rounds up
    # Without the key (and for the scorer, steps_per_epoch=0): the old behaviour.
    assert clf.steps_per_epoch(C.ClassifierConfig(batch_size=100, steps_per_epoch=200), 60_000) == 200
    assert clf.steps_per_epoch(C.ClassifierConfig(batch_size=100, steps_per_epoch=0, min_steps_per_epoch=50),
                               60_000) == 600


def test_the_quick_downstream_rule_gives_real_only_on_all_digits_4_8_passes():
    cfg = C.profile("quick").classifier
    assert clf.steps_per_epoch(cfg, 60_000) * cfg.epochs == 2_256   # 6 x ceil(0.8 x 469)
    assert clf.steps_per_epoch(cfg, 600) * cfg.epochs == 1_200


def test_the_budget_check_varies_only_the_number_of_epochs():
    runs = _runs("mix_ratios_budget", "quick")
    rule = C.profile("quick").classifier.epochs
    epochs = sorted({exp.classifier.epochs for _, _, exp in runs})
    assert epochs == [rule // 2, rule, rule * 2]
    import dataclasses
    assert len({C.stable_hash(dataclasses.replace(exp.classifier, epochs=0)) for _, _, exp in runs}) == 1


def test_the_warm_up_then_cosine_schedule_peaks_at_lr_and_ends_at_zero():
    cfg = C.ClassifierConfig(lr=3e-3, schedule="cosine", warmup=0.1)
    rate = clf.learning_rate(cfg, 1000)
    values = [float(rate(step)) for step in (0, 50, 100, 550, 1000)]
    assert values[0] == 0.0 and values[1] == pytest.approx(1.5e-3) and values[2] == pytest.approx(3e-3)
    assert values[3] == pytest.approx(1.5e-3, rel=1e-4) and values[4] == pytest.approx(0.0, abs=1e-12)
    assert clf.learning_rate(C.ClassifierConfig(lr=1e-3), 1000) == 1e-3


# --------------------------------------------------------------------------- the confidence filter


def _index_judge(probs: np.ndarray) -> keras.Model:
    """A judge whose output for image i (pixel (0, 0) = i) is row i of `probs`: known answers for the filter."""
    table = keras.ops.convert_to_tensor(probs.astype("float32"))
    x_in = keras.Input((28, 28, 1))
    # uint8 i reaches the model as i / 127.5 - 1: undo it to recover the row index.
    out = keras.layers.Lambda(lambda x: keras.ops.take(
        table, keras.ops.cast(keras.ops.round((x[:, 0, 0, 0] + 1.0) * 127.5), "int32"), axis=0))(x_in)
    return keras.Model(x_in, out)


def test_the_confidence_filter_keeps_exactly_the_digits_whose_requested_label_reaches_the_threshold(rng):
    n = 200
    probs = rng.dirichlet(np.full(10, 0.3), size=n)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    probs[:5, labels[:5]] = 0.9              # exactly at the threshold: kept
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 0, 0] = np.arange(n)
    kept = augment.confidence_filter(_index_judge(probs), Split(x, labels), threshold=0.9)
    expected = np.flatnonzero(probs[np.arange(n), labels] >= 0.9)
    assert 5 <= len(expected) < n
    assert np.array_equal(kept.x[:, 0, 0], expected) and np.array_equal(kept.y, labels[expected])


class _Echo:
    """A conditional generator that paints the requested label into each image, so compositions can be counted."""
    conditional = True

    def generate(self, labels, seed, n=None):
        y = np.asarray(labels, dtype=np.float32)
        return np.broadcast_to((y.reshape(-1, 1, 1, 1) / 4.5 - 1.0), (len(y), 28, 28, 1)).copy()


@pytest.fixture
def recorded(monkeypatch, mnist, tmp_path):
    """augment.run with training recorded instead of done: every training set, the judge used, the generator seed."""
    calls: dict = {"train": [], "scorer": 0, "generator_seeds": []}
    scorer = object()

    def train(cfg, data, val, seed, affine=False, model=None, callbacks=None, num_classes=None):
        calls["train"].append({"y": np.asarray(data[1]), "affine": affine, "fine_tune": model is not None})
        return object(), {"train_seconds": 0.0}

    def get_scorer(exp, ctx):
        calls["scorer"] += 1
        return scorer, {}

    def get_generator(exp, ctx, k=0, subset_seed=0, seed=0):
        calls["generator_seeds"].append((k, subset_seed, seed))
        return _Echo(), {}, tmp_path / f"gen-{k}-{subset_seed}-{seed}"

    def judge_filter(judge, synth, threshold):
        calls["judge"] = "scorer" if judge is scorer else "trained here"
        return synth.take(np.flatnonzero(synth.y % 2 == 0))   # a known filter: keep even labels

    monkeypatch.setattr(clf, "train_classifier", train)
    monkeypatch.setattr(clf, "accuracy", lambda model, x, y: 0.5)
    monkeypatch.setattr(stages, "get_scorer", get_scorer)
    monkeypatch.setattr(stages, "get_generator", get_generator)
    monkeypatch.setattr(augment, "confidence_filter", judge_filter)
    ctx = stages.Context(mnist, tmp_path)

    def run(**overrides):
        for key in ("train", "generator_seeds"):
            calls[key] = []
        calls["scorer"] = 0
        calls.pop("judge", None)
        exp = C.apply(C.profile("quick"), overrides)
        return augment.run(exp, ctx), calls

    return run


def _per_class(y) -> list[int]:
    return np.bincount(y.astype(int), minlength=10).tolist()


# The strategies on the unlabelled pool have their composition test in test_semi_supervised.py.
@pytest.mark.parametrize("strategy", [s for s in STRATEGIES if not STRATEGIES[s].uses_pool])
def test_every_strategys_training_sets_have_the_requested_per_class_composition(recorded, strategy):
    k, per_class = 7, 30
    out, calls = recorded(**{"augment.strategy": strategy, "augment.real_per_class": k,
                             "augment.synth_per_class": per_class, "augment.protocol": "low_data", "seed": 3})
    sets = [(_per_class(c["y"]), c["affine"], c["fine_tune"]) for c in calls["train"]]
    real, synth = [k] * 10, [per_class] * 10
    evens = [per_class if c % 2 == 0 else 0 for c in range(10)]
    expected = {
        "real": [(real, False, False)],
        "affine": [(real, True, False)],
        "mix": [([k + per_class] * 10, False, False)],
        "pretrain": [(synth, False, False), (real, False, True)],
        "filter": [(real, False, False), ([k + e for e in evens], False, False)],   # judge on real, then the mix
        "synthetic_only": [(synth, False, False)],
    }[strategy]
    assert sets == expected
    if STRATEGIES[strategy].uses_generator:
        assert out["n_synth"] == 10 * per_class and calls["generator_seeds"] == [(k, 3, 3)]
    else:
        assert out["n_synth"] == 0 and calls["generator_seeds"] == []


@pytest.mark.parametrize("protocol,judge", [("coursework", "scorer"), ("low_data", "trained here")])
def test_the_filter_is_judged_by_the_scorer_only_under_the_coursework_protocol(recorded, protocol, judge):
    out, calls = recorded(**{"augment.strategy": "filter", "augment.real_per_class": 5,
                             "augment.synth_fraction": 0.01, "augment.protocol": protocol})
    assert calls["judge"] == judge
    assert calls["scorer"] == (1 if protocol == "coursework" else 0)
    # under low_data the judge is a classifier trained on exactly the cell's k real digits per class
    assert len(calls["train"]) == (1 if protocol == "coursework" else 2)
    if protocol == "low_data":
        assert _per_class(calls["train"][0]["y"]) == [5] * 10
    assert out["filter_judge"] == ("scorer" if protocol == "coursework" else "real_only_classifier")


@pytest.mark.parametrize("protocol", ["coursework", "low_data"])
def test_different_run_seeds_resolve_to_different_generator_artifacts(mnist, tmp_path, protocol):
    ctx = stages.Context(mnist, tmp_path)

    def artifact(seed: int):
        exp = C.apply(C.profile("quick"), {"augment.strategy": "mix", "augment.real_per_class": 10,
                                           "augment.synth_fraction": 0.1, "augment.protocol": protocol,
                                           "seed": seed})
        return augment.plan(exp, ctx).generator.path(exp, ctx)

    paths = [artifact(seed) for seed in range(5)]
    assert len(set(paths)) == 5
    assert artifact(2) == paths[2]  # and the same seed, the same artifact


def test_coursework_generators_are_the_generator_sweeps_artifacts(mnist, tmp_path):
    """A coursework cell with seed s uses the generator that the generators sweep trains and scores with seed s."""
    ctx = stages.Context(mnist, tmp_path)
    exp = C.apply(C.profile("quick"), {"augment.strategy": "mix", "augment.synth_fraction": 0.1, "seed": 2})
    assert augment.plan(exp, ctx).generator.path(exp, ctx) == stages.generator_path(exp, ctx, seed=2)


def test_synth_per_class_overrides_the_fraction_and_is_validated(mnist, tmp_path):
    ctx = stages.Context(mnist, tmp_path)
    exp = C.apply(C.profile("quick"), {"augment.synth_per_class": 100, "augment.synth_fraction": 0.5})
    assert augment.synthetic_count(exp, ctx) == 1000
    with pytest.raises(C.ConfigError, match="synth_per_class"):
        C.apply(C.profile("quick"), {"augment.synth_per_class": 100_000})


GENERATOR_SECTION = {"cgan": "gan", "acgan": "gan", "guided_cgan": "gan", "cvae": "cvae", "ebgan": "ebgan",
                     "diffusion": "diffusion"}


@pytest.mark.parametrize("profile", ["quick", "paper"])
@pytest.mark.parametrize("name", ["mix_ratios", "mix_ratios_families", "synth_amount", "mix_ratios_budget",
                                  "low_data_generators", "replication"])
def test_a_low_data_generator_trains_as_many_steps_as_a_full_data_one(name, profile):
    """At the old rule (epochs of at least 100 steps) the low-data CGAN on 100 digits reached 72% success and EBGAN
    and diffusion drew digits at chance; every low-data generator now trains a full-data training's steps, and the
    coursework arms keep the profile's models unchanged."""
    from cgan_study.training.budget import epoch_steps

    base = C.profile(profile)
    full_data = 60_000 - 10 * base.data.val_per_class
    low_data_points = 0
    for run, point, exp in _runs(name, profile):
        section = GENERATOR_SECTION.get(exp.augment.generator)
        if section is None:  # PCA: fitted in closed form, no steps
            continue
        cfg, default = getattr(exp, section), getattr(base, section)
        if point.get("augment.protocol") == "low_data":
            low_data_points += 1
            cell = 10 * point["augment.real_per_class"]
            assert epoch_steps(cell, cfg.batch_size, cfg.min_steps_per_epoch) == \
                epoch_steps(full_data, default.batch_size, default.min_steps_per_epoch) == 460, run
            assert cfg.epochs == default.epochs, run
        else:
            assert cfg == default, run   # the coursework arms use the generators sweep's models
    assert low_data_points > 0


def test_the_low_data_generators_sweep_scores_the_models_the_low_data_arms_draw_from(mnist, tmp_path):
    """Matched by (generator, seed): the generator low_data_generators scores is the artifact the k = 10 low-data mix
    cell of mix_ratios (CGAN) or mix_ratios_families (the others, diffusion's longer training included) uses."""
    from cgan_study.study import augment, stages
    from cgan_study.study.tasks import evaluated_generator

    ctx = stages.Context(mnist, tmp_path)
    cells = {}
    for sweep in ("mix_ratios", "mix_ratios_families"):
        for _, point, exp in _runs(sweep, "quick"):
            if (point.get("augment.protocol"), point.get("augment.strategy"), point.get("augment.real_per_class")) \
                    == ("low_data", "mix", 10):
                cells[(exp.augment.generator, exp.seed)] = augment.plan(exp, ctx).generator.path(exp, ctx)
    scored = {(exp.augment.generator, exp.seed): evaluated_generator(exp).path(exp, ctx)
              for _, _, exp in _runs("low_data_generators", "quick")}
    assert set(scored) == set(cells) and len(scored) == 21
    assert all(scored[key] == cells[key] for key in scored)


def test_the_pool_generators_sweep_scores_the_models_the_pool_cells_use(mnist, tmp_path):
    """Matched by seed: the pseudo-label CGAN semi_supervised_generators scores is the artifact the k = 10
    fixmatch_mix cell of semi_supervised draws from, and its SSL-GAN the one the ssl_gan arm trains (the same key),
    so scoring them trains nothing new."""
    from cgan_study.config import stable_hash
    from cgan_study.study import augment, semi_supervised, stages
    from cgan_study.study.tasks import evaluated_generator

    ctx = stages.Context(mnist, tmp_path)
    cells, ssl = {}, {}
    for _, point, exp in _runs("semi_supervised", "quick"):
        if point.get("augment.real_per_class") != 10:
            continue
        if point.get("augment.strategy") == "fixmatch_mix":
            cells[exp.seed] = augment.plan(exp, ctx).generator.path(exp, ctx)
        if point.get("augment.strategy") == "ssl_gan":
            ssl[exp.seed] = stable_hash(semi_supervised.ssl_gan_spec(exp, ctx))
    scored, scored_ssl = {}, {}
    for _, _, exp in _runs("semi_supervised_generators", "quick"):
        if exp.augment.generator == "ssl_gan":
            assert evaluated_generator(exp) is None   # built in its run, as the ssl_gan arm builds it
            scored_ssl[exp.seed] = stable_hash(semi_supervised.ssl_gan_spec(exp, ctx))
        else:
            scored[exp.seed] = evaluated_generator(exp).path(exp, ctx)
    assert set(scored) == set(scored_ssl) == {0, 1, 2}
    assert all(scored[s] == cells[s] for s in scored) and all(scored_ssl[s] == ssl[s] for s in scored_ssl)
