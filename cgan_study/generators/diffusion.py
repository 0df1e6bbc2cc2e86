"""Conditional diffusion (Ho et al. 2020): a small U-Net predicts the noise of x_t given (t, label); DDPM ancestral
and DDIM (Song et al. 2021) sampling share the one trained network; classifier-free guidance (Ho & Salimans 2022)
through label dropout in training and a guidance scale at sampling; an exponential moving average of the weights
is what gets saved and sampled.

Noise schedules live in one place (Schedule), used by training and both samplers alike. Index t runs 1..T; the
arrays hold t-1, and alpha_bar(0) = 1.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from cgan_study.config import DiffusionConfig, to_dict
from cgan_study.data import NUM_CLASSES
from cgan_study.generators.sampling import load_generator
from cgan_study.generators.shapes import MNIST_SHAPE, base_size
from cgan_study.runtime import results
from cgan_study.training.callbacks import Checkpointable
from cgan_study.training.fit import GENERATOR_FILE, fit_resumable

# The recipe of this code's generator artifacts: bump RECIPE when a change to RECIPE_CODE alters
# what training produces (above 1 it enters the artifact key, so every cached artifact of it is rebuilt); a
# behaviour-neutral change is recorded as such instead. tests/test_recipes.py holds the code's fingerprint and
# names the command that records a change (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/generators/diffusion.py",
               "cgan_study/generators/sampling.py",
               "cgan_study/training/fit.py",
               "cgan_study/training/callbacks.py",
               "cgan_study/training/budget.py")

NULL_LABEL = NUM_CLASSES          # the "no label" token of classifier-free guidance on MNIST (num_classes in general)
SAMPLER_FILE = "sampler.json"


# --------------------------------------------------------------------------- schedules

@dataclass(frozen=True)
class Schedule:
    betas: np.ndarray             # beta_t for t = 1..T (float64)

    @property
    def T(self) -> int:
        return len(self.betas)

    @property
    def alpha_bar(self) -> np.ndarray:
        return np.cumprod(1.0 - self.betas)

    def alpha_bar_at(self, t: np.ndarray) -> np.ndarray:
        """alpha_bar(t) for integer t in 0..T, with alpha_bar(0) = 1."""
        return np.concatenate([[1.0], self.alpha_bar])[np.asarray(t)]

    def q_sample(self, x0, t, eps):
        """x_t = sqrt(ab_t) x_0 + sqrt(1 - ab_t) eps: the forward process in one jump."""
        ab = self.alpha_bar_at(t).reshape(-1, 1, 1, 1)
        return np.sqrt(ab) * x0 + np.sqrt(1.0 - ab) * eps

    def predict_x0(self, x_t, t, eps):
        """The x_0 that x_t and the predicted noise imply: the inverse of q_sample."""
        ab = self.alpha_bar_at(t).reshape(-1, 1, 1, 1)
        return (x_t - np.sqrt(1.0 - ab) * eps) / np.sqrt(ab)

    def clipped_prediction(self, x_t, t, eps):
        """(x_0, eps) with x_0 clipped to the data range [-1, 1] and eps recomputed so that the pair still
        reproduces x_t exactly: q_sample(x_0, t, eps) = x_t.

        Why recompute eps: DDIM's update reuses the noise estimate, so an eps that implies the unclipped
        x_0 pushes every deterministic step past the data range by what the clip removed; over 50 steps
        that turns strokes into rings.
        """
        ab = self.alpha_bar_at(t).reshape(-1, 1, 1, 1)
        x0 = np.clip(self.predict_x0(x_t, t, eps), -1.0, 1.0)
        return x0, (x_t - np.sqrt(ab) * x0) / np.sqrt(1.0 - ab)

    def posterior_variance(self, t: int) -> float:
        """beta tilde_t = beta_t (1 - ab_{t-1}) / (1 - ab_t): the variance of q(x_{t-1} | x_t, x_0)."""
        return float(self.betas[t - 1] * (1.0 - self.alpha_bar_at(t - 1)) / (1.0 - self.alpha_bar_at(t)))

    def ddim_sigma(self, t: int, t_prev: int, eta: float) -> float:
        """DDIM's sigma for the step t -> t_prev; eta = 1 with t_prev = t - 1 is DDPM's posterior std."""
        ab, ab_prev = float(self.alpha_bar_at(t)), float(self.alpha_bar_at(t_prev))
        return eta * math.sqrt((1.0 - ab_prev) / (1.0 - ab) * (1.0 - ab / ab_prev))


def linear_schedule(T: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02) -> Schedule:
    """Ho et al. 2020: betas linear from 1e-4 to 0.02 over T = 1000 steps."""
    return Schedule(np.linspace(beta_1, beta_T, T, dtype=np.float64))


def cosine_schedule(T: int = 1000, s: float = 0.008) -> Schedule:
    """Nichol & Dhariwal 2021: alpha_bar(t) = f(t) / f(0), f(t) = cos((t/T + s) / (1 + s) * pi/2)^2; betas <= 0.999."""
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    alpha_bar = f / f[0]
    return Schedule(np.clip(1.0 - alpha_bar[1:] / alpha_bar[:-1], 0.0, 0.999))


SCHEDULES = {"linear": linear_schedule, "cosine": cosine_schedule}


def schedule_of(cfg: DiffusionConfig) -> Schedule:
    return SCHEDULES[cfg.schedule](cfg.T)


# --------------------------------------------------------------------------- the network

@keras.saving.register_keras_serializable(package="cgan_study")
class SinusoidalEmbedding(layers.Layer):
    """Integer timestep -> [sin, cos] features at geometrically spaced frequencies (Vaswani et al. 2017)."""

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim

    def call(self, t):
        half = self.dim // 2
        freqs = tf.exp(-math.log(10000.0) * tf.range(half, dtype=tf.float32) / half)
        angles = tf.cast(tf.reshape(t, (-1, 1)), tf.float32) * freqs[None]
        return tf.concat([tf.sin(angles), tf.cos(angles)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def _res_block(x, cond, channels: int, name: str):
    h = layers.Activation("swish")(layers.GroupNormalization(8, name=f"{name}_gn1")(x))
    h = layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv1")(h)
    h = h + layers.Reshape((1, 1, channels))(layers.Dense(channels, name=f"{name}_cond")(cond))
    h = layers.Activation("swish")(layers.GroupNormalization(8, name=f"{name}_gn2")(h))
    h = layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv2")(h)
    skip = x if x.shape[-1] == channels else layers.Conv2D(channels, 1, name=f"{name}_skip")(x)
    return layers.Add()([skip, h])


def build_unet(cfg: DiffusionConfig, image_shape: tuple[int, int, int] = MNIST_SHAPE,
               num_classes: int = NUM_CLASSES) -> keras.Model:
    """(x_t in image space, t, label or the null label num_classes) -> predicted noise; resolutions size, size/2,
    size/4 (28, 14, 7 on MNIST, the layer names carrying them)."""
    w = cfg.width
    q = base_size(image_shape)
    s, h_ = 4 * q, 2 * q
    x_in = keras.Input(tuple(image_shape), name="x_t")
    t_in = keras.Input((1,), dtype="int32", name="t")
    y_in = keras.Input((1,), dtype="int32", name="label")
    cond = layers.Dense(4 * w, activation="swish", name="time_mlp1")(SinusoidalEmbedding(w, name="time")(t_in))
    cond = layers.Dense(4 * w, name="time_mlp2")(cond)
    cond = layers.Add()([cond, layers.Flatten()(layers.Embedding(num_classes + 1, 4 * w, name="label_embedding")(y_in))])
    cond = layers.Activation("swish")(cond)
    h_full = _res_block(layers.Conv2D(w, 3, padding="same", name="stem")(x_in), cond, w, f"d{s}")
    h_half = _res_block(layers.Conv2D(2 * w, 3, strides=2, padding="same", name=f"down{h_}")(h_full), cond, 2 * w,
                        f"d{h_}")
    h_base = _res_block(layers.Conv2D(2 * w, 3, strides=2, padding="same", name=f"down{q}")(h_half), cond, 2 * w,
                        f"d{q}")
    h = _res_block(h_base, cond, 2 * w, "mid")
    h = layers.Conv2DTranspose(2 * w, 4, strides=2, padding="same", name=f"up{h_}")(h)
    h = _res_block(layers.Concatenate()([h, h_half]), cond, 2 * w, f"u{h_}")
    h = layers.Conv2DTranspose(w, 4, strides=2, padding="same", name=f"up{s}")(h)
    h = _res_block(layers.Concatenate()([h, h_full]), cond, w, f"u{s}")
    h = layers.Activation("swish")(layers.GroupNormalization(8, name="out_gn")(h))
    eps = layers.Conv2D(int(image_shape[2]), 3, padding="same", name="eps", kernel_initializer="zeros")(h)
    return keras.Model([x_in, t_in, y_in], eps, name="diffusion_unet")


# --------------------------------------------------------------------------- training

class DDPM(Checkpointable, keras.Model):
    """Epsilon-prediction training under fit(), label dropout for guidance, an EMA copy of the network."""

    def __init__(self, cfg: DiffusionConfig, seed: int = 0, image_shape: tuple[int, int, int] = MNIST_SHAPE,
                 num_classes: int = NUM_CLASSES, **kwargs):
        super().__init__(**kwargs)
        self.cfg, self.null_label = cfg, num_classes
        keras.utils.set_random_seed(seed)
        self.network = build_unet(cfg, image_shape, num_classes)
        self.ema_network = build_unet(cfg, image_shape, num_classes)
        self.ema_network.set_weights(self.network.get_weights())
        ab = schedule_of(cfg).alpha_bar
        self.sqrt_ab = tf.constant(np.sqrt(ab), tf.float32)
        self.sqrt_one_minus_ab = tf.constant(np.sqrt(1.0 - ab), tf.float32)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.net_optimizer = keras.optimizers.Adam(self.cfg.lr)
        self.net_optimizer.build(self.network.trainable_variables)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def train_step(self, data):
        x0, labels = data
        batch = tf.shape(x0)[0]
        labels = tf.reshape(tf.cast(labels, tf.int32), (-1, 1))
        # Classifier-free guidance: the same network also learns the unconditional model (label dropped).
        drop = keras.random.uniform((batch, 1), seed=self.seed_generator) < self.cfg.p_uncond
        labels = tf.where(drop, tf.fill(tf.shape(labels), self.null_label), labels)
        t = keras.random.randint((batch, 1), 1, self.cfg.T + 1, seed=self.seed_generator, dtype="int32")
        eps = keras.random.normal(tf.shape(x0), seed=self.seed_generator)
        idx = t[:, 0] - 1
        x_t = (tf.reshape(tf.gather(self.sqrt_ab, idx), (-1, 1, 1, 1)) * x0
               + tf.reshape(tf.gather(self.sqrt_one_minus_ab, idx), (-1, 1, 1, 1)) * eps)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(self.network([x_t, t, labels], training=True) - eps))
        grads = tape.gradient(loss, self.network.trainable_variables)
        self.net_optimizer.apply_gradients(zip(grads, self.network.trainable_variables))
        # A debiased average (as Adam debiases its moments): the step-t decay d(1 - d^(t-1)) / (1 - d^t) makes the
        # EMA the weighted mean of the weights after steps 1..t, with no share left to the initial weights. A plain
        # EMA keeps d^t of them: 37% after the 1,000 steps of a low-data training (d = 0.999), whose samples were
        # then noise; 1% after the 4,600 steps of a full one.
        d = tf.constant(self.cfg.ema_decay, tf.float32)
        t = tf.cast(self.net_optimizer.iterations, tf.float32)  # steps taken, this one included (>= 1)
        decay = d * (1.0 - tf.pow(d, t - 1.0)) / (1.0 - tf.pow(d, t))
        for ema, var in zip(self.ema_network.weights, self.network.weights):
            ema.assign(decay * ema + (1.0 - decay) * var)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def state_variables(self) -> list:
        return (list(self.network.weights) + list(self.ema_network.weights) + list(self.net_optimizer.variables)
                + [self.seed_generator.state])


# --------------------------------------------------------------------------- sampling

def timesteps(T: int, steps: int) -> list[int]:
    """The S timesteps a sampler visits, from T down to 1, evenly spaced (S = T: every step)."""
    return sorted({int(round(t)) for t in np.linspace(T, 1, steps)}, reverse=True)


class DiffusionGenerator:
    """The trained (EMA) network with a sampler: DDPM ancestral over all T steps, or DDIM over S of them."""

    conditional = True

    def __init__(self, network: keras.Model, schedule: Schedule, sampler: str = "ddim", steps: int = 50,
                 eta: float = 0.0, guidance: float = 0.0, batch_size: int = 500):
        self.network, self.schedule = network, schedule
        self.sampler, self.steps, self.eta, self.guidance, self.batch_size = sampler, steps, eta, guidance, batch_size
        # The label embedding has a row per class and one for "no label" (the last); the image shape is the input's.
        # (No network: a test's stand-in epsilon, on MNIST's shape.)
        self.num_classes = int(network.get_layer("label_embedding").input_dim) - 1 if network else NUM_CLASSES
        self.null_label = self.num_classes
        self.image_shape = tuple(int(d) for d in network.inputs[0].shape[1:]) if network else MNIST_SHAPE
        self._eps = tf.function(lambda x, t, y: network([x, t, y], training=False), reduce_retracing=True)

    def epsilon(self, x: np.ndarray, t: int, labels: np.ndarray) -> np.ndarray:
        """Guided noise estimate: (1 + w) eps(x, t, y) - w eps(x, t, no label) (w = 0: plain conditional)."""
        n = len(x)
        tt = np.full((n, 1), t, np.int32)
        y = labels.reshape(-1, 1).astype(np.int32)
        if self.guidance == 0:
            return np.asarray(self._eps(tf.constant(x, tf.float32), tf.constant(tt), tf.constant(y)), np.float64)
        both = self._eps(tf.constant(np.concatenate([x, x]), tf.float32), tf.constant(np.concatenate([tt, tt])),
                         tf.constant(np.concatenate([y, np.full_like(y, self.null_label)])))
        cond, uncond = np.split(np.asarray(both, np.float64), 2)
        return (1.0 + self.guidance) * cond - self.guidance * uncond

    def generate(self, labels: np.ndarray | None, seed: int, n: int | None = None,
                 capture: list[int] | None = None, trace: list | None = None) -> np.ndarray:
        """Images in [-1, 1]; the same (labels, seed, sampler settings) give the same images.

        `capture` lists step indices at which the current x_0 estimate is appended to `trace` (the
        progressive-generation figure).
        """
        if labels is None:
            raise ValueError("the diffusion generator is conditional: pass the labels to generate")
        labels = np.asarray(labels).reshape(-1)
        out = []
        for start in range(0, len(labels), self.batch_size):
            part = labels[start:start + self.batch_size]
            rng = np.random.default_rng([seed, 99, start])
            out.append(self._sample(part, rng, capture if start == 0 else None, trace))
        return np.concatenate(out).astype(np.float32)

    def progressive(self, columns: int = 10, seed: int = 0) -> np.ndarray:
        """The generation-process grid of this sampler (see progressive_grid)."""
        return progressive_grid(self, columns, seed)

    def _sample(self, labels, rng, capture, trace):
        s = self.schedule
        x = rng.standard_normal((len(labels), *self.image_shape))
        if self.sampler == "ddpm":
            steps = list(range(s.T, 0, -1))
        else:
            steps = timesteps(s.T, self.steps)
        for i, t in enumerate(steps):
            t_prev = steps[i + 1] if i + 1 < len(steps) else 0
            x0, eps = s.clipped_prediction(x, t, self.epsilon(x, t, labels))
            if capture is not None and i in capture:
                trace.append(x0.copy())
            x = ddpm_step(s, x, x0, t, rng) if self.sampler == "ddpm" else \
                ddim_step(s, x0, eps, t, t_prev, self.eta, rng)
        return np.clip(x, -1.0, 1.0)


def progressive_grid(generator: DiffusionGenerator, columns: int = 10, seed: int = 0) -> np.ndarray:
    """Rows = the ten classes, columns = the x_0 estimate at evenly spaced steps from noise to digit, then the
    final sample: the generation-process figure, for whichever sampler `generator` uses."""
    n_steps = generator.schedule.T if generator.sampler == "ddpm" else len(timesteps(generator.schedule.T,
                                                                                    generator.steps))
    capture = sorted({int(round(i)) for i in np.linspace(0, n_steps - 1, columns - 1)})
    trace: list = []
    final = generator.generate(np.arange(generator.num_classes), seed=seed, capture=capture, trace=trace)
    frames = np.stack(trace + [final], axis=1)          # (classes, columns, size, size, channels)
    return frames.reshape(-1, *generator.image_shape)


def ddpm_step(s: Schedule, x_t, x0, t: int, rng) -> np.ndarray:
    """x_{t-1} ~ q(x_{t-1} | x_t, x_0 estimate): the posterior mean plus beta tilde_t noise (none at t = 1)."""
    ab, ab_prev, beta = float(s.alpha_bar_at(t)), float(s.alpha_bar_at(t - 1)), float(s.betas[t - 1])
    mean = (math.sqrt(ab_prev) * beta / (1.0 - ab)) * x0 + (math.sqrt(1.0 - beta) * (1.0 - ab_prev) / (1.0 - ab)) * x_t
    if t == 1:
        return mean
    return mean + math.sqrt(s.posterior_variance(t)) * rng.standard_normal(x_t.shape)


def ddim_step(s: Schedule, x0, eps, t: int, t_prev: int, eta: float, rng) -> np.ndarray:
    """x_{t_prev} = sqrt(ab_prev) x_0 + sqrt(1 - ab_prev - sigma^2) eps + sigma z (Song et al. 2021, eq. 12)."""
    ab_prev = float(s.alpha_bar_at(t_prev))
    if t_prev == 0:
        return x0
    sigma = s.ddim_sigma(t, t_prev, eta)
    x = math.sqrt(ab_prev) * x0 + math.sqrt(max(1.0 - ab_prev - sigma ** 2, 0.0)) * eps
    return x + sigma * rng.standard_normal(x0.shape) if sigma > 0 else x


# --------------------------------------------------------------------------- registry hooks

# How a trained model is sampled, not how it is trained: not part of the artifact's hash, so one trained model
# serves every sampler setting (configure() applies the run's).
SAMPLING_KEYS = ("sampler", "sample_steps", "eta", "guidance")


def spec(entry, exp) -> dict:
    training = {k: v for k, v in to_dict(exp.diffusion).items() if k not in SAMPLING_KEYS}
    return {"generator": entry.name, "diffusion": training}


def configure(entry, generator: DiffusionGenerator, exp) -> DiffusionGenerator:
    """The loaded model with the run's sampler settings (diffusion.sampler, sample_steps, eta, guidance)."""
    cfg = exp.diffusion
    return DiffusionGenerator(generator.network, generator.schedule, cfg.sampler, cfg.sample_steps, cfg.eta,
                              cfg.guidance, generator.batch_size)


def _generator(network, cfg: DiffusionConfig) -> DiffusionGenerator:
    return DiffusionGenerator(network, schedule_of(cfg), cfg.sampler, cfg.sample_steps, cfg.eta, cfg.guidance)


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    cfg = exp.diffusion
    model = DDPM(cfg, seed, digits.image_shape, digits.num_classes)
    model.compile()
    # Per-epoch grids with a short DDIM run (cheap); the saved sampler settings are the config's.
    grids = DiffusionGenerator(model.ema_network, schedule_of(cfg), "ddim", 20, 0.0, cfg.guidance)
    info = fit_resumable(model, model.ema_network, digits, work_dir, seed, epochs=cfg.epochs,
                         batch_size=cfg.batch_size, min_steps_per_epoch=cfg.min_steps_per_epoch,
                         grid_generator=grids)
    results.write_text(work_dir / SAMPLER_FILE, json.dumps(to_dict(cfg), sort_keys=True))
    # Over an uninterrupted build only: a resumed one trained fewer epochs than its history holds.
    images = info["steps_per_epoch"] * info["epochs_run"] * cfg.batch_size
    info["train_images_per_second"] = None if info["resumed_from_epoch"] else images / info["train_seconds"]
    return info


def load(entry, path: Path) -> DiffusionGenerator:
    cfg = DiffusionConfig(**json.loads((path / SAMPLER_FILE).read_text()))
    return _generator(load_generator(path / GENERATOR_FILE), cfg)
