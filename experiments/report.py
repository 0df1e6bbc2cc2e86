"""CLI: regenerate every table, figure and the IEEE paper from results/ (python -m experiments.report).

It only reads finished runs: the sweeps train and evaluate (the `analysis` sweep computes the Q5 embeddings and
confidences); this draws tables and figures, checks every claim of the written prose against its interval
(reporting/claims.py, each sweep module's declared comparisons) and builds paper/main.pdf and paper/supplement.pdf.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from cgan_study.sweeps import second_datasets as second_dataset_names

MISSING = "--"   # a number whose experiment has no finished runs: a dash, never an invented value
# The tables and figures the papers read of each sweep are declared with the sweep (cgan_study/sweeps/<name>.py:
# paper_tables, supplement_tables, figures); the analysis sweep's figures are drawn here, from its files.
ANALYSIS_FIGURES = ("embedding.pdf", "confidence.pdf", "confidence_all.pdf", "gan_training.pdf", "cgan_samples.png")


def _missing_table(name: str, what: str) -> str:
    return (f"\\begin{{table}}[t]\\centering\\caption{{{what}: no finished runs in the results yet.}}"
            f"\\label{{tab:{name}}}\\begin{{tabular}}{{l}}\\toprule not run \\\\ \\bottomrule\\end{{tabular}}"
            "\\end{table}\n")


def _first(frame, column: str):
    return None if frame is None or column not in frame or frame[column].dropna().empty else \
        frame[column].dropna().iloc[0]


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
        seeds = mix.groupby([col for col in mix.columns if col.startswith("cfg.experiment.augment.")],
                            dropna=False)["cfg.experiment.seed"].nunique()
        out["nSeeds"] = f"{seeds.min():.0f}" if seeds.min() == seeds.max() else f"{seeds.min():.0f}--{seeds.max():.0f}"
        if "n_real" in mix:
            full = mix[(mix["cfg.experiment.augment.real_fraction"] == 1.0) &
                       (mix["cfg.experiment.augment.real_per_class"] == 0)]
            if len(full):
                out["nTrain"] = f"{int(full['n_real'].max()):,}"
    return out


def analysis_outputs(root: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """Figures drawn from the analysis sweep's files, with the numbers the prose quotes from it."""
    import pandas as pd

    from cgan_study.reporting.stats import wilson_interval
    from cgan_study.runtime import results
    from cgan_study.study import analysis
    from cgan_study.study.tasks import GAN_HISTORY

    runs = sorted(p for p in (root / "analysis").glob("*/") if (p / results.DONE).exists())
    if not runs:
        return {}, {}
    run, out_dir = runs[0], root / "analysis" / "figures"
    info = results.read_json(run / analysis.ANALYSIS_JSON)
    analysis.plot_embeddings(pd.read_csv(run / analysis.EMBEDDINGS_CSV), root / "analysis")
    analysis.plot_confidences(pd.read_csv(run / analysis.CONFIDENCES_CSV), root / "analysis")
    analysis.plot_training_curves(results.read_jsonl(run / GAN_HISTORY), root / "analysis")
    results.write_bytes(out_dir / "cgan_samples.png", (run / "samples.png").read_bytes())
    # The 1-NN guesses (one per embedded digit of both sets) as binomial trials: approximate, since leave-one-out
    # guesses share neighbours, but it says whether 50% (indistinguishable) is within reach of the measured accuracy.
    guesses = 2 * int(info["embed_n"])
    nn_low, nn_high = wilson_interval(round(info["nn_two_sample_accuracy"] * guesses), guesses)
    numbers = {"embedN": f"{info['embed_n']:,}", "nnAccuracy": f"{100 * info['nn_two_sample_accuracy']:.1f}",
               "nnLow": f"{100 * nn_low:.1f}", "nnHigh": f"{100 * nn_high:.1f}",
               "confidenceThreshold": f"{info['confident_threshold']:g}",
               "confidentSynthetic": f"{100 * info['confident_synthetic']:.1f}",
               "confidentReal": f"{100 * info['confident_real']:.1f}", "confidenceN": f"{info['confidence_n']:,}",
               "confidentSyntheticCoursework": f"{100 * info['confident_synthetic_coursework']:.0f}",
               "confidentRealCoursework": f"{100 * info['confident_real_coursework']:.0f}"}
    # The same numbers as a table of the results, so that each one the prose quotes traces to a CSV.
    results.write_csv(root / "analysis" / "tables" / "analysis.csv", pd.DataFrame(
        [("embedded digits per set", info["embed_n"]), ("1-NN two-sample accuracy", info["nn_two_sample_accuracy"]),
         ("1-NN accuracy, 95% Wilson interval low", nn_low), ("1-NN accuracy, 95% Wilson interval high", nn_high),
         ("confidence threshold", info["confident_threshold"]),
         ("confident share, 100 real (coursework)", info["confident_real_coursework"]),
         ("confident share, 100 CGAN (coursework)", info["confident_synthetic_coursework"]),
         ("digits per set (confidence)", info["confidence_n"]),
         ("confident share, real", info["confident_real"]), ("confident share, CGAN", info["confident_synthetic"])],
        columns=["quantity", "value"]))
    figures = {name: out_dir / name for name in ANALYSIS_FIGURES if (out_dir / name).exists()}
    return numbers, figures


def collect(root: Path) -> tuple[dict, dict, dict]:
    """Every sweep's report: (all tables by name, the LaTeX tables the papers \\input, figures by file name)."""
    from cgan_study.sweeps import PRIMARY, SWEEPS, report_sweep

    all_tables, tex_tables, figures = {}, {}, {}
    for name, sweep in SWEEPS.items():
        if PRIMARY not in sweep.datasets:   # a second dataset's sweep: read by second_datasets, from its own tree
            continue
        merge_tables(all_tables, report_sweep(name, root / name))
        for table in sweep.tables:
            path = root / name / "tables" / f"{table}.tex"
            if path.exists():
                tex_tables[table] = path.read_text()
        for fig in sweep.figures:
            if (root / name / "figures" / fig).exists():
                figures[fig] = root / name / "figures" / fig
    for name, sweep in SWEEPS.items():   # a second dataset's sweep: its placeholders come from second_datasets
        for table in (sweep.tables if PRIMARY in sweep.datasets else ()):
            tex_tables.setdefault(table, _missing_table(table, table.replace("_", " ")))
    return all_tables, tex_tables, figures


# Long tables that two sweeps of one dataset both write (mix_ratios and mix_ratios_families share a report): their
# rows are concatenated, so comparisons see every arm; a wide, shown table stays the first sweep's.
MERGED = ("few_shot_runs", "few_shot_paired_long", "few_shot_long", "cas_paired_long", "arm_budget_long")
SECOND_DATASETS = second_dataset_names()   # results/<name>/: each read beside MNIST's, never mixed into a cell
# What the supplement shows of a second dataset: (sweep, table), as generated/<table>_<dataset>.tex.
SECOND_DATASET_TABLES = (("replication", "few_shot_paired"), ("replication", "cas"), ("generators", "generators"),
                         ("mix_ratios_budget", "budget_check"),
                         ("semi_supervised_replication", "semi_supervised_paired"),
                         ("semi_supervised_replication", "semi_supervised_vs_fixmatch"),
                         ("gan_losses", "gan_losses_paired"))


def merge_tables(into: dict, tables: dict) -> None:
    import pandas as pd

    for name, table in tables.items():
        if name in MERGED and name in into:
            into[name] = pd.concat([into[name], table], ignore_index=True)
        else:
            into.setdefault(name, table)


def _real_only_all(sweep_dir: Path):
    from cgan_study.reporting.tables import config_column, finished_runs
    from cgan_study.runtime import results

    if not (sweep_dir / results.SUMMARY).exists():
        return None
    runs = finished_runs(sweep_dir)
    full = runs[(runs["strategy"] == "mix") & (runs[config_column("augment.real_per_class")] == 0) &
                (runs[config_column("augment.real_fraction")] == 1.0) &
                (runs[config_column("augment.synth_fraction")] == 0.0)]
    return full["test_accuracy"]


def second_datasets(root: Path, mnist_tables: dict) -> tuple[dict, dict, dict, dict]:
    """The reports of the sweeps declared on each second dataset, from its own tree (results/<dataset>/), its
    comparisons under `<dataset>/<id>`, the side-by-side table and figure with MNIST, and the numbers the prose
    quotes: (comparisons, LaTeX tables, figures, numbers)."""
    from cgan_study.reporting import datasets
    from cgan_study.reporting import paper_numbers as P
    from cgan_study.sweeps import SWEEPS, comparisons, report_sweep

    prefixed, tex, figures, numbers = {}, {}, {}, {}
    by_dataset = {"mnist": comparisons(mnist_tables)}
    runs = {"mnist": mnist_tables.get("few_shot_runs")}
    real_only = {"mnist": _real_only_all(root / "mix_ratios")}
    for name in SECOND_DATASETS:
        tree = root / name
        tables: dict = {}
        for sweep_name in (n for n, sweep in SWEEPS.items() if name in sweep.datasets):   # declared on it
            merge_tables(tables, report_sweep(sweep_name, tree / sweep_name))
        if not tables:
            continue
        by_dataset[name] = comparisons(tables)
        prefixed.update(datasets.prefixed(by_dataset[name], name))
        runs[name] = tables.get("few_shot_runs")
        real_only[name] = _real_only_all(tree / "replication")
        numbers.update(P.second_dataset_numbers(name, tables, real_only[name], tree))
        # The supplement's tables of this dataset, labelled apart from MNIST's (tab:<dataset>-<table>).
        for sweep, table in SECOND_DATASET_TABLES:   # a table not run yet gets its placeholder below
            path = tree / sweep / "tables" / f"{table}.tex"
            if path.exists():
                # Labelled apart, and captioned apart: the dataset's name opens the caption MNIST's table shares.
                tex[f"{table}_{name}"] = path.read_text().replace("\\label{tab:", f"\\label{{tab:{name}-", 1).replace(
                    "\\caption{", f"\\caption{{{datasets.DISPLAY.get(name, name)}. ", 1)
        grids = tree / "generators" / "figures" / "generator_grids.png"
        if grids.exists():
            figures[f"generator_grids_{name}.png"] = grids
    for name in SECOND_DATASETS:   # a dataset not run yet: its tables say so, and the papers still build
        for sweep, table in SECOND_DATASET_TABLES:
            if name not in SWEEPS[sweep].datasets:
                continue   # a sweep not declared on this dataset: the supplement does not input its table
            tex.setdefault(f"{table}_{name}", _missing_table(f"{name}-{table}",
                                                             f"{table.replace('_', ' ')} ({name.replace('_', '-')})"))
    if len(by_dataset) < 2:
        return prefixed, tex, figures, numbers
    out = root / "datasets"
    datasets.side_by_side(out, by_dataset, {k: v for k, v in real_only.items() if v is not None})
    datasets.few_shot_both(out, runs)
    tex["side_by_side"] = (out / "tables" / "side_by_side.tex").read_text()
    if (out / "figures" / "few_shot_both.pdf").exists():
        figures["few_shot_both.pdf"] = out / "figures" / "few_shot_both.pdf"
    return prefixed, tex, figures, numbers


def families_outputs(root: Path, all_tables: dict, tex_tables: dict) -> dict[str, str]:
    """Every generator at k = 10 in one table (the CGAN of mix_ratios beside mix_ratios_families' others), written
    with mix_ratios_families' tables; the numbers the prose quotes of it."""
    from cgan_study.reporting import families

    paired = all_tables.get("few_shot_paired_long")
    if paired is None or paired.empty:
        tex_tables.setdefault("families", _missing_table("families", "Every generator at k = 10"))
        return {}
    from cgan_study.reporting.tables import finished_runs
    from cgan_study.runtime import results

    low_data = root / "low_data_generators"
    low_data_runs = finished_runs(low_data) if (low_data / results.SUMMARY).exists() else None
    from cgan_study.sweeps.common import OTHER_GENERATORS
    from cgan_study.study.presets import DEFAULT_GENERATOR

    out = families.families_table(root / "mix_ratios_families", paired, all_tables.get("cas_paired_long"),
                                  low_data_runs=low_data_runs, expected=(DEFAULT_GENERATOR, *OTHER_GENERATORS))
    all_tables.update(out)
    path = root / "mix_ratios_families" / "tables" / "families.tex"
    tex_tables["families"] = path.read_text() if path.exists() else \
        _missing_table("families", "Every generator at k = 10")
    return families.families_numbers(out.get("families_long"), out.get("families_success"))


def prose_numbers(root: Path, profile: str, all_tables: dict) -> dict[str, str]:
    """Every macro the written prose quotes: resolved configs, the code's constants and what each sweep module
    declares of its results (cgan_study.sweeps.prose_macros)."""
    from cgan_study.reporting import paper_numbers as P
    from cgan_study.sweeps import prose_macros

    return {"profileName": profile, **config_numbers(root), **P.method_numbers(profile),
            **prose_macros(all_tables, root)}


def check_prose(paper_dir: Path, comparisons: dict, strict: bool) -> list[str]:
    """The claims of the written prose against their intervals, and directional words outside a claim. Without
    `strict` (results other than the ones the prose was written for, e.g. a smoke run) only the lint counts."""
    from cgan_study.reporting import claims, prose_lint

    texts = claims.paper_texts(paper_dir)
    lint = [line for source, text in texts.items() if source.startswith("sections/")
            for line in claims.unclaimed_directions(text, source)]
    lint += prose_lint.crowded_sentences(prose_lint.body_sources(paper_dir))   # one decisive number a sentence
    problems = claims.check_claims(texts, comparisons)
    if not strict:
        for problem in problems:
            print(f"report: unchecked (not the study's results): {problem}")
        problems = []
    return lint + problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.report", description=__doc__)
    p.add_argument("--profile", default="quick")
    p.add_argument("--out", default=None, help="results root (default as for experiments.sweep)")
    p.add_argument("--paper-dir", default="paper", type=Path)
    p.add_argument("--no-pdf", action="store_true", help="write generated/ but do not run latexmk")
    p.add_argument("--unchecked-claims", action="store_true",
                   help="results the prose was not written for (e.g. --profile smoke): report claims the results do "
                        "not support instead of failing on them")
    args = p.parse_args(argv)
    started = time.perf_counter()

    from cgan_study.reporting import claims, paper
    from cgan_study.sweeps import comparisons as declared_comparisons
    from experiments.sweep import default_out

    root = Path(args.out) if args.out else default_out(args.profile)
    all_tables, tex_tables, figures = collect(root)
    numbers = prose_numbers(root, args.profile, all_tables)
    a_numbers, a_figures = analysis_outputs(root)
    numbers.update(a_numbers)
    figures.update(a_figures)
    comparisons = declared_comparisons(all_tables)
    numbers.update(families_outputs(root, all_tables, tex_tables))
    more, more_tex, more_figures, more_numbers = second_datasets(root, all_tables)
    comparisons.update(more)
    tex_tables.update(more_tex)
    tex_tables.setdefault("side_by_side", _missing_table("side_by_side", "The headline comparisons on both datasets"))
    # The body's few-shot table: every arm at each k (n = 3) and the k = 10 arms at n = 10, one cell each.
    from cgan_study.reporting.few_shot_compact import compact_table, pool_table

    tex_tables["few_shot_compact"] = compact_table(all_tables.get("few_shot_paired_long"),
                                                   all_tables.get("few_shot_n10_paired_long"),
                                                   all_tables.get("few_shot_long"),
                                                   all_tables.get("few_shot_n10_real")) or \
        _missing_table("few_shot_compact", "The few-shot arms")
    # The unlabelled-pool arms (semi_supervised): their table, or the same rows marked pending until the sweep lands.
    tex_tables["semi_supervised_compact"] = pool_table(all_tables.get("semi_supervised_paired_long"),
                                                       all_tables.get("semi_supervised_vs_fixmatch_long"))
    figures.update(more_figures)
    numbers.update(more_numbers)
    problems = check_prose(args.paper_dir, comparisons, strict=not args.unchecked_claims)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"error: the paper's prose states {len(problems)} thing(s) its results do not support; fix the "
              "text (paper/sections/) or rerun what changed", file=sys.stderr)
        return 1
    wanted = paper.template_macros("\n".join(claims.paper_texts(args.paper_dir).values()))
    for name in sorted(wanted - set(numbers)):
        numbers[name] = MISSING
    missing = [n for n, v in numbers.items() if v == MISSING]
    if missing:
        print(f"report: no finished runs yet for: {', '.join(sorted(missing))}")
    # A figure whose sweep has no results yet is drawn as a panel that says so, as a missing number is a dash:
    # the papers still build, and the reader sees what is missing.
    used = set(re.findall(r"\\includegraphics(?:\[[^]]*\])?\{([^}]+)\}",
                          "\n".join(claims.paper_texts(args.paper_dir).values())))
    missing_figs = sorted(used - set(figures))
    if missing_figs:
        from cgan_study.reporting.figures import placeholder_figure

        print(f"report: no results yet for the figures: {', '.join(missing_figs)}")
        for name in missing_figs:
            figures[name] = placeholder_figure(Path(tempfile.mkdtemp()) / name)
    paper.write_generated(args.paper_dir, numbers, tex_tables, figures,
                          claims.claims_tex(comparisons, strict=not args.unchecked_claims))
    from cgan_study.sweeps.readme import refresh_readme

    refresh_readme(root)   # results/README.md, generated whole (the sweep and table index, a section per sweep)
    if args.no_pdf:
        print(f"report: generated/ in {args.paper_dir}/ (PDF not built)")
        return 0
    try:
        pdfs = paper.build(args.paper_dir)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = paper.layout_problems(args.paper_dir)
    for problem in problems:
        print(f"layout: {problem}")
    print("report: " + ", ".join(f"{pdf} ({paper.page_count(pdf)} pages)" for pdf in pdfs)
          + f" built in {time.perf_counter() - started:.0f}s")
    return 1 if problems else 0


if __name__ == "__main__":
    from experiments import run_main

    sys.exit(run_main(main))
