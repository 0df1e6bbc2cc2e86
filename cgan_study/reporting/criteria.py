"""Decision rules the report applies to intervals: multiple comparisons (Holm) and the budget's convergence check.

Pure functions with hand-checkable answers (tests/test_evidence_rules.py); captions and sentences are computed
from them, never written by hand.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Converged (a cell's budget): doubling the step budget moves the cell's mean by less than this many points ...
CONVERGED_POINTS = 0.15
# ... or, for a noisy cell (seed sd above NOISY_SD points), the paired doubling interval contains 0 and the mean
# moves by less than NOISY_FRACTION of that sd: a criterion a cell whose seed-to-seed sd is 1.9 points can meet.
NOISY_SD = 0.6
NOISY_FRACTION = 0.25


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979), in the input order; family-wise error over all m tests."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def p_from_interval(mean: float, low: float, high: float, n: int, level: float = 0.95) -> float:
    """The two-sided one-sample t-test p of a mean whose Student-t interval at `level` over n values is [low, high]:
    the interval's half-width is t_(n-1) * se, so the test is recovered exactly from a table's long form."""
    from scipy import stats

    if n < 2 or math.isnan(low) or math.isnan(high):
        return float("nan")
    half = (high - low) / 2
    if abs((low + high) / 2 - mean) > 0.01 * half:   # a clipped or one-sided interval, not rounding
        raise ValueError(f"[{low}, {high}] is not a symmetric interval around {mean}: no t-test can be read from it")
    if half <= 0:
        return 0.0 if mean != 0 else 1.0
    se = half / float(stats.t.ppf(0.5 + level / 2, n - 1))
    return float(2 * stats.t.sf(abs(mean) / se, n - 1))


@dataclass(frozen=True)
class BudgetVerdict:
    converged: bool
    branch: str          # "small move" | "noisy cell" | "not converged"
    reason: str          # one sentence, computed: what the check found


def budget_converged(mean_move: float, seed_sd: float, low: float, high: float) -> BudgetVerdict:
    """The budget rule for one cell: `mean_move` = mean(doubled) - mean(budget) in points, `seed_sd` the cell's
    seed-to-seed sd in points at the budget, [low, high] the paired 95% interval of the doubling's effect."""
    if abs(mean_move) < CONVERGED_POINTS:
        return BudgetVerdict(True, "small move", f"doubling moves the mean by {mean_move:+.2f} points "
                                                 f"(< {CONVERGED_POINTS})")
    if seed_sd > NOISY_SD and low <= 0 <= high and abs(mean_move) < NOISY_FRACTION * seed_sd:
        return BudgetVerdict(True, "noisy cell", f"seed sd {seed_sd:.2f} points; doubling moves the mean by "
                                                 f"{mean_move:+.2f} [{low:+.2f}, {high:+.2f}], within a quarter sd")
    return BudgetVerdict(False, "not converged", f"doubling moves the mean by {mean_move:+.2f} "
                                                 f"[{low:+.2f}, {high:+.2f}] points (seed sd {seed_sd:.2f})")
