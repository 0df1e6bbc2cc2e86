"""Budget check of the low-data generators (low_data_budget sweep): each generator trained on the cell's k images per
class at several step budgets (the old few-shot rule's, the present rule's and others), same subsets and seeds; per
metric, each budget's mean over the seeds and the paired change from the next smaller budget with its 95%
t-interval. The table reports; the reader (and the paper's checked claims) read an interval that excludes 0 as a
generator still changing at the smaller budget."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.generators import get
from cgan_study.reporting.labels import (
    fmt,
    fmt_difference,
    generator_macro,
    generator_order,
)
from cgan_study.reporting.multiplicity import family_table, few_shot_margin
from cgan_study.reporting.stats import paired_differences
from cgan_study.reporting.tables import (
    config_column,
    finished_runs,
    item_noun,
    save_table,
)
from cgan_study.training.budget import epoch_steps, rule_label

# (metric column, shown name, scale, lower is better): read on the training reference, as every choice is.
METRICS = (("success_rate", "success (%)", 100.0, False), ("fid_train", "FID (train ref.)", 1.0, True),
           ("recall_train", "recall (%)", 100.0, False))
def steps_of(frame: pd.DataFrame) -> pd.Series:
    """Each run's declared generator steps on its k images per class (10 classes): epochs x training.fit's steps
    per epoch, from the run's own config section."""
    out = []
    for _, row in frame.iterrows():
        section = get(row[config_column("augment.generator")]).section
        per_epoch = epoch_steps(10 * int(row[config_column("augment.real_per_class")]),
                                int(row[config_column(f"{section}.batch_size")]),
                                int(row[config_column(f"{section}.min_steps_per_epoch")]))
        out.append(int(row[config_column(f"{section}.epochs")]) * per_epoch)
    return pd.Series(out, index=frame.index, dtype=int)


def rule_labels(frame: pd.DataFrame) -> pd.Series:
    """Each run's budget as a table names it: ' (rule)', ' (old rule)' or ''."""
    out = []
    for _, row in frame.iterrows():
        section = get(row[config_column("augment.generator")]).section
        out.append(rule_label(int(row[config_column(f"{section}.min_steps_per_epoch")]),
                              int(row[config_column(f"{section}.batch_size")]),
                              int(row[config_column("data.val_per_class")])))
    return pd.Series(out, index=frame.index, dtype=object)


def generator_budget_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """One row per (generator, steps): each metric's mean +/- std and, from the second budget on, the paired change
    from the next smaller budget over the seeds trained at both (from the rule's budget: its doubling check)."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    frame = frame.assign(generator=frame[config_column("augment.generator")], seed=frame[config_column("seed")],
                         steps=steps_of(frame), rule=rule_labels(frame))
    ks = frame[config_column("augment.real_per_class")].unique()
    if len(ks) != 1:
        raise ValueError(f"{sweep_dir}: runs at k = {sorted(ks)}; a budget check compares one k")
    rows, long, means = [], [], []
    for name in generator_order(frame["generator"]):   # registry order, whatever the summary's row order
        runs = frame[frame["generator"] == name]
        budgets = sorted(runs["steps"].unique())
        if len(budgets) < 2:
            print(f"report: low_data_budget: {name} was trained at {budgets} steps only; left out")
            continue
        for previous, steps in zip([None, *budgets[:-1]], budgets):
            label = runs[runs["steps"] == steps]["rule"].iloc[0]
            row = {"generator": name, "steps": f"{steps:,}{label}"}
            for metric, shown, scale, lower_is_better in METRICS:
                if metric not in runs:
                    continue
                valid = runs[runs[metric].notna()]
                at, before = valid[valid["steps"] == steps], valid[valid["steps"] == previous]
                digits = 1 if scale == 1.0 else 2
                row[shown] = fmt(at[metric].mean(), at[metric].std(), len(at), scale, digits)
                means.append({"generator": name, "steps": int(steps), "rule": label.strip(" ()"), "metric": metric,
                              "mean": at[metric].mean() * scale, "n": len(at)})
                if previous is None:
                    row[f"{shown}: change"] = "--"
                    continue
                # The change over the seeds trained (and scored) at both budgets, paired by seed.
                diff = paired_differences(at.assign(_=0), before, ["seed"], ["_"], value=metric).iloc[0]
                row[f"{shown}: change"] = fmt_difference(diff["mean_diff"], diff["low"], diff["high"],
                                                         int(diff["n"]), scale, digits)
                long.append({"generator": name, "metric": metric, "from_steps": int(previous),
                             "steps": int(steps), "mean_diff": diff["mean_diff"] * scale,
                             "low": diff["low"] * scale, "high": diff["high"] * scale, "n": int(diff["n"]),
                             "lower_is_better": lower_is_better})
            rows.append(row)
    if not long:
        return {}
    from cgan_study.generators import display_name

    table = pd.DataFrame(rows).fillna("--")
    shown = table.assign(generator=[display_name(g) for g in table["generator"]])
    n_samples = int(frame["n_samples"].max()) if "n_samples" in frame else 0
    noun = item_noun(frame)
    stopped = int(frame["gan.stopped_early"].fillna(False).astype(bool).sum()) if "gan.stopped_early" in frame else 0
    save_table(sweep_dir, "generator_budget", table,
               f"Budget check of the low-data generators ($k={int(ks[0])}$ real {noun} per class): trained at the "
               f"old few-shot rule's steps, the present rule's (a full-data training's) and others on the same "
               f"subsets and seeds, scored on {n_samples:,} samples against training {noun}; mean $\\pm$ std (n), "
               "and the paired change from the row above with its 95\\% t-interval (* where it excludes 0)"
               + (f"; {stopped} runs stopped early by the divergence guard." if stopped else "."),
               shown=shown, wide=True)
    return {"generator_budget": table, "generator_budget_long": pd.DataFrame(long),
            "generator_budget_means": pd.DataFrame(means)}


def generator_budget_numbers(means: pd.DataFrame | None) -> dict[str, str]:
    """The prose's macros for a low-data generator's mean success rate under the old and the present few-shot rule:
    genBudgetSuccess<Name>OldRule, genBudgetSuccess<Name>Rule (e.g. genBudgetSuccessCganOldRule = '72.3')."""
    out = {}
    if means is None or means.empty:
        return out
    for r in means[(means["metric"] == "success_rate") & means["rule"].isin(["rule", "old rule"])].itertuples():
        out[budget_macro(r.generator, r.rule)] = f"{r.mean:.1f}"
    return out


def budget_macro(generator: str, rule: str) -> str:
    """'cgan', 'old rule' -> 'genBudgetSuccessCganOldRule'; 'cgan', 'rule' -> 'genBudgetSuccessCganRule'."""
    return generator_macro("genBudgetSuccess", generator) + ("OldRule" if rule == "old rule" else "Rule")


def arm_budget_report(sweep_dir: Path | str, name: str = "arm_budget") -> dict[str, pd.DataFrame]:
    """The low-data arms (low_data_budget_arms sweeps) by k, strategy and their generators' steps: the classifier's
    test accuracy, the paired difference to real only and to affine augmentation (same k and seed), and to the same
    arm with the old few-shot rule's generators (the sweep's smallest budget) where the arm ran with them."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    frame = frame.assign(seed=frame[config_column("seed")], k=frame[config_column("augment.real_per_class")])
    synthetic = [s for s in ("mix", "pretrain", "filter") if s in set(frame["strategy"])]
    shown = {"real": "vs real only", "oldrule": "vs the old rule's generators", "affine": "vs affine augmentation"}
    rows, long = [], []
    for k in sorted(frame["k"].unique()):
        at_k = frame[frame["k"] == k]
        real, affine = at_k[at_k["strategy"] == "real"], at_k[at_k["strategy"] == "affine"]
        if real.empty:
            continue
        old_rule_steps = int(steps_of(at_k[at_k["strategy"].isin(synthetic)]).min())   # the sweep's smallest
        for strategy in synthetic:
            arm = at_k[at_k["strategy"] == strategy]
            if arm.empty:
                continue
            arm = arm.assign(steps=steps_of(arm), rule=rule_labels(arm))
            old_rule = arm[arm["steps"] == old_rule_steps]
            references = {"real": paired_differences(arm, real, ["seed"], ["steps"])}
            if not old_rule.empty:
                references["oldrule"] = paired_differences(arm[arm["steps"] != old_rule_steps], old_rule, ["seed"],
                                                           ["steps"])
            if not affine.empty:
                references["affine"] = paired_differences(arm, affine, ["seed"], ["steps"])
            for steps in sorted(arm["steps"].unique()):
                at = arm[arm["steps"] == steps]
                acc = at["test_accuracy"]
                row = {"k": int(k), "strategy": strategy, "generator steps": f"{steps:,}{at['rule'].iloc[0]}",
                       "test accuracy (%)": fmt(acc.mean(), acc.std(), len(acc)), "real only (%)": "--"}
                if strategy == synthetic[0] and steps == old_rule_steps:
                    row["real only (%)"] = fmt(real["test_accuracy"].mean(), real["test_accuracy"].std(), len(real))
                for against in shown:
                    diffs = references.get(against)
                    match = diffs[diffs["steps"] == steps] if diffs is not None else diffs
                    if match is None or match.empty:
                        row[shown[against]] = "--"
                        continue
                    d = match.iloc[0]
                    row[shown[against]] = fmt_difference(d["mean_diff"], d["low"], d["high"], int(d["n"]))
                    long.append({"generator": "cgan", "strategy": strategy, "k": int(k), "steps": int(steps),
                                 "old_rule_steps": old_rule_steps, "against": against, "row": len(rows),
                                 "setting": f"{strategy} {steps}", **{c: d[c] for c in ("mean_diff", "low", "high", "n")}})
                rows.append(row)
    if not rows:
        return {}
    # One family per k and reference: every arm and budget against the same runs (multiplicity.py), with the
    # margin fixed for k; a second * marks a difference whose adjusted interval excludes 0 too (what claims read).
    long = family_table(pd.DataFrame(long).assign(margin=lambda f: [few_shot_margin(k) for k in f["k"]]),
                        ["k", "against"], label="setting")
    for _, r in long.iterrows():
        if r["low_adjusted"] > 0 or r["high_adjusted"] < 0:
            rows[int(r["row"])][shown[r["against"]]] += "*"
    table = pd.DataFrame(rows)
    noun = item_noun(frame)
    # The caption names the table's k and strategies first: two tables of this report (k = 10; k = 1 and 100) must
    # not share a caption.
    ks = "$ and $".join(str(int(k)) for k in sorted(frame["k"].unique()))   # "and" in text, not in math
    save_table(sweep_dir, name, table,
               f"At $k={ks}$, {', '.join(synthetic)}: "
               f"the low-data CGAN arms (k real {noun} per class, 600 synthetic per class) with their generators "
               "trained at the old few-shot rule's steps and at more (the present rule: a full-data training's), "
               "same subsets and seeds; test accuracy mean $\\pm$ std (n), and paired differences (points) with their 95\\% t-interval, * where it excludes 0, ** where "
               "so does the Bonferroni interval over the m arms compared with the same reference at $k$ (the "
               "interval a verdict reads; m and Holm p in the CSV).", wide=True)
    return {name: table, "arm_budget_long": long.drop(columns=["row"])}
