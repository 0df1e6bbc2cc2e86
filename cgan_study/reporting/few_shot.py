"""The few-shot paired table, shared by the reports that run few-shot arms (mix_ratios, mix_ratios_families,
replication, few_shot_n10): each arm minus real only with the same k and seed, one family per k (multiplicity.py),
with the margin fixed for that k.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.labels import readable_setting, setting_label, setting_order, uses_generator
from cgan_study.reporting.multiplicity import (
    family_caption,
    family_table,
    few_shot_margin,
    identical_arms,
    shown_family,
)
from cgan_study.reporting.stats import paired_differences
from cgan_study.reporting.tables import config_column, save_table

K, PROTOCOL, SEED = (config_column(key) for key in ("augment.real_per_class", "augment.protocol", "seed"))
SETTING = ["setting", "strategy", "generator", "protocol"]   # a setting's label and the columns it is made from


def with_settings(few: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The runs with `generator` and `protocol` set only where synthetic digits are used (a setting without them
    has neither), a `setting` label made from the three, and each label's readable name (output only)."""
    few = few.copy()
    synthetic = [uses_generator(s) for s in few["strategy"]]
    few["generator"] = few["generator"].where(synthetic, None)
    few["protocol"] = few[PROTOCOL].where(synthetic, None)
    few["setting"] = [setting_label(s, g, p) for s, g, p in zip(few["strategy"], few["generator"], few["protocol"])]
    readable = {r.setting: readable_setting(r.strategy, r.generator, r.protocol)
                for r in few.drop_duplicates("setting").itertuples()}
    return few, readable


def paired_family(few: pd.DataFrame, order: list[str] | None = None, reference: str = "real") -> pd.DataFrame:
    """Every setting minus real only with the same k and seed (rows of `with_settings`), one family per k: the long
    table with k, the setting's columns, the 95% interval and multiplicity.FAMILY_COLUMNS; a setting identical to
    an earlier one (in `order`) on every seed names it in `identical_to` and is not counted in m."""
    order = order or setting_order(few)
    real = few["setting"] == reference   # the family's one reference: real only, or another setting
    diffs = paired_differences(few[~real], few[real], [K, SEED], SETTING + [K]).rename(columns={K: "k"})
    if diffs.empty:
        return diffs
    twins = {}
    for k, at_k in few[~real].groupby(K):
        found = identical_arms(at_k, ["setting"], SEED, "test_accuracy", [(s,) for s in order])
        twins.update({(k, later[0]): earlier[0] for later, earlier in found.items()})
    diffs["identical_to"] = [twins.get((k, s)) for k, s in zip(diffs["k"], diffs["setting"])]
    diffs["margin"] = [few_shot_margin(k) for k in diffs["k"]]
    rank = {s: i for i, s in enumerate(order)}
    diffs = diffs.iloc[sorted(range(len(diffs)), key=lambda i: (diffs["k"].iloc[i],
                                                                 rank.get(diffs["setting"].iloc[i], len(rank))))]
    return family_table(diffs.reset_index(drop=True), ["k"], label="setting")


def save_paired(out_dir: Path, name: str, fam: pd.DataFrame, readable: dict[str, str], what: str = "",
                label: str | None = None, reference: str = "real only", rule_ref: str | None = None) -> pd.DataFrame:
    """The family as `name`.csv (numbers, every column) and .tex (readable: one row per k and setting); returns
    the readable table."""
    shown = shown_family(fam, {"k": list(fam["k"].astype(int)),
                               "strategy, generator (protocol)": [readable.get(s, s) for s in fam["setting"]]})
    if "identical to" in shown:
        shown["identical to"] = [readable.get(v, v) for v in shown["identical to"]]
    margins = ", ".join(f"$\\pm${100 * m:g} at $k={int(k)}$" for k, m in
                        fam.drop_duplicates("k")[["k", "margin"]].itertuples(index=False) if m == m)
    rule = family_caption(fam["m"], [f"$k={int(k)}$" for k in fam["k"]], ref=rule_ref)
    caption = (f"{what}Paired difference in test accuracy (points) to {reference} with the same $k$ and seed: mean, "
               f"95\\% t-interval and the interval adjusted within its family. {rule} "
               f"Equivalence margins (points): {margins or 'none'}.")
    column_format = "rl" + "r" * 7 + "l" * (len(shown.columns) - 9)
    save_table(out_dir, name, fam, caption, wide=True, shown=shown, column_format=column_format, label=label)
    return shown
