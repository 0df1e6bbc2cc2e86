"""Findings as rules over the paired 95% intervals: each result sentence of the paper is chosen, not written."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from cgan_study.reporting.labels import readable_setting
from cgan_study.reporting.stats import (HELPS, HURTS, NO_EFFECT, TOO_FEW, improvement, paired_differences,
                                        t_interval, verdict)


def points(x: float) -> str:
    """A signed difference of accuracies in percentage points, e.g. '+1.23'."""
    return f"{100 * x:+.2f}"


def interval_text(mean: float, low: float, high: float, n: int) -> str:
    """'+1.23 points (95% CI +0.40 to +2.06, n = 5)', or without the interval when there is none."""
    if n < 2 or low != low:
        return f"{points(mean)} points (n = {n})"
    return f"{points(mean)} points (95% CI {points(low)} to {points(high)}, n = {n})"


@dataclass(frozen=True)
class Comparison:
    """One paired comparison: what was added or changed, against what, and its paired differences."""
    what: str           # "mixing CGAN digits into k = 10 real digits per class"
    baseline: str       # "real digits alone"
    mean: float
    low: float
    high: float
    n: int

    @property
    def verdict(self) -> str:
        return verdict(self.low, self.high, self.n)

    def sentence(self) -> str:
        """A sentence whose verb follows the interval: helps, hurts, or has no detectable effect."""
        effect = interval_text(self.mean, self.low, self.high, self.n)
        if self.verdict == HELPS:
            return f"{_cap(self.what)} helps compared with {self.baseline}: {effect}."
        if self.verdict == HURTS:
            return f"{_cap(self.what)} hurts compared with {self.baseline}: {effect}."
        if self.verdict == NO_EFFECT:
            return f"{_cap(self.what)} has no detectable effect compared with {self.baseline}: {effect}."
        return f"{_cap(self.what)} was run with too few seeds to compare with {self.baseline}: {effect}."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def from_row(row: pd.Series, what: str, baseline: str) -> Comparison:
    return Comparison(what, baseline, float(row["mean_diff"]), float(row["low"]), float(row["high"]), int(row["n"]))


def select(frame: pd.DataFrame, **where) -> pd.DataFrame | None:
    """The rows matching every `column=value` (floats compared with isclose); None if a column is missing."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        if column not in frame:
            return None
        col = frame[column]
        mask &= col.map(lambda v: math.isclose(v, value)) if isinstance(value, float) else col == value
    return frame[mask]


def lookup(paired: pd.DataFrame | None, **where) -> pd.Series | None:
    """The one row of a paired-differences table matching every `column=value`; None if absent."""
    if paired is None or paired.empty:
        return None
    rows = select(paired, **where)
    if rows is None:
        return None
    if len(rows) > 1:
        raise ValueError(f"more than one paired row matches {where}")
    return rows.iloc[0] if len(rows) else None


def compare(paired: pd.DataFrame | None, what: str, baseline: str, **where) -> Comparison | None:
    row = lookup(paired, **where)
    return None if row is None else from_row(row, what, baseline)


# --------------------------------------------------------------------------- the study's findings

K_FOCUS = 10   # the k at which every generator and strategy ran


def mix(generator: str, protocol: str) -> dict[str, str]:
    """The setting that mixes `generator`'s digits trained under `protocol`, as columns to look it up by."""
    return {"strategy": "mix", "generator": generator, "protocol": protocol}


def _setting_vs_setting(runs: pd.DataFrame | None, a: dict, b: dict, k: int) -> pd.Series | None:
    """Paired differences (same k, same seed) of setting a minus setting b (each given by its columns, e.g.
    strategy, generator, protocol), as one row; None if either is absent."""
    if runs is None or runs.empty:
        return None
    at = runs[runs["k"] == k]
    left, right = select(at, **a), select(at, **b)
    if left is None or right is None or left.empty or right.empty:
        return None
    diffs = paired_differences(left, right, ["k", "seed"], ["setting"])
    return diffs.iloc[0] if len(diffs) else None


def _sentence(row, what: str, baseline: str) -> str | None:
    return None if row is None else from_row(row, what, baseline).sentence()


def study_findings(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Macro name -> result sentence, each chosen by `verdict` from the study's paired 95% intervals.

    A finding whose runs are missing is left out (the paper then says the experiment has not run).
    """
    few = tables.get("few_shot_paired_long")
    runs = tables.get("few_shot_runs")
    out: dict[str, str] = {}
    k = K_FOCUS
    honest = f"Under the low-data protocol (each generator trained on the same k = {k} real digits per class as " \
             "the classifier)"
    found = {
        "findLowDataMix": _sentence(lookup(few, **mix("cgan", "low_data"), k=k),
                                    f"mixing 600 CGAN digits per class into k = {k} real digits per class, the CGAN "
                                    "trained on those same digits (low-data protocol),", "real digits alone"),
        "findCourseworkMix": _sentence(lookup(few, **mix("cgan", "coursework"), k=k),
                                       f"mixing 600 CGAN digits per class into k = {k} real digits per class, the "
                                       "CGAN trained on all labelled training digits (coursework protocol, an upper "
                                       "bound that leaks labels the classifier may not see),", "real digits alone"),
        "findAffine": _sentence(lookup(few, strategy="affine", k=k),
                                f"classical augmentation (random shifts, rotations and zooms) of k = {k} real digits "
                                "per class", "the same digits unaugmented"),
    }
    if few is not None and not few.empty:
        low = few[(few["k"] == k) & (few["protocol"] == "low_data")]
        if not low.empty:
            best = low.loc[low["mean_diff"].idxmax()]
            n, shown = int(best["n"]), readable_setting(best["strategy"], best["generator"], best["protocol"])
            found["findBestHonest"] = (f"{honest}, the best generator arm at k = {k} is {shown}: "
                                       f"{interval_text(best['mean_diff'], best['low'], best['high'], n)} "
                                       f"against real digits alone ({verdict(best['low'], best['high'], n)}).")
            row = _setting_vs_setting(runs, {"strategy": "affine"}, {c: best[c] for c in ("strategy", "generator",
                                                                                        "protocol")}, k)
            found["findAffineVsHonest"] = _sentence(row, "classical augmentation",
                                                    f"the best low-data generator arm ({shown})")
    found["findPcaVsCgan"] = _sentence(_setting_vs_setting(runs, mix("pca", "coursework"), mix("cgan", "coursework"), k),
                                       f"mixing digits of the PCA generator (a Gaussian per class) at k = {k}",
                                       "the CGAN's digits (both coursework protocol)")
    found["findDiffusionVsCgan"] = _sentence(
        _setting_vs_setting(runs, mix("diffusion", "low_data"), mix("cgan", "low_data"), k),
        f"mixing digits of the diffusion model at k = {k}", "the CGAN's digits (both trained on the same k real "
                                                            "digits per class, low-data protocol)")
    grid = tables.get("mix_grid_paired_long")
    if grid is not None and not grid.empty:
        full = grid[grid["real_fraction"] == 1.0]
        if not full.empty:
            most = full.loc[full["synth_fraction"].idxmax()]
            found["findMixFull"] = _sentence(most, f"adding {int(round(most['synth_fraction'] * 60000)):,} CGAN digits "
                                                   "to all real training digits", "all real digits alone")
    cas = tables.get("cas_paired_long")
    if cas is not None and not cas.empty:
        found["findCas"] = _sentence(lookup(cas, generator="cgan"), "training on 60,000 CGAN digits alone",
                                     "training on all real digits")
        best = cas.loc[cas["mean_diff"].idxmax()]  # the generator whose digits alone come closest to real ones
        if best["generator"] == "cgan":
            found["findCasBest"] = "No other generator's digits alone train a better classifier on average."
        else:
            from cgan_study.generators import display_name

            found["findCasBest"] = _sentence(
                best, f"training on 60,000 {display_name(best['generator'])} digits alone (the highest mean of all "
                      "generators)", "training on all real digits")
    amount = tables.get("synth_amount_long")
    if amount is not None and not amount.empty:
        parts = []
        for protocol, group in amount.groupby("protocol", sort=True):
            verdicts = [f"{int(r['synth_per_class']):,} per class: {verdict(r['low'], r['high'], int(r['n_pairs']))} "
                        f"({points(r['mean_diff'])})" for _, r in group.sort_values("synth_per_class").iterrows()]
            parts.append(f"{protocol.replace('_', '-')} protocol: " + "; ".join(verdicts))
        ks = ", ".join(str(int(v)) for v in sorted(amount["k"].unique())) if "k" in amount else "?"
        found["findAmount"] = f"Against real digits alone at k = {ks}, by synthetic amount, " + ". ".join(parts) + "."
    budget = tables.get("budget_check_paired_long")
    doubled = budget[budget["converged"].notna()] if budget is not None and "converged" in budget else None
    if doubled is not None and not doubled.empty:
        worst = doubled.loc[doubled["mean_diff"].abs().idxmax()]
        noisy = int((doubled["branch"] == "noisy cell").sum()) if "branch" in doubled else 0
        if bool(doubled["converged"].astype(bool).all()):
            found["findBudget"] = (f"Doubling the classifier's budget leaves every budget-check cell converged by "
                                   f"the rule (largest change {points(worst['mean_diff'])}, {worst['cell']})" +
                                   (f"; {noisy} noisy cell(s) pass on the seed-sd branch only, so their convergence "
                                    "is not shown to within 0.15 points" if noisy else ""))
        else:
            bad = doubled[~doubled["converged"].astype(bool)].iloc[0]
            found["findBudget"] = (f"Convergence is not shown for every cell: doubling the classifier's budget "
                                   f"moves {bad['cell']} by "
                                   f"{interval_text(bad['mean_diff'], bad['low'], bad['high'], int(bad['n']))}")
    found.update(generator_findings(tables.get("generators_runs")))
    found.update(generator_budget_findings(tables.get("generator_loss_trend")))
    found.update(study_coverage_findings(tables.get("generators_runs"), runs))
    found.update(trick_findings(tables.get("tricks_paired_long")))
    found.update(sampler_findings(tables.get("samplers_vs_ddpm")))
    found.update(guidance_target_findings(tables.get("guidance_target_long")))
    found.update(collapse_findings(tables.get("collapse_onset_long")))
    found.update(scorer_findings(tables.get("scorer_agreement_long")))
    found.update(search_findings(tables.get("search_ranked"), tables.get("search_best_paired_long")))
    return {name: text for name, text in found.items() if text}


def generator_findings(runs: pd.DataFrame | None) -> dict[str, str]:
    """Q3: the default CGAN's success rate against the scorer's own test accuracy; the generators ranked by FID."""
    if runs is None or runs.empty or "success_rate" not in runs:
        return {}
    out = {}
    cgan = runs[runs["generator"] == "cgan"]
    if len(cgan) and "scorer_test_accuracy" in runs:
        mean, low, high, n = t_interval(cgan["success_rate"])
        scorer = float(runs["scorer_test_accuracy"].iloc[0])
        where = ("below" if high < scorer else "above" if low > scorer else "not distinguishable from") \
            if n >= 2 else "compared with"
        ci = f" (95% CI {100 * low:.2f} to {100 * high:.2f}, n = {n} generators)" if n >= 2 else f" (n = {n})"
        out["findSuccess"] = (f"The scorer recognises the requested digit in {100 * mean:.2f}% of the CGAN's samples"
                              f"{ci}, {where} its {100 * scorer:.2f}% on real test digits.")
    if "fid" in runs:
        from cgan_study.generators import display_name

        fids = runs.groupby("generator")["fid"].mean().sort_values()
        ranked = ", ".join(f"{display_name(g)} ({v:.1f})" for g, v in fids.items())
        text = f"By FID in the scorer's features the generators rank {ranked}"
        if "fid_real_reference" in runs:
            text += f"; real training digits reach {runs['fid_real_reference'].mean():.1f}"
        out["findGeneratorsFid"] = text + "."
    return out


def study_coverage_findings(generators: pd.DataFrame | None, few_runs: pd.DataFrame | None) -> dict[str, str]:
    """Limitations: which scored conditional generators have no arm in the augmentation study (the few-shot runs'
    `generator` column, empty for settings without synthetic digits), or that every one has."""
    from cgan_study.generators import REGISTRY, display_name

    if generators is None or generators.empty or few_runs is None or few_runs.empty or "generator" not in few_runs:
        return {}
    used = set(few_runs["generator"].dropna())
    scored = [g for g in dict.fromkeys(generators["generator"]) if g not in REGISTRY or REGISTRY[g].conditional]
    missing = [display_name(g) for g in scored if g not in used]
    if not missing:
        return {"findStudyCoverage": "Every scored generator also enters the augmentation study."}
    verb = "does" if len(missing) == 1 else "do"
    return {"findStudyCoverage": f"Of the scored generators, {_join(missing)} {verb} not yet enter the augmentation "
                                 "study."}


LEVELLED_OFF = 2.0  # % per epoch: a training loss still falling faster than this at the end is not converged


def generator_budget_findings(trend: pd.DataFrame | None) -> dict[str, str]:
    """Limitations: which of the study's likelihood-trained generators (CVAE, diffusion) still lowered their
    training loss by more than LEVELLED_OFF % per epoch over the second half of their budget."""
    from cgan_study.generators import display_name

    if trend is None or trend.empty:
        return {}

    def who(row) -> str:
        models = "model" if int(row["n"]) == 1 else "models"
        return f"{display_name(row['generator'])} ({row['protocol']}, {int(row['n'])} {models})"

    def rate(row) -> str:
        low, high = f"{-row['trend_max']:.1f}", f"{-row['trend_min']:.1f}"
        return f"{low}%" if low == high else f"{low}-{high}%"

    falling = trend[trend["trend_max"] < -LEVELLED_OFF]
    flat = trend[trend["trend_max"] >= -LEVELLED_OFF]
    if falling.empty:
        return {"findGeneratorBudget": f"Every likelihood-trained generator of the study "
                                       f"({_join([who(r) for _, r in trend.iterrows()])}) had levelled off by the "
                                       f"end of its budget: over the second half of training its loss fell by less "
                                       f"than {LEVELLED_OFF:.0f}% per epoch."}
    rows = [r for _, r in falling.iterrows()]
    parts = [f"{who(rows[0])} still fell by {rate(rows[0])} per epoch"] + [f"that of {who(r)} by {rate(r)}"
                                                                          for r in rows[1:]]
    text = (f"Not every generator converged under the shared budget rule: over the second half of training the "
            f"loss of {_join(parts)}, so those arms measure the budget rule more than the model family.")
    if not flat.empty:
        text += (f" The loss of {_join([who(r) for _, r in flat.iterrows()])} fell by less than {LEVELLED_OFF:.0f}% "
                 f"per epoch.")
    return {"findGeneratorBudget": text}


# --------------------------------------------------------------------------- diffusion samplers

def sampler_findings(vs_ddpm: pd.DataFrame | None) -> dict[str, str]:
    """DDIM without guidance, deterministic (eta 0) and stochastic (eta 1), at each step count against DDPM: how
    much faster, and whether its success rate can be told from DDPM's (95% interval of the difference of two
    binomial proportions); guided sampling in a sentence of its own (findGuidance), success and FID."""
    if vs_ddpm is None or vs_ddpm.empty:
        return {}
    out = {}
    plain = vs_ddpm[vs_ddpm["guidance"] == 0]
    sentences = []
    for eta, name in ((0.0, "deterministic DDIM (eta 0)"), (1.0, "stochastic DDIM (eta 1)")):
        rows = plain[plain["eta"] == eta].sort_values("steps")
        parts = []
        for r in rows.itertuples():
            v = verdict(r.low, r.high, 2)
            judged = {HELPS: "above DDPM's", HURTS: "below DDPM's", NO_EFFECT: "indistinguishable from DDPM's"}[v]
            parts.append(f"with {r.steps} steps, {r.speedup:.0f} times faster and a success rate {judged} "
                         f"({points(r.diff)} points, 95% CI {points(r.low)} to {points(r.high)})")
        if parts:
            sentences.append(name + ": " + "; ".join(parts))
    if sentences:
        later = [x[0].upper() + x[1:] for x in sentences[1:]]
        out["findSamplers"] = "Against ancestral DDPM sampling of the same model, " + ". ".join(sentences[:1] + later) + "."
    guided = vs_ddpm[vs_ddpm["guidance"] > 0].sort_values(["steps", "eta", "guidance"])
    if not guided.empty and "fid" in guided.columns:
        parts = [f"scale {r.guidance:g} ({r.steps} DDIM steps{f', eta {r.eta:g}' if r.eta else ''}) gives "
                 f"{100 * (r.base_success + r.diff):.1f}% "
                 f"success ({points(r.diff)} points, 95% CI {points(r.low)} to {points(r.high)}) at FID "
                 f"{r.fid:.1f}" for r in guided.itertuples()]
        base = guided.iloc[0]
        # The trade-off is named only when the data show it: every scale raises success beyond its interval
        # and every scale's FID is worse than DDPM's.
        trade = all(verdict(r.low, r.high, 2) == HELPS for r in guided.itertuples()) and \
            bool((guided["fid"] > guided["base_fid"]).all())
        lead = ("Classifier-free guidance raises the success rate at the cost of FID" if trade
                else "With classifier-free guidance")
        out["findGuidance"] = (f"{lead}: against DDPM's {100 * base['base_success']:.1f}% success at FID "
                               f"{base['base_fid']:.1f}, " + "; ".join(parts) + ".")
    return out


# The diffusion issue's quick-profile quality target: at least this success rate and an FID below the CGAN's.
DIFFUSION_SUCCESS_TARGET = 0.985


def guidance_target_findings(long: pd.DataFrame | None) -> dict[str, str]:
    """findGuidanceTarget: each guidance scale's success and FID at the generators table's sample size, and which
    scales (if any) meet the target of at least 98.5% success with an FID below the CGAN's mean."""
    if long is None or long.empty:
        return {}
    cgan_success, cgan_fid = float(long["cgan_success_rate"].iloc[0]), float(long["cgan_fid"].iloc[0])
    if math.isnan(cgan_fid):
        return {}
    rows = long.sort_values("guidance")
    parts = [f"{'no guidance' if r.guidance == 0 else f'scale {r.guidance:g}'} {100 * r.success_rate:.2f}% at FID "
             f"{r.fid:.1f}" for r in rows.itertuples()]
    met = [r for r in rows.itertuples() if r.success_rate >= DIFFUSION_SUCCESS_TARGET and r.fid < cgan_fid]
    seeds = ", ".join(sorted(set(" ".join(rows["seeds"].astype(str)).split())))
    n = int(rows["n_samples"].iloc[0])
    target = (f"the target of at least {100 * DIFFUSION_SUCCESS_TARGET:g}% success with an FID below the "
              f"CGAN's {cgan_fid:.1f} ({100 * cgan_success:.2f}% success)")
    models = f"the models of seeds {seeds}" if "," in seeds else f"the model of seed {seeds}"
    lead = f"Sampled {n:,} times (DDIM, 20 steps, eta 1; {models}), the diffusion model scores " + "; ".join(parts)
    if met:
        scales = _join([f"scale {r.guidance:g}" for r in met])
        return {"findGuidanceTarget": f"{lead}: {scales} {'meets' if len(met) == 1 else 'meet'} {target}."}
    return {"findGuidanceTarget": f"{lead}: no scale measured meets {target}."}


# --------------------------------------------------------------------------- GAN variants (tricks sweep)

def _join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def trick_findings(paired: pd.DataFrame | None) -> dict[str, str]:
    """Q1-Q2: each GAN variant against its baseline seed by seed, judged on FID (lower is better) by its paired 95%
    interval: which lower it, which raise it, which cannot be told from the baseline; success rate alike. One
    sentence per baseline, the variants named by what they change (the paired table's `change`, `baseline_name`,
    `metric`, `scale` and `lower_is_better` columns)."""
    if paired is None or paired.empty:
        return {}
    out = {}
    for metric, key, name, digits in (("fid", "findTricksFid", "FID", 1),
                                      ("success_rate", "findTricksSuccess", "the success rate", 2)):
        rows = paired[(paired["metric"] == metric) & (paired["n"] >= 2)]
        if rows.empty:
            continue
        better = "lower" if bool(rows["lower_is_better"].iloc[0]) else "higher"
        by_base: dict[str, dict[str, list[str]]] = {}
        ns: dict[str, set[int]] = {}
        for r in rows.itertuples():
            own, base, scale = r.change, r.baseline_name, r.scale
            v = improvement(verdict(r.low, r.high, int(r.n)), bool(r.lower_is_better))
            groups = by_base.setdefault(base, {HELPS: [], HURTS: [], NO_EFFECT: []})
            ns.setdefault(base, set()).add(int(r.n))
            groups[v].append(f"{own} ({scale * r.mean_diff:+.{digits}f} [{scale * r.low:+.{digits}f}, "
                             f"{scale * r.high:+.{digits}f}])")
        sentences = []
        for base, groups in by_base.items():
            parts = []
            if groups[HELPS]:
                parts.append(f"{_join(groups[HELPS])} make {name} {better} beyond the interval")
            if groups[HURTS]:
                parts.append(f"{_join(groups[HURTS])} make it {'higher' if better == 'lower' else 'lower'}")
            if groups[NO_EFFECT]:
                parts.append(f"{_join(groups[NO_EFFECT])} cannot be told from {base or 'the baseline'}")
            seeds = "/".join(str(n) for n in sorted(ns[base]))
            sentences.append(f"Against {base or 'its baseline'}, seed by seed at the same budget ({name}: mean "
                             f"difference [95% t-interval], n = {seeds} seeds): " + "; ".join(parts) + ".")
        out[key] = " ".join(sentences)
    return out


TRICKS_NUMBERS = ("tricksEpochs", "bestCondVariant", "bestCondSuccess", "collapseVariant", "collapseCoverage",
                  "collapseEntropy", "collapseRecall", "bestMitigation", "bestMitigationRecall",
                  "bestMitigationCoverage")


def tricks_numbers(means: pd.DataFrame) -> dict[str, str]:
    """The GAN-variant paragraph's choices: the best conditional variant by success rate, the least diverse
    unconditional variant (fewest classes covered, then lowest recall) and the most diverse other one."""
    from cgan_study.generators import REGISTRY

    out = {"tricksEpochs": ", ".join(str(int(e)) for e in sorted(means["epochs"].unique()))}
    conditional = means["family"].map(lambda name: REGISTRY[name].conditional if name in REGISTRY else True)
    cond = means[conditional].dropna(subset=["success_rate"])
    def name(variant: str) -> str:   # used mid-sentence (labels.VariantName.in_sentence)
        return means.loc[variant, "label_in_sentence"] if "label_in_sentence" in means else variant
    if len(cond):
        best = cond["success_rate"].idxmax()
        out.update(bestCondVariant=name(best), bestCondSuccess=f"{100 * cond.loc[best, 'success_rate']:.2f}")
    uncond = means[~conditional].sort_values(["classes_covered", "recall"])
    if len(uncond) >= 2:  # a single unconditional model has nothing to be compared with
        worst, rest = uncond.iloc[0], uncond.iloc[1:]
        best = rest["recall"].idxmax()
        out.update(collapseVariant=name(uncond.index[0]), collapseCoverage=f"{worst['classes_covered']:.0f}",
                   collapseEntropy=f"{abs(worst['class_entropy']):.2f}",
                   collapseRecall=f"{100 * worst['recall']:.1f}", bestMitigation=name(best), bestMitigationRecall=f"{100 * rest.loc[best, 'recall']:.1f}",
                   bestMitigationCoverage=f"{rest.loc[best, 'classes_covered']:.0f}")
    return out


def collapse_findings(onsets: pd.DataFrame | None) -> dict[str, str]:
    """Q3: when the collapse setup collapses (first epoch short of 10 classes or of recall 0.1) and which
    mitigations keep it from collapsing within the budget."""
    if onsets is None or onsets.empty:
        return {}
    group = onsets[onsets["group"] == "collapse"]
    # The collapse setup itself and its mitigations (labels.VariantName.collapse), each mitigation by its change.
    setup = group[group["collapse"].isin(("setup", "mitigation"))]
    if setup.empty:
        return {}

    def when(rows: pd.DataFrame) -> str:
        values = [str(v) for v in rows["collapse_onset_epoch"]]
        epochs = int(rows["epochs"].iloc[0])
        if all(v == "none" for v in values):
            return f"does not collapse within {epochs} epochs"
        return "collapses at epoch " + ", ".join(values) + f" (of {epochs})"

    plain = setup[setup["change"] == ""]
    parts = []
    if not plain.empty:
        parts.append(f"The collapse setup ({plain['label'].iloc[0]}) {when(plain)}")
    for _, rows in setup[setup["change"] != ""].groupby("label", sort=False):
        parts.append(f"with {rows['change'].iloc[0]} it {when(rows)}")
    return {"findCollapse": "; ".join(parts) + " (collapse: fewer than 10 classes covered or recall below 0.1 in "
                                              "2,000 samples scored after every epoch)."}


def scorer_findings(agreement: pd.DataFrame | None) -> dict[str, str]:
    """How much the success rate depends on which 99%+ scorer judges: the default CGAN by both scorers."""
    if agreement is None or agreement.empty:
        return {}
    rows = agreement[agreement["_variant"] == "cgan"]
    r = (rows if not rows.empty else agreement).iloc[0]
    return {"findScorers": (
        f"Two independently trained scorers ({100 * r['_acc_a']:.2f}% and {100 * r['_acc_b']:.2f}% on real test "
        f"digits) give the {r['variant']} success rates of {100 * r['_a']:.2f}% and {100 * r['_b']:.2f}% and predict "
        f"the same class for {100 * r['_agree']:.2f}% of its digits; they differ most on requested class "
        f"{int(r['_class'])} ({100 * r['_class_a']:.1f}% against {100 * r['_class_b']:.1f}%).")}


def search_findings(ranked: pd.DataFrame | None, best_paired: pd.DataFrame | None) -> dict[str, str]:
    """The architecture search's best point by FID and, re-run over seeds, whether it beats the default CGAN."""
    if ranked is None or ranked.empty:
        return {}
    top = ranked.iloc[0]
    text = (f"Of {len(ranked)} search points (one seed each; exploratory), {top['label']} has the lowest FID against "
            f"training digits ({top['fid_train']:.1f}; {top['fid']:.1f} on the test digits, success rate "
            f"{100 * top['success_rate']:.2f}%)")
    if best_paired is not None and not best_paired.empty:
        fid = best_paired[(best_paired["metric"] == "fid") & (best_paired["label"] == top["label"])]
        if len(fid):
            r = fid.iloc[0]
            v = verdict(r["low"], r["high"], int(r["n"]))
            judged = {HELPS: "a higher FID than", HURTS: "a lower FID than",
                      NO_EFFECT: "an FID that cannot be told apart from", TOO_FEW: "too few seeds to compare with"}[v]
            text += (f"; re-run with {int(r['n'])} seeds it has {judged} the default CGAN's "
                     f"({r['mean_diff']:+.1f}, 95% CI {r['low']:+.1f} to {r['high']:+.1f})")
    return {"findSearch": text + "."}
