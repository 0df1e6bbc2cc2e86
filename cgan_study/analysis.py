"""Q5 analysis figures from saved artifacts (inference only): embeddings, confidences, sample grids, curves."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import classifier as clf
from . import results
from .data import MnistData
from .report import _figure, _save_figure
from .sampling import balanced_labels, sample

N_PER_SET = 100


def real_and_synthetic(data: MnistData, generator, seed: int = 0):
    """100 random real test digits and 100 synthetic digits (10 per class), with their labels."""
    test = data.evaluation_split()
    idx = np.random.default_rng(seed).choice(len(test), N_PER_SET, replace=False)
    labels = balanced_labels(N_PER_SET)
    synth = sample(generator, labels, seed=seed + 1)
    return test.x[idx], test.y[idx], synth, labels


def embeddings_frame(scorer, real_x, real_y, synth_x, synth_y, seed: int = 0) -> pd.DataFrame:
    """Penultimate activations of both sets projected to 2-D by t-SNE and PCA, plus top-class confidence."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    feats, probs = clf.features_and_probs(scorer, np.concatenate([real_x, synth_x]))
    tsne = TSNE(n_components=2, perplexity=30, init="pca", random_state=seed).fit_transform(feats)
    pca = PCA(n_components=2, random_state=seed).fit_transform(feats)
    return pd.DataFrame({
        "source": ["real"] * len(real_x) + ["synthetic"] * len(synth_x),
        "digit": np.concatenate([real_y, synth_y]).astype(int),
        "tsne_1": tsne[:, 0], "tsne_2": tsne[:, 1], "pca_1": pca[:, 0], "pca_2": pca[:, 1],
        "confidence": probs.max(-1), "predicted": probs.argmax(-1),
    })


def plot_embeddings(frame: pd.DataFrame, out_dir: Path) -> None:
    import seaborn as sns

    for method in ("tsne", "pca"):
        fig, ax = _figure(3.4, 2.9)
        sns.scatterplot(data=frame, x=f"{method}_1", y=f"{method}_2", hue="digit", style="source",
                        markers={"real": "o", "synthetic": "X"}, palette="tab10", s=18, ax=ax, linewidth=0.2)
        ax.set_xlabel(f"{'t-SNE' if method == 'tsne' else 'PCA'} 1")
        ax.set_ylabel(f"{'t-SNE' if method == 'tsne' else 'PCA'} 2")
        ax.legend(fontsize=5, ncol=2, markerscale=0.6, loc="best")
        _save_figure(out_dir, f"embedding_{method}", fig)


def plot_confidences(frame: pd.DataFrame, out_dir: Path) -> None:
    """Two separate graphs with the same axes, as the coursework asks."""
    import seaborn as sns

    bins = np.linspace(0, 1, 21)
    for source in ("real", "synthetic"):
        fig, ax = _figure(3.4, 1.8)
        sns.histplot(frame[frame["source"] == source]["confidence"], bins=bins, ax=ax,
                     color="tab:blue" if source == "real" else "tab:orange")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, N_PER_SET)
        ax.set_xlabel(f"scorer top-class confidence ({source} digits)")
        ax.set_ylabel("count")
        _save_figure(out_dir, f"confidence_{source}", fig)


def plot_training_curves(history: list[dict], out_dir: Path, name: str = "gan_training") -> None:
    frame = pd.DataFrame(history)
    if frame.empty:
        return
    fig, ax = _figure(3.4, 2.2)
    for key, label in (("d_loss", "D loss"), ("g_loss", "G loss"), ("d_acc", "D accuracy")):
        if key in frame:
            ax.plot(frame["epoch"], frame[key], marker="o", label=label, linewidth=1)
    ax.set_xlabel("epoch")
    ax.legend(fontsize=6)
    _save_figure(out_dir, name, fig)


def copy_grid_array(images: np.ndarray, out_dir: Path, name: str) -> None:
    """A 10x10 grid (row = class) of uint8 digits, as PNG."""
    from .images import grid_png

    results.write_bytes(out_dir / "figures" / f"{name}.png", grid_png(images, rows=10))


def copy_grid(src: Path, out_dir: Path, name: str) -> None:
    """Sample grids are PNGs written during training; copied so the paper has everything in one place."""
    results.write_bytes(out_dir / "figures" / f"{name}.png", Path(src).read_bytes())



def class_interpolation(generator, pairs=((1, 7), (3, 8), (4, 9), (0, 6)), steps: int = 10,
                        seed: int = 0) -> np.ndarray:
    """Images along straight lines between two classes' label embeddings, one row per pair, fixed noise.

    Runs the generator's layers after its (noise, label embedding) concatenation on interpolated
    embeddings, so it needs a CGAN/AC-GAN generator without VBN (whose reference batch rides along).
    """
    names = [layer.name for layer in generator.layers]
    if "z_and_label" not in names or "reference_z" in names:
        raise ValueError("class interpolation needs a conditional generator without virtual batch norm")
    table = np.asarray(generator.get_layer("label_embedding").embeddings)
    latent = generator.inputs[0].shape[-1]
    z = np.random.default_rng([seed, 11]).standard_normal((len(pairs), latent)).astype(np.float32)
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    rows = []
    for (a, b), z_row in zip(pairs, z):
        emb = (1 - t) * table[a] + t * table[b]
        h = np.concatenate([np.repeat(z_row[None], steps, 0), emb], 1)
        for layer in generator.layers[names.index("z_and_label") + 1:]:
            h = layer(h, training=False) if "norm" in layer.name else layer(h)
        rows.append(np.asarray(h))
    return np.concatenate(rows)


def interpolation_png(generator, out_dir: Path, steps: int = 10) -> np.ndarray:
    from .images import grid_png

    images = class_interpolation(generator, steps=steps)
    results.write_bytes(out_dir / "figures" / "class_interpolation.png", grid_png(images, rows=len(images) // steps))
    return images
