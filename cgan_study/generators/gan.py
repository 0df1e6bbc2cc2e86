"""The GAN families (CGAN, AC-GAN, DCGAN) as registry entries: the trainer in training.py, the sampler on disk."""
from __future__ import annotations

from pathlib import Path

from ..config import to_dict
from ..models import FAMILIES
from ..sampling import load_generator
from ..training import GENERATOR_FILE, train_gan
from . import KerasGenerator


def spec(entry, exp) -> dict:
    # The family sits inside the "gan" part, as in artifacts written before the registry: same config, same hash.
    return {"gan": {**to_dict(exp.gan), "family": entry.name}}


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    return train_gan(exp.gan, FAMILIES[entry.name], digits, work_dir, seed)


def load(entry, path: Path) -> KerasGenerator:
    return KerasGenerator(load_generator(path / GENERATOR_FILE), entry.conditional)
