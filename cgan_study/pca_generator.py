"""PCA as a generative model: a Gaussian per class in a PCA subspace, sampled and decoded (Q5 baseline)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .data import NUM_CLASSES, Split, to_float


class PCAGenerator:
    """Called like a CGAN generator: ([z, labels]) -> images in [-1, 1] of shape (n, 28, 28, 1).

    Each class is a Gaussian N(mu_c, Sigma_c) over the codes of a PCA fitted on the training digits;
    a sample is mu_c + L_c z (L_c the Cholesky factor), decoded by the inverse PCA map and clipped.
    The first `latent_dim` entries of z are used, so the same noise as for a CGAN can be passed in.
    """

    def __init__(self, components: np.ndarray, mean: np.ndarray, class_means: np.ndarray,
                 class_chols: np.ndarray):
        self.components, self.mean = components, mean
        self.class_means, self.class_chols = class_means, class_chols
        self.latent_dim = components.shape[0]
        self.inputs = [SimpleNamespace(shape=(None, self.latent_dim)), SimpleNamespace(shape=(None, 1))]

    @classmethod
    def fit(cls, train: Split, n_components: int = 40, ridge: float = 1e-3, seed: int = 0) -> "PCAGenerator":
        from sklearn.decomposition import PCA

        x = to_float(train.x).reshape(len(train), -1)
        d = max(1, min(n_components, len(train) - 1))
        pca = PCA(n_components=d, svd_solver="randomized", random_state=seed).fit(x)
        codes = pca.transform(x)
        means = np.zeros((NUM_CLASSES, d))
        chols = np.zeros((NUM_CLASSES, d, d))
        for c in range(NUM_CLASSES):
            member = codes[train.y == c]
            means[c] = member.mean(0)
            cov = np.cov(member, rowvar=False).reshape(d, d) if len(member) > 1 else np.zeros((d, d))
            # A ridge keeps the factorisation defined when a class has fewer digits than dimensions.
            chols[c] = np.linalg.cholesky(cov + ridge * np.eye(d))
        return cls(pca.components_, pca.mean_, means, chols)

    def __call__(self, inputs, training: bool = False) -> np.ndarray:
        z, labels = inputs
        z = np.asarray(z, np.float64)[:, : self.latent_dim]
        labels = np.asarray(labels).reshape(-1).astype(int)
        codes = self.class_means[labels] + np.einsum("nij,nj->ni", self.class_chols[labels], z)
        images = codes @ self.components + self.mean
        return np.clip(images, -1.0, 1.0).reshape(-1, 28, 28, 1).astype(np.float32)
