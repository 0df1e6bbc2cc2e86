"""PCA as a generative model: a Gaussian per class in a PCA subspace, sampled and decoded (Q5 baseline)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from cgan_study.config import to_dict
from cgan_study.data import NUM_CLASSES, Split, to_float
from cgan_study.images import grid_png
from cgan_study.runtime import results

# The recipe of this code's generator artifacts: bump RECIPE when a change to RECIPE_CODE alters
# what training produces (above 1 it enters the artifact key, so every cached artifact of it is rebuilt); a
# behaviour-neutral change is recorded as such instead. tests/test_recipes.py holds the code's fingerprint and
# names the command that records a change (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/generators/pca.py",)

MODEL_FILE = "pca.npz"


class PCAGenerator:
    """Each class is a Gaussian N(mu_c, Sigma_c) over the codes of a PCA fitted on the training digits; a sample
    is mu_c + L_c z (L_c the Cholesky factor, z standard normal), decoded by the inverse PCA map and clipped."""

    conditional = True

    def __init__(self, components: np.ndarray, mean: np.ndarray, class_means: np.ndarray,
                 class_chols: np.ndarray, image_shape: tuple[int, int, int] = (28, 28, 1)):
        self.components, self.mean = components, mean
        self.class_means, self.class_chols = class_means, class_chols
        self.latent_dim = components.shape[0]
        self.num_classes = len(class_means)
        self.image_shape = tuple(int(d) for d in image_shape)

    @classmethod
    def fit(cls, train: Split, n_components: int = 40, ridge: float = 1e-3, seed: int = 0) -> "PCAGenerator":
        from sklearn.decomposition import PCA

        x = to_float(train.x).reshape(len(train), -1)
        d = max(1, min(n_components, len(train) - 1))
        pca = PCA(n_components=d, svd_solver="randomized", random_state=seed).fit(x)
        codes = pca.transform(x)
        k = train.num_classes
        means = np.zeros((k, d))
        chols = np.zeros((k, d, d))
        for c in range(k):
            member = codes[train.y == c]
            means[c] = member.mean(0)
            cov = np.cov(member, rowvar=False).reshape(d, d) if len(member) > 1 else np.zeros((d, d))
            # A ridge keeps the factorisation defined when a class has fewer digits than dimensions.
            chols[c] = np.linalg.cholesky(cov + ridge * np.eye(d))
        return cls(pca.components_, pca.mean_, means, chols, train.image_shape)

    def decode(self, z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        labels = np.asarray(labels).reshape(-1).astype(int)
        codes = self.class_means[labels] + np.einsum("nij,nj->ni", self.class_chols[labels], z)
        images = codes @ self.components + self.mean
        return np.clip(images, -1.0, 1.0).reshape(-1, *self.image_shape).astype(np.float32)

    def generate(self, labels: np.ndarray | None, seed: int, n: int | None = None) -> np.ndarray:
        if labels is None:
            raise ValueError("the PCA generator is conditional: pass the labels to generate")
        z = np.random.default_rng([seed, 99]).standard_normal((len(labels), self.latent_dim))
        return self.decode(z, labels)

    def save(self, path: Path) -> None:
        # image_shape only off MNIST: a 28x28x1 model writes the file it always wrote.
        shape = {} if self.image_shape == (28, 28, 1) else {"image_shape": np.asarray(self.image_shape, np.int64)}
        results.write_npz(path, components=self.components, mean=self.mean, class_means=self.class_means,
                          class_chols=self.class_chols, **shape)

    @classmethod
    def read(cls, path: Path) -> "PCAGenerator":
        a = results.read_npz(path)
        shape = tuple(int(d) for d in a["image_shape"]) if "image_shape" in a else (28, 28, 1)
        return cls(a["components"], a["mean"], a["class_means"], a["class_chols"], shape)


def spec(entry, exp) -> dict:
    return {"generator": entry.name, "pca": to_dict(exp.pca)}


def train(entry, exp, digits: Split, work_dir: Path, seed: int) -> dict:
    start = time.perf_counter()
    model = PCAGenerator.fit(digits, exp.pca.n_components, exp.pca.ridge, seed=seed)
    model.save(work_dir / MODEL_FILE)
    labels = np.repeat(np.arange(NUM_CLASSES), 10) % digits.num_classes
    results.write_bytes(work_dir / "samples.png", grid_png(model.generate(labels, seed=1234), rows=10))
    return {"train_seconds": time.perf_counter() - start, "n_train": len(digits),
            "n_components": int(model.latent_dim)}


def load(entry, path: Path) -> PCAGenerator:
    return PCAGenerator.read(path / MODEL_FILE)
