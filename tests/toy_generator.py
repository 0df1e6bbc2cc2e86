"""A toy conditional generator for tests, registered by a fixture (`Entry(name, "toy_generator", ...)`): each class's
mean image plus a little seeded noise. Trains in milliseconds; counts its draws (class-wide, across loads)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from cgan_study.data import NUM_CLASSES, to_float
from cgan_study.runtime import results


class ClassMeans:
    conditional = True
    noise = 0.05     # a test may raise it (and restore it) for noisier samples
    calls = 0        # generate() calls since a test last reset it

    def __init__(self, means: np.ndarray):
        self.means = means

    def generate(self, labels, seed, n=None):
        ClassMeans.calls += 1
        noise = np.random.default_rng([seed, 99]).normal(0, ClassMeans.noise, (len(labels), 28, 28, 1))
        return np.clip(self.means[np.asarray(labels).reshape(-1)] + noise, -1, 1).astype(np.float32)


def spec(entry, exp):
    return {"generator": entry.name}


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    means = np.stack([to_float(digits.x[digits.y == c]).mean(0) for c in range(NUM_CLASSES)])
    results.write_npz(work_dir / "means.npz", means=means)
    return {"train_seconds": 0.0, "n_train": len(digits)}


def load(entry, path: Path):
    return ClassMeans(results.read_npz(path / "means.npz")["means"])
