"""The diffusion reports: every sampler of one trained model (diffusion_samplers) and guided sampling against the
quality target (diffusion_guidance)."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cgan_study.reporting.figures import figure, grid_panels, save_figure
from cgan_study.reporting.labels import fmt_difference, sampler_label
from cgan_study.reporting.stats import paired_differences, t_interval
from cgan_study.reporting.tables import finished_runs, save_table
from cgan_study.runtime import results

D = "cfg.experiment.diffusion."


def diffusion_samplers_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Quality and seconds per 1,000 digits of every sampler of one trained model; the progressive figures."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty:
        return {}
    frame = frame.sort_values([D + "sampler", D + "sample_steps", D + "eta", D + "guidance"],
                              key=lambda c: c != "ddpm" if c.name == D + "sampler" else c)  # DDPM first
    frame["label"] = [sampler_label(*a) for a in zip(frame[D + "sampler"], frame[D + "sample_steps"],
                                                     frame[D + "eta"], frame[D + "guidance"], frame[D + "T"])]
    rows = [{"sampler": r.label, "success (%)": f"{100 * r.success_rate:.2f}", "IS": f"{r.inception_score:.2f}",
             "FID": f"{r.fid:.1f}", "prec. (%)": f"{100 * r.precision:.1f}", "rec. (%)": f"{100 * r.recall:.1f}",
             "s / 1,000 digits": f"{r.sample_seconds_per_1000:.1f}"} for r in frame.itertuples()]
    table = pd.DataFrame(rows)
    n = int(frame["n_samples"].iloc[0])
    vs = sampler_vs_ddpm(frame)
    if not vs.empty:  # each sampler against DDPM: how much faster, and its success rate's difference
        by_run = vs.set_index("run")
        table["speed-up vs DDPM"] = [f"{by_run.loc[r, 'speedup']:.1f}x" if r in by_run.index else "--"
                                     for r in frame["run"]]
        table["success vs DDPM (points)"] = [
            fmt_difference(by_run.loc[r, "diff"], by_run.loc[r, "low"], by_run.loc[r, "high"], n)
            if r in by_run.index else "--" for r in frame["run"]]
    save_table(sweep_dir, "samplers", table, f"One trained conditional diffusion model sampled {n:,} times per "
                "sampler (100 per class), scored by the scoring CNN; FID on this sample size compares samplers "
                "with each other only. Seconds per 1,000 digits measured on this machine; success against DDPM: "
                "difference [95\\% interval of a difference of two binomial proportions].", wide=True)
    plain = frame[(frame[D + "sampler"] == "ddim") & (frame[D + "guidance"] == 0)].sort_values(D + "sample_steps")
    ddpm = frame[frame[D + "sampler"] == "ddpm"]
    fig, _ = figure(3.4, 2.2)
    fig.clf()
    for i, (column, label, title, scale) in enumerate((("success_rate", "success rate (%)", "success rate", 100),
                                                       ("fid", "FID", "FID", 1))):
        ax = fig.add_subplot(1, 2, i + 1)
        for eta, style in ((0.0, "o-"), (1.0, "s-")):
            ddim = plain[plain[D + "eta"] == eta]
            if not ddim.empty:
                ax.plot(ddim[D + "sample_steps"], scale * ddim[column], style, markersize=3,
                        label=f"DDIM, eta {eta:g}" + (" (deterministic)" if eta == 0 else ""))
        if not ddpm.empty:
            ax.axhline(scale * ddpm[column].iloc[0], color="tab:red", linewidth=0.8, linestyle="--",
                       label=f"DDPM ({int(ddpm[D + 'T'].iloc[0])} steps)")
        ax.set_xscale("log")
        ax.set_xlabel("sampling steps")
        ax.set_ylabel(label)
        ax.set_title(f"({'ab'[i]}) {title}", fontsize=7)
    # One legend for both panels, below them (off the data).
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=6, frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.09, 1, 1), w_pad=1.0)
    save_figure(sweep_dir, "samplers", fig)
    guidance_figure(sweep_dir, frame)
    # The progressive figure: DDPM beside plain DDIM with 50 steps (deterministic, unguided).
    shown = (frame[D + "sampler"] == "ddpm") | ((frame[D + "sampler"] != "ddpm") & (frame[D + "sample_steps"] == 50) &
                                                (frame[D + "eta"] == 0) & (frame[D + "guidance"] == 0))
    panels = [(sweep_dir / run / "progressive.png", label) for run, label in zip(frame[shown]["run"],
                                                                                 frame[shown]["label"])]
    if panels and all(path.exists() for path, _ in panels):
        grid_panels(sweep_dir, "progressive", panels, cols=len(panels))
    return {"samplers": table, "samplers_long": frame, "samplers_vs_ddpm": vs}


def guidance_figure(sweep_dir: Path, frame: pd.DataFrame) -> None:
    """Success, FID and recall against the classifier-free guidance scale, for every DDIM setting sampled at more
    than one scale: the fidelity/diversity trade-off."""
    ddim = frame[frame[D + "sampler"] == "ddim"]
    settings = [(key, group.sort_values(D + "guidance")) for key, group in ddim.groupby([D + "sample_steps", D + "eta"])
                if group[D + "guidance"].nunique() >= 2]
    if not settings:
        return
    fig, _ = figure(3.4, 1.9)
    fig.clf()
    for i, (column, label, title) in enumerate((("success_rate", "success rate (%)", "success rate"),
                                                ("fid", "FID", "FID"), ("recall", "recall (%)", "recall"))):
        ax = fig.add_subplot(1, 3, i + 1)
        scale = 1 if column == "fid" else 100
        for (steps, eta), group in settings:
            ax.plot(group[D + "guidance"], scale * group[column], "o-", markersize=3,
                    label=f"DDIM, {int(steps)} steps, eta {eta:g}")
        ax.set_xlabel("guidance w")
        ax.set_ylabel(label)
        ax.set_title(f"({'abc'[i]}) {title}", fontsize=7)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(settings), fontsize=6, frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.11, 1, 1), w_pad=0.8)
    save_figure(sweep_dir, "guidance", fig)


def sampler_vs_ddpm(frame: pd.DataFrame) -> pd.DataFrame:
    """Every non-DDPM sampler against DDPM: the speed-up in seconds per 1,000 digits and the success-rate
    difference with a 95% normal interval for two independent binomial proportions (each sampler draws its own
    samples, so nothing pairs them)."""
    ddpm = frame[frame[D + "sampler"] == "ddpm"]
    if ddpm.empty:
        return pd.DataFrame(columns=["run", "speedup", "diff", "low", "high"])
    base = ddpm.iloc[0]
    p0, n0 = float(base["success_rate"]), int(base["n_samples"])
    rows = []
    for _, r in frame[frame[D + "sampler"] != "ddpm"].iterrows():
        p1, n1 = float(r["success_rate"]), int(r["n_samples"])
        half = 1.959964 * math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
        rows.append({"run": r["run"], "sampler": r.get("label", r["run"]), "steps": int(r[D + "sample_steps"]),
                     "eta": float(r[D + "eta"]), "guidance": float(r[D + "guidance"]),
                     "speedup": float(base["sample_seconds_per_1000"]) / float(r["sample_seconds_per_1000"]),
                     "diff": p1 - p0, "low": p1 - p0 - half, "high": p1 - p0 + half, "base_success": p0,
                     "fid": float(r.get("fid", float("nan"))), "base_fid": float(base.get("fid", float("nan")))})
    return pd.DataFrame(rows)


def same_models_unguided(guided: pd.DataFrame, sources: list[pd.DataFrame]) -> pd.DataFrame:
    """The unguided rows that pair with guided ones: the same trained models (seed, width, epochs) sampled by the
    same sampler (steps, eta), from the first source that has each seed."""
    seed = "cfg.experiment.seed"
    keys = [seed] + [D + k for k in ("width", "epochs", "sample_steps", "eta")]
    wanted = guided[keys].drop_duplicates()
    found = []
    for source in sources:
        if source.empty or not set(keys) <= set(source.columns):
            continue
        rows = source[(source["generator"] == "diffusion") & (source[D + "guidance"] == 0)]
        found.append(rows.merge(wanted, on=keys, how="inner"))
    if not found:
        return guided.iloc[0:0]
    return pd.concat(found).drop_duplicates(seed, keep="first")


def diffusion_guidance_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Guided diffusion at the generators table's sample size, beside the same models unguided (the generators
    sweep's rows of the same seeds) and the CGAN's mean: the quality target in one table."""
    sweep_dir = Path(sweep_dir)
    guided = finished_runs(sweep_dir)
    generators_dir = sweep_dir.parent / "generators"
    if guided.empty or not (generators_dir / results.SUMMARY).exists():
        return {}
    base = finished_runs(generators_dir)
    seed, w = "cfg.experiment.seed", "cfg.experiment.diffusion.guidance"
    seeds = sorted(guided[seed].unique())
    unguided = same_models_unguided(guided, [base] + ([finished_runs(sweep_dir.parent / "diffusion_recipes")]
                                                      if (sweep_dir.parent / "diffusion_recipes" /
                                                          results.SUMMARY).exists() else []))
    cgan = base[base["generator"] == "cgan"]
    rows = []
    for scale, group in pd.concat([unguided, guided]).groupby(w, sort=True):
        seeds_used = " ".join(str(int(v)) for v in sorted(group[seed]))
        rows.append({"guidance": float(scale), "n": len(group), "seeds": seeds_used,
                     "success_rate": group["success_rate"].mean(), "fid": group["fid"].mean(),
                     "precision": group["precision"].mean(), "recall": group["recall"].mean(),
                     "n_samples": int(group["n_samples"].iloc[0])})
    long = pd.DataFrame(rows)
    long["cgan_success_rate"] = cgan["success_rate"].mean() if not cgan.empty else float("nan")
    long["cgan_fid"] = cgan["fid"].mean() if not cgan.empty else float("nan")
    table = pd.DataFrame([{"guidance w": f"{r.guidance:g}", "success (%)": f"{100 * r.success_rate:.2f}",
                           "FID": f"{r.fid:.1f}", "prec. (%)": f"{100 * r.precision:.1f}",
                           "rec. (%)": f"{100 * r.recall:.1f}", "seeds": r.seeds} for r in long.itertuples()])
    if not cgan.empty:
        table.loc[len(table)] = {"guidance w": f"CGAN (n = {len(cgan)})",
                                 "success (%)": f"{100 * cgan['success_rate'].mean():.2f}",
                                 "FID": f"{cgan['fid'].mean():.1f}",
                                 "prec. (%)": f"{100 * cgan['precision'].mean():.1f}",
                                 "rec. (%)": f"{100 * cgan['recall'].mean():.1f}", "seeds": "--"}
    save_table(sweep_dir, "guidance_target", table,
                f"The study's diffusion models (DDIM, {int(guided[D + 'sample_steps'].iloc[0])} steps, "
                f"$\\eta = {guided[D + 'eta'].iloc[0]:g}$) sampled "
                f"{int(long['n_samples'].iloc[0]):,} times per guidance scale, scored like the generators table "
                "(w = 0: the same models unguided, by the same sampler); the last row is the CGAN's mean over its "
                "seeds.")
    return {"guidance_target": table, "guidance_target_long": long}


# --------------------------------------------------------------------------- recipes: cost against quality

RECIPE_METRICS = (  # (column, shown as, scale, lower is better): every one a choosing metric, none test-referenced
    ("fid_train", "FID (train ref.)", 1.0, True), ("recall_train", "recall (train ref., %)", 100.0, False),
    ("success_rate", "success (%)", 100.0, False), ("cas_val", "CAS (validation, %)", 100.0, False))


def recipe_label(width: int, epochs: int, steps: int, guidance: float) -> str:
    return f"U-Net {int(width)}, {int(epochs)} ep., DDIM-{int(steps)}" + (f", w {guidance:g}" if guidance else "")


def recipe_arms(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per recipe arm and seed, with its label and its baseline arm: today's recipe (the widest U-Net,
    most sampling steps, unguided) for a cost candidate; the same arm unguided for a guided one."""
    frame = frame.copy()
    keys = [D + "width", D + "epochs", D + "sample_steps", D + "guidance"]
    frame["arm"] = [recipe_label(*k) for k in zip(*(frame[c] for c in keys))]
    unguided = frame[frame[D + "guidance"] == 0]
    today = unguided.sort_values([D + "width", D + "epochs", D + "sample_steps"], ascending=False)["arm"].iloc[0]
    frame["baseline"] = [recipe_label(w, e, s, 0.0) if g else today
                         for w, e, s, g in zip(*(frame[c] for c in keys))]
    frame["is_today"] = frame["arm"] == today
    return frame


# The guidance rule, fixed before the guided arm ran (issue 42): classifier-free guidance is adopted for the study
# only if, paired by trained model against the same sampler unguided, it raises the validation CAS (the paired 95%
# interval above 0: the downstream use of the digits) without raising the training-referenced FID (that interval
# not above 0). Otherwise the study samples unguided (w = 0, its default since before any run). It reads the
# choosing metrics' paired columns only: no test-referenced column exists among them.
GUIDANCE_RULE_COLUMNS = ("cas_val_diff_low", "fid_train_diff_low")


def guidance_choice(long: pd.DataFrame) -> dict:
    """The guidance scale the rule adopts from the recipes' paired rows: {'guidance', 'arm', 'reason'}; w = 0
    when no guided arm has run or none passes. Reads only GUIDANCE_RULE_COLUMNS of the guided rows."""
    guided = long[long["guidance"] > 0] if "guidance" in long else long.iloc[0:0]
    if guided.empty:
        return {"guidance": 0.0, "arm": None, "reason": "no guided arm has run: the default, w = 0"}
    passing = guided[(guided["cas_val_diff_low"] > 0) & ~(guided["fid_train_diff_low"] > 0)]
    if passing.empty:
        return {"guidance": 0.0, "arm": None,
                "reason": "no guided arm raises the validation CAS (paired interval above 0) without raising the "
                          "training-referenced FID: w = 0 stays"}
    best = passing.sort_values("cas_val_diff_low", ascending=False).iloc[0]
    return {"guidance": float(best["guidance"]), "arm": best["arm"],
            "reason": "raises the validation CAS (paired interval above 0) without raising the training-referenced FID"}


def diffusion_recipes_report(sweep_dir: Path | str) -> dict[str, pd.DataFrame]:
    """Each recipe's cost (training minutes, seconds per 1,000 samples) and quality on the choosing metrics, paired
    by seed against its baseline arm; a cost candidate is adoptable when its mean FID (training reference) and
    validation CAS lie within today's 95% interval or beyond it on the better side."""
    sweep_dir = Path(sweep_dir)
    frame = finished_runs(sweep_dir)
    if frame.empty or "cas_val" not in frame:
        return {}
    frame = recipe_arms(frame).sort_values("is_today", ascending=False, kind="stable")   # today's arm first
    seed = "cfg.experiment.seed"
    today = frame[frame["is_today"]]
    rows, shown = [], []
    for arm, group in frame.groupby("arm", sort=False):
        base = frame[frame["arm"] == group["baseline"].iloc[0]]
        row = {"arm": arm, "baseline": group["baseline"].iloc[0], "n": len(group),
               **{key: group[D + key].iloc[0] for key in ("width", "epochs", "sample_steps", "guidance")},
               "train_minutes": group["gan.train_seconds"].mean() / 60,
               "sample_seconds_per_1000": group["sample_seconds_per_1000"].mean()}
        line = {"recipe": arm, "train (min)": f"{row['train_minutes']:.0f}",
                "s / 1,000": f"{row['sample_seconds_per_1000']:.1f}"}
        within = []
        versus = {"recipe": "\\quad vs its baseline", "train (min)": "", "s / 1,000": ""}   # the paired row
        for column, name, scale, lower_better in RECIPE_METRICS:
            mean, low, high, _ = t_interval(group[column])
            row.update({column: mean, f"{column}_low": low, f"{column}_high": high})
            line[name] = f"{scale * mean:.1f}" if scale == 1.0 else f"{scale * mean:.2f}"
            if arm != group["baseline"].iloc[0]:
                d = paired_differences(group, base, [seed], ["arm"], value=column).iloc[0]
                row.update({f"{column}_diff": d.mean_diff, f"{column}_diff_low": d.low, f"{column}_diff_high": d.high})
                # On a row of its own below the arm's: one cell each, so the table fits the text width at 8 pt.
                versus[name] = fmt_difference(d.mean_diff, d.low, d.high, int(d.n), scale=scale,
                                              digits=1 if scale == 1.0 else 2)
            if column in ("fid_train", "cas_val"):
                _, t_low, t_high, _ = t_interval(today[column])
                within.append(mean <= t_high if lower_better else mean >= t_low)
        row["adoptable"] = bool(all(within)) and not group["is_today"].iloc[0] and \
            not (group[D + "guidance"] > 0).any()
        rows.append(row)
        shown.append(line)
        if len(versus) > 3:
            shown.append(versus)
    long = pd.DataFrame(rows)
    candidates = long[long["adoptable"]]
    long["adopted"] = False
    if not candidates.empty:  # the cheapest adoptable recipe: training plus sampling 60,000 digits (one CAS set)
        cost = candidates["train_minutes"] * 60 + 60 * candidates["sample_seconds_per_1000"]
        long.loc[cost.idxmin(), "adopted"] = True
    table = pd.DataFrame(shown)
    n_samples = int(frame["n_samples"].iloc[0])
    choice = guidance_choice(long)
    long["guidance_adopted"] = [bool(choice["arm"] == arm) for arm in long["arm"]]
    results.write_csv(sweep_dir / "tables" / "recipes_long.csv", long)
    save_table(sweep_dir, "recipes", table,
               f"Diffusion recipes, {len(frame[seed].unique())} seeds each (each seed its own training), "
               f"{n_samples:,} samples per model. FID and recall against real training images, CAS on the "
               "validation split (the test images only report). Below a recipe: its paired difference to its "
               "baseline arm (today's recipe; for guided sampling, the same sampler unguided) "
               "[95\\% interval]. Minutes and seconds measured on 2 CPU cores shared by two runs. Guidance: "
               f"w = {choice['guidance']:g} ({choice['reason']}).", wide=True)
    return {"recipes": table, "recipes_long": long}
