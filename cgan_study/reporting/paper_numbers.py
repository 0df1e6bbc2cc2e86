"""The numbers the written prose quotes, as LaTeX macro values computed from the report's tables and the code's
own constants: never typed into the text, so they change with the results."""
from __future__ import annotations

import math

import pandas as pd

from cgan_study.reporting.criteria import CONVERGED_POINTS, NOISY_SD
from cgan_study.reporting.doubling import MAX_CHANGED


def method_numbers(profile: str = "quick") -> dict[str, str]:
    """Definitions that live in the code (the strategies' constants, the profile's budget), quoted by the method
    section."""
    from cgan_study import config as C
    from cgan_study.training import classifier as clf
    from cgan_study.study.metrics import COLLAPSE_RECALL
    from cgan_study.study.presets import FEW_SHOT_SYNTH
    from cgan_study.training.budget import FULL_DATA_STEPS_PER_EPOCH
    from cgan_study.study import fixmatch
    from cgan_study.reporting.multiplicity import EQUIVALENCE_MARGINS_POINTS as margins

    quick = C.profile(profile)
    c = quick.classifier
    full = 60_000 - 10 * quick.data.val_per_class
    return {
        "affineRotation": f"{clf.AFFINE_ROTATION_DEGREES:g}", "affineShift": f"{100 * clf.AFFINE_SHIFT:g}",
        "affineZoom": f"{100 * clf.AFFINE_ZOOM:g}",
        "filterThreshold": f"{quick.augment.filter_threshold:g}",
        "fewShotSynth": f"{round(FEW_SHOT_SYNTH * 60_000 / 10):,}",
        "nCasSynth": "60,000", "nTrainAll": "60,000", "nTrainRef": f"{quick.eval.train_reference:,}",
        "clfEpochs": f"{c.epochs}", "clfStepsPerEpoch": f"{c.steps_per_epoch}", "clfPasses": f"{c.passes_per_epoch:g}",
        "clfSteps": f"{c.epochs * clf.steps_per_epoch(c, 100):,}",
        "clfStepsFull": f"{c.epochs * clf.steps_per_epoch(c, full):,}",
        "budgetPoints": f"{CONVERGED_POINTS:g}", "budgetNoisySd": f"{NOISY_SD:g}",
        "collapseRecallRule": f"{COLLAPSE_RECALL:g}",
        "studyGWidth": f"{quick.gan.g_width}", "studyDWidth": f"{quick.gan.d_width}",
        # The few-shot generators' rule: a full-data epoch's steps, whatever the cell's size.
        "lowDataEpochSteps": f"{FULL_DATA_STEPS_PER_EPOCH:,}",
        "lowDataGanSteps": f"{quick.gan.epochs * FULL_DATA_STEPS_PER_EPOCH:,}",
        "lowDataCvaeSteps": f"{quick.cvae.epochs * FULL_DATA_STEPS_PER_EPOCH:,}",
        "oldRuleGanSteps": f"{quick.gan.epochs * quick.gan.min_steps_per_epoch:,}",
        # The formulas' constants, as the code fixes them: the guided CGAN's weight, FixMatch's recipe, the margins.
        "guideWeight": f"{quick.guide.weight:g}",
        "fixmatchThreshold": f"{fixmatch.THRESHOLD:g}", "fixmatchMu": f"{fixmatch.MU}",
        "fixmatchWeight": f"{fixmatch.UNLABELLED_WEIGHT:g}", "fixmatchBatch": f"{fixmatch.LABELLED_BATCH}",
        "marginKOne": f"{margins['k=1']:g}", "marginKTen": f"{margins['k=10']:g}",
        "marginKHundred": f"{margins['k=100']:g}", "marginMixGrid": f"{margins['mix_grid']:g}",
    }


def generator_numbers(runs: pd.DataFrame | None) -> dict[str, str]:
    """The CGAN's and PCA's success by both scorers and their recall, in percent (the generators sweep's runs)."""
    if runs is None or runs.empty:
        return {}
    columns = [c for c in ("success_rate", "success_rate_second", "recall", "recall_train", "fid", "fid_train")
               if c in runs]
    means = runs.groupby("generator")[columns].mean()
    # (macro, generator, column, digits): a generator or column the runs lack (no second scorer yet) gives no macro.
    wanted = (("cganSuccess", "cgan", "success_rate", 2), ("cganSuccessSecond", "cgan", "success_rate_second", 2),
              ("cganRecall", "cgan", "recall", 1), ("pcaSuccess", "pca", "success_rate", 1),
              ("pcaSuccessSecond", "pca", "success_rate_second", 1),
              # PCA's recall as the collapse rule reads it: against the training digits
              ("pcaRecall", "pca", "recall_train", 1))
    out = {name: f"{100 * means.loc[gen, column]:.{digits}f}" for name, gen, column, digits in wanted
           if gen in means.index and column in means and not math.isnan(means.loc[gen, column])}
    # FID on either reference (test digits: the table's; training digits: what choices use), not scaled.
    for name, gen, column in (("cganFidTrain", "cgan", "fid_train"), ("diffusionFidTrain", "diffusion", "fid_train"),
                              ("cganFidTest", "cgan", "fid"), ("diffusionFidTest", "diffusion", "fid")):
        if gen in means.index and column in means and not math.isnan(means.loc[gen, column]):
            out[name] = f"{means.loc[gen, column]:.2f}"
    return out


def search_numbers(ranked: pd.DataFrame | None, default_label: str | None) -> dict[str, str]:
    """How many points the search tried and where the default ranked."""
    if ranked is None or ranked.empty:
        return {}
    out = {"searchPoints": f"{len(ranked)}"}
    if default_label is not None and default_label in set(ranked["point"]):
        rank = int(ranked.loc[ranked["point"] == default_label, "rank"].iloc[0])
        suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
        out["searchDefaultRank"] = f"{rank}{suffix}"
    return out


def variants_numbers(paired: pd.DataFrame | None, epochs: int | None,
                     means: pd.DataFrame | None = None) -> dict[str, str]:
    """The GAN comparison at the study's budget: the CGAN's family size, the budget, and the default DCGAN's final
    scores (training reference) with how many of its seeds end collapsed."""
    if paired is None or paired.empty:
        return {}
    cgan = paired[paired["generator"] == "cgan"] if "generator" in paired else paired
    out = {"variantsArms": f"{int(cgan['m'].max())}"}
    if "generator" in paired and (paired["generator"] == "dcgan").any():
        out["dcganVariantsArms"] = f"{int(paired.loc[paired['generator'] == 'dcgan', 'm'].max())}"
    if epochs:
        out["variantsEpochs"] = f"{epochs}"
    if means is not None and not means.empty:
        plain = means[(means["generator"] == "dcgan") & (means["variant"] == "default")]
        if not plain.empty:
            r = plain.iloc[0]
            out.update(dcganStudyFid=f"{r['fid_train']:.1f}", dcganStudyRecall=f"{100 * r['recall_train']:.1f}",
                       dcganStudyPrecision=f"{100 * r['precision_train']:.1f}",
                       dcganStudyCollapsed=f"{int(r['collapsed'])}", dcganStudySeeds=f"{int(r['n'])}")
        cgan_default = means[(means["generator"] == "cgan") & (means["variant"] == "default")]
        if not cgan_default.empty:
            out["cganStudyFid"] = f"{cgan_default.iloc[0]['fid_train']:.1f}"
    return out


def collapse_numbers(runs: pd.DataFrame | None) -> dict[str, str]:
    """The collapse setup (first seed) and its best mitigation by recall: classes covered and recall."""
    if runs is None or runs.empty or "collapse" not in runs:
        return {}
    setup, mitigations = runs[runs["collapse"] == "setup"], runs[runs["collapse"] == "mitigation"]
    out = {}
    if not setup.empty:
        s = setup.iloc[0]
        out.update(setupCoverage=f"{s['classes_covered']:.0f}", setupRecall=f"{100 * s['recall']:.1f}")
    if not mitigations.empty:
        best = mitigations.sort_values("recall").iloc[-1]
        out.update(mitigationName=str(best["change"]), mitigationRecall=f"{100 * best['recall']:.1f}",
                   mitigationCoverage=f"{best['classes_covered']:.0f}")
    return out


def confusion_numbers(confusion: pd.DataFrame | None) -> dict[str, str]:
    """The CGAN's weakest requested class (summed over seeds), its success rate and where its misses go."""
    if confusion is None or confusion.empty:
        return {}
    counts = confusion.to_numpy(dtype=float)
    rates = counts.diagonal() / counts.sum(1)
    worst = int(rates.argmin())
    misses = counts[worst].copy()
    misses[worst] = -1
    names = list(confusion.columns)
    return {"cganWorstClass": str(names[worst]), "cganWorstClassSuccess": f"{100 * rates[worst]:.1f}",
            "cganWorstClassConfused": str(names[int(misses.argmax())])}


def augmentation_numbers(runs: pd.DataFrame | None) -> dict[str, str]:
    """Real-only on all real digits and the CGAN's CAS: mean test accuracy over seeds (mix_ratios' runs)."""
    from cgan_study.reporting.tables import config_column

    if runs is None or runs.empty:
        return {}
    strategy, generator = runs[config_column("augment.strategy")], runs[config_column("augment.generator")]
    full = runs[(strategy == "mix") & (runs[config_column("augment.real_fraction")] == 1.0)
                & (runs[config_column("augment.synth_fraction")] == 0.0)
                & (runs[config_column("augment.real_per_class")] == 0)]
    cas = runs[(strategy == "synthetic_only") & (generator == "cgan")]
    out = {}
    if not full.empty:
        out["realOnlyFull"] = f"{100 * full['test_accuracy'].mean():.2f}"
    if not cas.empty:
        out["casCgan"] = f"{100 * cas['test_accuracy'].mean():.2f}"
    # How many of the 6,000 synthetic digits the low-data filter's judge keeps, per k (range over seeds).
    if "n_synth_kept" in runs:
        judged = runs[(strategy == "filter") & (runs[config_column("augment.protocol")] == "low_data")]
        for k, name in ((1, "keptLowDataKOne"), (10, "keptLowDataKTen"), (100, "keptLowDataKHundred")):
            kept = judged.loc[judged[config_column("augment.real_per_class")] == k, "n_synth_kept"].dropna()
            if len(kept):
                low, high = int(kept.min()), int(kept.max())
                out[name] = f"{low:,}" if low == high else f"{low:,}--{high:,}"
    return out


def dcgan_numbers(means: pd.DataFrame | None) -> dict[str, str]:
    """The plain DCGAN and the CGAN after the tricks sweep's epochs (means over seeds; FID against the test
    digits, a reported number): how far conditioning alone moves the scores."""
    if means is None or means.empty:
        return {}
    out = {}
    if "dcgan" in means.index:
        m = means.loc["dcgan"]
        out.update(dcganFid=f"{m['fid']:.1f}", dcganRecall=f"{100 * m['recall']:.1f}",
                   dcganEntropy=f"{abs(m['class_entropy']):.2f}", dcganPrecision=f"{100 * m['precision']:.1f}",
                   dcganIs=f"{m['inception_score']:.2f}")
    if "cgan" in means.index:
        m = means.loc["cgan"]
        out.update(cganShortFid=f"{m['fid']:.1f}", cganShortRecall=f"{100 * m['recall']:.1f}",
                   cganShortPrecision=f"{100 * m['precision']:.1f}", cganShortIs=f"{m['inception_score']:.2f}")
    return out


POOL_MACROS = {"real": "Real", "affine": "Affine", "fixmatch": "Fixmatch", "ssl_gan": "Sslgan",
               "fixmatch_mix": "FixmatchMix", "mix": "Mix"}


POOL_MACRO_KINDS = ("Acc", "N", "Minutes", "BudgetLimited")


def pool_macro(kind: str, arm: str, k: int) -> str:
    """poolAcc<Arm> (k = 10) or poolAcc<Arm>Hundred (k = 100); kinds Acc, N, Minutes, BudgetLimited."""
    return f"pool{kind}{POOL_MACROS[arm]}{'' if k == 10 else 'Hundred'}"


def pool_numbers(arms: pd.DataFrame | None) -> dict[str, str]:
    """The semi-supervised sweep's absolute numbers (its per-arm table, study rows only): mean test accuracy (%) and
    seeds of each arm (pool_macro), the median wall time per run with its builds, in minutes, and how many seeds'
    training curves the budget rule flags as still improving."""
    if arms is None or arms.empty:
        return {}
    from cgan_study.reporting.semi_supervised_arms import STUDY

    out = {}
    for _, r in arms[arms["source"] == STUDY].iterrows():
        arm, k = r["arm"], int(r["k"])
        if arm not in POOL_MACROS or k not in (10, 100):
            continue
        out[pool_macro("Acc", arm, k)] = f"{100 * r['accuracy_mean']:.2f}"
        out[pool_macro("N", arm, k)] = f"{int(r['n'])}"
        if r.get("seconds_with_builds") == r.get("seconds_with_builds"):   # not NaN
            out[pool_macro("Minutes", arm, k)] = f"{r['seconds_with_builds'] / 60:.0f}"
        checked = r.get("n_budget_checked")
        if pd.notna(checked) and checked > 0:   # seeds whose end-of-training curve criteria.budget_limited flags
            out[pool_macro("BudgetLimited", arm, k)] = f"{int(r['n_budget_limited'])}"
    anchors = arms[arms["source"] != STUDY]["accuracy_mean"]
    if len(anchors):   # the published anchors' range of test accuracy (%)
        out.update(poolAnchorLow=f"{100 * anchors.min():.1f}", poolAnchorHigh=f"{100 * anchors.max():.1f}")
    return out


def doubling_numbers(doubling: pd.DataFrame | None) -> dict[str, str]:
    """The FixMatch budget's doubling pilot (reporting/doubling.py): steps at the budget and doubled, the share of the
    pool relabelled (%), the relative fall of the final training loss (%) and whether the rule calls it converged."""
    if doubling is None or doubling.empty:
        return {}
    r = doubling.iloc[0]
    return {"poolDoublingSteps": f"{int(r['steps_budget']):,}", "poolDoubledSteps": f"{int(r['steps_doubled']):,}",
            "poolDoublingChanged": f"{100 * r['labels_changed']:.1f}",
            "poolDoublingLossFall": f"{-100 * r['loss_change_relative']:.0f}",
            "poolDoublingVerdict": "converged" if bool(r["converged"]) else "budget-limited",
            "poolDoublingMax": f"{100 * MAX_CHANGED:g}"}


# --------------------------------------------------------------------------- a second dataset

MACRO_PREFIX = {"fashion_mnist": "fashion"}   # LaTeX macro names take letters only
# The benchmark table in the Fashion-MNIST package's own README (Debian's dataset-fashion-mnist ships it).
FASHION_README = "/usr/share/doc/dataset-fashion-mnist/README.md.gz"


def published_small_cnns(readme_text: str) -> list[tuple[str, float]]:
    """(classifier, test accuracy) of the submitted convolutional baselines trained without preprocessing, from the
    benchmark table of the Fashion-MNIST README: the published figures a small CNN's accuracy is read against."""
    rows = []
    for line in readme_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and "conv" in cells[0].lower() and cells[1].lower() == "none":
            try:
                rows.append((cells[0], float(cells[2])))
            except ValueError:
                continue
    return rows


def _read_readme(path: str) -> str | None:
    import gzip
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        return None
    return gzip.decompress(p.read_bytes()).decode("utf-8", "replace") if p.suffix == ".gz" else p.read_text()


SECOND_DATASET_SUFFIXES = ("ScorerAccuracy", "ScorerNTrain", "PublishedLow", "PublishedHigh", "PublishedN", "RealOnly",
                           "BudgetCells", "BudgetUnconverged")


def budget_numbers(paired: pd.DataFrame | None, prefix: str = "") -> dict[str, str]:
    """The classifier's budget check: how many cells it doubles, and how many of them are not converged."""
    if paired is None or paired.empty or "converged" not in paired:
        return {}
    doubled = paired[paired["converged"].notna()]
    cells, unconverged = f"{len(doubled)}", f"{int((~doubled['converged'].astype(bool)).sum())}"
    if prefix:   # a second dataset's (SECOND_DATASET_SUFFIXES)
        return {f"{prefix}BudgetCells": cells, f"{prefix}BudgetUnconverged": unconverged}
    return {"budgetCells": cells, "budgetUnconverged": unconverged}


def second_dataset_macros(name: str) -> set[str]:
    """The macro names second_dataset_numbers can define for a dataset (the generators' ones by registry name)."""
    from cgan_study.generators import REGISTRY

    p = MACRO_PREFIX.get(name, name.replace("_", ""))
    gens = {f"{p}{g.replace('_', '').capitalize()}{m}" for g in REGISTRY for m in ("Success", "Fid")}
    return {p + suffix for suffix in SECOND_DATASET_SUFFIXES} | gens


def second_dataset_numbers(name: str, tables: dict, real_only: pd.Series | None, tree,
                           readme: str = FASHION_README) -> dict[str, str]:
    """What the prose quotes of a second dataset: its scorer's test accuracy beside the published small CNNs, its
    real-only accuracy and each generator's success rate and FID (means over seeds)."""
    from pathlib import Path

    p = MACRO_PREFIX.get(name, name.replace("_", ""))
    out: dict[str, str] = {}
    scorer = Path(tree) / "scorer" / "summary.csv"
    if scorer.exists():
        first = pd.read_csv(scorer).iloc[0]
        out[f"{p}ScorerAccuracy"] = f"{100 * first['test_accuracy']:.2f}"
        out[f"{p}ScorerNTrain"] = f"{int(first['n_train']):,}"   # the labelled training images it learned from
    text = _read_readme(readme) if name == "fashion_mnist" else None
    published = published_small_cnns(text) if text else []
    if published:
        accs = [a for _, a in published]
        out.update({f"{p}PublishedLow": f"{100 * min(accs):.1f}", f"{p}PublishedHigh": f"{100 * max(accs):.1f}",
                    f"{p}PublishedN": f"{len(accs)}"})
    if real_only is not None and len(real_only):
        out[f"{p}RealOnly"] = f"{100 * real_only.mean():.2f}"
    out.update(budget_numbers(tables.get("budget_check_paired_long"), p))
    runs = tables.get("generators_runs")
    if runs is not None and not runs.empty:
        means = runs.groupby("generator")[["success_rate", "fid"]].mean()
        for gen in means.index:
            key = gen.replace("_", "").capitalize()
            out[f"{p}{key}Success"] = f"{100 * means.loc[gen, 'success_rate']:.1f}"
            out[f"{p}{key}Fid"] = f"{means.loc[gen, 'fid']:.1f}"
    return out


def recipe_numbers(long: pd.DataFrame | None) -> dict[str, str]:
    """The diffusion sampler the recipe rule adopted: its steps, today's, and how much faster it samples; and the
    guidance scale the guidance rule adopted (0 unless a guided arm passed it) with the guided arms it judged."""
    if long is None or long.empty or not long["adopted"].any():
        return {}
    out = {}
    if "guidance_adopted" in long and (long["guidance"] > 0).any():
        chosen = long[long["guidance_adopted"].astype(bool)]
        out["guidanceChosen"] = f"{float(chosen['guidance'].iloc[0]):g}" if not chosen.empty else "0"
        out["guidanceJudged"] = ", ".join(f"{g:g}" for g in sorted(long.loc[long["guidance"] > 0, "guidance"]))
    adopted = long[long["adopted"]].iloc[0]
    base = long[long["arm"] == adopted["baseline"]].iloc[0]
    return {**out, "recipeSteps": f"{int(adopted['sample_steps'])}", "recipeBaseSteps": f"{int(base['sample_steps'])}",
            "recipeSpeedup": f"{base['sample_seconds_per_1000'] / adopted['sample_seconds_per_1000']:.1f}",
            "recipeModels": f"{int(adopted['n'])}"}


def mix_grid_numbers(paired: pd.DataFrame | None) -> dict[str, str]:
    """The fraction grid's cells with 10-20% of the real digits: how many, and how many lose accuracy by mean."""
    if paired is None or paired.empty:
        return {}
    low = paired[paired["real_fraction"] <= 0.2]
    return {"mixGridLowCells": f"{len(low)}", "mixGridLowNegative": f"{int((low['mean_diff'] < 0).sum())}",
            "mixGridM": f"{int(paired['m'].max())}"}


def power_numbers(n3: pd.DataFrame | None, n10: pd.DataFrame | None) -> dict[str, str]:
    """What n = 3 can detect at k = 10: the median half-width (points) of the family's adjusted intervals and the
    family's size; and the n = 10 rerun's family size and seeds."""
    out: dict[str, str] = {}
    if n3 is not None and not n3.empty:
        # The body's family (the compact table's: affine and the CGAN's arms), not the other generators' families
        # that the same long table carries.
        k10 = n3[(n3["k"] == 10) & (n3["generator"].isna() | (n3["generator"] == "cgan"))]
        if len(k10):
            half = 100 * ((k10["high_adjusted"] - k10["low_adjusted"]) / 2).median()
            out.update(halfWidthKTen=f"{half:.1f}", armsKTen=f"{int(k10['m'].max())}",
                       seedsKTen=f"{int(k10['n'].max())}")
    if n10 is not None and not n10.empty:
        out.update(nTenArms=f"{int(n10['m'].max())}", nTenSeeds=f"{int(n10['n'].max())}")
    return out


def collapse_onset_numbers(long: pd.DataFrame | None) -> dict[str, str]:
    """The plain DCGAN's seeds over epochs (how many fall under the collapse rule at some epoch, how many stay
    collapsed to the end: an onset) and the collapse setup's onset (gan_study.collapse_epochs)."""
    if long is None or long.empty or "first_collapsed_epoch" not in long:
        return {}
    out = {}
    plain = long[long["variant"] == "dcgan"]
    if len(plain):
        out.update(dcganSeeds=f"{len(plain)}",
                   dcganUnderRuleSeeds=f"{int((plain['first_collapsed_epoch'] != 'none').sum())}",
                   dcganOnsetSeeds=f"{int((plain['collapse_onset_epoch'] != 'none').sum())}")
    setup = long[long["collapse"] == "setup"]
    if len(setup):
        out["setupOnset"] = str(setup["collapse_onset_epoch"].iloc[0])
    return out
