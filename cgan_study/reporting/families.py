"""Every conditional generator side by side at one k: one row each, the paired difference to real only of mixing
and of filtering its samples under both protocols, its classification accuracy score, and, for the question the
low-data protocol asks (does any generator trained on the cell's own k digits per class help?), Holm-adjusted p
over the generators compared, so a sentence naming the best of them can say of how many and how surely.

It reads the long tables of mix_ratios (the CGAN) and mix_ratios_families (the others) concatenated: each arm is
paired with its own sweep's real-only runs (same k, same seed), exactly as in those sweeps' tables.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cgan_study.reporting.criteria import holm, p_from_interval
from cgan_study.reporting.labels import (
    fmt,
    fmt_difference,
    generator_macro,
    generator_order,
    protocol_name,
)
from cgan_study.reporting.tables import config_column, save_table

ARMS = (("mix", "coursework"), ("mix", "low_data"), ("filter", "coursework"), ("filter", "low_data"))
QUESTION = ("mix", "low_data")   # the honest arm: the generator saw only the cell's k labelled digits per class


def arm_column(strategy: str, protocol: str) -> str:
    return f"{strategy}, {protocol_name(protocol)}"


def families_long(paired: pd.DataFrame, cas: pd.DataFrame | None, k: int) -> pd.DataFrame:
    """One row per (generator, arm) at k, with the CAS as arm 'CAS'; Holm p over the generators for QUESTION."""
    rows = []
    at_k = paired[(paired["k"] == k) & paired["strategy"].isin({s for s, _ in ARMS})]
    for strategy, protocol in ARMS:
        arm = at_k[(at_k["strategy"] == strategy) & (at_k["protocol"] == protocol)]
        for r in arm.itertuples(index=False):
            rows.append({"generator": r.generator, "arm": arm_column(strategy, protocol), "strategy": strategy,
                         "protocol": protocol, "k": k, "mean_diff": r.mean_diff, "low": r.low, "high": r.high,
                         "n": r.n})
    if cas is not None:
        for r in cas.itertuples(index=False):
            rows.append({"generator": r.generator, "arm": "CAS", "strategy": "synthetic_only", "protocol": None,
                         "k": None, "mean_diff": r.mean_diff, "low": r.low, "high": r.high, "n": r.n})
    out = pd.DataFrame(rows, columns=["generator", "arm", "strategy", "protocol", "k", "mean_diff", "low", "high",
                                      "n"])
    if out.empty:
        return out.assign(p=[], p_holm=[], m=[])
    if out.duplicated(["generator", "arm"]).any():
        raise ValueError("a generator's arm appears in two sweeps' tables; the families table would be ambiguous")
    out["p"] = [p_from_interval(r.mean_diff, r.low, r.high, r.n) for r in out.itertuples(index=False)]
    out["p_holm"], out["m"] = np.nan, 0
    question = (out["arm"] == arm_column(*QUESTION)) & out["p"].notna()
    if question.any():
        out.loc[question, "p_holm"] = holm(out.loc[question, "p"].to_numpy())
        out.loc[question, "m"] = int(question.sum())
    return out


SUCCESS = "low-data G success (%)"


def generator_success(runs: pd.DataFrame | None, k: int) -> pd.DataFrame:
    """Per generator: the success rate of its low-data models at k (the low_data_generators sweep's runs), mean,
    std and n over seeds; empty without runs."""
    columns = ["generator", "mean", "std", "n"]
    if runs is None or runs.empty or "success_rate" not in runs:
        return pd.DataFrame(columns=columns)
    at_k = runs[(runs[config_column("augment.real_per_class")] == k)
                & (runs[config_column("augment.protocol")] == "low_data")]
    grouped = at_k.groupby(config_column("augment.generator"))["success_rate"]
    return grouped.agg(["mean", "std", "count"]).reset_index().set_axis(columns, axis=1)


def families_table(out_dir: Path, paired: pd.DataFrame, cas: pd.DataFrame | None, k: int = 10,
                   noun: str = "digits", low_data_runs: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The wide table (generators down, arms across) as families.{csv,tex} in out_dir/tables, and its long form;
    with `low_data_runs` (the low_data_generators sweep) a column of each low-data generator's success rate."""
    from cgan_study.generators import display_name

    long = families_long(paired, cas, k)
    if long.empty:
        return {}
    arms = [arm_column(s, p) for s, p in ARMS] + (["CAS"] if (long["arm"] == "CAS").any() else [])
    order = generator_order(long["generator"])
    success = generator_success(low_data_runs, k)
    success = success[success["generator"].isin(order)].set_index("generator")   # only the table's generators
    cells = long.assign(cell=[fmt_difference(m, lo, hi, n) for m, lo, hi, n in
                              zip(long["mean_diff"], long["low"], long["high"], long["n"])])
    wide = cells.pivot(index="generator", columns="arm", values="cell").reindex(index=order, columns=arms)
    holm_p = long[long["arm"] == arm_column(*QUESTION)].set_index("generator")["p_holm"]
    wide["Holm p"] = [f"{holm_p[g]:.3f}" if g in holm_p.index and pd.notna(holm_p[g]) else "--" for g in order]
    wide.insert(list(wide.columns).index(arm_column(*QUESTION)) + 1, "Holm p", wide.pop("Holm p"))  # beside its arm
    if not success.empty:
        wide[SUCCESS] = [fmt(success.loc[g, "mean"], success.loc[g, "std"], int(success.loc[g, "n"]))
                         if g in success.index else "--" for g in order]
    wide = wide.fillna("--").reset_index()
    m = int(long["m"].max())
    shown = wide.assign(generator=[display_name(g) for g in wide["generator"]])
    samples = "" if low_data_runs is None or "n_samples" not in low_data_runs else \
        f" of {int(low_data_runs['n_samples'].max()):,} samples"
    measured = "" if success.empty else (
        f" Low-data G success: the share{samples} of the generator trained on the cell's {k} {noun} per class "
        "that the scorer reads as the requested class, mean $\\pm$ std over its seeds (chance: 10\\%).")
    cas_note = f"; CAS: trained on 60,000 synthetic {noun} alone, against all real {noun}" if "CAS" in arms else ""
    holm_note = (f" Holm p: the low-data mix arm's two-sided paired t-test, adjusted over the {m} generators with "
                 "at least two seeds there." if m else "")
    save_table(out_dir, "families", wide,
               f"Every generator at $k={k}$ real {noun} per class: paired difference in test accuracy (points) to "
               f"real only with the same $k$ and seed, mean [95\\% t-interval], * where it excludes 0{cas_note}."
               f"{holm_note}{measured}", wide=True, shown=shown)
    out = {"families": wide, "families_long": long}
    if not success.empty:
        out["families_success"] = success.reset_index()
    return out


def success_macro(generator: str) -> str:
    """The prose's macro for a low-data generator's mean success rate: 'guided_cgan' -> 'lowDataSuccessGuidedCgan'."""
    return generator_macro("lowDataSuccess", generator)


def holm_macro(generator: str) -> str:
    """The prose's macro for a generator's Holm-adjusted p on the low-data mix: 'pca' -> 'familiesHolmPPca'."""
    return generator_macro("familiesHolmP", generator)


def families_numbers(long: pd.DataFrame | None, success: pd.DataFrame | None = None) -> dict[str, str]:
    """What the prose quotes of the honest arm: how many generators were compared, the best by mean, its Holm p,
    every generator's Holm p (familiesHolmP<Name>); each low-data generator's mean success rate
    (lowDataSuccess<Name>, e.g. lowDataSuccessGuidedCgan)."""
    from cgan_study.generators import display_name

    out = {}
    if success is not None:
        for r in success.itertuples(index=False):
            out[success_macro(r.generator)] = f"{100 * r.mean:.1f}"
    if long is None or long.empty:
        return out
    question = long[(long["arm"] == arm_column(*QUESTION)) & long["p_holm"].notna()]
    if question.empty:
        return out
    best = question.loc[question["mean_diff"].idxmax()]
    out.update({holm_macro(r.generator): f"{r.p_holm:.2f}" for r in question.itertuples(index=False)})
    return {**out, "familiesM": f"{int(best['m'])}", "familiesBestLowData": display_name(best["generator"]),
            "familiesBestLowDataHolmP": f"{best['p_holm']:.2f}"}
