"""The semi-supervised sweep's per-arm table: each arm's absolute test accuracy, its step-budget check and its wall
time per run, beside the literature's anchors at 100 labels (rows of their own, never in the statistics).

The budget check (criteria.curve_check, its rule stated there) reads each run's recorded training curve:
- FixMatch (`fixmatch`, the baseline artifact's curve as the run recorded it, and `fixmatch_mix`, trained in the run):
  `train_loss_per_epoch` and `train_mask_rate_per_epoch` of the run's metrics.json;
- the SSL-GAN (`ssl_gan`): its classifier's loss, `supervised` of the artifact's history.jsonl
  (_artifacts/generator/<ssl_gan_artifact>/);
- real, affine and mix train the downstream classifier, whose budget is checked by its own sweep
  (mix_ratios_budget): no curve here, the check says nothing (NA).

Wall time per run (`seconds_with_builds`): the run's own `wall_seconds` plus the training time (`train_seconds`) of
each artifact an executor built for it before it ran, each counted in full for every run that used it (what one run
of the arm costs from scratch): the FixMatch baseline (`baseline_artifact`), the pseudo-label generator
(`generator_artifact`) and the baseline that labelled its pool (the generator's config.json `baseline`). The SSL-GAN
is built inside its run; where its run loaded it from the cache instead, the artifact's training time replaces the
run's classifier stage. `run_seconds`: the runs' recorded wall time alone.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cgan_study.reporting.criteria import BUDGET_LOSS_FALL, BUDGET_MASK_RISE, budget_limited, curve_check
from cgan_study.reporting.few_shot import K, PROTOCOL
from cgan_study.reporting.labels import protocol_name, uses_generator
from cgan_study.reporting.tables import dataset_of, save_table
from cgan_study.runtime import results

NAME = "semi_supervised_arms"


@dataclass(frozen=True)
class Anchor:
    """A published semi-supervised MNIST result: test error (%) over the authors' seeds, mean and sd."""
    citation: str       # authors, year, title, venue
    bib: str            # its key in paper/references.bib, where the paper cites it ("" where it does not yet)
    method: str
    labels: int         # labelled training digits in all (10 classes)
    error_mean: float   # test error, %
    error_sd: float


# The literature's results at 100 labels (k = 10 per class), as issue 41 quotes them. Oliver et al. (2018) point out
# that such numbers were tuned on labelled validation sets far larger than the 100 training labels, which this
# study forbids: they stand beside the arms, never inside a mean, an interval or a verdict.
ANCHORS = (
    Anchor("Salimans et al. 2016, Improved Techniques for Training GANs, NeurIPS", "salimans2016",
           "feature-matching GAN (permutation-invariant MLP)", 100, 0.93, 0.07),
    Anchor("Rasmus et al. 2015, Semi-Supervised Learning with Ladder Networks, NeurIPS", "",
           "Ladder network (Conv-Small, Γ-model)", 100, 0.89, 0.50),
    Anchor("Springenberg 2016, Unsupervised and Semi-supervised Learning with Categorical Generative Adversarial "
           "Networks, ICLR", "", "CatGAN (CNN)", 100, 1.39, 0.28),
)

STUDY, ANCHOR = "this study", "anchor"   # the `source` column
COLUMNS = ["source", "citation", "protocol", "arm", "generator", "k", "n", "accuracy_mean", "accuracy_sd",
           "error_mean", "error_sd", "budget_limited", "loss_fall_median", "mask_rise_median", "n_budget_checked",
           "n_budget_limited", "run_seconds", "seconds_with_builds"]


# --------------------------------------------------------------------------- one run: its curve and its cost

def _read(path: Path) -> dict:
    try:
        return results.read_json(path)
    except (OSError, ValueError):
        return {}


def run_curve(metrics: dict, artifacts: Path) -> tuple[list[float], list[float] | None] | None:
    """(per-epoch training loss, per-epoch mask rate or None) a run recorded, or None where it recorded none."""
    if "train_loss_per_epoch" in metrics:
        return metrics["train_loss_per_epoch"], metrics.get("train_mask_rate_per_epoch")
    if metrics.get("ssl_gan_artifact"):
        path = artifacts / "generator" / str(metrics["ssl_gan_artifact"]) / "history.jsonl"
        history = results.read_jsonl(path) if path.exists() else []
        if history and all("supervised" in h for h in history):
            return [h["supervised"] for h in history], None
    return None


def _train_seconds(artifact_dir: Path) -> float:
    value = _read(artifact_dir / results.METRICS).get("train_seconds")
    return float(value) if isinstance(value, (int, float)) else math.nan


def run_cost(metrics: dict, artifacts: Path) -> float:
    """Seconds one run costs from scratch: its wall time plus the training of the artifacts built for it (module
    docstring); NaN where a time it needs was not recorded."""
    wall = metrics.get("wall_seconds")
    if not isinstance(wall, (int, float)):
        return math.nan
    cost = float(wall)
    baselines = set()
    if metrics.get("baseline_artifact"):
        baselines.add(str(metrics["baseline_artifact"]))
    if metrics.get("generator_artifact"):
        generator = artifacts / "generator" / str(metrics["generator_artifact"])
        cost += _train_seconds(generator)
        labelled_by = _read(generator / results.CONFIG).get("baseline")
        if labelled_by:
            baselines.add(str(labelled_by))
    cost += sum(_train_seconds(artifacts / "fixmatch_baseline" / key) for key in sorted(baselines))
    if metrics.get("ssl_gan_artifact"):
        stage = float(metrics.get("seconds_classifier", 0.0))
        cost += max(0.0, _train_seconds(artifacts / "generator" / str(metrics["ssl_gan_artifact"])) - stage)
    return cost


def run_rows(sweep_dir: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per finished run: its arm's columns, test accuracy, budget reading and times."""
    artifacts = sweep_dir.parent / results.ARTIFACTS
    from cgan_study.study.strategies import STRATEGIES

    rows = []
    for row in frame.to_dict("records"):
        metrics = _read(sweep_dir / str(row["run"]) / results.METRICS)
        strategy = row["strategy"]
        reads_more = (strategy in STRATEGIES and STRATEGIES[strategy].uses_pool) or uses_generator(strategy)
        curve = run_curve(metrics, artifacts)
        check = curve_check(*curve) if curve else None
        rows.append({"protocol": row[PROTOCOL] if reads_more else None, "arm": strategy,
                     "generator": row["generator"] if uses_generator(strategy) else None, "k": int(row[K]),
                     "test_accuracy": float(row["test_accuracy"]),
                     "loss_fall": check.loss_fall if check else math.nan,
                     "mask_rise": check.mask_rise if check else math.nan,
                     "budget_limited": check.budget_limited if check else None,
                     "run_seconds": float(row.get("wall_seconds", math.nan)),
                     "seconds_with_builds": run_cost(metrics, artifacts) if metrics else math.nan})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- per arm

def _median(values) -> float:
    values = [v for v in values if not (v is None or (isinstance(v, float) and math.isnan(v)))]
    return float(statistics.median(values)) if values else math.nan


def arm_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (protocol, arm, generator, k) of `run_rows`: accuracy mean and sd (ddof 1), test error in %,
    the budget rule on the medians of the seeds' readings, median times."""
    from cgan_study.study.strategies import STRATEGIES

    order = list(STRATEGIES)
    rows = []
    keys = ["protocol", "arm", "generator", "k"]
    if runs.empty:
        return pd.DataFrame(columns=COLUMNS)
    for key, group in runs.groupby(keys, dropna=False, sort=False):
        acc = group["test_accuracy"]
        checked = group["budget_limited"].dropna()
        fall, rise = _median(group["loss_fall"]), _median(group["mask_rise"])
        sd = float(acc.std(ddof=1)) if len(acc) > 1 else math.nan
        rows.append({"source": STUDY, "citation": None, **dict(zip(keys, key)), "n": len(acc),
                     "accuracy_mean": float(acc.mean()), "accuracy_sd": sd,
                     "error_mean": 100 * (1 - float(acc.mean())), "error_sd": 100 * sd,
                     "budget_limited": budget_limited(fall, rise), "loss_fall_median": fall, "mask_rise_median": rise,
                     "n_budget_checked": len(checked), "n_budget_limited": int(sum(bool(v) for v in checked)),
                     "run_seconds": _median(group["run_seconds"]),
                     "seconds_with_builds": _median(group["seconds_with_builds"])})
    table = pd.DataFrame(rows, columns=COLUMNS)
    rank = {s: i for i, s in enumerate(order)}
    return table.iloc[sorted(range(len(table)), key=lambda i: (table["k"].iloc[i],
                                                                rank.get(table["arm"].iloc[i], len(rank))))]


def anchor_rows() -> pd.DataFrame:
    """The anchors as rows of the same columns: their own numbers, nothing computed from the study's runs."""
    return pd.DataFrame([{"source": ANCHOR, "citation": a.citation, "protocol": None, "arm": a.method,
                          "generator": None, "k": a.labels // 10, "n": None,
                          "accuracy_mean": 1 - a.error_mean / 100, "accuracy_sd": a.error_sd / 100,
                          "error_mean": a.error_mean, "error_sd": a.error_sd, "budget_limited": None}
                         for a in ANCHORS], columns=COLUMNS)


def arms_table(sweep_dir: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The study's arms (from the finished runs of `frame`), then the anchors: MNIST's, so on MNIST only."""
    study = arm_table(run_rows(Path(sweep_dir), frame))
    table = pd.concat([study, anchor_rows()], ignore_index=True) if dataset_of(frame) == "mnist" else study
    table["budget_limited"] = table["budget_limited"].astype("boolean")
    for column in ("n", "n_budget_checked", "n_budget_limited"):   # counts; NA for the anchors
        table[column] = table[column].astype("Int64")
    return table


# --------------------------------------------------------------------------- output

def _pm(mean: float, sd: float) -> str:
    if pd.isna(mean):
        return "--"
    return f"{mean:.2f}" if pd.isna(sd) else f"{mean:.2f} ± {sd:.2f}"


def _budget(row) -> str:
    if pd.isna(row.budget_limited):
        return "--"
    rise = "" if pd.isna(row.mask_rise_median) else f", mask {100 * row.mask_rise_median:+.1f} pt"
    return f"{'yes' if row.budget_limited else 'no'} (loss {-100 * row.loss_fall_median:+.1f}%{rise})"


def save_arms(sweep_dir: Path, table: pd.DataFrame) -> pd.DataFrame:
    """semi_supervised_arms.csv (every column) and .tex (readable); returns the readable table."""
    shown = pd.DataFrame({
        "protocol": ["labelled only" if s == STUDY and pd.isna(p) else ("--" if pd.isna(p) else protocol_name(p))
                     for s, p in zip(table["source"], table["protocol"])],
        "arm": [a.replace("Γ", "$\\Gamma$") + (f" [{c.split(',')[0]}]" if s == ANCHOR else "")
                + ("" if pd.isna(g) else f", {g}") for a, g, s, c in
                zip(table["arm"], table["generator"], table["source"], table["citation"])],
        "k": table["k"].astype(int), "n": ["--" if pd.isna(n) else str(int(n)) for n in table["n"]],
        "test accuracy (%)": [_pm(100 * m, 100 * s) for m, s in zip(table["accuracy_mean"], table["accuracy_sd"])],
        "test error (%)": [_pm(m, s) for m, s in zip(table["error_mean"], table["error_sd"])],
        "budget-limited": [_budget(r) for r in table.itertuples(index=False)],
        "min per run": ["--" if pd.isna(v) else f"{v / 60:.1f}" for v in table["seconds_with_builds"]]})
    caption = ("Semi-supervised arms: test accuracy and error over seeds (mean $\\pm$ sd), the step-budget check and "
               "the wall time of one run from scratch (median; the artifacts built for it counted in full). "
               f"Budget-limited: across the last fifth of its steps the training loss fell by more than "
               f"{100 * BUDGET_LOSS_FALL:g}\\% or FixMatch's mask rate rose by more than {100 * BUDGET_MASK_RISE:g} "
               "point (medians over seeds; training quantities only). Anchors (bracketed) are the literature's "
               "results at 100 labels, tuned on labelled validation sets larger than that: beside the arms, never "
               "in a statistic.")
    save_table(sweep_dir, NAME, table, caption, wide=True, shown=shown, column_format="llrrrrlr")
    return shown
