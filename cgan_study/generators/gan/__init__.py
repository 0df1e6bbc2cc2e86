"""The GAN families (CGAN, AC-GAN, DCGAN) as registry entries: the trainer in trainer.py, the sampler on disk.

(trainer.py, not train.py: a submodule named like the registry hook `train` below would replace the function
as this package's attribute the moment something first imports it.)"""
from __future__ import annotations

from pathlib import Path

from cgan_study.config import to_dict
from cgan_study.generators import KerasGenerator

# The recipe of this code's generator artifacts: bump RECIPE when a change to RECIPE_CODE alters
# what training produces (above 1 it enters the artifact key, so every cached artifact of it is rebuilt); a
# behaviour-neutral change is recorded as such instead. tests/test_recipes.py holds the code's fingerprint and
# names the command that records a change (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/generators/gan",
               "cgan_study/generators/sampling.py",
               "cgan_study/training/fit.py",
               "cgan_study/training/callbacks.py",
               "cgan_study/training/budget.py",
               "cgan_study/training/optimizers.py")

# Keras and TensorFlow are imported by the functions that train or load: config validation reads the loss
# records of losses.py, a module of this package, and should not pay for TensorFlow to do so.

# Keys added to GANConfig after GAN artifacts were first committed: they enter an artifact's hash only when set
# away from their defaults, so a generator trained before them keeps its hash (and its cached artifact).
ADDED_LATER = {"optimizer": "adam", "init": "keras", "pack": 1}


def gan_part(exp, family: str) -> dict:
    """The "gan" part of a GAN artifact's spec, laid out as before the registry (the family inside it)."""
    part = {**to_dict(exp.gan), "family": family}
    return {k: v for k, v in part.items() if not (k in ADDED_LATER and v == ADDED_LATER[k])}


def spec(entry, exp) -> dict:
    return {"gan": gan_part(exp, entry.name)}


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    from cgan_study.generators.gan.networks import FAMILIES
    from cgan_study.generators.gan.trainer import train_gan

    return train_gan(exp.gan, FAMILIES[entry.name], digits, work_dir, seed)


def load(entry, path: Path) -> KerasGenerator:
    from cgan_study.training.fit import GENERATOR_FILE

    return load_snapshot(entry, path / GENERATOR_FILE)


def load_snapshot(entry, file: Path) -> KerasGenerator:
    """One saved generator network (the final one, or an epoch's snapshot) as a Generator."""
    from cgan_study.generators.sampling import load_generator

    return KerasGenerator(load_generator(file), entry.conditional)
