"""Budget check of the low-data generators (low_data_budget sweep): each generator trained on the cell's k images per
class at the rule's steps and at twice as many, same subsets and seeds; per metric, both budgets' means over the seeds
trained at both and the paired change (doubled minus rule) with its 95% t-interval. The table reports; the reader
(and the paper's checked claims) read an interval that excludes 0 as a generator still changing at the rule's
budget."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.labels import fmt, fmt_difference, generator_order
from cgan_study.reporting.stats import paired_differences
from cgan_study.reporting.tables import (
    config_column,
    finished_runs,
    item_noun,
    save_table,
)
from cgan_study.training.budget import epoch_steps

# (metric column, shown name, scale, lower is better): read on the training reference, as every choice is.
METRICS = (("success_rate", "success (%)", 100.0, False), ("fid_train", "FID (train ref.)", 1.0, True),
           ("recall_train", "recall (%)", 100.0, False))
# The config section that holds each family's min_steps_per_epoch and epochs.
SECTIONS = {"cgan": "gan", "acgan": "gan", "guided_cgan": "gan", "ebgan": "ebgan", "cvae": "cvae",
            "diffusion": "diffusion"}


def steps_of(frame: pd.DataFrame) -> pd.Series:
    """Each run's declared generator steps on its k images per class (10 classes): epochs x training.fit's steps
    per epoch, from the run's own config section."""
    out = []
    for _, row in frame.iterrows():
        section = SECTIONS[row[config_column("augment.generator")]]
        per_epoch = epoch_steps(10 * int(row[config_column("augment.real_per_class")]),
                                int(row[config_column(f"{section}.batch_size")]),
                                int(row[config_column(f"{section}.min_steps_per_epoch")]))
        out.append(int(row[config_column(f"{section}.epochs")]) * per_epoch)
    return pd.Series(out, index=frame.index, dtype=int)


def generator_budget_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    frame = frame.assign(generator=frame[config_column("augment.generator")], seed=frame[config_column("seed")],
                         steps=steps_of(frame))
    ks = frame[config_column("augment.real_per_class")].unique()
    if len(ks) != 1:
        raise ValueError(f"{sweep_dir}: runs at k = {sorted(ks)}; a budget check compares one k")
    rows, long = [], []
    for name in generator_order(frame["generator"]):   # registry order, whatever the summary's row order
        runs = frame[frame["generator"] == name]
        budgets = sorted(runs["steps"].unique())
        if len(budgets) != 2 or budgets[1] != 2 * budgets[0]:
            print(f"report: low_data_budget: {name} has budgets {budgets} steps, not a rule and its double; left out")
            continue
        for metric, shown, scale, lower_is_better in METRICS:
            if metric not in runs:
                continue
            valid = runs[runs[metric].notna()]
            # Both budgets' means over the seeds trained (and scored) at both, so the columns and the change agree.
            both = set(valid[valid["steps"] == budgets[0]]["seed"]) & set(valid[valid["steps"] == budgets[1]]["seed"])
            paired = valid[valid["seed"].isin(both)]
            rule, doubled = paired[paired["steps"] == budgets[0]], paired[paired["steps"] == budgets[1]]
            if rule.empty:
                continue
            diff = paired_differences(doubled.assign(_=0), rule, ["seed"], ["_"], value=metric).iloc[0]
            long.append({"generator": name, "metric": metric, "rule_steps": int(budgets[0]),
                         "doubled_steps": int(budgets[1]), "rule_mean": rule[metric].mean() * scale,
                         "doubled_mean": doubled[metric].mean() * scale, "mean_diff": diff["mean_diff"] * scale,
                         "low": diff["low"] * scale, "high": diff["high"] * scale, "n": int(diff["n"]),
                         "lower_is_better": lower_is_better})
            digits = 1 if scale == 1.0 else 2
            rows.append({"generator": name, "metric": shown, "steps": f"{budgets[0]:,} / {budgets[1]:,}",
                         "at the rule": fmt(rule[metric].mean(), rule[metric].std(), len(rule), scale, digits),
                         "doubled": fmt(doubled[metric].mean(), doubled[metric].std(), len(doubled), scale, digits),
                         "change": fmt_difference(diff["mean_diff"], diff["low"], diff["high"], int(diff["n"]),
                                                  scale, digits)})
    if not rows:
        return {}
    from cgan_study.generators import display_name

    table = pd.DataFrame(rows)
    shown = table.assign(generator=[display_name(g) for g in table["generator"]])
    n_samples = int(frame["n_samples"].max()) if "n_samples" in frame else 0
    noun = item_noun(frame)
    stopped = int(frame["gan.stopped_early"].fillna(False).astype(bool).sum()) if "gan.stopped_early" in frame else 0
    save_table(sweep_dir, "generator_budget", table,
               f"Budget check of the low-data generators ($k={int(ks[0])}$ real {noun} per class): the rule's "
               f"steps and twice as many on the same subsets and seeds, scored on {n_samples:,} samples against "
               f"training {noun}; mean $\\pm$ std (n) over the seeds trained at both budgets and the paired change, "
               "doubled minus rule, with its 95\\% t-interval (* where it excludes 0)"
               + (f"; {stopped} runs stopped early by the divergence guard." if stopped else "."),
               shown=shown, wide=True)
    return {"generator_budget": table, "generator_budget_long": pd.DataFrame(long)}
