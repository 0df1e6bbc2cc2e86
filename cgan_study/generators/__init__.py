"""Every generator of the study behind one interface, and the registry that names them.

A generator is conditional or not and turns (labels, seed) into images in [-1, 1] of shape (n, size, size,
channels), (n, 28, 28, 1) on MNIST; the same inputs give the same images. `num_classes` says which labels it
takes (0 .. num_classes - 1; the dataset's class count, 10 on MNIST). It is trained into a directory and loaded back from it without pickle.
A registry entry names one generator, the config section holding its hyperparameters, and the module (one per
family, in this package) that trains, loads and fingerprints it (`spec`: what of the config its cached artifact
depends on).

Adding a generator: one module here with `train`, `load`, `spec` and its RECIPE (version 1, the code it covers in
RECIPE_CODE, locked by `python -m tools.recipe_lock --update FAMILY`), one line in ENTRIES, its config section
in config.py (if it has hyperparameters of its own), and its tests.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Generator(Protocol):
    conditional: bool
    num_classes: int

    def generate(self, labels: np.ndarray | None, seed: int, n: int | None = None) -> np.ndarray:
        """Images in [-1, 1], (n, 28, 28, 1), for the requested labels (conditional) or n of them (not)."""


class KerasGenerator:
    """A Keras sampler z (+ label) -> image as a Generator; noise comes from NumPy, seeded by `seed` alone."""

    def __init__(self, model, conditional: bool):
        self.model, self.conditional = model, conditional
        self.latent_dim = int(model.inputs[0].shape[-1])
        # The label embedding's row count is the class count; an unconditional model has the one class.
        embeddings = [layer for layer in _leaves(model) if type(layer).__name__ == "Embedding"]
        self.num_classes = int(embeddings[0].input_dim) if conditional and embeddings else 1

    def generate(self, labels: np.ndarray | None, seed: int, n: int | None = None) -> np.ndarray:
        from cgan_study.generators.sampling import generate

        return generate(self.model, labels if self.conditional else None, self.latent_dim, seed=seed, n=n)


def _leaves(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _leaves(layer)
        else:
            yield layer


@dataclass(frozen=True)
class Entry:
    """One registered generator. `module` (an importable module, one per family in this package) defines
    train(entry, exp, digits, work_dir, seed) -> summary dict, load(entry, path) -> Generator and
    spec(entry, exp) -> dict. Modules are imported on first use, so the registry itself is cheap to read."""
    name: str
    module: str
    section: str               # config section of its hyperparameters ("gan", "pca", ...)
    conditional: bool
    description: str
    label: str = ""            # the name tables and figures use (default: the registry name)
    # Optional capabilities, declared (the module then defines the function named in brackets):
    snapshots: bool = False    # keeps a sampler per training epoch [load_snapshot(entry, file)]
    sampler_settings: bool = False  # sampling depends on run config keys [configure(entry, generator, exp)]
    progressive: bool = False  # its generator draws the x_0 estimates from noise to image [generator.progressive()]

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def _impl(self):
        return importlib.import_module(self.module)

    def train(self, exp, digits, work_dir: Path, seed: int) -> dict:
        return self._impl().train(self, exp, digits, Path(work_dir), seed)

    def load(self, path: Path) -> Generator:
        return self._impl().load(self, Path(path))

    def spec(self, exp) -> dict[str, Any]:
        return self._impl().spec(self, exp)

    def recipe(self) -> int:
        """The version of the family's training code (its module's RECIPE); above 1 it enters the artifact key.
        A module without one (a test's toy) is at 1; tests/test_recipes.py requires it of the registered families."""
        return getattr(self._impl(), "RECIPE", 1)

    def load_snapshot(self, file: Path) -> Generator:
        """One epoch's saved sampler as a Generator, for modules whose trainer keeps them (the GAN families)."""
        if not self.snapshots:
            raise ValueError(f"generator '{self.name}' cannot load per-epoch snapshots; set eval.epoch_samples=0")
        return self._impl().load_snapshot(self, Path(file))

    def configure(self, generator: Generator, exp) -> Generator:
        """The loaded generator with the run's sampling settings, for modules that have any (diffusion)."""
        return self._impl().configure(self, generator, exp) if self.sampler_settings else generator


ENTRIES = (
    Entry("cgan", f"{__name__}.gan", "gan", True, "conditional GAN, projection discriminator (Mirza & Osindero 2014)",
          "CGAN", snapshots=True),
    Entry("acgan", f"{__name__}.gan", "gan", True, "auxiliary-classifier GAN (Odena et al. 2017)", "AC-GAN",
          snapshots=True),
    Entry("dcgan", f"{__name__}.gan", "gan", False, "unconditional DCGAN (Radford et al. 2016)", "DCGAN",
          snapshots=True),
    Entry("guided_cgan", f"{__name__}.guided_cgan", "gan", True,
          "CGAN whose G also minimises a frozen classifier's cross-entropy (coursework Q5)", "classifier-guided CGAN",
          snapshots=True),
    Entry("cvae", f"{__name__}.cvae", "cvae", True, "conditional VAE (Kingma et al. 2014; Sohn et al. 2015)", "CVAE"),
    Entry("ebgan", f"{__name__}.ebgan", "ebgan", True, "label-conditioned energy-based GAN (Zhao et al. 2017)",
          "EBGAN"),
    Entry("pca", f"{__name__}.pca", "pca", True, "a Gaussian per class in a PCA subspace", "PCA"),
    Entry("diffusion", f"{__name__}.diffusion", "diffusion", True,
          "conditional DDPM with classifier-free guidance, DDIM sampling (Ho et al. 2020; Song et al. 2021)",
          "diffusion", sampler_settings=True, progressive=True),
    # Unconditional (G takes noise only): no success rate or CAS, and it cannot make labelled digits for augmentation.
    # Its D is a classifier too (ssl_gan.SSLGANModel.predict_proba), which the semi-supervised protocol uses.
    Entry("ssl_gan", f"{__name__}.ssl_gan", "ssl_gan", False,
          "semi-supervised GAN: K-class D, feature matching (Salimans et al. 2016)", "SSL-GAN"),
)

REGISTRY: dict[str, Entry] = {}


def register(entry: Entry) -> Entry:
    if entry.name in REGISTRY:
        raise ValueError(f"a generator named '{entry.name}' is already registered")
    REGISTRY[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    """Remove an entry (tests register toy generators and take them away again)."""
    REGISTRY.pop(name, None)


def display_name(name: str) -> str:
    """The name tables, figures and sentences use: a registered generator's label, else the name itself."""
    return REGISTRY[name].label if name in REGISTRY else name


def get(name: str) -> Entry:
    if name not in REGISTRY:
        raise KeyError(f"unknown generator '{name}'; registered: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def min_steps_key(generator: str) -> str | None:
    """The dotted config key of a registered generator's per-epoch minimum ('cgan' -> 'gan.min_steps_per_epoch'), or
    None for one trained without steps (PCA fits in closed form)."""
    from cgan_study.config import Experiment

    section = get(generator).section
    has_minimum = hasattr(getattr(Experiment(), section, None), "min_steps_per_epoch")
    return f"{section}.min_steps_per_epoch" if has_minimum else None


def entry_of_artifact(path: Path) -> Entry:
    """The entry that built a generator artifact, read from the spec it was built from (its config.json)."""
    import json

    spec_file = Path(path) / "config.json"
    if not spec_file.exists():
        raise FileNotFoundError(f"{path} is not a generator artifact (no config.json); pass a directory under "
                                "results/_artifacts/generator/")
    spec = json.loads(spec_file.read_text())
    # GAN artifacts carry their family inside the "gan" part (the layout from before the registry); a guided CGAN's
    # says "cgan" there (its G is one) and is known by its "guide" part.
    name = spec.get("generator") or ("guided_cgan" if "guide" in spec else spec.get("gan", {}).get("family"))
    return get(name)


def load_artifact(path: Path) -> Generator:
    """Load any registered generator from its artifact directory."""
    return entry_of_artifact(path).load(Path(path))


for _entry in ENTRIES:
    register(_entry)
