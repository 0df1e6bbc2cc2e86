"""One multiplicity rule for every table that compares several arms with one reference, and its four verdicts.

A *family* is one table at one k: every arm in it compared with the same reference (real only at that k, the same
real fraction without synthetic digits, a variant's baseline). Within a family of m comparisons:

- each arm's paired t-interval is Bonferroni-adjusted: two-sided at level 1 - 0.05 / m, so all m hold at once with
  probability at least 95%; the direction (helps / hurts) is read from this interval, never from the 95% one;
- each arm's paired t-test p is Holm-adjusted over the m (Holm 1979), reported beside it;
- equivalence is two one-sided tests (TOST) at the family's adjusted level 0.05 / m against a margin fixed in
  advance (EQUIVALENCE_MARGINS_POINTS): "equivalent" means the difference lies within +-margin, which is the only
  verdict the prose may write as "no effect";
- an arm identical to another by construction (every per-seed value exactly equal: at k = 1 the low-data filter
  keeps all 6,000 synthetic digits, so it is mix) is reported as identical to it and not counted in m.

Pure functions over long tables whose rows carry mean_diff, low, high (a symmetric 95% t-interval) and n; the
standard error is read back from that interval exactly (half-width = t_0.975(n-1) * se).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cgan_study.reporting.criteria import holm

ALPHA = 0.05
HELPS, HURTS, EQUIVALENT, INCONCLUSIVE = "helps", "hurts", "equivalent", "inconclusive"
TOO_FEW = "too few seeds"   # one seed: no interval, no test, no verdict
VERDICTS = (HELPS, HURTS, EQUIVALENT, INCONCLUSIVE)

# Equivalence margins in points of test accuracy, fixed before the n = 10 runs (few_shot_n10, issue 42) and not to
# be moved after seeing them: at k real digits per class by k, and for the full-data mix grid. A difference whose
# TOST interval lies inside +-margin is "equivalent"; one that is neither excluded from 0 nor inside is
# "inconclusive".
EQUIVALENCE_MARGINS_POINTS = {"k=1": 3.0, "k=10": 2.0, "k=100": 0.5, "mix_grid": 0.2}

# The columns family_table adds, in this order.
FAMILY_COLUMNS = ["m", "level_adjusted", "low_adjusted", "high_adjusted", "p", "p_holm", "margin", "p_tost",
                  "verdict"]


def few_shot_margin(k) -> float:
    """The equivalence margin (as a fraction, the unit of test_accuracy) at k real items per class; NaN for a k
    without a declared margin (no equivalence can then be claimed)."""
    points = EQUIVALENCE_MARGINS_POINTS.get(f"k={int(k)}") if k == k else None
    return points / 100 if points is not None else float("nan")


def mix_grid_margin() -> float:
    return EQUIVALENCE_MARGINS_POINTS["mix_grid"] / 100


def standard_error(low: float, high: float, n: int, level: float = 0.95) -> float:
    """The standard error of a mean whose symmetric Student-t interval at `level` over n values is [low, high]."""
    from scipy import stats

    return (high - low) / 2 / float(stats.t.ppf(0.5 + level / 2, n - 1))


def adjusted_interval(mean: float, se: float, n: int, m: int) -> tuple[float, float]:
    """The two-sided t-interval at the family's Bonferroni level 1 - ALPHA / m."""
    from scipy import stats

    half = float(stats.t.ppf(1 - ALPHA / (2 * m), n - 1)) * se
    return mean - half, mean + half


def t_test_p(mean: float, se: float, n: int) -> float:
    """Two-sided one-sample t-test p of the mean against 0."""
    from scipy import stats

    if se == 0:
        return 0.0 if mean != 0 else 1.0
    return float(2 * stats.t.sf(abs(mean) / se, n - 1))


def tost_p(mean: float, se: float, n: int, margin: float) -> float:
    """The p of two one-sided t-tests against -margin and +margin (the larger of the two); equivalence at level a
    when it is below a, i.e. when the (1 - 2a) interval lies inside (-margin, margin). NaN without a margin."""
    from scipy import stats

    if not margin == margin:
        return float("nan")
    if se == 0:
        return 0.0 if abs(mean) < margin else 1.0
    above_lower = float(stats.t.sf((mean + margin) / se, n - 1))    # H0: diff <= -margin
    below_upper = float(stats.t.cdf((mean - margin) / se, n - 1))   # H0: diff >= +margin
    return max(above_lower, below_upper)


def four_way(low_adjusted: float, high_adjusted: float, p_tost: float, m: int) -> str:
    """helps / hurts where the adjusted interval excludes 0; else equivalent where TOST passes at ALPHA / m; else
    inconclusive. A difference both excluded from 0 and inside the margin is reported by its direction (it is
    measurable, and the table shows how small)."""
    if m < 1 or not (math.isfinite(low_adjusted) and math.isfinite(high_adjusted)):
        return TOO_FEW
    if low_adjusted > 0:
        return HELPS
    if high_adjusted < 0:
        return HURTS
    if p_tost == p_tost and p_tost < ALPHA / m:
        return EQUIVALENT
    return INCONCLUSIVE


def improvement(judged: str, lower_is_better: bool) -> str:
    """A verdict on a difference read as an improvement: where lower is better (FID), a rise hurts."""
    return {HELPS: HURTS, HURTS: HELPS}.get(judged, judged) if lower_is_better else judged


def identical_arms(runs: pd.DataFrame, arm: list[str], seed: str, value: str, order: list | None = None) -> dict:
    """{arm key: the arm key it duplicates} for arms whose per-seed `value` equals another arm's exactly on every
    seed (the same seeds, at least two: one equal pair could be chance). The first arm in `order` (default: the
    order of appearance) is the original; a later one is its duplicate."""
    series = {}
    for key, group in runs.groupby(arm, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        series[key] = group.set_index(seed)[value].sort_index()
    keys = [k for k in (order or list(series)) if k in series]
    out = {}
    for i, later in enumerate(keys):
        for earlier in keys[:i]:
            if earlier in out:
                continue
            a, b = series[earlier], series[later]
            if len(a) >= 2 and list(a.index) == list(b.index) and bool((a.to_numpy() == b.to_numpy()).all()):
                out[later] = earlier
                break
    return out


def family_table(long: pd.DataFrame, family: list[str], label: str, margin: str | None = "margin") -> pd.DataFrame:
    """`long` with FAMILY_COLUMNS added: per family (rows sharing the `family` columns' values) m, the Bonferroni
    interval, the raw and Holm p, the equivalence margin (the `margin` column, a fraction; NaN: none) with its
    TOST p, and the four-way verdict. A row whose `identical_to` names another row's `label` is left out of m and of
    Holm, and takes its twin's Holm p (they are the same comparison)."""
    out = long.reset_index(drop=True)   # positions, not labels: a concatenated table may repeat its index
    if "identical_to" not in out:
        out["identical_to"] = None
    out["margin"] = out[margin].astype(float) if margin and margin in out else float("nan")
    for column in FAMILY_COLUMNS:
        if column != "margin":
            out[column] = np.nan if column != "verdict" else TOO_FEW
    out["m"] = 0
    groups = out.groupby(family, sort=False, dropna=False).groups if family else {None: out.index}
    for index in groups.values():
        rows = out.loc[index]
        testable = rows[(rows["n"] >= 2) & rows["low"].notna() & rows["high"].notna()]
        counted = testable[testable["identical_to"].isna()]
        m = len(counted)
        if m == 0:
            continue
        se = {i: standard_error(r.low, r.high, int(r.n)) for i, r in testable.iterrows()}
        p = {i: t_test_p(testable.at[i, "mean_diff"], se[i], int(testable.at[i, "n"])) for i in testable.index}
        adjusted = dict(zip(counted.index, holm([p[i] for i in counted.index])))
        for i, r in testable.iterrows():
            low, high = adjusted_interval(r.mean_diff, se[i], int(r.n), m)
            p_tost = tost_p(r.mean_diff, se[i], int(r.n), out.at[i, "margin"])
            out.loc[i, ["m", "level_adjusted", "low_adjusted", "high_adjusted", "p", "p_tost"]] = \
                [m, 1 - ALPHA / m, low, high, p[i], p_tost]
            out.at[i, "verdict"] = four_way(low, high, p_tost, m)
            out.at[i, "p_holm"] = adjusted.get(i, np.nan)
        for i in testable.index.difference(counted.index):   # a duplicate takes its twin's Holm p
            twin = rows[rows[label] == out.at[i, "identical_to"]]
            if len(twin):
                out.at[i, "p_holm"] = out.at[twin.index[0], "p_holm"]
    out["m"] = out["m"].astype(int)
    return out


def family_caption(m_values, families=None, ref: str | None = None) -> str:
    """The caption's words for the rule, naming m: one m, or each family's ('m = 6 at $k=1$, 7 at $k=10$') where
    `families` names the family of each value; with `ref` (a table label), the rule is that table's, cited rather
    than repeated (captions that read alike cannot be told apart)."""
    pairs = [(int(m), f) for m, f in zip(m_values, families if families is not None else [None] * len(m_values))
             if m and m == m]
    ms = sorted({m for m, _ in pairs})
    if len(ms) <= 1 or families is None:
        which = "m = " + (", ".join(str(m) for m in ms) or "0") + ("" if len(ms) <= 1 else " by family")
    else:
        which = "m = " + ", ".join(f"{m} at {f}" for m, f in dict.fromkeys(pairs))
    if ref:
        return f"Families, adjustment and verdicts as in Table~\\ref{{{ref}}} ({which})."
    return (f"Within each family (one table at one $k$: every arm against the same reference; {which}): "
            "Bonferroni-adjusted interval (level $1-0.05/m$), Holm-adjusted $p$, and the verdict read from the "
            "adjusted interval: helps / hurts where it excludes 0, else equivalent where two one-sided tests at "
            "$0.05/m$ place the difference within the margin fixed before the runs, else inconclusive. An arm "
            "identical to another by construction is not counted in $m$.")


def interval_text(low: float, high: float, scale: float = 100.0, digits: int = 2) -> str:
    from cgan_study.reporting.labels import interval_bounds

    return "--" if not (low == low and high == high) else \
        "[{}, {}]".format(*interval_bounds(scale * low, scale * high, digits))


def shown_family(fam: pd.DataFrame, first: dict[str, list], scale: float = 100.0, digits: int = 2) -> pd.DataFrame:
    """The readable table of a family_table: the `first` columns (name -> values, e.g. the arm's readable name),
    then n, m, mean, the 95% and the adjusted interval, the Holm p, the margin, the verdict, and which arm a
    duplicate is identical to (output only: the CSV keeps the numbers)."""
    from cgan_study.reporting.labels import signed

    def p_text(p) -> str:
        return "--" if not p == p else ("<0.001" if p < 0.001 else f"{p:.3f}")

    shown = pd.DataFrame(first)
    shown["n"] = list(fam["n"].astype(int))
    shown["m"] = [str(m) if m else "--" for m in fam["m"]]
    shown["mean"] = [signed(scale * v, digits) if v == v else "--" for v in fam["mean_diff"]]
    shown["95% interval"] = [interval_text(lo, hi, scale, digits) for lo, hi in zip(fam["low"], fam["high"])]
    shown["adjusted interval"] = [interval_text(lo, hi, scale, digits)
                                  for lo, hi in zip(fam["low_adjusted"], fam["high_adjusted"])]
    shown["Holm p"] = [p_text(p) for p in fam["p_holm"]]
    shown["margin"] = [f"±{scale * v:g}" if v == v else "--" for v in fam["margin"]]
    shown["verdict"] = list(fam["verdict"])
    shown["identical to"] = [v if isinstance(v, str) else "--" for v in fam["identical_to"]]
    if not any(isinstance(v, str) for v in fam["identical_to"]):
        shown = shown.drop(columns="identical to")
    return shown
