"""few_shot_n10: the k = 10 few-shot arms of mix_ratios at n = 10 seeds, so the close arms can be ranked.

Every arm of mix_ratios at k = 10 (real-only, affine, and mix / pretrain / filter with CGAN digits under both
protocols), each seed its own subset, generators and classifier. At n = 3 the k = 10 arms have a paired interval of
about +-5 points (seed sd about 2, t = 4.30): too wide to rank them. A sweep of its own so `make study` keeps n = 3;
the paper's Q4 numbers at k = 10 come from here. Seeds 0-2 are mix_ratios' configs, so their generators come from
the cache."""
from __future__ import annotations

from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import few_shot_grid

FEW_SHOT_N10_SEEDS = 10


def report(sweep_dir):
    from cgan_study.reporting.few_shot_n10 import few_shot_n10_report   # deferred: the CLIs start without pandas

    return few_shot_n10_report(sweep_dir)


def claims(tables):
    """fewshotn10/<setting>/k10: the n = 10 arms against real only, their own family beside the n = 3 ones."""
    from cgan_study.reporting.claims import claims_from, setting_id

    return claims_from(tables, "few_shot_n10_paired_long", lambda r: f"fewshotn10/"
                       f"{setting_id(r['strategy'], r['generator'], r['protocol'])}/k{int(r['k'])}")


def macros(tables, root):
    """What n = 3 can detect at k = 10 beside n = 10 (median adjusted half-widths)."""
    from cgan_study.reporting.paper_numbers import power_numbers

    return power_numbers(tables.get("few_shot_paired_long"), tables.get("few_shot_n10_paired_long"))


FEW_SHOT_N10 = register("few_shot_n10", Sweep(stable_names=True,
    task="augment",
    description="The k = 10 few-shot arms of mix_ratios (real-only, affine; CGAN mix, pretrain and filter under both "
                "protocols) at n = 10 seeds, so the close arms can be ranked; test accuracy of the final weights.",
    grids={"smoke": few_shot_grid((5,), 2, low_data_steps=None),
           "quick": few_shot_grid((10,), FEW_SHOT_N10_SEEDS), "paper": few_shot_grid((10,), FEW_SHOT_N10_SEEDS)},
    report=report,
    claims=claims, claim_prefixes=("fewshotn10/",), macros=macros,
    supplement_tables=("few_shot_n10_paired",),
    table_notes={
        "few_shot_n10_paired": TableNote(
            "test accuracy of the k = 10 arms at 10 seeds, each arm minus real only with the same seed.",
            "nothing chosen: one family, verdicts from the Bonferroni-adjusted interval, Holm p and TOST at the "
            "k = 10 margin fixed before these runs; an arm identical to another is not counted."),
        "few_shot_n10_real": TableNote(
            "mean test accuracy of real-only training at k = 10 over the 10 seeds (each seed its own subset).",
            "nothing: reported only (the level above Table III's n = 10 column)."),
        "n3_vs_n10": TableNote(
            "the same paired test-accuracy differences at n = 3 (mix_ratios' few_shot_paired) and at n = 10.",
            "nothing: reported only.")},
))
