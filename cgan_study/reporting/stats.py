"""The report's statistics: aggregates, Student-t intervals and paired differences (the verdicts a family of them
gives are multiplicity.py's).

Pure functions over DataFrames and numbers; nothing here formats, draws or writes.
"""
from __future__ import annotations

import math

import pandas as pd


def aggregate(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """mean, std (ddof=1; NaN for a single run) and n of `value` per group."""
    grouped = frame.groupby(by, dropna=False)[value]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    return out


def t_interval(values, level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of a Student-t confidence interval for the mean; no interval below two values."""
    from scipy import stats

    v = pd.Series(values, dtype=float).dropna()
    n, mean = len(v), float(v.mean()) if len(v) else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan"), n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(v.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """(low, high) of the Wilson score interval for a proportion: unlike the normal one it stays inside [0, 1] and
    keeps its coverage near 0 or 1."""
    from scipy import stats

    if n <= 0:
        return float("nan"), float("nan")
    z, p = float(stats.norm.ppf(0.5 + level / 2)), successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def interval_points(values) -> tuple[float, float, float]:
    """(mean, lower error, upper error) in %, the 95% t-interval clipped to [0, 100] (accuracy's range)."""
    mean, low, high, _ = t_interval(values)
    low, high = (mean, mean) if low != low else (max(low, 0.0), min(high, 1.0))
    return 100 * mean, 100 * (mean - low), 100 * (high - mean)


def paired_differences(frame: pd.DataFrame, baseline: pd.DataFrame, match: list[str], by: list[str],
                       value: str = "test_accuracy") -> pd.DataFrame:
    """Per group of `by`: each run minus the baseline run with the same `match` values (same k or fraction, same
    seed), then the mean difference with its 95% t-interval. Runs without a baseline partner are left out."""
    base = baseline[match + [value]].rename(columns={value: "_baseline"})
    if base.duplicated(match).any():
        raise ValueError(f"the baseline has more than one run per {match}; pairing would be ambiguous")
    paired = frame.merge(base, on=match, how="inner")
    paired["_diff"] = paired[value] - paired["_baseline"]
    rows = []
    for key, group in paired.groupby(by, sort=False, dropna=False):
        mean, low, high, n = t_interval(group["_diff"])
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,))), "mean_diff": mean, "low": low,
                     "high": high, "n": n, "excludes_zero": bool(low > 0 or high < 0) if n > 1 else False})
    return pd.DataFrame(rows, columns=by + ["mean_diff", "low", "high", "n", "excludes_zero"])


def loss_trend(losses) -> float:
    """Percent change of the training loss per epoch over the second half of training (least-squares slope over
    the mean); one epoch's mean loss is noisy, a slope over several is not."""
    import numpy as np

    tail = np.asarray(losses, float)[len(losses) // 2:]
    if len(tail) < 2:
        raise ValueError(f"a loss trend needs at least 4 epochs of history, got {len(losses)}")
    return float(np.polyfit(np.arange(len(tail)), tail, 1)[0] / abs(tail.mean()) * 100)


def flagged_collapse(runs: pd.DataFrame) -> bool:
    """Whether any run is collapsed by the one rule (study.metrics.collapse_reasons): its recorded verdict where it
    has one (read on the training reference), else the rule applied to its summary columns."""
    from cgan_study.study.metrics import is_collapsed

    for _, row in runs.iterrows():
        if "collapsed" in row and pd.notna(row["collapsed"]):
            if bool(row["collapsed"]):
                return True
            continue
        scores = {k: float(row[k]) for k in ("classes_covered", "recall") if k in row and pd.notna(row[k])}
        if is_collapsed(scores):
            return True
    return False


def collapse_caption(frame: pd.DataFrame, noun: str = "digits") -> str:
    """The caption's words for [collapsed]: the one rule, and which reference the table's runs read it on."""
    reference = frame["collapse_reference"] if "collapse_reference" in frame else pd.Series("test", index=frame.index)
    reference = reference.fillna("test")
    if (reference == "train").all():
        where = f"real training {noun}"
    elif (reference == "train").any():
        # Some rows scored on the training reference, others (scored earlier) on the test set: say which.
        old = sorted(frame.loc[reference != "train", "generator"].unique()) if "generator" in frame else []
        where = f"real training {noun}; for {', '.join(display(g) for g in old)}, the test {noun}"
    else:
        where = f"the test {noun}"
    from cgan_study.reporting.tables import class_count   # here: the statistics stay free of the tables' imports

    return f"[collapsed]: fewer than {class_count(frame)} classes covered or recall below 0.1 (against {where}) in a run"


def display(generator: str) -> str:
    from cgan_study.generators import display_name

    return display_name(generator)
