"""Sample-quality metrics as pure functions over arrays, registered by name for sweeps to request."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from cgan_study.data import NUM_CLASSES

CONFIDENT = 0.9


@dataclass(frozen=True)
class Inputs:
    """What every metric may look at: scorer outputs for generated and real digits."""
    requested: np.ndarray | None      # labels G was asked for (None for unconditional models)
    fake_probs: np.ndarray            # (n, 10) scorer probabilities of the generated digits
    fake_features: np.ndarray         # (n, d) scorer penultimate activations of the generated digits
    real_features: np.ndarray         # (m, d) the same for the real reference digits


REGISTRY: dict[str, Callable[[Inputs], dict]] = {}


def register_metric(name: str):
    def wrap(fn):
        REGISTRY[name] = fn
        return fn
    return wrap


def compute(names, inputs: Inputs) -> dict:
    """Run the requested metrics; unknown names are an error listing the registered ones."""
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; registered: {', '.join(sorted(REGISTRY))}")
    out = {}
    for name in names:
        if name == "success_rate" and inputs.requested is None:
            continue  # an unconditional model was asked for no labels
        out.update(REGISTRY[name](inputs))
    warning = collapse_warning(out)
    if warning:
        out["collapse_warning"] = warning
    return out


# --------------------------------------------------------------------------- core functions

def _check_probs(probs: np.ndarray) -> np.ndarray:
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2:
        raise ValueError(f"expected probabilities of shape (n, classes), got {probs.shape}")
    return probs


def success_rate(probs: np.ndarray, requested: np.ndarray) -> dict:
    """Accuracy of the scorer on the labels G was asked for: overall, per class, confusion matrix."""
    probs = _check_probs(probs)
    requested = np.asarray(requested).reshape(-1)
    if len(requested) != len(probs):
        raise ValueError(f"{len(probs)} predictions for {len(requested)} requested labels")
    pred = probs.argmax(-1)
    classes = probs.shape[-1]   # the scorer's classes: 10 on MNIST, the folder's on an image folder
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (requested, pred), 1)
    per_class = np.diag(confusion) / np.maximum(confusion.sum(1), 1)
    return {"overall": float(np.mean(pred == requested)), "per_class": per_class.tolist(),
            "confusion": confusion.tolist()}


def inception_score(probs: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))) per split; mean and std over splits (Salimans et al. 2016).

    Splits are contiguous, so the samples must come in random order (as `stages.evaluate` draws them).
    """
    probs = _check_probs(probs)
    scores = []
    for part in np.array_split(probs, splits):
        marginal = part.mean(0, keepdims=True)
        kl = np.sum(part * (np.log(part + 1e-30) - np.log(marginal + 1e-30)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, np.float64)
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).

    Tr((S1 S2)^(1/2)) is computed as the sum of square roots of the eigenvalues of the symmetric
    matrix S1^(1/2) S2 S1^(1/2), which has the same spectrum and avoids a non-symmetric sqrtm.
    """
    vals, vecs = np.linalg.eigh(sigma1)
    root1 = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    middle = root1 @ sigma2 @ root1
    trace_sqrt = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt, 0.0))


def frechet_distance(features1: np.ndarray, features2: np.ndarray) -> float:
    """FID between two feature sets (Heusel et al. 2017), in whatever feature space they come from."""
    return frechet_distance_from_stats(*_stats(features1), *_stats(features2))


def _block_edges(n: int, n_blocks: int) -> np.ndarray:
    """Block boundaries: equal blocks, the last (n mod n_blocks) one element larger."""
    base, extra = divmod(n, n_blocks)
    sizes = [base] * (n_blocks - extra) + [base + 1] * extra
    return np.concatenate([[0], np.cumsum(sizes)])


def kernel_distance(real: np.ndarray, fake: np.ndarray, max_block_size: int = 1024) -> tuple[float, float]:
    """KID: unbiased MMD^2 with the kernel (x.y/d + 1)^3, averaged over blocks (Binkowski et al. 2018).

    Blocks follow TF-GAN's scheme, so the numbers agree with its implementation; like TF-GAN it assumes
    both sets come in random order.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    n_r, n_g = len(real), len(fake)
    n_blocks = int(np.ceil(max(n_r, n_g) / max_block_size))
    d = real.shape[1]
    r_edges, g_edges = _block_edges(n_r, n_blocks), _block_edges(n_g, n_blocks)
    estimates = []
    for i in range(n_blocks):
        r, g = real[r_edges[i]:r_edges[i + 1]], fake[g_edges[i]:g_edges[i + 1]]
        k_rr = (r @ r.T / d + 1) ** 3
        k_gg = (g @ g.T / d + 1) ** 3
        k_rg = (r @ g.T / d + 1) ** 3
        m, n = len(r), len(g)
        estimates.append((k_rr.sum() - np.trace(k_rr)) / (m * (m - 1))
                         + (k_gg.sum() - np.trace(k_gg)) / (n * (n - 1)) - 2 * k_rg.mean())
    estimates = np.array(estimates)
    # Standard error over blocks; undefined (NaN, written as null) with a single block.
    std = float(np.std(estimates, ddof=1) / np.sqrt(n_blocks)) if n_blocks > 1 else float("nan")
    return float(estimates.mean()), std


def _kth_neighbour_radii(features: np.ndarray, k: int, chunk: int = 2048) -> np.ndarray:
    sq = np.sum(features ** 2, 1)
    radii = np.empty(len(features))
    for start in range(0, len(features), chunk):
        block = features[start:start + chunk]
        dist = np.sum(block ** 2, 1)[:, None] + sq[None, :] - 2 * block @ features.T
        radii[start:start + chunk] = np.sqrt(np.maximum(np.partition(dist, k, axis=1)[:, k], 0))
    return radii  # column k of the partition skips the point itself at distance 0


def _ball_blocks(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray, chunk: int = 2048):
    """(start, inside) per chunk of queries: inside[i, j] says query start + i lies in centre j's ball.

    Chunked so that memory stays at chunk x len(centres), whatever the number of samples.
    """
    sq = np.sum(centres ** 2, 1)
    for start in range(0, len(queries), chunk):
        block = queries[start:start + chunk]
        dist = np.sqrt(np.maximum(np.sum(block ** 2, 1)[:, None] + sq[None, :] - 2 * block @ centres.T, 0))
        yield start, dist <= radii[None, :]


def _inside_any_ball(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    inside = np.empty(len(queries), bool)
    for start, block in _ball_blocks(queries, centres, radii):
        inside[start:start + len(block)] = block.any(axis=1)
    return inside


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision/recall (Kynkaanniemi et al. 2019) with k-NN manifolds in feature space."""
    real, fake = np.asarray(real, np.float32), np.asarray(fake, np.float32)
    precision = _inside_any_ball(fake, real, _kth_neighbour_radii(real, k)).mean()
    recall = _inside_any_ball(real, fake, _kth_neighbour_radii(fake, k)).mean()
    return float(precision), float(recall)


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020) with k-NN balls around the real features.

    density = mean over fakes of (how many real balls hold it) / k: about 1 for samples spread like the real data,
    above 1 for samples crowded where real data is dense. coverage = share of real balls holding at least one
    fake: what fraction of the real data's neighbourhoods the samples reach. Unlike precision, a generator that
    repeats one realistic image scores coverage near 0.
    """
    real, fake = np.asarray(real, np.float32), np.asarray(fake, np.float32)
    inside_count, covered = 0, np.zeros(len(real), bool)
    for _, inside in _ball_blocks(fake, real, _kth_neighbour_radii(real, k)):
        inside_count += int(inside.sum())
        covered |= inside.any(axis=0)
    return float(inside_count / (k * len(fake))), float(covered.mean())


# Metrics that compare the samples with a set of real digits (the reference): their value depends on which set.
REFERENCED = ("fid", "kid", "precision_recall", "density_coverage")

# Mode collapse, one definition for every table, figure and onset: the samples reach fewer than all classes (by the
# scorer's predicted class) or under a tenth of the real data's modes (recall, improved precision/recall of
# Kynkaanniemi et al. 2019). Precision and density reward a collapsed model, so they play no part.
COLLAPSE_RECALL = 0.1


def collapse_reasons(scores: dict) -> list[str]:
    """Why the one collapse rule holds for these scores (empty when it does not, or when neither input is there)."""
    covered, recall = scores.get("classes_covered"), scores.get("recall")
    total = int(scores.get("classes_total", NUM_CLASSES))   # rows scored before the key existed: MNIST's 10
    reasons = []
    if covered is not None and covered < total:
        reasons.append(f"{int(covered)} of {total} classes covered")
    if recall is not None and recall < COLLAPSE_RECALL:
        reasons.append(f"recall {recall:.2f} < {COLLAPSE_RECALL}")
    return reasons


def is_collapsed(scores: dict) -> bool:
    return bool(collapse_reasons(scores))


def collapse_warning(scores: dict) -> str | None:
    """A warning when the one collapse rule holds, whatever precision or density say (they reward collapse)."""
    reasons = collapse_reasons(scores)
    if not reasons:
        return None
    return "mode collapse suspected (" + ", ".join(reasons) + "): precision and density overstate quality"


def collapse_onset(rows: list[dict]) -> int | None:
    """The first epoch from which the collapse rule holds at every later epoch, or None.

    Persistent, so that a model that is only slow to start (few classes after epoch 1, all ten later) has no onset.
    """
    onset = None
    for row in sorted(rows, key=lambda r: r["epoch"]):
        # A row scored by stages.evaluate carries its verdict (read on the training reference); older rows do not.
        if row["collapsed"] if "collapsed" in row else is_collapsed(row):
            onset = onset if onset is not None else int(row["epoch"])
        else:
            onset = None
    return onset


def class_coverage(probs: np.ndarray) -> dict:
    """Predicted-class histogram, its entropy (nats) and how many classes hold >= 10% of a fair share.

    A collapsed generator puts most samples in few classes: low entropy, few classes covered.
    """
    probs = _check_probs(probs)
    classes = probs.shape[-1]
    counts = np.bincount(probs.argmax(-1), minlength=classes)
    share = counts / max(counts.sum(), 1)
    entropy = float(-np.sum(share[share > 0] * np.log(share[share > 0])))
    covered = int(np.sum(share >= 0.1 / classes))
    return {"histogram": counts.tolist(), "entropy": entropy, "classes_covered": covered, "classes_total": classes}


def confident_rate(probs: np.ndarray, threshold: float = CONFIDENT) -> float:
    """Fraction of samples whose top scorer probability is >= threshold."""
    return float(np.mean(_check_probs(probs).max(-1) >= threshold))


# --------------------------------------------------------------------------- registered wrappers

@register_metric("success_rate")
def _success(inp: Inputs) -> dict:
    s = success_rate(inp.fake_probs, inp.requested)
    return {"success_rate": s["overall"], "success_rate_per_class": s["per_class"], "confusion": s["confusion"]}


@register_metric("inception_score")
def _is(inp: Inputs) -> dict:
    mean, std = inception_score(inp.fake_probs)
    return {"inception_score": mean, "inception_score_std": std}


@register_metric("fid")
def _fid(inp: Inputs) -> dict:
    return {"fid": frechet_distance(inp.real_features, inp.fake_features), "fid_n": len(inp.fake_features)}


@register_metric("kid")
def _kid(inp: Inputs) -> dict:
    mean, std = kernel_distance(inp.real_features, inp.fake_features)
    return {"kid": mean, "kid_std": std, "kid_n": len(inp.fake_features)}


def as_many_real(real: np.ndarray, fake: np.ndarray) -> np.ndarray:
    """The real features thinned (evenly, deterministically) to the number of fakes: k-NN recall, precision,
    density and coverage depend on both sample sizes, so a 2,000-sample epoch score and a 10,000-sample final
    score read the one collapse threshold alike only when real and fake counts match."""
    if len(real) <= len(fake):
        return real
    return real[np.linspace(0, len(real) - 1, len(fake)).astype(int)]


@register_metric("precision_recall")
def _pr(inp: Inputs) -> dict:
    precision, recall = precision_recall(as_many_real(inp.real_features, inp.fake_features), inp.fake_features)
    return {"precision": precision, "recall": recall}


@register_metric("density_coverage")
def _dc(inp: Inputs) -> dict:
    density, coverage = density_coverage(as_many_real(inp.real_features, inp.fake_features), inp.fake_features)
    return {"density": density, "coverage": coverage}


@register_metric("class_coverage")
def _coverage(inp: Inputs) -> dict:
    c = class_coverage(inp.fake_probs)
    return {"class_histogram": c["histogram"], "class_entropy": c["entropy"], "classes_covered": c["classes_covered"],
            "classes_total": c["classes_total"]}


@register_metric("confident_rate")
def _confident(inp: Inputs) -> dict:
    return {"confident_rate": confident_rate(inp.fake_probs)}
