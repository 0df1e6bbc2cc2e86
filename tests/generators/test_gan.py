"""GAN training on a real MNIST subset: every family and trick trains and writes its artifacts; resume,
sampling determinism, export formats and the divergence guard."""
import dataclasses
import json
import tarfile

import numpy as np
import pytest
import tensorflow as tf
from cgan_study.training.callbacks import DivergenceGuard

from cgan_study import config as C
from cgan_study.data import subset, to_float
from cgan_study.generators import KerasGenerator, sampling
from cgan_study.generators.gan.networks import FAMILIES
from cgan_study.generators.gan.trainer import train_gan as _train_gan

TINY = C.GANConfig(g_width=16, d_width=8, latent_dim=16, batch_size=32, epochs=2, min_steps_per_epoch=12)


def train_gan(cfg, digits, out, seed, family="cgan"):
    return _train_gan(cfg, FAMILIES[family], digits, out, seed=seed)


@pytest.fixture(scope="module")
def digits(mnist):
    return subset(mnist.train, k=30, seed=0)


VARIANTS = {  # (family, GAN config overrides)
    "cgan-ns": {},
    "dcgan": {"family": "dcgan"},
    "acgan": {"family": "acgan"},
    "cgan-vbn-gd-smoothing": {"vbn": "gd", "label_smoothing": 0.1},
    "cgan-spectral-hinge-mbd": {"d_norm": "spectral", "loss": "hinge", "minibatch_discrimination": True},
    "cgan-batchnorm-lsgan-2dsteps": {"d_norm": "batch", "loss": "lsgan", "d_steps": 2},
    "cgan-wgan-gp": {"loss": "wgan_gp"},
    "cgan-wgan-clip-rmsprop": {"loss": "wgan", "optimizer": "rmsprop"},
    "dcgan-init-sgd": {"family": "dcgan", "init": "dcgan", "optimizer": "sgd"},
    "acgan-dragan-vbn-g": {"family": "acgan", "loss": "dragan", "vbn": "g"},
    "dcgan-pacgan2-wgan-gp": {"family": "dcgan", "pack": 2, "loss": "wgan_gp"},
}


@pytest.mark.integration
@pytest.mark.parametrize("name", VARIANTS)
def test_variant_trains_and_writes_every_artifact(tmp_path, digits, name):
    overrides = dict(VARIANTS[name])
    family = overrides.pop("family", "cgan")
    cfg = dataclasses.replace(TINY, **overrides)
    info = train_gan(cfg, digits, tmp_path, seed=0, family=family)
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in history] == [1, 2]
    assert all(np.isfinite(h["d_loss"]) and np.isfinite(h["g_loss"]) for h in history)
    assert history[0]["g_loss"] != history[1]["g_loss"]  # the losses move
    for artifact in ("generator.keras", "checkpoint.npz", "samples.png", "grids/epoch_001.png", "grids/epoch_002.png",
                     "epochs/epoch_001.keras", "epochs/epoch_002.keras"):
        assert (tmp_path / artifact).stat().st_size > 0, artifact
    assert info["epochs_run"] == 2 and info["g_flops_per_image"] > 0
    generator = sampling.load_generator(tmp_path / "generator.keras")
    labels = sampling.balanced_labels(20)
    x = sampling.sample(KerasGenerator(generator, True), labels, seed=1) if family != "dcgan" else None
    if x is not None:
        assert x.shape == (20, 28, 28) and x.dtype == np.uint8


@pytest.mark.integration
def test_weight_clipping_keeps_every_critic_weight_within_the_bound(digits):
    from cgan_study.generators.gan.trainer import build_gan

    cfg = dataclasses.replace(TINY, loss="wgan", clip_value=0.01, d_steps=2)
    gan = build_gan(cfg, FAMILIES["cgan"], digits, seed=0)
    assert max(float(np.abs(w).max()) for w in gan.discriminator.get_weights()) > 0.01  # unclipped at start
    images = (digits.x[:32].astype(np.float32) / 127.5 - 1.0)[..., None]
    gan.train_step((tf.constant(images), tf.constant(digits.y[:32].astype(np.int32))))
    for var in gan.discriminator.trainable_variables:
        assert float(np.abs(var.numpy()).max()) <= 0.01 + 1e-7, var.path


def test_dcgan_init_draws_kernels_from_a_narrow_normal(digits):
    from cgan_study.generators.gan.networks import build_generator, dcgan_init

    generator = build_generator(TINY, FAMILIES["cgan"], seed=0)
    dcgan_init(generator, seed=0)
    kernels = np.concatenate([v.numpy().ravel() for v in generator.weights if v.path.endswith("kernel")])
    assert abs(kernels.mean()) < 1e-3 and kernels.std() == pytest.approx(0.02, rel=0.02)
    gammas = np.concatenate([v.numpy().ravel() for v in generator.weights if v.path.endswith("gamma")])
    assert gammas.std() == pytest.approx(0.02, rel=0.3) and abs(gammas.mean() - 1) < 0.01


@pytest.mark.integration
def test_interrupted_training_resumes_from_its_last_epoch(tmp_path, digits):
    train_gan(dataclasses.replace(TINY, epochs=1), digits, tmp_path, seed=0)  # "interrupted" after epoch 1
    info = train_gan(TINY, digits, tmp_path, seed=0)
    assert info["resumed_from_epoch"] == 1
    assert [json.loads(x)["epoch"] for x in (tmp_path / "history.jsonl").read_text().splitlines()] == [1, 2]
    again = train_gan(TINY, digits, tmp_path, seed=0)  # nothing left to do
    assert again["resumed_from_epoch"] == 2


@pytest.mark.integration
def test_a_resumed_run_continues_bit_for_bit_like_an_uninterrupted_one(tmp_path, digits):
    from cgan_study.training.callbacks import load_checkpoint

    from cgan_study.generators.gan.trainer import build_gan

    train_gan(TINY, digits, tmp_path / "straight", seed=0)
    train_gan(dataclasses.replace(TINY, epochs=1), digits, tmp_path / "resumed", seed=0)  # "killed" after epoch 1
    train_gan(TINY, digits, tmp_path / "resumed", seed=0)
    states = []
    for name in ("straight", "resumed"):
        gan = build_gan(TINY, FAMILIES["cgan"], digits, seed=0)
        assert load_checkpoint(gan, tmp_path / name / "checkpoint.npz") == 2
        states.append(gan.get_state())  # weights, optimiser slots and the RNG state, in a fixed order
    assert states[0].keys() == states[1].keys()
    for key in states[0]:
        np.testing.assert_array_equal(states[0][key], states[1][key], err_msg=key)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, digits):
    out = tmp_path_factory.mktemp("gan")
    cfg = dataclasses.replace(TINY, epochs=1)
    train_gan(cfg, digits, out, seed=0)
    # What the artifact cache writes before a build: the spec, which names the generator that built it.
    (out / "config.json").write_text(json.dumps({"gan": {**C.to_dict(cfg), "family": "cgan"}}))
    return out


def test_sampling_is_deterministic(trained):
    generator = KerasGenerator(sampling.load_generator(trained / "generator.keras"), conditional=True)
    labels = sampling.balanced_labels(30)
    a, b = sampling.sample(generator, labels, seed=5), sampling.sample(generator, labels, seed=5)
    c = sampling.sample(generator, labels, seed=6)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_sample_cli_writes_npz_pngs_and_flat_tgz(trained, tmp_path):
    from experiments.sample import main

    rc = main(["--run", str(trained), "--n", "20", "--out", str(tmp_path / "s.npz"), "--png-dir",
               str(tmp_path / "png"), "--tgz", str(tmp_path / "s.tgz"), "--seed", "3"])
    assert rc == 0
    with np.load(tmp_path / "s.npz", allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    assert x.shape == (20, 28, 28) and x.dtype == np.uint8 and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [2] * 10
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == sorted(f"{i}.png" for i in range(1, 21))
    with tarfile.open(tmp_path / "s.tgz") as tar:
        assert sorted(tar.getnames()) == sorted(f"{i}.png" for i in range(1, 21))
        assert all(m.isfile() for m in tar.getmembers())
    first = (tmp_path / "s.tgz").read_bytes()
    main(["--run", str(trained), "--n", "20", "--out", str(tmp_path / "t.npz"), "--tgz", str(tmp_path / "s.tgz"),
          "--seed", "3"])
    assert (tmp_path / "s.tgz").read_bytes() == first  # byte-for-byte reproducible


def test_sample_cli_writes_jpegs_in_a_flat_tgz_and_pngs_in_one_zipped_folder(trained, tmp_path):
    import zipfile

    from experiments.sample import main

    for name in ("a", "b"):
        assert main(["--run", str(trained), "--n", "20", "--out", str(tmp_path / f"{name}.npz"), "--format", "jpg",
                     "--tgz", str(tmp_path / f"{name}.tgz"), "--seed", "3"]) == 0
        assert main(["--run", str(trained), "--n", "20", "--out", str(tmp_path / f"{name}.npz"),
                     "--zip", str(tmp_path / name / "digits.zip"), "--seed", "3"]) == 0
    with tarfile.open(tmp_path / "a.tgz") as tar:
        assert sorted(tar.getnames()) == sorted(f"{i}.jpg" for i in range(1, 21))
        assert tar.extractfile("1.jpg").read()[:3] == b"\xff\xd8\xff"  # JPEG magic
    with zipfile.ZipFile(tmp_path / "a" / "digits.zip") as archive:
        assert sorted(archive.namelist()) == sorted(["digits/"] + [f"digits/{i}.png" for i in range(1, 21)])
    assert (tmp_path / "a.tgz").read_bytes() == (tmp_path / "b.tgz").read_bytes()
    assert (tmp_path / "a" / "digits.zip").read_bytes() == (tmp_path / "b" / "digits.zip").read_bytes()


def test_sample_cli_rejects_bad_input(trained, tmp_path, capsys):
    from experiments.sample import main

    assert main(["--run", str(trained), "--n", "15", "--out", str(tmp_path / "s.npz")]) == 2
    assert "multiple of 10" in capsys.readouterr().err
    assert main(["--run", str(tmp_path), "--n", "10", "--out", str(tmp_path / "s.npz")]) == 2
    assert "neither a generator artifact" in capsys.readouterr().err


class _Model:
    stop_training = False


@pytest.mark.parametrize("logs,patience,expect", [
    ([{"step_d_loss": float("nan"), "step_g_loss": 1.0, "step_d_acc": 0.5}], 5, "d_loss became nan"),
    ([{"step_d_loss": 1.0, "step_g_loss": float("inf"), "step_d_acc": 0.5}], 5, "g_loss became inf"),
    ([{"step_d_loss": 0.1, "step_g_loss": 5.0, "step_d_acc": 1.0}] * 3, 3, "pinned at 100% for 3 steps"),
])
def test_divergence_guard_stops_and_records_why(logs, patience, expect):
    guard = DivergenceGuard(patience)
    guard.set_model(_Model())
    for i, log in enumerate(logs):
        guard.on_train_batch_end(i, log)
    assert guard.model.stop_training and expect in guard.reason


def test_divergence_guard_resets_when_d_is_fooled_again():
    guard = DivergenceGuard(3)
    guard.set_model(_Model())
    for acc in (1.0, 1.0, 0.9, 1.0, 1.0):
        guard.on_train_batch_end(0, {"step_d_loss": 0.1, "step_g_loss": 1.0, "step_d_acc": acc})
    assert not guard.model.stop_training and guard.reason is None


def test_class_interpolation_endpoints_are_the_two_classes(trained):
    from cgan_study.study.analysis import class_interpolation

    generator = sampling.load_generator(trained / "generator.keras")
    strip = class_interpolation(generator, pairs=((2, 5),), steps=4, seed=0)
    z = np.random.default_rng([0, 11]).standard_normal((1, TINY.latent_dim)).astype(np.float32)
    ends = np.asarray(generator([np.repeat(z, 2, 0), np.array([[2], [5]])], training=False))
    np.testing.assert_allclose(strip[[0, 3]], ends, atol=1e-5)


# --------------------------------------------------------------------------- one train_step, by hand (issue 33.4)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _bce(logits, target):
    """Mean sigmoid cross-entropy of logits against a constant target."""
    return float(np.mean(_softplus(logits) - target * logits))


def _class_ce(labels, class_logits):
    """Mean softmax cross-entropy of class logits against integer labels."""
    z = np.asarray(class_logits, np.float64)
    return float(np.mean(np.logaddexp.reduce(z, axis=1) - z[np.arange(len(z)), labels]))


def _one_step(gan, real, labels, seed=0):
    """One train_step, and what it computed replayed by hand: the step's draws (a fresh SeedGenerator(seed) gives
    them in order), D's first step on G's samples with the weights before it, and G's step with D after it."""
    import types

    import keras

    g0, d0 = gan.generator.get_weights(), gan.discriminator.get_weights()
    logs = gan.train_step((real, labels))
    g1, d1 = gan.generator.get_weights(), gan.discriminator.get_weights()
    draws = keras.random.SeedGenerator(seed)
    batch, latent = int(real.shape[0]), gan.cfg.latent_dim
    z_d = [keras.random.normal((batch, latent), seed=draws) for _ in range(gan.cfg.d_steps)]
    g_labels = keras.random.randint((batch,), 0, 10, seed=draws, dtype="int32")
    z_g = keras.random.normal((batch, latent), seed=draws)
    gan.generator.set_weights(g0)
    gan.discriminator.set_weights(d0)
    real_out = gan._d(real, labels, training=True)
    fake_out = gan._d(gan._g(z_d[0], labels, training=True), labels, training=True)
    gan.discriminator.set_weights(d1)
    fake_g = gan._g(z_g, g_labels, training=True)
    g_out = gan._d(fake_g, g_labels, training=True)
    gan.generator.set_weights(g1)
    as_np = lambda out: tuple(None if o is None else np.asarray(o, np.float64) for o in out)  # noqa: E731
    return logs, types.SimpleNamespace(real=as_np(real_out), fake=as_np(fake_out), g=as_np(g_out),
                                       g_labels=np.asarray(g_labels), fake_g=fake_g)


@pytest.fixture(scope="module")
def ten(digits):
    return tf.constant(to_float(digits.x[:10]), tf.float32), tf.constant(digits.y[:10].astype(np.int32))


def _gan(family, digits, guide=None, guide_weight=0.0, **overrides):
    from cgan_study.generators.gan.trainer import build_gan

    return build_gan(dataclasses.replace(TINY, **overrides), FAMILIES[family], digits, seed=0, guide=guide,
                     guide_weight=guide_weight)


def test_one_sided_label_smoothing_targets_real_at_one_minus_alpha_and_fake_at_zero(digits, ten):
    logs, seen = _one_step(_gan("cgan", digits, label_smoothing=0.3), *ten)
    expected = _bce(seen.real[0], 0.7) + _bce(seen.fake[0], 0.0)
    assert float(logs["step_d_loss"]) == pytest.approx(expected, rel=1e-5)
    assert float(logs["step_g_loss"]) == pytest.approx(_bce(seen.g[0], 1.0), rel=1e-5)  # G's target stays 1


def test_the_acgan_class_loss_joins_both_steps_at_its_weight(digits, ten):
    real, labels = ten
    logs, seen = _one_step(_gan("acgan", digits, acgan_weight=2.0), real, labels)
    y = labels.numpy()
    d = _bce(seen.real[0], 1.0) + _bce(seen.fake[0], 0.0) + 2.0 * (_class_ce(y, seen.real[1])
                                                                   + _class_ce(y, seen.fake[1]))
    g = _bce(seen.g[0], 1.0) + 2.0 * _class_ce(seen.g_labels, seen.g[1])
    assert float(logs["step_d_loss"]) == pytest.approx(d, rel=1e-5)
    assert float(logs["step_g_loss"]) == pytest.approx(g, rel=1e-5)


def test_d_steps_updates_d_that_many_times_per_g_update(digits, ten):
    gan = _gan("cgan", digits, d_steps=3)
    gan.train_step(ten)
    assert int(gan.d_optimizer.iterations) == 3 and int(gan.g_optimizer.iterations) == 1
    gan.train_step(ten)
    assert int(gan.d_optimizer.iterations) == 6 and int(gan.g_optimizer.iterations) == 2


def test_the_guided_cgan_adds_the_guides_cross_entropy_at_its_weight_to_g_loss(digits, ten):
    import keras

    keras.utils.set_random_seed(7)
    guide = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    logs, seen = _one_step(_gan("cgan", digits, guide=guide, guide_weight=2.0), *ten)
    p = np.asarray(guide(seen.fake_g, training=False), np.float64)
    ce = float(np.mean(-np.log(np.clip(p[np.arange(10), seen.g_labels], 1e-7, 1.0))))
    assert float(logs["guide_ce"]) == pytest.approx(ce, rel=1e-5)
    assert float(logs["step_g_loss"]) == pytest.approx(_bce(seen.g[0], 1.0) + 2.0 * ce, rel=1e-5)


def test_sample_cli_scores_the_samples_with_a_given_scorer(trained, tmp_path, capsys):
    """Known answer: a scorer that reads every image as a 0 finds 10% of a balanced sample as requested (it ignores
    the images, so this checks the counting and the report line, not the images' form)."""
    import keras

    from experiments.sample import main

    inputs = keras.Input((28, 28, 1))
    dense = keras.layers.Dense(10, kernel_initializer="zeros",
                               bias_initializer=keras.initializers.Constant([9.0] + [0.0] * 9))
    keras.Model(inputs, keras.layers.Softmax()(dense(keras.layers.Flatten()(inputs)))).save(tmp_path / "scorer.keras")
    assert main(["--run", str(trained), "--n", "20", "--out", str(tmp_path / "s.npz"), "--scorer", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "success rate: 10.00% of 20 samples" in out and "0: 100.0 1: 0.0" in out
    assert main(["--run", str(trained), "--n", "20", "--out", str(tmp_path / "s.npz"),
                 "--scorer", str(tmp_path / "none")]) == 2
    assert "no scorer.keras there" in capsys.readouterr().err
