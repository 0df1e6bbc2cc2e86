"""The GAN-variant study's own tables and figures: scores over epochs, collapse onset, two scorers, the search."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.figures import figure, save_figure
from cgan_study.reporting.labels import fmt, variant_name
from cgan_study.reporting.latex import wrapped_first_column
from cgan_study.reporting.tables import (
    config_column,
    run_overrides,
    run_variants,
    save_table,
)
from cgan_study.runtime import results

CURVE_METRICS = (("success_rate", "success (%)", 100), ("fid", "FID", 1), ("classes_covered", "classes covered", 1),
                 ("recall", "recall (%)", 100))


def variant_group(overrides: dict) -> str:
    """Which figure a variant's curves go in: the collapse study (unconditional), the losses, or the tricks."""
    from cgan_study.generators import REGISTRY

    generator = overrides.get("augment.generator", "cgan")
    if generator in REGISTRY and not REGISTRY[generator].conditional:
        return "collapse"
    return "losses" if "gan.loss" in overrides or "gan.d_norm" in overrides else "tricks"


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Each run's variant (its name without the seed) and, from its overrides, the variant in words: `label`,
    what it `change`s, its part in the collapse study (`collapse`), its table `rank` and its figure `group`."""
    frame = frame.copy()
    frame["variant"] = run_variants(frame)
    overrides = [run_overrides(row) for _, row in frame.iterrows()]
    names = [variant_name(o) for o in overrides]
    frame["label"] = [name.label for name in names]
    frame["label_in_sentence"] = [name.in_sentence for name in names]
    frame["change"] = [name.change for name in names]
    frame["collapse"] = [name.collapse for name in names]
    frame["rank"] = [name.rank for name in names]
    frame["group"] = [variant_group(o) for o in overrides]
    return frame


def epoch_scores(sweep_dir: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, epoch) from the runs' epochs.jsonl, with the run's variant, label and group."""
    rows = []
    for r in frame.itertuples():
        for record in results.read_jsonl(Path(sweep_dir) / r.run / results.EPOCH_SCORES):
            rows.append({"run": r.run, "variant": r.variant, "label": r.label, "group": r.group, **record})
    return pd.DataFrame(rows)


def epoch_curves(sweep_dir: Path, scores: pd.DataFrame) -> None:
    """Per group of variants, four panels (success, FID, classes covered, recall) against the epoch; one line per
    variant, the mean over its seeds."""
    import seaborn as sns

    for group, part in scores.groupby("group", sort=False):
        # Only the metrics this group has (an unconditional model has no success rate): no empty panel, and
        # the legend comes from the first panel drawn.
        metrics = [m for m in CURVE_METRICS if m[0] in part and part[m[0]].notna().any()]
        fig, _ = figure(6.8, 2.1)
        fig.clf()
        axes = [fig.add_subplot(1, len(metrics), i + 1) for i in range(len(metrics))]
        order = list(dict.fromkeys(part["label"]))
        for ax, (key, name, scale) in zip(axes, metrics):
            data = part.assign(value=part[key] * scale)
            sns.lineplot(data=data, x="epoch", y="value", hue="label", hue_order=order, errorbar=None,
                         marker="o", markersize=3, ax=ax, legend=ax is axes[0])
            ax.set_ylabel(name)
            ax.set_xlabel("epoch")
            ax.xaxis.get_major_locator().set_params(integer=True)
            if key == "classes_covered":  # a count out of ten: whole numbers, the full range in view
                ax.set_ylim(0, 10.5)
                ax.yaxis.get_major_locator().set_params(integer=True)
        if axes[0].get_legend() is not None:  # one legend for all panels, below them (off the data)
            handles, labels = axes[0].get_legend_handles_labels()
            axes[0].get_legend().remove()
            ncol = 3 if len(metrics) == len(CURVE_METRICS) else 2
            fig.legend(handles, labels, loc="lower center", ncol=min(ncol, len(labels)), fontsize=5.5, frameon=False)
            rows = -(-len(labels) // ncol)
            fig.tight_layout(pad=0.3, rect=(0, 0.07 * rows, 1, 1))
        else:
            fig.tight_layout(pad=0.3)
        save_figure(sweep_dir, f"epochs_{group}", fig)


def collapse_onset_table(sweep_dir: Path, frame: pd.DataFrame, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per variant and seed: the first epoch the collapse rule holds, and the onset (the first epoch from which it
    holds at every later epoch, metrics.collapse_onset), both read from the per-epoch scores where the runs have
    them (a run's stored onset may follow an older definition), else the stored onset; none: never."""
    from cgan_study.study import metrics as M

    if "collapse_onset_epoch" not in frame:
        return pd.DataFrame()
    first, onset = collapse_epochs(frame, scores)
    rows = []
    for variant, group in frame.groupby("variant", sort=False):
        rows.append({"variant": group["label"].iloc[0],
                     "first epoch under the rule (per seed)": ", ".join(first[r] for r in group["run"]),
                     "collapse onset (per seed)": ", ".join(onset[r] for r in group["run"]),
                     "epochs": int(group[config_column("gan.epochs")].iloc[0]), "n": len(group)})
    table = pd.DataFrame(rows)
    if not table.empty:
        save_table(sweep_dir, "collapse_onset", table, "Collapse over epochs (2,000 samples scored after every "
                   f"epoch), per seed: the first epoch at which a GAN covers fewer than 10 classes or its recall "
                   f"falls below {M.COLLAPSE_RECALL:g}, and the onset, the first epoch from which that holds at every "
                   "later epoch; none: never within the budget.", column_format=wrapped_first_column(table, "7.5cm"))
    return table


def collapse_epochs(frame: pd.DataFrame, scores: pd.DataFrame | None) -> tuple[dict[str, str], dict[str, str]]:
    """Per run: (the first epoch under the collapse rule, the persistent onset), as text ('none': never)."""
    from cgan_study.study import metrics as M

    first, onset = {}, {}
    for r in frame.itertuples():
        part = scores[scores["run"] == r.run] if scores is not None and not scores.empty else pd.DataFrame()
        if part.empty:   # no per-epoch scores: the stored onset is all there is
            stored = getattr(r, "collapse_onset_epoch")
            first[r.run] = onset[r.run] = _epoch_text(stored)
            continue
        rows = [{k: v for k, v in row.items() if v == v} for row in part.sort_values("epoch").to_dict("records")]
        under = [int(row["epoch"]) for row in rows if M.is_collapsed(row)]
        at = M.collapse_onset(rows)
        first[r.run] = str(under[0]) if under else "none"
        onset[r.run] = str(at) if at is not None else "none"
    return first, onset


def _epoch_text(value) -> str:
    """A stored onset as the table prints it: an epoch number (a CSV column may read it as 2.0), or 'none'."""
    if value is None or value != value or str(value) == "none":
        return "none"
    try:
        return str(int(float(value)))
    except ValueError:
        return str(value)


def scorer_agreement(sweep_dir: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The success rate by both scorers per conditional variant, and the class where they disagree most."""
    import numpy as np

    if "success_rate_second" not in frame:
        return pd.DataFrame()
    rows = []
    for variant, group in frame[frame["success_rate_second"].notna()].groupby("variant", sort=False):
        a, b = group["success_rate"], group["success_rate_second"]
        per_a, per_b = [], []
        for run in group["run"]:
            m = results.read_json(Path(sweep_dir) / run / results.METRICS)
            per_a.append(m["success_rate_per_class"])
            per_b.append(m["success_rate_second_per_class"])
        gap = np.mean(per_a, axis=0) - np.mean(per_b, axis=0)
        worst = int(np.argmax(np.abs(gap)))
        rows.append({"_variant": variant, "_a": a.mean(), "_b": b.mean(), "_agree": group["scorers_agree"].mean(),
                     "_class": worst, "_class_a": np.mean(per_a, axis=0)[worst],
                     "_class_b": np.mean(per_b, axis=0)[worst],
                     "_acc_a": group["scorer_test_accuracy"].iloc[0],
                     "_acc_b": group["second_scorer_test_accuracy"].iloc[0],
                     "variant": group["label"].iloc[0],
                     "success, scorer (%)": fmt(a.mean(), a.std(), len(a)).replace(f" (n={len(a)})", ""),
                     "success, check CNN (%)": fmt(b.mean(), b.std(), len(b)).replace(f" (n={len(b)})", ""),
                     "labels agree (%)": f"{100 * group['scorers_agree'].mean():.2f}",
                     "largest class gap": f"{worst}: {100 * np.mean(per_a, axis=0)[worst]:.1f} vs "
                                          f"{100 * np.mean(per_b, axis=0)[worst]:.1f}",
                     "n": len(group)})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    first = frame.dropna(subset=["success_rate_second"]).iloc[0]
    long, table = table, table[[c for c in table.columns if not c.startswith("_")]]
    save_table(sweep_dir, "scorer_agreement", table, "Success rate by the project's scorer (test accuracy "
                f"{100 * first['scorer_test_accuracy']:.2f}\\%) and by the GAN study's check CNN, trained apart (the "
                f"scorer's design at another width and seed; {100 * first['second_scorer_test_accuracy']:.2f}\\%; "
                "not the generators table's second scorer, which pools globally); labels agree: how often the two "
                "predict the same class; largest class gap: the requested class where their per-class success rates "
                "differ most (scorer vs check CNN, \\%).", wide=True)
    return long


def gan_study_extras(sweep_dir: Path, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What the tricks and search sweeps add to the variant table: curves, onset table, scorer agreement."""
    frame = with_labels(frame)
    out = {}
    scores = epoch_scores(sweep_dir, frame)
    if not scores.empty:
        epoch_curves(sweep_dir, scores)
        out["epoch_scores"] = scores
    onset = collapse_onset_table(sweep_dir, frame, scores)
    if not onset.empty:
        out["collapse_onset"] = onset
        first, at = collapse_epochs(frame, scores)
        out["collapse_onset_long"] = frame[["run", "variant", "label", "change", "collapse", "group",
                                            config_column("gan.epochs")]].rename(
            columns={config_column("gan.epochs"): "epochs"}).assign(
            first_collapsed_epoch=frame["run"].map(first), collapse_onset_epoch=frame["run"].map(at))
    agreement = scorer_agreement(sweep_dir, frame)
    if not agreement.empty:
        out["scorer_agreement_long"] = agreement
    return out
