"""mix_ratios (coursework Q4): does CGAN synthetic data help an MNIST classifier? Real x synthetic mixes, the
few-real-per-class arms under two protocols, and the CGAN's classification accuracy score."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, register
from cgan_study.sweeps.common import AUGMENT_NOTES, cas_grid, few_shot_grid, seeds

REAL_FRACTIONS = (0.1, 0.2, 0.5, 1.0)
SYNTH_FRACTIONS = (0.0, 0.1, 0.2, 0.5, 1.0)


def mix_grid(n_seeds: int) -> Grid:
    return product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", REAL_FRACTIONS),
                   sweep("augment.synth_fraction", SYNTH_FRACTIONS), seeds(n_seeds))


def report(sweep_dir):
    # Imported when a report runs, so the CLIs (--list, --dry-run) start without pandas.
    from cgan_study.reporting.mix_ratios import mix_ratio_report

    return mix_ratio_report(sweep_dir)


def claims(tables):
    """fewshot/<setting>/k<k> against real only, .../vs-affine (one family per k) and .../vs-mix (pretrain and filter
    against the same generator's mixing); mixgrid/real<r>/synth<s>; cas/<generator>."""
    from cgan_study.reporting.claims import claims_from, comparison, family, setting_id
    from cgan_study.reporting.stats import paired_differences

    out = claims_from(tables, "few_shot_paired_long",
                      lambda r: f"fewshot/{setting_id(r['strategy'], r['generator'], r['protocol'])}/k{int(r['k'])}")
    runs = tables.get("few_shot_runs")
    if runs is not None and not runs.empty:
        references = (
            # Each setting with synthetic digits against classical augmentation, same k and seed: a family per k.
            ("vs-affine", runs[runs["generator"].notna() & (runs["strategy"] != "affine")],
             runs[runs["strategy"] == "affine"], ["k", "seed"], ["k"]),
            # A changed training strategy against plain mixing of the same generator's digits: a family per reference.
            ("vs-mix", runs[runs["strategy"].isin(["pretrain", "filter"])], runs[runs["strategy"] == "mix"],
             ["generator", "protocol", "k", "seed"], ["generator", "protocol", "k"]))
        for suffix, arms, reference, match, keys in references:
            if arms.empty or reference.empty:
                continue
            diffs = family(paired_differences(arms, reference, match, ["strategy", "generator", "protocol", "k"]), keys)
            for _, r in diffs.iterrows():
                cid = f"fewshot/{setting_id(r['strategy'], r['generator'], r['protocol'])}/k{int(r['k'])}/{suffix}"
                out[cid] = comparison(cid, r)
    out.update(claims_from(tables, "mix_grid_paired_long", lambda r: f"mixgrid/real{round(100 * r['real_fraction'])}"
                                                                     f"/synth{round(100 * r['synth_fraction'])}"))
    cas = tables.get("cas_paired_long")
    if cas is not None and not cas.empty:
        # Every generator's CAS against the same real-only runs is one family, wherever its row was reported (this
        # sweep's CGAN, mix_ratios_families' others): adjusted over all of them together.
        from cgan_study.reporting.multiplicity import FAMILY_COLUMNS, family_table

        cas = family_table(cas.drop(columns=[c for c in FAMILY_COLUMNS if c in cas]), [], label="generator")
        out.update(claims_from({"cas": cas}, "cas", lambda r: f"cas/{r['generator']}"))
    return out


def macros(tables, root):
    """Real only on every real digit, the CGAN's CAS, and the fraction grid's low-real cells."""
    from cgan_study.reporting import paper_numbers as P
    from cgan_study.reporting.tables import finished_runs

    runs = finished_runs(root / "mix_ratios") if (root / "mix_ratios" / "summary.csv").exists() else None
    return {**P.augmentation_numbers(runs), **P.mix_grid_numbers(tables.get("mix_grid_paired_long"))}


MIX_RATIOS = register("mix_ratios", Sweep(stable_names=True,
    task="augment",
    description="Does CGAN synthetic data help an MNIST classifier? Real x synthetic mixes, few-real-per-class "
                "strategies (k = 1, 10, 100) under two protocols, and the CGAN's classification accuracy score: the "
                "mission's study (`make study`).",
    grids={
        "smoke": chain(product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", (0.5, 1.0)),
                               sweep("augment.synth_fraction", (0.0, 0.5)), seeds(1)),
                       few_shot_grid((5,), 1, low_data_steps=None), cas_grid(1)),
        "quick": chain(mix_grid(3), few_shot_grid((1, 10, 100), 3), cas_grid(3)),
        "paper": chain(mix_grid(5), few_shot_grid((1, 5, 10, 20, 50, 100), 5), cas_grid(5)),
    },
    report=report,
    claims=claims, claim_prefixes=("fewshot/", "mixgrid/", "cas/"), macros=macros,
    # The body shows these arms in the report's compact table (reporting/few_shot_compact.py); the families in full
    # are the supplement's.
    supplement_tables=("few_shot_paired", "mix_grid_paired", "cas", "mix_grid", "few_shot"),
    figures=("few_shot_curves.pdf", "mix_heatmap.pdf"),
    table_notes={t: AUGMENT_NOTES[t] for t in ("few_shot", "few_shot_paired", "mix_grid", "mix_grid_paired", "cas", "filter_kept")},
))
