"""The classifier budget check (mix_ratios_budget sweep): each cell at the budget rule's steps, halved and doubled."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.criteria import CONVERGED_POINTS, NOISY_FRACTION, NOISY_SD, budget_converged
from cgan_study.reporting.labels import budget_cell_label, fmt, fmt_difference
from cgan_study.reporting.stats import aggregate, paired_differences
from cgan_study.reporting.tables import config_column, finished_runs, item_noun, save_table


# The split each budget check reads: the table it writes and the words its caption uses.
SPLITS = {"test_accuracy": ("budget_check", "test accuracy"),
          "val_accuracy": ("budget_check_val", "accuracy on the validation digits")}


def budget_report(sweep_dir: Path | str, metric: str = "test_accuracy") -> dict[str, pd.DataFrame]:
    """Each cell at the rule's budget, halved and doubled: mean +/- std (n), and paired changes against the rule,
    on the test digits (mix_ratios_budget, reported) or the validation digits (budget_check_val: a check that
    reads no test digit)."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    name, words = SPLITS[metric]
    if metric not in frame:
        raise ValueError(f"{sweep_dir}: its runs recorded no {metric}; run them with eval.val_accuracy=true")
    epochs, seed = config_column("classifier.epochs"), config_column("seed")
    noun = item_noun(frame)
    frame["cell"] = [budget_cell_label(k, f, s, p, noun) for k, f, s, p in zip(
        frame[config_column("augment.real_per_class")], frame[config_column("augment.real_fraction")],
        frame[config_column("augment.synth_fraction")], frame[config_column("augment.protocol")])]
    budgets = sorted(frame[epochs].unique())
    rule = budgets[len(budgets) // 2]   # declared as (halved, rule, doubled)
    names = dict(zip(budgets, ("halved", "rule", "doubled")))
    # Each cell's own steps, as its runs recorded them: the rule gives a large cell more steps than a small one.
    frame["steps"] = _steps(frame) * frame[epochs]
    agg = aggregate(frame, ["cell", epochs], metric)
    agg["budget"] = agg[epochs].map(names)
    agg["steps"] = [int(frame.loc[(frame["cell"] == c) & (frame[epochs] == e), "steps"].median())
                    for c, e in zip(agg["cell"], agg[epochs])]
    # Rows in a declared order (real-only by real fraction, then the few-shot cells by k and protocol), never the
    # run names' order.
    keys = [config_column(k) for k in ("augment.real_per_class", "augment.real_fraction", "augment.protocol")]
    cells = list(dict.fromkeys(frame.sort_values(keys, kind="stable")["cell"]))
    table = agg.assign(value=[fmt(m, s_, n) for m, s_, n in zip(agg["mean"], agg["std"], agg["n"])])
    order = [names[b] for b in budgets]
    wide = table.pivot(index="cell", columns="budget", values="value").loc[cells, order].reset_index()
    wide.columns = ["cell"] + [f"{b} budget" for b in order]
    steps = agg[agg[epochs] == rule].set_index("cell")["steps"]
    wide.insert(1, "steps at the rule", [int(steps[c]) for c in cells])
    diffs = paired_differences(frame[frame[epochs] != rule], frame[frame[epochs] == rule], ["cell", seed],
                               ["cell", epochs], value=metric)
    diffs["budget"] = diffs[epochs].map(names)
    # The budget rule of reporting/criteria.py, in points, on each cell's doubling: a small move, or (a noisy cell)
    # an interval containing 0 and a move under a quarter of the cell's seed sd at the rule's budget.
    sd = agg[agg[epochs] == rule].set_index("cell")["std"] * 100
    verdicts = [budget_converged(100 * m, float(sd[c]), 100 * lo, 100 * hi) if e > rule else None
                for c, m, lo, hi, e in zip(diffs["cell"], diffs["mean_diff"], diffs["low"], diffs["high"],
                                           diffs[epochs])]
    diffs["converged"] = [v.converged if v else None for v in verdicts]
    diffs["branch"] = [v.branch if v else None for v in verdicts]
    diffs["seed_sd_points"] = [float(sd[c]) for c in diffs["cell"]]
    change = diffs.assign(value=[fmt_difference(m, lo, hi, n) for m, lo, hi, n in
                                 zip(diffs["mean_diff"], diffs["low"], diffs["high"], diffs["n"])])
    change = change.pivot(index="cell", columns="budget", values="value").loc[cells]
    for b in ("halved", "doubled"):
        if b in change:
            wide[f"change {b}"] = list(change[b])
    doubled = diffs[diffs["converged"].notna()].set_index("cell")
    wide["converged"] = [("yes" if doubled.loc[c, "converged"] else "no") + f" ({doubled.loc[c, 'branch']})"
                         if c in doubled.index else "--" for c in wide["cell"]]
    found = int(doubled["converged"].astype(bool).sum())
    out = {name: wide, f"{name}_long": agg, f"{name}_paired_long": diffs}
    if item_noun(frame) != "digits":   # a second dataset's check: MNIST's table states the rule once
        save_table(sweep_dir, name, wide, "Budget check on this dataset's classifier: columns and the "
                   "convergence rule as in Table~\\ref{tab:budget_check}. "
                   f"{found} of {len(doubled)} cells converged.", wide=True)
        return out
    save_table(sweep_dir, name, wide, f"Budget check: {words} (\\%) at each cell's step budget under "
                "the rule (the fixed steps, or its passes over a large cell's images), halved and doubled; "
                "mean $\\pm$ std (n seeds), and the paired change to the rule (points, "
                f"95\\% t-interval). Converged: doubling moves the cell's mean by less than {CONVERGED_POINTS} "
                f"points, or, where its seed sd exceeds {NOISY_SD} points, the doubling's interval contains 0 and "
                f"the move is under {NOISY_FRACTION:g} of that sd. {found} of {len(doubled)} cells converged.",
               wide=True)
    return out


def _steps(frame: pd.DataFrame) -> pd.Series:
    """Steps per epoch each run trained, as recorded (runs before that column: the config's fixed steps)."""
    fixed = frame[config_column("classifier.steps_per_epoch")]
    if "train_steps_per_epoch" in frame:
        return frame["train_steps_per_epoch"].fillna(fixed)
    return fixed
