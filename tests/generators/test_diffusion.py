"""Conditional diffusion: schedule values, the forward process, the DDPM/DDIM identities, determinism by seed,
and a few training steps on real digits lowering the loss."""
import json
import math

import numpy as np
import pytest
import tensorflow as tf

from cgan_study import config as C
from cgan_study import generators
from cgan_study.data import subset
from cgan_study.generators import diffusion as D


def test_linear_schedule_alpha_bar_known_values():
    s = D.linear_schedule(1000)
    assert s.T == 1000 and s.alpha_bar_at(0) == 1.0
    assert s.alpha_bar[0] == pytest.approx(1 - 1e-4)
    # prod_{t=1..T} (1 - beta_t), betas linear in [1e-4, 0.02]: computed independently in log space
    expected = math.exp(sum(math.log(1 - (1e-4 + (0.02 - 1e-4) * i / 999)) for i in range(1000)))
    assert s.alpha_bar[-1] == pytest.approx(expected, rel=1e-9) and s.alpha_bar[-1] == pytest.approx(4.0358e-5, rel=1e-4)


def test_cosine_schedule_follows_its_formula():
    T, s_ = 1000, 0.008
    s = D.cosine_schedule(T, s_)
    f = lambda t: math.cos((t / T + s_) / (1 + s_) * math.pi / 2) ** 2  # noqa: E731
    for t in (1, 250, 500, 900):
        assert s.alpha_bar_at(t) == pytest.approx(f(t) / f(0), rel=1e-9)
    assert s.betas.max() <= 0.999 and (np.diff(s.alpha_bar) < 0).all()


def test_forward_process_moments_on_a_constant_image(rng):
    s = D.linear_schedule(1000)
    x0 = np.full((20000, 28, 28, 1), 0.5)
    for t in (10, 500, 1000):
        x_t = s.q_sample(x0, np.full(len(x0), t), rng.standard_normal(x0.shape))
        ab = s.alpha_bar_at(t)
        assert x_t.mean() == pytest.approx(math.sqrt(ab) * 0.5, abs=2e-3)
        assert x_t.var() == pytest.approx(1 - ab, rel=5e-3)


def test_x0_prediction_inverts_the_forward_process(rng):
    s = D.cosine_schedule(1000)
    x0, eps = rng.uniform(-1, 1, (4, 28, 28, 1)), rng.standard_normal((4, 28, 28, 1))
    t = np.array([1, 10, 500, 999])
    np.testing.assert_allclose(s.predict_x0(s.q_sample(x0, t, eps), t, eps), x0, atol=1e-6)


def test_clipped_prediction_keeps_the_pair_consistent_with_x_t(rng):
    s = D.linear_schedule(1000)
    t = np.array([10, 300, 700, 1000])
    x0 = rng.uniform(-1.8, 1.8, (4, 28, 28, 1))          # partly outside the data range
    eps = rng.standard_normal((4, 28, 28, 1))
    x_t = s.q_sample(x0, t, eps)
    x0_c, eps_c = s.clipped_prediction(x_t, t, eps)
    np.testing.assert_allclose(x0_c, np.clip(x0, -1, 1), atol=1e-9)
    np.testing.assert_allclose(s.q_sample(x0_c, t, eps_c), x_t, atol=1e-9)
    inside = np.abs(x0) <= 1                              # where nothing was clipped, eps is untouched
    np.testing.assert_allclose(eps_c[inside], eps[inside], atol=1e-9)


def test_deterministic_ddim_with_an_overconfident_network_follows_the_clipped_ode(monkeypatch):
    # A network whose noise estimate always implies x_0 = 1.6 (beyond the data range). Clipped to 1, the
    # DDIM ODE from x_T is the straight path sqrt(ab) * 1 + sqrt(1 - ab) * eps* with one fixed eps*, so every
    # step must be handed that same eps*; reusing the unclipped estimate would push each step further out.
    s = D.linear_schedule(1000)
    gen = D.DiffusionGenerator(None, s, "ddim", 20, eta=0.0)

    def overconfident(x, t, labels):
        ab = float(s.alpha_bar_at(t))
        return (x - math.sqrt(ab) * 1.6) / math.sqrt(1 - ab)

    seen = []
    step = D.ddim_step
    monkeypatch.setattr(gen, "epsilon", overconfident)
    monkeypatch.setattr(D, "ddim_step", lambda s_, x0, eps, *a: seen.append(eps) or step(s_, x0, eps, *a))
    x_T = np.random.default_rng([5, 99, 0]).standard_normal((2, 28, 28, 1))
    out = gen.generate(np.array([3, 7]), seed=5)
    ab_T = float(s.alpha_bar_at(1000))
    expected = (x_T - math.sqrt(ab_T)) / math.sqrt(1 - ab_T)
    assert len(seen) == 20
    for eps in seen:
        np.testing.assert_allclose(eps, expected, atol=1e-6)
    np.testing.assert_allclose(out, 1.0)


MU, SD = 0.2, 0.3


def _gaussian_data_sample(monkeypatch, sampler: str, steps: int, eta: float) -> np.ndarray:
    # Data x_0 ~ N(MU, SD^2) per pixel has a closed-form optimal noise estimate,
    # E[eps | x_t] = sqrt(1 - ab) (x_t - sqrt(ab) MU) / (ab SD^2 + 1 - ab): a sampler driven by it shows its own
    # error, whatever a trained network does.
    s = D.linear_schedule(1000)
    gen = D.DiffusionGenerator(None, s, sampler, steps, eta=eta)

    def exact(x, t, labels):
        ab = float(s.alpha_bar_at(t))
        return math.sqrt(1 - ab) * (x - math.sqrt(ab) * MU) / (ab * SD ** 2 + 1 - ab)

    monkeypatch.setattr(gen, "epsilon", exact)
    return gen.generate(np.zeros(8, np.int32), seed=1).astype(np.float64)


@pytest.mark.parametrize("sampler,eta", [("ddim", 0.0), ("ddim", 1.0), ("ddpm", 0.0)])
def test_samplers_over_every_step_with_the_exact_noise_estimate_recover_gaussian_data(monkeypatch, sampler, eta):
    # Deterministic DDIM included: its ODE maps N(0, 1) onto the data distribution.
    out = _gaussian_data_sample(monkeypatch, sampler, 1000, eta)
    assert out.mean() == pytest.approx(MU, abs=0.02)
    assert out.std() == pytest.approx(SD, rel=0.05)


def test_ddim_with_fewer_steps_shrinks_the_spread_and_converges_as_steps_grow(monkeypatch):
    # DDIM is a first-order step: a large jump lands near the posterior mean of x_0, whose spread is smaller
    # than the data's (measured: std 0.18 at 10 steps, 0.27 at 50 for data std 0.3). The error must fall
    # as steps are added; the mean is unbiased at any step count.
    stds = []
    for steps in (10, 50, 200):
        out = _gaussian_data_sample(monkeypatch, "ddim", steps, 0.0)
        assert out.mean() == pytest.approx(MU, abs=0.02)
        stds.append(out.std())
    assert stds[0] < stds[1] < stds[2] < SD * 1.02


def test_ddim_with_eta_1_over_every_step_is_ddpm(rng):
    s = D.linear_schedule(1000)
    for t in (2, 50, 500, 1000):
        assert s.ddim_sigma(t, t - 1, eta=1.0) ** 2 == pytest.approx(s.posterior_variance(t), rel=1e-9)
        assert s.ddim_sigma(t, t - 1, eta=0.0) == 0.0
        # With the noise both samplers add switched off, their means agree: the same posterior mean.
        x0, x_t = rng.uniform(-1, 1, (3, 28, 28, 1)), rng.standard_normal((3, 28, 28, 1))
        ab = s.alpha_bar_at(t)
        eps = (x_t - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
        zero = np.random.default_rng(0)
        ddpm_mean = D.ddpm_step(s, x_t, x0, t, zero) - math.sqrt(s.posterior_variance(t)) * \
            np.random.default_rng(0).standard_normal(x_t.shape)
        ddim_mean = D.ddim_step(s, x0, eps, t, t - 1, 1.0, np.random.default_rng(0)) - \
            s.ddim_sigma(t, t - 1, 1.0) * np.random.default_rng(0).standard_normal(x_t.shape)
        np.testing.assert_allclose(ddim_mean, ddpm_mean, atol=1e-9)


def test_sampler_timesteps_run_from_t_down_to_1():
    assert D.timesteps(1000, 1000) == list(range(1000, 0, -1))
    ten = D.timesteps(1000, 10)
    assert len(ten) == 10 and ten[0] == 1000 and ten[-1] == 1 and ten == sorted(ten, reverse=True)


@pytest.fixture(scope="module")
def tiny():
    cfg = C.DiffusionConfig(T=100, width=8, sample_steps=5, batch_size=32, epochs=2, min_steps_per_epoch=15)
    return cfg, D.build_unet(cfg)


def test_same_seed_gives_the_same_samples_for_both_samplers(tiny):
    cfg, net = tiny
    labels = np.arange(10)
    for sampler, eta in (("ddim", 0.0), ("ddim", 1.0), ("ddpm", 0.0)):
        gen = D.DiffusionGenerator(net, D.schedule_of(cfg), sampler, cfg.sample_steps, eta, guidance=1.0)
        a, b, c = gen.generate(labels, seed=3), gen.generate(labels, seed=3), gen.generate(labels, seed=4)
        assert a.shape == (10, 28, 28, 1) and np.array_equal(a, b) and not np.array_equal(a, c), sampler
        assert a.min() >= -1 and a.max() <= 1


def test_progressive_capture_returns_the_requested_estimates(tiny):
    cfg, net = tiny
    gen = D.DiffusionGenerator(net, D.schedule_of(cfg), "ddim", 5)
    trace = []
    gen.generate(np.arange(10), seed=0, capture=[0, 2, 4], trace=trace)
    assert len(trace) == 3 and all(t.shape == (10, 28, 28, 1) for t in trace)


def test_progressive_grid_has_a_row_per_class_ending_in_the_samples(tiny):
    cfg, net = tiny
    gen = D.DiffusionGenerator(net, D.schedule_of(cfg), "ddim", 5)
    grid = D.progressive_grid(gen, columns=4, seed=2).reshape(10, 4, 28, 28, 1)
    np.testing.assert_array_equal(grid[:, -1], gen.generate(np.arange(10), seed=2))


@pytest.mark.integration
def test_a_few_training_steps_on_real_digits_lower_the_loss(mnist, tmp_path, tiny):
    cfg, _ = tiny
    digits = subset(mnist.train, k=30, seed=0)
    info = D.train(generators.get("diffusion"), C.Experiment(diffusion=cfg), digits, tmp_path, seed=0)
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert history[1]["loss"] < history[0]["loss"] and info["epochs_run"] == 2
    loaded = D.load(generators.get("diffusion"), tmp_path)
    assert loaded.steps == cfg.sample_steps and loaded.schedule.T == 100
    assert loaded.generate(np.arange(10), seed=1).shape == (10, 28, 28, 1)


def test_ema_is_the_debiased_average_of_the_weights_after_each_step(mnist, tiny):
    """After step 1 the EMA is the weights; after step 2 it is (d w1 + w2) / (1 + d): nothing of the init left."""
    cfg, _ = tiny
    digits = subset(mnist.train, k=4, seed=0)
    model = D.DDPM(cfg, seed=0)
    model.compile()
    x = (digits.x.astype("float32") / 127.5 - 1.0).reshape(-1, 28, 28, 1)
    batch = (tf.constant(x[:8]), tf.constant(digits.y[:8].astype("int32")))
    model.train_step(batch)
    w1 = [w.numpy() for w in model.network.weights]
    for ema, w in zip(model.ema_network.weights, w1):
        np.testing.assert_allclose(ema.numpy(), w, rtol=1e-6, atol=1e-7)
    model.train_step(batch)
    d = cfg.ema_decay
    for ema, a, b in zip(model.ema_network.weights, w1, model.network.weights):
        np.testing.assert_allclose(ema.numpy(), (d * a + b.numpy()) / (1 + d), rtol=1e-4, atol=1e-6)


def test_sampler_settings_leave_the_trained_artifact_alone_and_are_applied_on_load():
    from cgan_study import config as C
    from cgan_study.generators import REGISTRY
    from cgan_study.generators.diffusion import DiffusionGenerator, linear_schedule

    entry = REGISTRY["diffusion"]
    base = C.apply(C.profile("smoke"), {"augment.generator": "diffusion"})
    other = C.apply(base, {"diffusion.sampler": "ddpm", "diffusion.eta": 1.0, "diffusion.guidance": 3.0,
                           "diffusion.sample_steps": 20})
    assert entry.spec(base) == entry.spec(other)                     # one trained model serves every sampler
    assert entry.spec(base) != entry.spec(C.apply(base, {"diffusion.width": 16}))
    loaded = DiffusionGenerator(None, linear_schedule(10), "ddim", 5, 0.0, 0.0)
    configured = entry.configure(loaded, other)
    assert (configured.sampler, configured.steps, configured.eta, configured.guidance) == ("ddpm", 20, 1.0, 3.0)
    assert configured.schedule is loaded.schedule


def _diffusion_artifact(path, frozen: dict):
    """A diffusion artifact as the cache lays one out: a tiny trained-looking U-Net, its spec and sampler.json."""
    from cgan_study.training.fit import GENERATOR_FILE

    cfg = C.DiffusionConfig(T=100, width=8, **frozen)
    path.mkdir()
    D.build_unet(cfg).save(path / GENERATOR_FILE)
    (path / "config.json").write_text(json.dumps({"generator": "diffusion", "diffusion": C.to_dict(cfg)}))
    (path / D.SAMPLER_FILE).write_text(json.dumps(C.to_dict(cfg), sort_keys=True))
    return cfg


def test_the_sample_cli_uses_the_studys_sampler_not_the_one_frozen_in_the_artifact(tmp_path, capsys):
    """Issue 33.5: the first diffusion artifact froze DDIM-50 with eta 0 (the setting the samplers table rejected);
    the CLI samples with the study's sampler (DDIM-10, eta 1, since diffusion_recipes), says so, and takes other
    settings by --set."""
    from experiments.sample import main

    from cgan_study.generators import sampling

    study = C.profile("quick").diffusion
    assert (study.sampler, study.sample_steps, study.eta, study.guidance) == ("ddim", 10, 1.0, 0.0)
    cfg = _diffusion_artifact(tmp_path / "art", {"sampler": "ddim", "sample_steps": 50, "eta": 0.0})
    net = sampling.load_generator(tmp_path / "art" / "generator.keras")
    labels = sampling.balanced_labels(10)

    def expected(sampler, steps, eta, guidance):
        return sampling.sample(D.DiffusionGenerator(net, D.schedule_of(cfg), sampler, steps, eta, guidance),
                               labels, seed=4)

    assert main(["--run", str(tmp_path / "art"), "--n", "10", "--out", str(tmp_path / "a.npz"), "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "sampler: ddim, 10 steps, eta 1, guidance 0 (the artifact's sampler.json says ddim, 50 steps, eta 0" in out
    with np.load(tmp_path / "a.npz") as f:
        np.testing.assert_array_equal(f["x"], expected("ddim", 10, 1.0, 0.0))
        assert not np.array_equal(f["x"], expected("ddim", 50, 0.0, 0.0))

    assert main(["--run", str(tmp_path / "art"), "--n", "10", "--out", str(tmp_path / "b.npz"), "--seed", "4",
                 "--set", "diffusion.sampler=ddim", "sample_steps=5", "eta=0", "guidance=0.5"]) == 0
    assert "sampler: ddim, 5 steps, eta 0, guidance 0.5 (the artifact's" in capsys.readouterr().out
    with np.load(tmp_path / "b.npz") as f:
        np.testing.assert_array_equal(f["x"], expected("ddim", 5, 0.0, 0.5))

    assert main(["--run", str(tmp_path / "art"), "--n", "10", "--out", str(tmp_path / "c.npz"),
                 "--set", "gan.epochs=3"]) == 2
    assert "only the diffusion sampler's settings" in capsys.readouterr().err


# --------------------------------------------------------------------------- guidance, EMA, resume (issue 33.4)

def _randomised_unet(cfg, seed: int):
    """The U-Net with every weight drawn at random: its output layer starts at zero otherwise, which would make
    the conditional and unconditional estimates equal and guidance a no-op."""
    net = D.build_unet(cfg)
    rng = np.random.default_rng(seed)
    for w in net.weights:
        w.assign(rng.normal(0.0, 0.2, tuple(w.shape)).astype(np.float32))
    return net


def test_guidance_is_one_plus_w_times_conditional_minus_w_times_unconditional_at_a_step(tiny):
    cfg, _ = tiny
    net, w, labels = _randomised_unet(cfg, 0), 1.5, np.array([3, 7])
    s = D.schedule_of(cfg)

    def eps(x, t, y):
        return np.asarray(net([tf.constant(x, tf.float32), tf.fill((len(x), 1), t),
                               tf.constant(y.reshape(-1, 1), tf.int32)], training=False), np.float64)

    x = np.random.default_rng(1).standard_normal((2, 28, 28, 1))
    cond, uncond = eps(x, 60, labels), eps(x, 60, np.full(2, D.NULL_LABEL))
    assert np.abs(cond - uncond).mean() > 1e-3  # the label moves the estimate: guidance has something to do
    gen = D.DiffusionGenerator(net, s, "ddim", 1, 0.0, guidance=w)
    np.testing.assert_allclose(gen.epsilon(x, 60, labels), (1 + w) * cond - w * uncond, rtol=1e-4, atol=1e-5)
    # The sampler steps with the guided estimate: one DDIM step from x_T lands on its clipped x_0.
    x_T = np.random.default_rng([4, 99, 0]).standard_normal((2, 28, 28, 1))
    guided = (1 + w) * eps(x_T, s.T, labels) - w * eps(x_T, s.T, np.full(2, D.NULL_LABEL))
    x0, _ = s.clipped_prediction(x_T, s.T, guided)
    np.testing.assert_allclose(gen.generate(labels, seed=4), x0, atol=1e-4)


FEW_STEPS = dict(T=100, width=8, sample_steps=5, batch_size=8, min_steps_per_epoch=3)


def test_the_saved_generator_is_the_ema_network_not_the_raw_one(mnist, tmp_path):
    from cgan_study.generators import sampling
    from cgan_study.training.callbacks import load_checkpoint

    cfg = C.DiffusionConfig(epochs=1, **FEW_STEPS)
    D.train(generators.get("diffusion"), C.Experiment(diffusion=cfg), subset(mnist.train, k=2, seed=0), tmp_path, 0)
    saved = sampling.load_generator(tmp_path / "generator.keras")
    model = D.DDPM(cfg, seed=0)
    model.compile()
    assert load_checkpoint(model, tmp_path / "checkpoint.npz") == 1
    assert len(saved.weights) == len(model.ema_network.weights)
    for got, ema in zip(saved.weights, model.ema_network.weights):
        np.testing.assert_array_equal(got.numpy(), ema.numpy(), err_msg=got.path)
    assert any(not np.array_equal(got.numpy(), raw.numpy()) for got, raw in zip(saved.weights, model.network.weights))


@pytest.mark.slow
def test_a_resumed_diffusion_training_continues_bit_for_bit(mnist, tmp_path):
    from helpers import assert_resume_is_bit_for_bit

    digits = subset(mnist.train, k=2, seed=0)

    def train(epochs, work_dir):
        cfg = C.DiffusionConfig(epochs=epochs, **FEW_STEPS)
        return D.train(generators.get("diffusion"), C.Experiment(diffusion=cfg), digits, work_dir, seed=0)

    def model():
        m = D.DDPM(C.DiffusionConfig(epochs=2, **FEW_STEPS), seed=0)
        m.compile()
        return m

    assert_resume_is_bit_for_bit(train, model, tmp_path)


class _LabelSpy:
    """The network in place, recording the labels each training step feeds it."""

    def __init__(self, network):
        self.network, self.labels = network, []

    def __call__(self, inputs, training=False):
        self.labels.append(np.asarray(inputs[2]).ravel())
        return self.network(inputs, training=training)

    @property
    def trainable_variables(self):
        return self.network.trainable_variables

    @property
    def weights(self):
        return self.network.weights


@pytest.mark.parametrize("p_uncond", [0.0, 0.25])
def test_training_drops_the_label_with_probability_p_uncond(p_uncond):
    """Classifier-free guidance needs the unconditional model: each training example's label is replaced by
    NULL_LABEL with probability p_uncond (and kept otherwise). 400 examples: the share of dropped labels lies
    within 4 binomial standard deviations (0.087 at p = 0.25) of p; a trainer that never drops gives 0."""
    n = 400
    model = D.DDPM(C.DiffusionConfig(T=100, width=8, p_uncond=p_uncond), seed=0)
    model.compile()
    spy = _LabelSpy(model.network)
    object.__setattr__(model, "network", spy)  # past Keras's attribute tracking: the step calls self.network
    labels = np.arange(n) % 10
    model.train_step((tf.zeros((n, 28, 28, 1)), tf.constant(labels)))
    (seen,) = spy.labels
    dropped = seen == D.NULL_LABEL
    assert np.array_equal(seen[~dropped], labels[~dropped])  # a kept label is the example's own
    assert abs(dropped.mean() - p_uncond) <= 4 * math.sqrt(p_uncond * (1 - p_uncond) / n)
    if p_uncond > 0:
        assert dropped.any() and not dropped.all()
