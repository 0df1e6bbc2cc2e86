"""CLI: regenerate every table, figure and the IEEE paper from results/ (python -m experiments.report).

It only reads finished runs: the sweeps train and evaluate (the `analysis` sweep computes the Q5 embeddings and
confidences); this draws tables and figures, chooses the findings by their rules and builds the paper.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

MISSING = "--"   # a number whose experiment has no finished runs: a dash, never an invented value
# Tables the paper \input's, by the sweep that writes them.
PAPER_TABLES = {"generators": ("generators",),
                "mix_ratios": ("few_shot_paired", "mix_grid_paired", "cas", "mix_grid", "few_shot"),
                "synth_amount": ("synth_amount",), "mix_ratios_budget": ("budget_check",),
                "tricks": ("tricks", "tricks_paired", "collapse_onset", "scorer_agreement"),
                "gan_search": ("search",), "gan_search_best": ("search_best",), "diffusion_samplers": ("samplers",),
                "diffusion_guidance": ("guidance_target",)}
SWEEP_FIGURES = {"mix_ratios": ("few_shot_curves.pdf",),
                 "tricks": ("variant_grids.png", "collapse_grids.png", "epochs_tricks.pdf", "epochs_collapse.pdf"),
                 "diffusion_samplers": ("progressive.png", "guidance.pdf")}
# generated/<name>.tex -> (paper/sections/<file>.tex, the sweep whose figures it shows); without that sweep's
# results a sentence says so instead.
SECTIONS = {"tricks_section": ("tricks", "tricks"), "tricks_appendix": ("tricks_appendix", "tricks"),
            "diffusion_appendix": ("diffusion_appendix", "diffusion_samplers")}
ANALYSIS_FIGURES = ("embedding.pdf", "confidence.pdf", "gan_training.pdf", "cgan_samples.png")


def _missing_table(name: str, what: str) -> str:
    return (f"\\begin{{table}}[t]\\centering\\caption{{{what}: no finished runs in the results yet.}}"
            f"\\label{{tab:{name}}}\\begin{{tabular}}{{l}}\\toprule not run \\\\ \\bottomrule\\end{{tabular}}"
            "\\end{table}\n")


def _first(frame, column: str):
    return None if frame is None or column not in frame or frame[column].dropna().empty else \
        frame[column].dropna().iloc[0]


DIFFUSION_NUMBERS = ("diffT", "diffSchedule", "diffWidth", "diffPUncond", "diffEpochs", "diffLr", "diffEma",
                     "diffSteps", "diffEta")


def config_numbers(root: Path) -> dict[str, str]:
    """Hyperparameters and sizes as the runs resolved them (their summary.csv config columns), not as typed here."""
    from cgan_study.reporting.tables import finished_runs
    from cgan_study.runtime import results

    def runs(sweep: str):
        return finished_runs(root / sweep) if (root / sweep / results.SUMMARY).exists() else None

    out: dict[str, str] = {}
    gens = runs("generators")
    if gens is not None and not gens.empty:
        cgan = gens[gens["cfg.experiment.augment.generator"] == "cgan"]
        c = "cfg.experiment.gan."
        for key, column, form in (("latentDim", "latent_dim", "{:.0f}"), ("ganEpochs", "epochs", "{:.0f}"),
                                  ("ganBatch", "batch_size", "{:.0f}"), ("ganLr", "g_lr", "{:g}"),
                                  ("ganBetaOne", "beta_1", "{:g}")):
            value = _first(cgan, c + column)
            if value is not None:
                out[key] = form.format(value)
        for key, column in (("gFlops", "gan.g_flops_per_image"), ("dFlops", "gan.d_flops_per_image")):
            value = _first(cgan, column)
            if value is not None:
                out[key] = f"{value / 1e6:.1f}"
        if _first(gens, "cfg.experiment.pca.n_components") is not None:
            out["pcaComponents"] = f"{_first(gens, 'cfg.experiment.pca.n_components'):.0f}"
        if _first(gens, "scorer_test_accuracy") is not None:
            out["scorerAccuracy"] = f"{100 * _first(gens, 'scorer_test_accuracy'):.2f}"
    # The diffusion model as trained and sampled in the generators table; before that row exists, the samplers
    # sweep's runs give the training keys (its sampler keys are the sweep's own, so they are not taken from it).
    samplers = runs("diffusion_samplers")
    diffusion = gens[gens["cfg.experiment.augment.generator"] == "diffusion"] if gens is not None and not gens.empty \
        else None
    c = "cfg.experiment.diffusion."
    trained = diffusion if diffusion is not None and not diffusion.empty else samplers
    for key, column, form in (("diffT", "T", "{:,.0f}"), ("diffSchedule", "schedule", "{}"),
                              ("diffWidth", "width", "{:.0f}"), ("diffPUncond", "p_uncond", "{:g}"),
                              ("diffEpochs", "epochs", "{:.0f}"), ("diffLr", "lr", "{:g}"),
                              ("diffEma", "ema_decay", "{:g}")):
        value = _first(trained, c + column)
        if value is not None:
            out[key] = form.format(value)
    if diffusion is not None and not diffusion.empty:
        for key, column, form in (("diffSteps", "sample_steps", "{:.0f}"), ("diffEta", "eta", "{:g}")):
            value = _first(diffusion, c + column)
            if value is not None:
                out[key] = form.format(value)
    mix = runs("mix_ratios")
    if mix is not None and not mix.empty:
        c = "cfg.experiment.classifier."
        for key, column, form in (("clfBatch", c + "batch_size", "{:.0f}"), ("clfWidth", c + "width", "{:.0f}"),
                                  ("clfPeakLr", c + "lr", "{:g}"), ("clfWarmup", c + "warmup", "{:.0%}"),
                                  ("valPerClass", "cfg.experiment.data.val_per_class", "{:.0f}")):
            value = _first(mix, column)   # a summary written before a key existed has no value for it
            if value is not None:
                out[key] = form.format(value).rstrip("%")
        if _first(mix, c + "epochs") is not None and _first(mix, c + "steps_per_epoch") is not None:
            out["clfSteps"] = f"{_first(mix, c + 'epochs') * _first(mix, c + 'steps_per_epoch'):,.0f}"
        seeds = mix.groupby([col for col in mix.columns if col.startswith("cfg.experiment.augment.")],
                            dropna=False)["cfg.experiment.seed"].nunique()
        out["nSeeds"] = f"{seeds.min():.0f}" if seeds.min() == seeds.max() else f"{seeds.min():.0f}--{seeds.max():.0f}"
        if "n_real" in mix:
            full = mix[(mix["cfg.experiment.augment.real_fraction"] == 1.0) &
                       (mix["cfg.experiment.augment.real_per_class"] == 0)]
            if len(full):
                out["nTrain"] = f"{int(full['n_real'].max()):,}"
    return out


def analysis_outputs(root: Path) -> tuple[dict[str, str], dict[str, str], dict[str, Path]]:
    """Figures drawn from the analysis sweep's files, with its numbers and the confidence finding."""
    import pandas as pd

    from cgan_study.runtime import results
    from cgan_study.study import analysis
    from cgan_study.study.tasks import GAN_HISTORY

    runs = sorted(p for p in (root / "analysis").glob("*/") if (p / results.DONE).exists())
    if not runs:
        return {}, {}, {}
    run, out_dir = runs[0], root / "analysis" / "figures"
    info = results.read_json(run / analysis.ANALYSIS_JSON)
    analysis.plot_embeddings(pd.read_csv(run / analysis.EMBEDDINGS_CSV), root / "analysis")
    analysis.plot_confidences(pd.read_csv(run / analysis.CONFIDENCES_CSV), root / "analysis")
    analysis.plot_training_curves(results.read_jsonl(run / GAN_HISTORY), root / "analysis")
    results.write_bytes(out_dir / "cgan_samples.png", (run / "samples.png").read_bytes())
    numbers = {"embedN": f"{info['embed_n']:,}", "nnAccuracy": f"{100 * info['nn_two_sample_accuracy']:.1f}"}
    t = info["confident_threshold"]
    finding = {"findConfidence": (
        f"The scorer gives a top-class confidence of at least {t:g} to {100 * info['confident_synthetic']:.1f}% of "
        f"{info['confidence_n']:,} CGAN digits and {100 * info['confident_real']:.1f}% of {info['confidence_n']:,} "
        f"real test digits ({100 * info['confident_synthetic_coursework']:.0f}% and "
        f"{100 * info['confident_real_coursework']:.0f}% of the coursework's 100 of each).")}
    figures = {name: out_dir / name for name in ANALYSIS_FIGURES if (out_dir / name).exists()}
    return numbers, finding, figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.report", description=__doc__)
    p.add_argument("--profile", default="quick")
    p.add_argument("--out", default=None, help="results root (default as for experiments.sweep)")
    p.add_argument("--paper-dir", default="paper", type=Path)
    p.add_argument("--no-pdf", action="store_true", help="write generated/ but do not run latexmk")
    args = p.parse_args(argv)
    started = time.perf_counter()

    from cgan_study.reporting import findings, paper
    from cgan_study.reporting.report import report_sweep
    from experiments.sweep import default_out
    from experiments.sweeps import SWEEPS

    root = Path(args.out) if args.out else default_out(args.profile)
    all_tables, tex_tables, figures = {}, {}, {}
    for name in SWEEPS:
        all_tables.update(report_sweep(name, root / name))
        for table in PAPER_TABLES.get(name, ()):
            path = root / name / "tables" / f"{table}.tex"
            if path.exists():
                tex_tables[table] = path.read_text()
        for fig in SWEEP_FIGURES.get(name, ()):
            if (root / name / "figures" / fig).exists():
                figures[fig] = root / name / "figures" / fig

    numbers = {"profileName": args.profile, **config_numbers(root)}
    found = findings.study_findings(all_tables)
    a_numbers, a_finding, a_figures = analysis_outputs(root)
    numbers.update(a_numbers)
    found.update(a_finding)
    figures.update(a_figures)
    if "tricks_means" in all_tables:
        numbers.update(findings.tricks_numbers(all_tables["tricks_means"]))
    for section, (source, sweep) in SECTIONS.items():
        if all(f in figures for f in SWEEP_FIGURES[sweep]) and (root / sweep / "summary.csv").exists():
            tex_tables[section] = (args.paper_dir / "sections" / f"{source}.tex").read_text()
        else:
            name = sweep.replace("_", "\\_")
            tex_tables[section] = f"The \\texttt{{{name}}} sweep has no results for this profile yet.\n"

    for name in ("profileName", "latentDim", "ganEpochs", "ganBatch", "ganLr", "ganBetaOne", "gFlops", "dFlops",
                 "pcaComponents", "scorerAccuracy", "clfSteps", "clfBatch", "clfWidth", "clfPeakLr", "clfWarmup",
                 "valPerClass", "nSeeds", "nTrain", "embedN", "nnAccuracy", *DIFFUSION_NUMBERS,
                 *findings.TRICKS_NUMBERS):
        numbers.setdefault(name, MISSING)
    for tables in PAPER_TABLES.values():
        for table in tables:
            tex_tables.setdefault(table, _missing_table(table, table.replace("_", " ")))
    missing = [n for n, v in numbers.items() if v == MISSING]
    if missing:
        print(f"report: no finished runs yet for: {', '.join(sorted(missing))}")
    wanted_figures = ("few_shot_curves.pdf", *ANALYSIS_FIGURES)
    missing_figs = [f for f in wanted_figures if f not in figures]
    paper.write_generated(args.paper_dir, numbers, found, tex_tables, figures)
    if args.no_pdf or missing_figs:
        print(f"report: generated/ in {args.paper_dir}/ (PDF not built"
              f"{': figures missing: ' + ', '.join(missing_figs) if missing_figs else ''})")
        return 0 if args.no_pdf else 1
    try:
        pdf = paper.build(args.paper_dir)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = paper.layout_problems(args.paper_dir)
    for problem in problems:
        print(f"layout: {problem}")
    print(f"report: {pdf} ({paper.page_count(pdf)} pages) built in {time.perf_counter() - started:.0f}s")
    return 1 if problems else 0


if __name__ == "__main__":
    from experiments import run_main

    sys.exit(run_main(main))
