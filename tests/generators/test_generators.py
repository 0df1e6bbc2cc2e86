"""The generator interface and registry: every entry trains, saves, loads and samples; CVAE and EBGAN known
answers and behaviour on real digits; a toy generator added in one place runs through a smoke sweep."""
import json

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from cgan_study import config as C
from cgan_study import generators
from cgan_study.data import NUM_CLASSES, subset, to_float
from cgan_study.generators import cvae, ebgan
from cgan_study.generators.sampling import balanced_labels
from cgan_study.runtime import results
from cgan_study.study import stages

# --------------------------------------------------------------------------- a toy generator, registered by tests


@pytest.fixture
def toy_generator():
    entry = generators.register(generators.Entry("toy", "toy_generator", "", True, "class means (tests only)"))
    yield entry
    generators.unregister("toy")


# --------------------------------------------------------------------------- registry


def test_every_registered_generator_declares_train_load_and_spec():
    for name, entry in generators.REGISTRY.items():
        impl = entry._impl()
        assert all(callable(getattr(impl, f, None)) for f in ("train", "load", "spec")), name
        assert entry.section == "" or hasattr(C.Experiment(), entry.section), name


def test_registering_a_name_twice_is_refused_and_unknown_names_are_named(toy_generator):
    with pytest.raises(ValueError, match="already registered"):
        generators.register(toy_generator)
    with pytest.raises(KeyError, match="registered: cgan"):
        generators.get("nope")
    with pytest.raises(C.ConfigError, match="augment.generator' must be one of"):
        C.override(C.Experiment(), "augment.generator", "nope")


def test_gan_artifacts_keep_the_hash_they_had_before_the_registry(mnist, tmp_path):
    """The committed quick CGAN (results/_artifacts/generator/87967df2b4677be2, trained before the registry and
    before gan.optimizer / gan.init existed) is still the default CGAN's artifact; changing a new key moves it."""
    ctx = stages.Context(mnist, tmp_path)
    exp = C.Experiment()
    assert stages.generator_path(exp, ctx).name == "87967df2b4677be2"
    assert stages.generator_spec(exp, ctx)["gan"]["family"] == "cgan"
    for key, value in (("augment.generator", "acgan"), ("gan.optimizer", "rmsprop"), ("gan.init", "dcgan")):
        assert stages.generator_path(C.override(exp, key, value), ctx).name != "87967df2b4677be2", key


def test_the_guide_may_not_be_built_like_the_scorer():
    with pytest.raises(C.ConfigError, match="must differ from the scorer"):
        C.apply(C.Experiment(), {"augment.generator": "guided_cgan", "guide.width": 32})


def test_an_unconditional_generator_cannot_make_labelled_digits():
    with pytest.raises(C.ConfigError, match="unconditional"):
        C.apply(C.Experiment(), {"augment.generator": "dcgan", "augment.synth_fraction": 0.1})
    C.apply(C.Experiment(), {"augment.generator": "dcgan", "augment.strategy": "real"})  # unused: fine


@pytest.mark.integration
@pytest.mark.parametrize("name", ["cgan", "acgan", "dcgan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion",
                                  "ssl_gan"])
def test_each_registered_generator_builds_loads_and_samples_deterministically(name, mnist, tmp_path):
    exp = C.apply(C.profile("smoke"), {"augment.generator": name, "augment.strategy": "real"})
    ctx = stages.Context(mnist, tmp_path)
    generator, info, path = stages.get_generator(exp, ctx)
    assert info["n_train"] == 600 and (path / results.DONE).exists()
    loaded = generators.load_artifact(path)  # from the directory alone, as experiments.sample does
    labels = balanced_labels(20)
    images = loaded.generate(labels if loaded.conditional else None, seed=3, n=20)
    assert images.shape == (20, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(images, generator.generate(labels if generator.conditional else None, 3, 20))
    assert not np.array_equal(images, loaded.generate(labels if loaded.conditional else None, seed=4, n=20))


# --------------------------------------------------------------------------- CVAE


def test_negative_elbo_known_answers():
    target = tf.constant(np.full((2, 28, 28, 1), 1.0, np.float32))
    sure = tf.fill((2, 28, 28, 1), 30.0)  # sigmoid(30) ~ 1: reconstruction error ~ 0
    zero = tf.zeros((2, 4))
    recon, kl = cvae.negative_elbo(target, sure, zero, zero)
    np.testing.assert_allclose(recon, 0.0, atol=1e-6)
    np.testing.assert_allclose(kl, 0.0, atol=1e-7)  # q = N(0, I) is the prior
    _, kl = cvae.negative_elbo(target, sure, tf.ones((2, 4)), zero)
    np.testing.assert_allclose(kl, 2.0, rtol=1e-6)  # 0.5 * sum(mu^2) with mu = 1 in 4 dimensions
    recon, _ = cvae.negative_elbo(target, tf.zeros((2, 28, 28, 1)), zero, zero)
    np.testing.assert_allclose(recon, 784 * np.log(2.0), rtol=1e-6)  # p = 1/2 for every pixel


@pytest.mark.integration
def test_cvae_learns_real_digits_and_its_samples_follow_the_label(mnist, tmp_path):
    digits = subset(mnist.train, k=100, seed=0)
    cfg = C.CVAEConfig(latent_dim=8, width=16, epochs=4, batch_size=64, min_steps_per_epoch=100)
    exp = C.Experiment(cvae=cfg)
    info = cvae.train(generators.get("cvae"), exp, digits, tmp_path, seed=0)
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert history[-1]["elbo"] > history[0]["elbo"] + 20 and info["elbo"] == history[-1]["elbo"]
    generator = cvae.load(generators.get("cvae"), tmp_path)
    means = np.stack([generator.generate(np.full(50, c), seed=c).mean(0) for c in range(NUM_CLASSES)])
    real = np.stack([to_float(digits.x[digits.y == c]).mean(0) for c in range(NUM_CLASSES)])
    distance = np.abs(means[:, None] - real[None]).mean(axis=(2, 3, 4))  # generated class c vs real class c'
    assert (distance.argmin(axis=1) == np.arange(NUM_CLASSES)).mean() >= 0.8


# --------------------------------------------------------------------------- EBGAN


def test_pulling_away_term_known_answers():
    orthogonal = tf.constant(np.eye(4, 6, dtype=np.float32) * 3.0)
    assert float(ebgan.pulling_away(orthogonal)) == pytest.approx(0.0, abs=1e-7)
    same = tf.constant(np.tile(np.array([[1.0, 2.0, -1.0]], np.float32), (5, 1)))
    assert float(ebgan.pulling_away(same)) == pytest.approx(1.0, rel=1e-6)
    x = tf.constant(np.random.default_rng(0).normal(size=(2, 28, 28, 1)).astype(np.float32))
    np.testing.assert_allclose(ebgan.energy(x, x), 0.0)
    np.testing.assert_allclose(ebgan.energy(x, x + 0.5), 0.25, rtol=1e-6)


@pytest.mark.integration
def test_ebgan_discriminator_learns_to_reconstruct_real_digits(mnist, tmp_path):
    digits = subset(mnist.train, k=50, seed=0)
    cfg = C.EBGANConfig(latent_dim=16, g_width=16, d_width=8, epochs=2, batch_size=32, min_steps_per_epoch=30)
    info = ebgan.train(generators.get("ebgan"), C.Experiment(ebgan=cfg), digits, tmp_path, seed=0)
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert info["stopped_early"] is None and len(history) == 2
    assert history[1]["energy_real"] < history[0]["energy_real"]
    assert all(np.isfinite(h["g_loss"]) and 0 <= h["pull_away"] <= 1 for h in history)


# --------------------------------------------------------------------------- one module, one line: a toy sweep


@pytest.mark.integration
def test_a_toy_generator_registered_in_one_place_runs_through_a_smoke_sweep(toy_generator, mnist_path, tmp_path,
                                                                           monkeypatch, capsys):
    from cgan_study.runtime.grid import chain, fixed, product, sweep
    from experiments import sweep as cli
    from cgan_study.sweeps import SWEEPS, Sweep

    cells = product(fixed("augment.generator", "toy"), fixed("augment.real_per_class", 5),
                    fixed("augment.synth_fraction", 0.1), sweep("augment.strategy", ("mix", "filter")),
                    sweep("augment.protocol", ("coursework", "low_data")))
    monkeypatch.setitem(SWEEPS, "toy_mix", Sweep("augment", "toy generator in the study", {"smoke": cells}))
    monkeypatch.setitem(SWEEPS, "toy_eval", Sweep("gan_eval", "toy generator scored",
                                                  {"smoke": chain(fixed("augment.generator", "toy"))}))
    for name in ("toy_eval", "toy_mix"):
        assert cli.main([name, "--profile", "smoke", "--out", str(tmp_path), "--data", str(mnist_path)]) == 0
    scored = pd.read_csv(tmp_path / "toy_eval" / "summary.csv")
    assert scored.loc[0, "success_rate"] > 0.9  # class means are recognisable digits
    mixed = pd.read_csv(tmp_path / "toy_mix" / "summary.csv")
    assert set(mixed["status"]) == {"done"} and len(mixed) == 4
    # Each cell used the toy generator's artifact: trained on all real digits (coursework) or on k = 5 per class.
    artifacts = set(mixed["generator_artifact"])
    assert len(artifacts) == 2
    for name in artifacts:
        built = json.loads((tmp_path / "_artifacts" / "generator" / name / "config.json").read_text())
        assert built["generator"] == "toy"


# --------------------------------------------------------------------------- classifier-guided CGAN


@pytest.mark.integration
def test_guided_cgan_trains_its_own_guide_on_the_generators_digits_and_adds_its_loss(mnist, tmp_path):
    import keras

    digits = subset(mnist.train, k=30, seed=0)
    exp = C.apply(C.profile("smoke"), {"augment.generator": "guided_cgan", "guide.weight": 2.0})
    info = generators.get("guided_cgan").train(exp, digits, tmp_path, seed=0)
    guide = keras.saving.load_model(tmp_path / "guide.keras", compile=False)
    # Not the scorer: another width (and seed), trained on the 300 digits this generator saw, nothing else.
    assert guide.get_layer("conv0a").filters == exp.guide.width != exp.scorer.width
    assert json.loads((tmp_path / "guide.json").read_text())["n_train"] == 300
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert np.isfinite(history[-1]["guide_ce"]) and info["guide_train_accuracy"] > 0.3
    plain = stages.generator_spec(C.override(exp, "augment.generator", "cgan"), stages.Context(mnist, tmp_path))
    guided = stages.generator_spec(exp, stages.Context(mnist, tmp_path))
    assert guided["gan"] == plain["gan"] and guided["guide"]["weight"] == 2.0  # same GAN, its own artifact


# --------------------------------------------------------------------------- known answers of one step (issue 33.4)


def _ten_digits(mnist):
    digits = subset(mnist.train, k=1, seed=0)
    return tf.constant(to_float(digits.x), tf.float32), tf.constant(digits.y.astype(np.int32))


def _first_normal(shape, seed: int) -> np.ndarray:
    """The first draw a model's keras.random.SeedGenerator(seed) gives: what its first train_step samples."""
    import keras

    return np.asarray(keras.random.normal(shape, seed=keras.random.SeedGenerator(seed)))


def test_cvae_step_is_the_hand_computed_kl_plus_the_reparameterised_reconstruction(mnist):
    cfg = C.CVAEConfig(latent_dim=3, width=8, beta=2.0)
    model = cvae.CVAE(cfg, seed=0)
    model.compile()
    # q(z | x, y) = N(mu, sigma^2) whatever the input: the encoder's heads reduced to their biases.
    mu, var = np.array([0.5, -1.0, 2.0]), np.array([4.0, 0.25, 1.0])
    for name, bias in (("z_mean", mu), ("z_log_var", np.log(var))):
        layer = model.encoder.get_layer(name)
        layer.kernel.assign(np.zeros(layer.kernel.shape, np.float32))
        layer.bias.assign(bias.astype(np.float32))
    # KL(N(mu, sigma^2) || N(0, 1)) = 1/2 sum(mu^2 + sigma^2 - 1 - log sigma^2)
    #   = 1/2 [(0.25 + 4 - 1 - log 4) + (1 + 0.25 - 1 - log 1/4) + (4 + 1 - 1 - 0)] = 3.75
    kl = 3.75
    images, labels = _ten_digits(mnist)
    z = mu + np.sqrt(var) * _first_normal((10, 3), 0)  # z = mu + sigma * eps, sigma = exp(log_var / 2)
    logits = np.asarray(model.decoder([tf.constant(z, tf.float32), tf.reshape(labels, (-1, 1))], training=True),
                        np.float64)
    target = (images.numpy().astype(np.float64) + 1.0) / 2.0
    # Bernoulli cross-entropy with logits, summed over the pixels of each image.
    bce = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    recon = bce.sum(axis=(1, 2, 3))
    logs = model.train_step((images, labels))
    assert float(logs["kl"]) == pytest.approx(kl, rel=1e-5)
    assert float(logs["recon"]) == pytest.approx(recon.mean(), rel=1e-5)
    assert float(logs["loss"]) == pytest.approx(recon.mean() + cfg.beta * kl, rel=1e-5)
    assert float(logs["elbo"]) == pytest.approx(-(recon.mean() + kl), rel=1e-5)


def test_ebgan_d_loss_is_the_real_energy_plus_the_margin_hinge_on_the_fake_energy(mnist):
    import dataclasses

    cfg = C.EBGANConfig(latent_dim=8, g_width=8, d_width=8)
    model = ebgan.EBGAN(cfg, seed=0)
    model.compile()
    real, labels = _ten_digits(mnist)
    fake = model.generator([tf.constant(_first_normal((10, 8), 0)), tf.reshape(labels, (-1, 1))], training=True)

    def energies(images):
        reconstruction = model.autoencoder([images, tf.reshape(labels, (-1, 1))], training=True)[0]
        return np.mean((np.asarray(reconstruction, np.float64) - np.asarray(images, np.float64)) ** 2,
                       axis=(1, 2, 3))

    e_real, e_fake = energies(real), energies(fake)
    margin = float(np.median(e_fake))  # half the fakes inside the margin, half beyond it: the hinge bites on some
    model.cfg = dataclasses.replace(cfg, margin=margin)
    logs = model.train_step((real, labels))
    expected = e_real.mean() + np.maximum(margin - e_fake, 0.0).mean()
    assert float(logs["step_d_loss"]) == pytest.approx(expected, rel=1e-5)
    assert float(logs["energy_fake"]) == pytest.approx(e_fake.mean(), rel=1e-5)


# --------------------------------------------------------------------------- resume, bit for bit (issue 33.4)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cvae", "ebgan"])
def test_a_resumed_cvae_or_ebgan_training_continues_bit_for_bit(name, mnist, tmp_path):
    from helpers import assert_resume_is_bit_for_bit

    digits = subset(mnist.train, k=2, seed=0)
    few = dict(batch_size=8, min_steps_per_epoch=3)
    module, make_cfg, make_exp, model_class = {
        "cvae": (cvae, lambda e: C.CVAEConfig(latent_dim=4, width=8, epochs=e, **few),
                 lambda c: C.Experiment(cvae=c), cvae.CVAE),
        "ebgan": (ebgan, lambda e: C.EBGANConfig(latent_dim=8, g_width=8, d_width=8, epochs=e, **few),
                  lambda c: C.Experiment(ebgan=c), ebgan.EBGAN)}[name]

    def train(epochs, work_dir):
        return module.train(generators.get(name), make_exp(make_cfg(epochs)), digits, work_dir, seed=0)

    def model():
        m = model_class(make_cfg(2), seed=0)
        m.compile()
        return m

    assert_resume_is_bit_for_bit(train, model, tmp_path)


@pytest.mark.parametrize("protocol,k", [("low_data", 10), ("coursework", 10), ("coursework", 0)])
def test_a_generator_evaluation_scores_the_model_the_augmentation_cells_of_its_seed_use(mnist, tmp_path, protocol, k):
    """gan_eval under augment.protocol=low_data scores the low-data cells' own generator (same path, so no retraining
    and no other model); otherwise the full-data one the generators sweep trains with the run's seed."""
    from cgan_study.study import augment
    from cgan_study.study.tasks import evaluated_generator

    ctx = stages.Context(mnist, tmp_path)
    exp = C.apply(C.Experiment(), {"augment.protocol": protocol, "augment.real_per_class": k, "seed": 2,
                                   "augment.strategy": "mix", "augment.synth_fraction": 0.1})
    cell = augment.plan(exp, ctx).generator
    assert evaluated_generator(exp).path(exp, ctx) == cell.path(exp, ctx)
    full = stages.generator_path(exp, ctx, seed=2)
    assert (evaluated_generator(exp).path(exp, ctx) == full) == (protocol == "coursework")
