"""CLI: regenerate every table, figure and the IEEE paper from results/ (python -m experiments.report)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

NA = "n/a"
ANALYSIS_FIGURES = ("embedding_tsne.pdf", "embedding_pca.pdf", "confidence_real.pdf", "confidence_synthetic.pdf",
                    "gan_training.pdf", "cgan_samples.png", "pca_samples.png", "class_interpolation.png")


def _pct(x, digits: int = 2) -> str:
    return NA if x is None else f"{100 * x:.{digits}f}"


def _missing_table(name: str, what: str) -> str:
    return (f"\\begin{{table}}[t]\\centering\\caption{{{what}: no finished runs in results/ yet.}}"
            f"\\label{{tab:{name}}}\\begin{{tabular}}{{l}}\\toprule not run \\\\ \\bottomrule\\end{{tabular}}"
            "\\end{table}\n")


def gan_numbers(exp, ctx, analysis_dir: Path) -> tuple[dict, dict, dict]:
    """Evaluate the default coursework CGAN (inference only) and draw the Q5 figures; {} if not trained yet."""
    import numpy as np
    import pandas as pd

    from cgan_study import analysis, results, stages
    from cgan_study import config as C
    from cgan_study.report import to_latex
    from cgan_study.sampling import sample
    from cgan_study.training import GRID_FILE

    scorer_dir = ctx.cache.path("scorer", stages.scorer_key(exp, ctx))
    gen_dir = stages.generator_path(exp, ctx)
    if not (scorer_dir / results.DONE).exists() or not (gen_dir / results.DONE).exists():
        print("report: the scorer or the default CGAN is not trained yet; run a sweep first (skipping Q5 figures)")
        return {}, {}, {}
    scorer, scorer_info = stages.get_scorer(exp, ctx)
    generator = stages.generator_entry(exp).load(gen_dir)
    gen_info = results.read_json(gen_dir / results.METRICS)
    metrics = stages.evaluate(generator, exp, ctx, seed=0)
    real_x, real_y, synth_x, synth_y = analysis.real_and_synthetic(ctx.data, generator, seed=0)
    frame = analysis.embeddings_frame(scorer, real_x, real_y, synth_x, synth_y)
    results.write_csv(analysis_dir / "tables" / "embeddings.csv", frame)
    analysis.plot_embeddings(frame, analysis_dir)
    analysis.plot_confidences(frame, analysis_dir)
    analysis.plot_training_curves(results.read_jsonl(gen_dir / results.HISTORY), analysis_dir)
    analysis.copy_grid(gen_dir / GRID_FILE, analysis_dir, "cgan_samples")
    analysis.interpolation_png(generator.model, analysis_dir)
    results.write_json(analysis_dir / "cgan_metrics.json", metrics)
    # PCA as a generative model, fitted on the same real digits as the CGAN and scored the same way.
    pca, _, _ = stages.get_generator(C.override(exp, "augment.generator", "pca"), ctx)
    pca_metrics = stages.evaluate(pca, exp, ctx, seed=0)
    results.write_json(analysis_dir / "pca_metrics.json", pca_metrics)
    analysis.copy_grid_array(sample(pca, np.repeat(np.arange(10), 10), seed=1234), analysis_dir, "pca_samples")

    conf = frame.groupby("source")["confidence"].apply(lambda c: float((c >= 0.9).mean()))
    table = pd.DataFrame([
        {"model": "scorer, real test digits", "success (%)": f"{100 * scorer_info['test_accuracy']:.2f}",
         "IS": "--", "FID": f"{metrics['fid_real_reference']:.2f}*", "prec. (%)": "--", "rec. (%)": "--",
         "conf. (%)": f"{100 * conf['real']:.0f}"},
        *[{"model": name, "success (%)": f"{100 * m['success_rate']:.2f}",
           "IS": f"{m['inception_score']:.2f}", "FID": f"{m['fid']:.2f}",
           "prec. (%)": f"{100 * m['precision']:.1f}", "rec. (%)": f"{100 * m['recall']:.1f}",
           "conf. (%)": f"{100 * m['confident_rate']:.1f}"}
          for name, m in (("CGAN (default)", metrics), ("PCA, Gaussian per class", pca_metrics))],
    ])
    tex = to_latex(table, f"Default CGAN against the scorer's real-data reference, n={metrics['n_samples']} "
                          "samples (1,000 per class). *FID of n real training digits against the test set.",
                   "tab:gan", "lrrrrrr")
    numbers = {
        "scorerAccuracy": _pct(scorer_info["test_accuracy"]), "successRate": _pct(metrics["success_rate"]),
        "evalN": f"{metrics['n_samples']:,}", "inceptionScore": f"{metrics['inception_score']:.2f}",
        "fid": f"{metrics['fid']:.2f}", "fidReference": f"{metrics['fid_real_reference']:.2f}",
        "gFlops": f"{gen_info['g_flops_per_image'] / 1e6:.1f}", "dFlops": f"{gen_info['d_flops_per_image'] / 1e6:.1f}",
        "confidentSynth": f"{100 * conf['synthetic']:.0f}", "confidentReal": f"{100 * conf['real']:.0f}",
        "pcaSuccess": _pct(pca_metrics["success_rate"]), "pcaInception": f"{pca_metrics['inception_score']:.2f}",
        "pcaFid": f"{pca_metrics['fid']:.2f}", "pcaPrecision": _pct(pca_metrics["precision"]),
        "pcaRecall": _pct(pca_metrics["recall"]), "ganPrecision": _pct(metrics["precision"]),
        "ganRecall": _pct(metrics["recall"]),
    }
    return numbers, {"gan_table": tex}, {}


def mix_numbers(tables: dict) -> dict:
    out = {}
    long = tables.get("mix_grid_long")
    if long is not None and not long.empty:
        real_only = long[(long.real_fraction == 1.0) & (long.synth_fraction == 0.0)]
        out["realOnlyAccuracy"] = _pct(float(real_only["mean"].iloc[0])) if len(real_only) else NA
        best = long.loc[long["mean"].idxmax()]
        out["bestMixAccuracy"] = _pct(float(best["mean"]))
        out["bestMixCell"] = f"{best.real_fraction:.0%} real + {best.synth_fraction:.0%} synthetic"
    cas = tables.get("cas")
    if cas is not None and not cas.empty:
        out["casAccuracy"] = cas.iloc[0, 1].split(" ")[0]
    few = tables.get("few_shot_long")
    if few is not None and not few.empty:
        k = int(few["k"].min())
        at_k = few[few["k"] == k].set_index("setting")["mean"]
        others = at_k.drop(labels=["real"], errors="ignore")
        if "real" in at_k and len(others):
            best = others.idxmax()
            out.update(fewShotK=str(k), bestFewShotArm=best,
                       bestFewShotGain=f"{100 * (others[best] - at_k['real']):+.2f}")
    if few is not None and not few.empty:
        at_10 = few[few["k"] == 10].set_index("setting")["mean"]
        for setting, key in (("mix, pca (coursework)", "pcaMixTen"), ("mix, cgan (coursework)", "ganMixTen"),
                             ("real", "realTen")):
            if setting in at_10:
                out[key] = _pct(float(at_10[setting]))
    return out


def tricks_numbers(means) -> dict:
    """Macros of the GAN-variant paragraph: best conditional success, the least diverse unconditional model.

    Values are plain text: `paper.numbers_tex` escapes them (variant names such as cgan-wgan_gp).
    """
    keys = ("bestCondVariant", "bestCondSuccess", "collapseVariant", "collapseCoverage", "collapseEntropy",
            "collapseRecall", "bestMitigation", "bestMitigationRecall", "bestMitigationCoverage")
    out = dict.fromkeys(keys, NA)  # e.g. a single unconditional model has nothing to be compared with
    out["tricksEpochs"] = ", ".join(str(int(e)) for e in sorted(means["epochs"].unique()))
    from cgan_study.generators import REGISTRY

    conditional = means["family"].map(lambda name: REGISTRY[name].conditional if name in REGISTRY else True)
    cond = means[conditional].dropna(subset=["success_rate"])
    if len(cond):
        best = cond["success_rate"].idxmax()
        out.update(bestCondVariant=best, bestCondSuccess=_pct(cond.loc[best, "success_rate"]))
    uncond = means[~conditional].sort_values(["classes_covered", "recall"])
    if len(uncond) >= 2:
        worst, rest = uncond.iloc[0], uncond.iloc[1:]
        best = rest["recall"].idxmax()
        out.update(collapseVariant=uncond.index[0], collapseCoverage=f"{worst['classes_covered']:.0f}",
                   collapseEntropy=f"{worst['class_entropy']:.2f}", collapseRecall=_pct(worst["recall"], 1),
                   bestMitigation=best, bestMitigationRecall=_pct(rest.loc[best, "recall"], 1),
                   bestMitigationCoverage=f"{rest.loc[best, 'classes_covered']:.0f}")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.report", description=__doc__)
    p.add_argument("--profile", default="quick")
    p.add_argument("--out", default=None, help="results root (default as for experiments.sweep)")
    p.add_argument("--data", default=None, help="dataset, as for experiments.sweep (needed for the Q5 figures)")
    p.add_argument("--paper-dir", default="paper", type=Path)
    p.add_argument("--no-pdf", action="store_true", help="write the LaTeX sources but do not run latexmk")
    args = p.parse_args(argv)
    started = time.perf_counter()

    from cgan_study import config as C
    from cgan_study import paper
    from cgan_study.data import DataError, load, resolve_source
    from cgan_study.report import report_sweep
    from experiments.sweep import default_out
    from experiments.sweeps import SWEEPS

    root = Path(args.out) if args.out else default_out(args.profile)
    try:
        exp = C.profile(args.profile)
    except C.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    all_tables, tex_tables, figures = {}, {}, {}
    for name in SWEEPS:
        tables = report_sweep(name, root / name)
        all_tables.update(tables)
        for table in ("mix_grid", "few_shot", "cas"):
            path = root / name / "tables" / f"{table}.tex"
            if name == "mix_ratios" and path.exists():
                tex_tables[table] = path.read_text()
        for fig in ("mix_heatmap.pdf", "few_shot_curves.pdf"):
            if (root / name / "figures" / fig).exists():
                figures[fig] = root / name / "figures" / fig

    numbers = {"profileName": args.profile, "latentDim": str(exp.gan.latent_dim), "ganEpochs": str(exp.gan.epochs),
               "ganBatch": str(exp.gan.batch_size), "clfEpochs": str(exp.classifier.epochs),
               "clfSteps": str(exp.classifier.steps_per_epoch)}
    numbers.update(mix_numbers(all_tables))
    try:
        from cgan_study.stages import Context

        data = load(resolve_source(args.data), val_per_class=exp.data.val_per_class, seed=0)
        gan_vals, gan_tex, _ = gan_numbers(exp, Context(data, root), root / "analysis")
        numbers.update(gan_vals)
        tex_tables.update(gan_tex)
    except DataError as exc:
        print(f"report: no dataset for the Q5 figures ({exc})")
    for fig in ANALYSIS_FIGURES:
        if (root / "analysis" / "figures" / fig).exists():
            figures[fig] = root / "analysis" / "figures" / fig

    tricks_dir = root / "tricks"
    tricks_figs = {f: tricks_dir / "figures" / f for f in ("variant_grids.png", "collapse_grids.png")}
    if "tricks_means" in all_tables and all(p.exists() for p in tricks_figs.values()):
        numbers.update(tricks_numbers(all_tables["tricks_means"]))
        tex_tables["tricks"] = (tricks_dir / "tables" / "tricks.tex").read_text()
        tex_tables["tricks_section"] = paper.TRICKS_SECTION
        figures.update(tricks_figs)
    else:
        tex_tables["tricks_section"] = paper.NO_TRICKS
    for key in ("scorerAccuracy", "successRate", "evalN", "inceptionScore", "fid", "fidReference", "realOnlyAccuracy",
                "bestMixAccuracy", "bestMixCell", "casAccuracy", "fewShotK", "bestFewShotArm", "bestFewShotGain",
                "gFlops", "dFlops", "confidentSynth", "confidentReal", "pcaSuccess", "pcaInception", "pcaFid",
                "pcaPrecision", "pcaRecall", "ganPrecision", "ganRecall", "pcaMixTen", "ganMixTen", "realTen"):
        numbers.setdefault(key, NA)  # an experiment not run yet reads "n/a", never an invented number
    for table, what in (("gan_table", "GAN evaluation"), ("mix_grid", "Mix grid"), ("few_shot", "Few-shot arms"),
                        ("cas", "Classification accuracy score")):
        tex_tables.setdefault(table, _missing_table(table if table != "gan_table" else "gan", what))
    missing_figs = [f for f in ("mix_heatmap.pdf", "few_shot_curves.pdf", *ANALYSIS_FIGURES) if f not in figures]
    if missing_figs:
        print(f"report: figures not available yet: {', '.join(missing_figs)}")
    paper.write_sources(args.paper_dir, numbers, tex_tables, figures)
    if args.no_pdf or missing_figs:
        print(f"report: LaTeX sources in {args.paper_dir}/ (PDF not built{' : figures missing' if missing_figs else ''})")
        return 0 if args.no_pdf else 1
    try:
        pdf = paper.build(args.paper_dir)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = paper.log_problems(args.paper_dir)
    for problem in problems:
        print(f"latex: {problem}")
    print(f"report: {pdf} built in {time.perf_counter() - started:.0f}s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
