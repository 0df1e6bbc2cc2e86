"""Every conditional generator side by side at one k: one row per generator and arm, the paired difference to real
only of mixing and of filtering its samples under both protocols, and its classification accuracy score. Every
arm at k is one family (multiplicity.py: Bonferroni intervals, Holm p, four-way verdicts over all of them), so a
sentence naming the best low-data generator can say of how many comparisons and how surely.

It reads the long tables of mix_ratios (the CGAN) and mix_ratios_families (the others) concatenated: each arm is
paired with its own sweep's real-only runs (same k, same seed), exactly as in those sweeps' tables.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.labels import (
    fmt,
    generator_macro,
    generator_order,
    protocol_name,
)
from cgan_study.reporting.multiplicity import family_caption, family_table, few_shot_margin, shown_family
from cgan_study.reporting.tables import config_column, save_table

ARMS = (("mix", "coursework"), ("mix", "low_data"), ("filter", "coursework"), ("filter", "low_data"))
QUESTION = ("mix", "low_data")   # the honest arm: the generator saw only the cell's k labelled digits per class


def arm_column(strategy: str, protocol: str) -> str:
    return f"{strategy}, {protocol_name(protocol)}"


def families_long(paired: pd.DataFrame, cas: pd.DataFrame | None, k: int) -> pd.DataFrame:
    """One row per (generator, arm) at k, with the CAS as arm 'CAS'; two families (multiplicity.py): every arm at k
    against real only at k (margin: the one fixed for k), and the CAS rows against real only on all digits (no
    margin). An arm its own sweep found identical to another (`identical_to`) keeps that mark."""
    rows = []
    at_k = paired[(paired["k"] == k) & paired["strategy"].isin({s for s, _ in ARMS})]
    for strategy, protocol in ARMS:
        arm = at_k[(at_k["strategy"] == strategy) & (at_k["protocol"] == protocol)]
        for r in arm.to_dict("records"):
            rows.append({"generator": r["generator"], "arm": arm_column(strategy, protocol), "strategy": strategy,
                         "protocol": protocol, "k": k, "mean_diff": r["mean_diff"], "low": r["low"],
                         "high": r["high"], "n": r["n"], "setting": r.get("setting", f"{strategy}, {r['generator']} "
                                                                                     f"({protocol})"),
                         "identical_to": r.get("identical_to") if isinstance(r.get("identical_to"), str) else None,
                         "margin": few_shot_margin(k)})
    if cas is not None:
        for r in cas.itertuples(index=False):
            rows.append({"generator": r.generator, "arm": "CAS", "strategy": "synthetic_only", "protocol": None,
                         "k": None, "mean_diff": r.mean_diff, "low": r.low, "high": r.high, "n": r.n,
                         "setting": f"synthetic_only, {r.generator}", "identical_to": None, "margin": float("nan")})
    out = pd.DataFrame(rows, columns=["generator", "arm", "strategy", "protocol", "k", "mean_diff", "low", "high",
                                      "n", "setting", "identical_to", "margin"])
    if out.duplicated(["generator", "arm"]).any():
        raise ValueError("a generator's arm appears in two sweeps' tables; the families table would be ambiguous")
    out["family"] = ["CAS" if a == "CAS" else f"k={k}" for a in out["arm"]]   # which reference each row is against
    return family_table(out, ["family"], label="setting")


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
                   noun: str = "digits", low_data_runs: pd.DataFrame | None = None,
                   expected: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """The table (one row per generator and arm, generators in registry order) as families.{csv,tex} in
    out_dir/tables, and its long form; with `low_data_runs` (the low_data_generators sweep) each low-data
    generator's success rate on its low-data mix row. `expected`: the generators the sweeps declare, so one with no
    finished arm at all is named in the caption too, never left out silently."""
    from cgan_study.generators import display_name

    long = families_long(paired, cas, k)
    if long.empty:
        return {}
    arms = [arm_column(s, p) for s, p in ARMS] + ["CAS"]
    order = generator_order(long["generator"])
    long = long.iloc[sorted(range(len(long)), key=lambda i: (order.index(long["generator"].iloc[i]),
                                                             arms.index(long["arm"].iloc[i])))].reset_index(drop=True)
    success = generator_success(low_data_runs, k)
    success = success[success["generator"].isin(order)].set_index("generator")   # only the table's generators
    table = shown_family(long, {"generator": list(long["generator"]), "arm": list(long["arm"])})
    if not success.empty:
        table[SUCCESS] = [fmt(success.loc[g, "mean"], success.loc[g, "std"], int(success.loc[g, "n"]))
                          if g in success.index and a == arm_column(*QUESTION) else "--"
                          for g, a in zip(long["generator"], long["arm"])]
    shown = table.assign(generator=[display_name(g) for g in table["generator"]])
    samples = "" if low_data_runs is None or "n_samples" not in low_data_runs else \
        f" of {int(low_data_runs['n_samples'].max()):,} samples"
    measured = "" if success.empty else (
        f" Low-data G success (on the low-data mix row): the share{samples} of the generator trained on the cell's "
        f"{k} {noun} per class that the scorer reads as the requested class, mean $\\pm$ std over its seeds "
        "(chance: 10\\%).")
    cas_note = (f" CAS: trained on 60,000 synthetic {noun} alone, against all real {noun} (a family of its own, "
                "no margin)." if (long["arm"] == "CAS").any() else "")
    # An arm a generator lacks is named, never left out silently (its reason: the sweep's table note).
    named = order + [g for g in expected if g not in order]
    missing = {g: [a for a in arms if not ((long["generator"] == g) & (long["arm"] == a)).any()] for g in named}
    not_run = "; ".join(f"{display_name(g)}: {', '.join(a)}" for g, a in missing.items() if a)
    # Why each was not run is said where the arms are discussed (the supplement) and in the sweep's table note.
    not_run = f" Not run: {not_run}." if not_run else ""
    rule = family_caption(long["m"], ["the CAS" if f == "CAS" else f"$k={k}$" for f in long["family"]],
                          ref="tab:few_shot_paired")   # the few-shot table states the rule once
    m_at_k = int(long.loc[long["family"] == f"k={k}", "m"].max()) if (long["family"] == f"k={k}").any() else 0
    save_table(out_dir, "families", long,
               f"Every generator at $k={k}$ real {noun} per class: paired difference in test accuracy (points) to "
               f"real only with the same $k$ and seed, one family of m = {m_at_k} arms. "
               f"{rule} Equivalence margin at $k={k}$: $\\pm${100 * few_shot_margin(k):g} "
               f"points.{cas_note}{measured}{not_run}", wide=True, shown=shown,
               column_format="ll" + "r" * 7 + "l" + "r" * (len(shown.columns) - 10))
    out = {"families": table, "families_long": long}
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
    # familiesM: how many generators the low-data mix compares; familiesFamilyM: the m their Holm p is adjusted
    # over (every arm of the table at k, one family).
    return {**out, "familiesM": f"{len(question)}", "familiesFamilyM": f"{int(best['m'])}",
            "familiesBestLowData": display_name(best["generator"]), "familiesBestLowDataHolmP": f"{best['p_holm']:.2f}"}
