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


# --------------------------------------------------------------------------- the semi-supervised arms' step budget
# Issue 41's budget check, fixed before any of the sweep's curves were read. It reads training quantities only (the
# training loss and, for FixMatch, the share of the unlabelled batch whose weak-view confidence passed the threshold):
# no test digit, no validation digit, no label of the pool.
#
# A curve is the per-epoch means a method recorded (each epoch an equal share of its steps). The window is the last
# BUDGET_WINDOW of the steps: its last w = max(1, round(BUDGET_WINDOW x epochs)) epochs, and the curve's change across
# it is read from the mean of the epoch just before it (epochs - w, counting from 1) to the mean of the last epoch. A
# method is budget_limited, still improving at the budget it was given, when across the window
#   - its training loss fell by more than BUDGET_LOSS_FALL of its value (relative), or
#   - its mask rate (FixMatch only) rose by more than BUDGET_MASK_RISE (1 point of the unlabelled batch).
# The two readings are needed together for FixMatch: its loss counts the unlabelled term over the whole batch, so a
# rising mask rate adds terms and can hold the loss up while the classifier still gains. The SSL-GAN's curve is its
# classifier's loss: the supervised cross-entropy of D's K-class softmax on the labelled batches (history.jsonl
# `supervised`); its real/fake loss is a game's value, not a quantity that should fall. A curve of one epoch has no
# window: the check cannot say (None). Over an arm's seeds the rule is applied to the medians of the seeds' readings.
BUDGET_WINDOW = 0.2
BUDGET_LOSS_FALL = 0.05
BUDGET_MASK_RISE = 0.01


@dataclass(frozen=True)
class CurveCheck:
    loss_fall: float        # relative fall of the loss across the window (0.1 = fell by 10%); NaN without a window
    mask_rise: float        # rise of the mask rate across the window (fraction); NaN where the method has none
    budget_limited: bool | None   # None: the curve is too short to say


def budget_limited(loss_fall: float, mask_rise: float) -> bool | None:
    """The rule on one reading (a seed's, or the medians of an arm's seeds); NaN readings do not count, and with no
    loss reading at all the rule cannot say."""
    if math.isnan(loss_fall):
        return None
    return bool(loss_fall > BUDGET_LOSS_FALL or (not math.isnan(mask_rise) and mask_rise > BUDGET_MASK_RISE))


def curve_check(losses, mask_rates=None) -> CurveCheck:
    """The budget rule on one run's per-epoch training loss (and mask rate, where the method has one)."""
    losses = [float(v) for v in losses]
    epochs = len(losses)
    window = max(1, round(BUDGET_WINDOW * epochs))
    if epochs < window + 1:
        return CurveCheck(float("nan"), float("nan"), None)
    start, end = losses[epochs - 1 - window], losses[-1]
    fall = (start - end) / abs(start) if start != 0 else 0.0
    rise = float("nan")
    if mask_rates is not None:
        masks = [float(v) for v in mask_rates]
        if len(masks) != epochs:
            raise ValueError(f"a curve of {epochs} loss values and {len(masks)} mask rates: one of each per epoch")
        rise = masks[-1] - masks[epochs - 1 - window]
    return CurveCheck(fall, rise, budget_limited(fall, rise))
