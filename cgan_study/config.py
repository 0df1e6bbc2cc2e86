"""Experiment configuration: the sections (sections.py), dotted overrides, validation, profiles, a stable hash."""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import typing
from typing import Any

# The sections themselves live in sections.py; they are re-exported here, the one config API.
from cgan_study.sections import (AugmentConfig, ClassifierConfig, CVAEConfig, DataConfig,  # noqa: F401
                                 DiffusionConfig, EBGANConfig, EvalConfig, Experiment, FixMatchConfig, GANConfig,
                                 GuideConfig, PCAConfig, SSLGANConfig)


class ConfigError(ValueError):
    """A configuration key or value is invalid; the message names the problem and the fix."""


CHOICES: dict[str, tuple[str, ...]] = {
    "gan.optimizer": ("adam", "rmsprop", "sgd"),
    "gan.init": ("keras", "dcgan"),
    "diffusion.schedule": ("linear", "cosine"),
    "diffusion.sampler": ("ddpm", "ddim"),
    "classifier.schedule": ("constant", "cosine"),
    "scorer.schedule": ("constant", "cosine"),
    "classifier.selection": ("best_val", "final"),
    "classifier.arch": ("cnn", "gap"),
    "scorer.arch": ("cnn", "gap"),
    "eval.second_scorer_arch": ("cnn", "gap"),
    "scorer.selection": ("best_val", "final"),
    "gan.vbn": ("off", "g", "gd"),
    "gan.d_norm": ("none", "batch", "spectral"),
    "augment.protocol": ("coursework", "low_data", "semi_supervised"),
}


def _choices(key: str) -> tuple[str, ...] | None:
    """Allowed values of a key; losses, strategies and generators are read from their declared records."""
    if key == "gan.loss":
        from cgan_study.generators.gan.losses import LOSSES
        return tuple(LOSSES)
    if key == "augment.strategy":
        from cgan_study.study.strategies import STRATEGIES
        return tuple(STRATEGIES)
    if key == "augment.generator":
        from cgan_study.generators import REGISTRY
        return tuple(REGISTRY)
    return CHOICES.get(key)


UNIT_INTERVAL = ("gan.label_smoothing", "augment.real_fraction", "augment.filter_threshold", "diffusion.p_uncond",
                 "diffusion.ema_decay", "diffusion.eta",
                 "classifier.warmup", "scorer.warmup", "ssl_gan.dropout")


# --------------------------------------------------------------------------- keys and values

def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def all_keys(cls: type = Experiment, prefix: str = "") -> list[str]:
    """Every dotted leaf key of a config class, e.g. 'gan.label_smoothing'."""
    keys = []
    for name, tp in _hints(cls).items():
        dotted = f"{prefix}{name}"
        keys.extend(all_keys(tp, dotted + ".") if _is_dataclass_type(tp) else [dotted])
    return keys


def _leaf_type(key: str) -> Any:
    cls: Any = Experiment
    parts = key.split(".")
    for i, part in enumerate(parts):
        hints = _hints(cls) if _is_dataclass_type(cls) else {}
        if part not in hints:
            close = difflib.get_close_matches(key, all_keys(), n=3, cutoff=0.5)
            hint = f" Did you mean: {', '.join(close)}?" if close else " Run with --list-keys to see them."
            raise ConfigError(f"unknown config key '{key}'.{hint}")
        cls = hints[part]
        if i < len(parts) - 1 and not _is_dataclass_type(cls):
            raise ConfigError(f"unknown config key '{key}': '{'.'.join(parts[:i + 1])}' is a value, not a section")
    if _is_dataclass_type(cls):
        raise ConfigError(f"'{key}' is a section; set one of its keys, e.g. '{all_keys(cls, key + '.')[0]}'")
    return cls


def _coerce(key: str, tp: Any, value: Any) -> Any:
    """Convert CLI strings to the field's type and reject values of the wrong type."""
    origin = typing.get_origin(tp)
    if origin is tuple:
        if isinstance(value, str):
            value = tuple(v.strip() for v in value.split(",") if v.strip())
        if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"'{key}' expects a comma-separated list of names, got {value!r}")
        return tuple(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            return value.lower() in ("true", "1", "yes", "on")
        raise ConfigError(f"'{key}' expects true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(f"'{key}' expects an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise ConfigError(f"'{key}' expects an integer, got {value!r}")
    if tp is float:
        if isinstance(value, bool):
            raise ConfigError(f"'{key}' expects a number, got {value!r}")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ConfigError(f"'{key}' expects a number, got {value!r}")
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"'{key}' expects a string, got {value!r}")
        return value
    raise ConfigError(f"'{key}' has an unsupported type {tp!r}")  # pragma: no cover


def _check_value(key: str, value: Any) -> None:
    choices = _choices(key)
    if choices is not None and value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"'{key}' must be one of {', '.join(choices)}; got '{value}'{hint}")
    if key in UNIT_INTERVAL and not 0.0 <= value <= 1.0:
        raise ConfigError(f"'{key}' must be a fraction in [0, 1]; got {value}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise ConfigError(f"'{key}' must not be negative; got {value}")


def get(cfg: Any, key: str) -> Any:
    """Read a dotted key from a config."""
    _leaf_type(key)
    for part in key.split("."):
        cfg = getattr(cfg, part)
    return cfg


def override(cfg: Any, key: str, value: Any) -> Any:
    """Return a copy of `cfg` with the dotted `key` set to `value` (type-checked and validated)."""
    tp = _leaf_type(key)
    value = _coerce(key, tp, value)
    _check_value(key, value)

    def set_in(node: Any, parts: list[str]) -> Any:
        if len(parts) == 1:
            return dataclasses.replace(node, **{parts[0]: value})
        return dataclasses.replace(node, **{parts[0]: set_in(getattr(node, parts[0]), parts[1:])})

    return set_in(cfg, key.split("."))


def apply(cfg: Any, overrides: dict[str, Any]) -> Any:
    """Apply several dotted overrides, then check that the combination is coherent."""
    for key, value in overrides.items():
        cfg = override(cfg, key, value)
    validate(cfg)
    return cfg


def parse_assignments(items: list[str]) -> dict[str, str]:
    """Parse CLI `key=value` strings."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--set expects key=value, got '{item}' (e.g. --set gan.epochs=5)")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def validate(cfg: Experiment) -> None:
    """Reject combinations that cannot train, at config time rather than deep inside TensorFlow."""
    from cgan_study.generators import REGISTRY
    from cgan_study.generators.gan.losses import LOSSES
    from cgan_study.study.strategies import STRATEGIES

    g, loss = cfg.gan, LOSSES[cfg.gan.loss]
    if loss.clip_weights and g.d_norm == "batch":
        raise ConfigError(f"gan.loss={g.loss} (weight clipping) with gan.d_norm=batch is not a valid critic; "
                          "use gan.d_norm=none")
    if loss.penalty and g.d_norm == "batch":
        raise ConfigError(f"gan.loss={g.loss} penalises per-example gradients, which batch norm in D mixes; "
                          "use gan.d_norm=none or spectral")
    if not loss.cross_entropy and g.label_smoothing > 0:
        raise ConfigError(f"one-sided label smoothing applies to cross-entropy losses, not gan.loss={g.loss}; "
                          "set gan.label_smoothing=0")
    if loss.clip_weights and g.vbn == "gd":
        raise ConfigError("weight clipping and virtual batch norm in D do not mix; use gan.vbn=g")
    a = cfg.augment
    wants_synthetic = a.synth_fraction > 0 or a.synth_per_class > 0
    if STRATEGIES[a.strategy].uses_generator and wants_synthetic and not REGISTRY[a.generator].conditional:
        conditional = ", ".join(name for name, e in REGISTRY.items() if e.conditional)
        raise ConfigError(f"augmentation needs labelled synthetic digits, and augment.generator={a.generator} is "
                          f"unconditional; use one of {conditional}")
    _validate_protocol(cfg)
    if a.generator == "guided_cgan" and cfg.guide.width == cfg.scorer.width:
        raise ConfigError(f"the guided CGAN's guide must differ from the scorer (guide.width = scorer.width = "
                          f"{cfg.guide.width}); a generator steered by the scorer would be judged by it too")
    if a.real_per_class > 0 and cfg.classifier.selection == "best_val":
        # The evidence rule: a classifier given k labelled digits per class sees no other labelled digit.
        raise ConfigError(f"augment.real_per_class={a.real_per_class} allows the classifier {a.real_per_class} labelled "
                          f"digits per class, and classifier.selection=best_val would read the "
                          f"{cfg.data.val_per_class} validation digits per class besides to pick its weights; use "
                          "classifier.selection=final")
    if a.real_per_class > 0 and cfg.eval.val_accuracy:
        raise ConfigError(f"eval.val_accuracy scores the classifier on the {cfg.data.val_per_class} labelled validation "
                          f"digits per class, and augment.real_per_class={a.real_per_class} allows it only its "
                          f"{a.real_per_class}; drop eval.val_accuracy (a few-shot cell keeps its a-priori budget)")
    if g.pack < 1:
        raise ConfigError(f"gan.pack={g.pack}: D judges at least one sample at a time; use 1 (off) or more")
    if g.pack > 1:
        entry = REGISTRY.get(a.generator)
        if entry is None or entry.section != "gan" or entry.conditional:
            raise ConfigError(f"gan.pack={g.pack} (PacGAN) is for the unconditional DCGAN (augment.generator=dcgan); "
                              f"a packed D cannot take one label per sample (augment.generator={a.generator})")
        if g.batch_size % g.pack:
            raise ConfigError(f"gan.batch_size={g.batch_size} must be a multiple of gan.pack={g.pack}")
        if g.vbn == "gd":
            raise ConfigError("gan.pack > 1 with virtual batch norm in D is not supported; use gan.vbn=g or off")
    e = cfg.eval
    if e.n_samples <= 0 or e.n_samples % 10:
        raise ConfigError(f"eval.n_samples={e.n_samples} must be a positive multiple of 10 (n/10 samples per class); "
                          "use e.g. eval.n_samples=1000")
    if e.epoch_samples % 10:
        raise ConfigError(f"eval.epoch_samples={e.epoch_samples} must be a multiple of 10 (n/10 per class)")
    if e.second_scorer_width and e.second_scorer_width == cfg.scorer.width and e.second_scorer_seed == 0 and \
            e.second_scorer_arch == cfg.scorer.arch:
        raise ConfigError("the second scorer would be the scorer itself (same width, seed 0); set another "
                          "eval.second_scorer_width or eval.second_scorer_seed")
    d = cfg.diffusion
    if d.width % 8 or d.width <= 0:
        raise ConfigError(f"diffusion.width={d.width}: the U-Net's group norm uses 8 groups; use a multiple of 8")
    if not 1 <= d.sample_steps <= d.T:
        raise ConfigError(f"diffusion.sample_steps={d.sample_steps} must be between 1 and diffusion.T={d.T}")
    s = cfg.ssl_gan
    if min(s.labelled_batch, s.unlabelled_batch, s.steps_per_epoch) < 1 or s.dropout >= 1.0:
        raise ConfigError("ssl_gan.labelled_batch, ssl_gan.unlabelled_batch and ssl_gan.steps_per_epoch must be >= 1 "
                          f"and ssl_gan.dropout < 1; got {s.labelled_batch}, {s.unlabelled_batch}, "
                          f"{s.steps_per_epoch} and {s.dropout}")
    for name, c in (("classifier", cfg.classifier), ("scorer", cfg.scorer)):
        if c.passes_per_epoch < 0 or (c.passes_per_epoch > 0 and c.steps_per_epoch == 0):
            raise ConfigError(f"{name}.passes_per_epoch={c.passes_per_epoch} must be >= 0, and only with "
                              f"{name}.steps_per_epoch > 0 (with 0 an epoch is already one pass over the data)")
    if g.batch_size < 2 or cfg.classifier.batch_size < 1 or cfg.scorer.batch_size < 1:
        raise ConfigError("batch sizes must be >= 2 for the GAN and >= 1 for classifiers")
    if a.synth_per_class > 60_000:
        raise ConfigError(f"augment.synth_per_class={a.synth_per_class} would mean more than 600,000 synthetic "
                          "digits; use at most 60000")
    if cfg.augment.synth_fraction > 10:
        raise ConfigError(f"augment.synth_fraction={cfg.augment.synth_fraction} would mean more than 600,000 "
                          "synthetic digits; use a value in [0, 10]")


def _validate_protocol(cfg: Experiment) -> None:
    """What the semi-supervised protocol serves (study/semi_supervised.py), refused at config time."""
    from cgan_study.study.strategies import PSEUDO_LABEL_GENERATORS, STRATEGIES
    from cgan_study.study.strategies import SEMI_SUPERVISED_STRATEGIES as SEMI_SUPERVISED

    a = cfg.augment
    if STRATEGIES[a.strategy].uses_pool and a.protocol != "semi_supervised":
        raise ConfigError(f"augment.strategy={a.strategy} trains on the unlabelled pool; set "
                          "augment.protocol=semi_supervised")
    if a.protocol != "semi_supervised":
        return
    if a.strategy not in SEMI_SUPERVISED:
        raise ConfigError(f"augment.protocol=semi_supervised serves the strategies {', '.join(SEMI_SUPERVISED)}; "
                          f"got augment.strategy={a.strategy}")
    if a.real_per_class <= 0:
        raise ConfigError("augment.protocol=semi_supervised needs the cell's labelled digits; set "
                          "augment.real_per_class > 0")
    wants_synthetic = a.synth_fraction > 0 or a.synth_per_class > 0
    if STRATEGIES[a.strategy].uses_generator and wants_synthetic and a.generator not in PSEUDO_LABEL_GENERATORS:
        raise ConfigError(f"augment.generator={a.generator} cannot serve augment.protocol=semi_supervised (its "
                          f"generator trains on the pool labelled by FixMatch); use one of "
                          f"{', '.join(PSEUDO_LABEL_GENERATORS)}")


# --------------------------------------------------------------------------- profiles

PROFILES: dict[str, dict[str, Any]] = {
    # Seconds: tiny real-MNIST subsets, one short epoch of everything. For tests and CI.
    "smoke": {
        "data.train_per_class_cap": 60,
        "data.val_per_class": 10,
        "gan.epochs": 1, "gan.batch_size": 64, "gan.min_steps_per_epoch": 20, "gan.g_width": 32, "gan.d_width": 16,
        "cvae.epochs": 1, "cvae.batch_size": 64, "cvae.min_steps_per_epoch": 20, "cvae.width": 16,
        "ebgan.epochs": 1, "ebgan.batch_size": 64, "ebgan.min_steps_per_epoch": 20, "ebgan.g_width": 32,
        "ebgan.d_width": 16, "guide.width": 12, "guide.epochs": 1,
        "diffusion.width": 8, "diffusion.epochs": 1, "diffusion.batch_size": 64, "diffusion.min_steps_per_epoch": 20,
        "diffusion.sample_steps": 10,
        "ssl_gan.epochs": 1, "ssl_gan.steps_per_epoch": 20, "ssl_gan.g_width": 32, "ssl_gan.d_width": 16,
        "scorer.epochs": 1, "scorer.width": 8,
        "classifier.epochs": 1, "classifier.width": 8, "classifier.early_stopping_patience": 0,
        "classifier.steps_per_epoch": 40,
        "eval.n_samples": 500,
    },
    # The default: the whole mix_ratios study within two hours on 2 CPU cores.
    "quick": {},
    # Full quality: longer GAN and classifier training.
    "paper": {
        "gan.epochs": 30, "gan.g_width": 64, "gan.d_width": 64,
        "cvae.epochs": 40, "ebgan.epochs": 30, "ebgan.d_width": 64, "diffusion.epochs": 40,
        "scorer.epochs": 8,
        "classifier.epochs": 10, "classifier.width": 32, "classifier.steps_per_epoch": 300,
    },
}


def profile(name: str) -> Experiment:
    """The base experiment of a named profile."""
    if name not in PROFILES:
        close = difflib.get_close_matches(name, PROFILES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"unknown profile '{name}'{hint}; choose one of {', '.join(PROFILES)}")
    return apply(Experiment(), PROFILES[name])


# --------------------------------------------------------------------------- serialisation and hashing

def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


# Keys added after runs were committed, with the behaviour those runs had (what a run recorded without the key
# did). A finished run is compared as if it had recorded these values: a new default that behaves differently
# (train_reference 10,000, selection final) makes it another config, not a silent match.
ADDED_LATER: dict[str, Any] = {"classifier.selection": "best_val", "classifier.arch": "cnn",
                               "scorer.selection": "best_val", "scorer.arch": "cnn", "eval.train_reference": 0,
                               "eval.second_scorer_arch": "cnn", "classifier.passes_per_epoch": 0.0,
                               "scorer.passes_per_epoch": 0.0, "eval.val_cas": False,
                               "eval.val_accuracy": False}

# Classifier keys added after scorer artifacts were first committed: they enter an artifact's hash only when set
# away from these values (the behaviour the artifacts were built with), so a committed scorer keeps its hash.
CLASSIFIER_ADDED_LATER = {"selection": "best_val", "arch": "cnn", "passes_per_epoch": 0.0}


def classifier_part(cfg: "ClassifierConfig") -> dict[str, Any]:
    """A classifier config as an artifact hash sees it (keys added later and at their old behaviour left out)."""
    return {k: v for k, v in to_dict(cfg).items()
            if not (k in CLASSIFIER_ADDED_LATER and v == CLASSIFIER_ADDED_LATER[k])}


def flatten(cfg: Any) -> dict[str, Any]:
    """Dotted-key view of a config, for summary tables."""
    return {key: get(cfg, key) for key in all_keys(type(cfg))}


def from_dict(data: dict[str, Any], cls: type = Experiment) -> Any:
    """Rebuild a config written by `to_dict`, rejecting unknown keys."""
    hints = _hints(cls)
    kwargs = {}
    for name, value in data.items():
        if name not in hints:
            raise ConfigError(f"unknown key '{name}' in saved {cls.__name__}; was it written by another version?")
        tp = hints[name]
        if _is_dataclass_type(tp):
            kwargs[name] = from_dict(value, tp)
        elif typing.get_origin(tp) is tuple:
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    return cls(**kwargs)


def with_recipe(spec: dict[str, Any], recipe: int) -> dict[str, Any]:
    """An artifact's spec with the version of the code that builds it: left out at version 1 (the code every
    committed artifact was built with), so a key changes only when its code's recipe is bumped on purpose."""
    return spec if recipe <= 1 else {**spec, "recipe": int(recipe)}


def stable_hash(obj: Any, length: int = 16) -> str:
    """Content hash of a config (or any JSON-able value): same content, same hash, across runs."""
    if dataclasses.is_dataclass(obj):
        obj = {"__type__": type(obj).__name__, **dataclasses.asdict(obj)}
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:length]

