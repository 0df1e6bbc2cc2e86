"""Q5 analysis: computed once by the `analysis` sweep task (inference only), drawn by the report from its files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cgan_study.data import MnistData
from cgan_study.generators.sampling import balanced_labels, sample
from cgan_study.plotting import figure, save_figure
from cgan_study.runtime import results
from cgan_study.training import classifier as clf

COURSEWORK_N = 100      # the coursework's confidence histograms: 100 real and 100 synthetic digits
EMBED_N = 1000          # points per source in the t-SNE/PCA figure and the two-sample test
CONFIDENT = 0.9
EMBEDDINGS_CSV = "embeddings.csv"
CONFIDENCES_CSV = "confidences.csv"
ANALYSIS_JSON = "analysis.json"


def nearest_neighbour_accuracy(a: np.ndarray, b: np.ndarray) -> float:
    """Leave-one-out 1-nearest-neighbour two-sample accuracy (Lopez-Paz & Oquab 2017): 0.5 = indistinguishable.

    Each point is labelled by the source of its nearest other point; the accuracy of that guess over both sets.
    """
    x = np.concatenate([a, b]).astype(np.float64)
    source = np.r_[np.zeros(len(a), bool), np.ones(len(b), bool)]
    sq = (x * x).sum(1)
    d = sq[:, None] + sq[None, :] - 2 * x @ x.T
    np.fill_diagonal(d, np.inf)
    return float(np.mean(source[d.argmin(1)] == source))


def real_and_synthetic(data: MnistData, generator, n: int, seed: int = 0):
    """n random real test digits and n synthetic digits (n/classes per class), with their labels."""
    test = data.evaluation_split()
    idx = np.random.default_rng(seed).choice(len(test), n, replace=False)
    labels = balanced_labels(n, data.num_classes)
    return test.x[idx], test.y[idx], sample(generator, labels, seed=seed + 1), labels


def embeddings_frame(feats: np.ndarray, probs: np.ndarray, sources: list[str], digits: np.ndarray,
                     seed: int = 0) -> pd.DataFrame:
    """Penultimate activations projected to 2-D by t-SNE and PCA, with top-class confidence and prediction."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    tsne = TSNE(n_components=2, perplexity=30, init="pca", random_state=seed).fit_transform(feats)
    pca = PCA(n_components=2, random_state=seed).fit_transform(feats)
    return pd.DataFrame({"source": sources, "digit": np.asarray(digits).astype(int),
                         "tsne_1": tsne[:, 0], "tsne_2": tsne[:, 1], "pca_1": pca[:, 0], "pca_2": pca[:, 1],
                         "confidence": probs.max(-1), "predicted": probs.argmax(-1)})


def compute(scorer, data: MnistData, generator, out_dir: Path, n_all: int = 10_000, seed: int = 0) -> dict:
    """Everything the Q5 figures need, as files in out_dir: embeddings.csv, confidences.csv, analysis.json."""
    out_dir = Path(out_dir)
    real_x, real_y, synth_x, synth_y = real_and_synthetic(data, generator, EMBED_N, seed)
    feats, probs = clf.features_and_probs(scorer, np.concatenate([real_x, synth_x]))
    frame = embeddings_frame(feats, probs, ["real"] * EMBED_N + ["synthetic"] * EMBED_N,
                             np.concatenate([real_y, synth_y]), seed)
    results.write_csv(out_dir / EMBEDDINGS_CSV, frame)
    nn = nearest_neighbour_accuracy(feats[:EMBED_N], feats[EMBED_N:])

    # Confidences: the coursework's 100 + 100 (the first 100 of each set above) and n_all of each.
    test = data.evaluation_split()
    n_all = min(n_all, len(test))
    labels = np.random.default_rng([seed, 7]).permutation(balanced_labels(n_all, data.num_classes))
    real_p = clf.predict(scorer, test.x[:n_all])
    synth_p = clf.predict(scorer, sample(generator, labels, seed=seed + 2))
    conf = pd.DataFrame({
        "source": ["real"] * n_all + ["synthetic"] * n_all,
        "confidence": np.r_[real_p.max(-1), synth_p.max(-1)],
        "coursework_sample": np.r_[np.arange(n_all) < COURSEWORK_N, np.arange(n_all) < COURSEWORK_N],
    })
    results.write_csv(out_dir / CONFIDENCES_CSV, conf)
    # The coursework's numbers from the very 100 + 100 digits its histograms show (not the embedding's sample).
    small = conf[conf["coursework_sample"]]
    info = {
        "embed_n": EMBED_N, "nn_two_sample_accuracy": nn, "confidence_n": n_all, "confident_threshold": CONFIDENT,
        "confident_real": float((real_p.max(-1) >= CONFIDENT).mean()),
        "confident_synthetic": float((synth_p.max(-1) >= CONFIDENT).mean()),
        "confident_real_coursework": float((small[small.source == "real"].confidence >= CONFIDENT).mean()),
        "confident_synthetic_coursework": float((small[small.source == "synthetic"].confidence >= CONFIDENT).mean()),
    }
    results.write_json(out_dir / ANALYSIS_JSON, info)
    return info


# --------------------------------------------------------------------------- figures (the report draws these)

def spread_labels(points: np.ndarray, min_dist: float, iterations: int = 200) -> np.ndarray:
    """Label positions (in [0, 1]^2) pushed apart until no two are closer than `min_dist`: each overlapping pair
    moves symmetrically along the line between them; labels already apart stay where they are."""
    at = np.array(points, dtype=float)
    for _ in range(iterations):
        moved = False
        for i in range(len(at)):
            for j in range(i + 1, len(at)):
                gap = at[j] - at[i]
                dist = float(np.hypot(*gap))
                if dist < min_dist:
                    # Coincident labels separate along a fixed diagonal rather than by chance.
                    direction = gap / dist if dist > 1e-9 else np.array([0.7071, 0.7071])
                    push = (min_dist - dist) / 2 + 1e-4
                    at[i] -= direction * push
                    at[j] += direction * push
                    moved = True
        if not moved:
            break
    return at


def plot_embeddings(frame: pd.DataFrame, out_dir: Path) -> None:
    """t-SNE and PCA side by side, real and synthetic in two colours (≥ 1,000 points each)."""

    # Drawn at the column width it is printed at, every label at 7 pt or more.
    fig, _ = figure(3.4, 1.6)
    fig.clf()
    colours = {"real": "tab:blue", "synthetic": "tab:orange"}
    for i, (method, name) in enumerate((("tsne", "t-SNE"), ("pca", "PCA"))):
        ax = fig.add_subplot(1, 2, i + 1)
        # The synthetic digits first and the real ones on top, small and translucent: where the two overlap the
        # reader still sees both (the real cloud is the reference the synthetic one is read against).
        for source in ("synthetic", "real"):
            part = frame[frame["source"] == source]
            ax.scatter(part[f"{method}_1"], part[f"{method}_2"], s=1.2, alpha=0.35, linewidths=0,
                       color=colours[source], label=source, rasterized=True)
        ax.set_xlabel(f"{name} 1")
        ax.set_ylabel(f"{name} 2")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"({'ab'[i]}) {name}", fontsize=7.5)
        # Each digit at the median of its real examples, so the reader sees which cluster is which digit. Where
        # clusters overlap (PCA), labels are spread apart and joined to their median by a thin line.
        groups = list(frame[frame["source"] == "real"].groupby("digit"))
        centres = np.array([[part[f"{method}_1"].median(), part[f"{method}_2"].median()] for _, part in groups])
        lo, span = frame[[f"{method}_1", f"{method}_2"]].min().to_numpy(), \
            np.ptp(frame[[f"{method}_1", f"{method}_2"]].to_numpy(), axis=0)
        placed = lo + spread_labels((centres - lo) / span, min_dist=0.1) * span
        for (digit, _), centre, at in zip(groups, centres, placed):
            moved = not np.allclose(centre, at)
            ax.annotate(str(int(digit)), centre, xytext=at, fontsize=7, fontweight="bold", ha="center",
                        va="center", bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
                        arrowprops={"arrowstyle": "-", "linewidth": 0.4, "color": "0.3"} if moved else None)
        if i == 1:
            handles, labels = ax.get_legend_handles_labels()   # real first, opaque markers
            order = [labels.index("real"), labels.index("synthetic")]
            legend = ax.legend([handles[j] for j in order], [labels[j] for j in order], fontsize=7, markerscale=4,
                               loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, handletextpad=0.2)
            for handle in legend.legend_handles:
                handle.set_alpha(1)
    fig.tight_layout(pad=0.3)
    save_figure(out_dir, "embedding", fig)


def plot_confidences(conf: pd.DataFrame, out_dir: Path) -> None:
    """Top-class confidence as the coursework asks, on two separate graphs for its 100 real and 100 synthetic
    digits (confidence.pdf), and the same for all of each (confidence_all.pdf). Logarithmic counts: on linear ones
    a panel is one bar at 1 and the few ambiguous shapes, the point of the figure, are invisible."""
    bins = np.linspace(0, 1, 21)
    n_all = int((conf["source"] == "real").sum())
    for name, part, label in (("confidence", conf[conf["coursework_sample"]], f"{COURSEWORK_N} digits"),
                              ("confidence_all", conf, f"{n_all:,} digits")):
        fig, _ = figure(3.4, 1.25)   # printed at column width: labels at 7 pt or more
        fig.clf()
        for c, source in enumerate(("real", "synthetic")):
            ax = fig.add_subplot(1, 2, c + 1)
            values = part[part["source"] == source]["confidence"]
            # matplotlib's own log histogram: bars start at a positive floor (seaborn's start at 0 = -inf in log)
            ax.hist(values, bins=bins, log=True, color="tab:blue" if source == "real" else "tab:orange",
                    edgecolor="white", linewidth=0.3)
            ax.set_xlim(0, 1)
            ax.set_ylim(0.5, 2 * len(values))
            ax.set_title(f"({'ab'[c]}) {label}, {source}", fontsize=7.5)
            ax.set_xlabel("top-class confidence")
            ax.set_ylabel("count (log)" if c == 0 else "")
        fig.tight_layout(pad=0.3)
        save_figure(out_dir, name, fig)


def plot_training_curves(history: list[dict], out_dir: Path, name: str = "gan_training") -> None:
    """Losses and discriminator accuracy as two labelled panels (different units, different axes)."""
    frame = pd.DataFrame(history)
    if frame.empty:
        return
    fig, _ = figure(3.4, 1.7)
    fig.clf()
    ax = fig.add_subplot(1, 2, 1)
    for key, label in (("d_loss", "D loss"), ("g_loss", "G loss")):
        if key in frame:
            ax.plot(frame["epoch"], frame[key], marker="o", markersize=2.5, label=label, linewidth=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (epoch mean)")
    ax.set_title("(a) losses", fontsize=7)
    ax.legend(fontsize=6)
    ax = fig.add_subplot(1, 2, 2)
    if "d_acc" in frame:
        ax.plot(frame["epoch"], 100 * frame["d_acc"], marker="o", markersize=2.5, color="tab:green", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_xlabel("epoch")
    ax.set_ylabel("D accuracy (%)")
    ax.set_title("(b) discriminator accuracy", fontsize=7)
    fig.tight_layout(pad=0.3)
    save_figure(out_dir, name, fig)


def copy_grid_array(images: np.ndarray, out_dir: Path, name: str) -> None:
    """A 10x10 grid (row = class) of uint8 digits, as PNG."""
    from cgan_study.images import grid_png

    results.write_bytes(out_dir / f"{name}.png", grid_png(images, rows=10))


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
    from cgan_study.images import grid_png

    images = class_interpolation(generator, steps=steps)
    results.write_bytes(Path(out_dir) / "class_interpolation.png", grid_png(images, rows=len(images) // steps))
    return images
