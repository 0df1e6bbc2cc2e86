"""gan_variants: the GAN comparison at the study's budget.

The tricks sweep compares variants after 3 epochs ("early training"), where a trick that only speeds up the start
looks like a better GAN. This sweep trains the default CGAN, the three variants with the largest 3-epoch effects
and the two best search points (ranked on the training reference) for the study's own CGAN budget (gan.epochs of
the profile: 6 in quick), 3 seeds each, scored at every epoch, paired with the default seed by seed; and the
coursework's Q1, the DCGAN with each of its stabilisers, at the same budget, paired with the default DCGAN. The default
arm is the generators sweep's CGAN (same spec, same artifact); its per-epoch curve needs the artifact's epoch
snapshots, which are not committed: rebuild those artifacts on the machine that runs this sweep."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import TRICKS_EVAL, seeds
from cgan_study.sweeps.gan_search import best_search_points

VARIANTS_SEARCH_POINTS = 2
STUDY_VARIANTS = ({}, {"gan.vbn": "gd"}, {"gan.vbn": "g"}, {"gan.d_steps": 2})
# The coursework's Q1: the unconditional DCGAN with its three stabilisers (one-sided label smoothing, VBN in G,
# balancing by 2 D steps per G step), fixed before its runs, each paired with the default DCGAN of the same seed.
DCGAN_VARIANTS = ({}, {"gan.label_smoothing": 0.25}, {"gan.vbn": "g"}, {"gan.d_steps": 2})


def variants_grid(root, n_seeds: int, search_points: int = VARIANTS_SEARCH_POINTS) -> Grid:
    return chain(product(fixed("augment.generator", "cgan"),
                         chain(list(STUDY_VARIANTS), best_search_points(root, search_points)), seeds(n_seeds)),
                 product(fixed("augment.generator", "dcgan"), list(DCGAN_VARIANTS), seeds(n_seeds)))


def report(sweep_dir):
    from cgan_study.reporting.variants import variants_report   # deferred: the CLIs start without pandas

    return variants_report(sweep_dir)


def claims(tables):
    """variants/<arm>/<metric> against the default of its generator, decided on adjusted intervals."""
    from cgan_study.reporting.variants import variant_comparisons   # deferred: the CLIs start without pandas

    return variant_comparisons(tables, "variants")


def macros(tables, root):
    """The comparison's family sizes, its budget and the DCGAN's and CGAN's means."""
    from cgan_study.reporting.paper_numbers import variants_numbers
    from cgan_study.reporting.tables import config_column, finished_runs

    runs = finished_runs(root / "gan_variants") if (root / "gan_variants" / "summary.csv").exists() else None
    epochs = int(runs[config_column("gan.epochs")].max()) if runs is not None and not runs.empty else None
    return variants_numbers(tables.get("variants_paired"), epochs, tables.get("variants_means"))


GAN_VARIANTS = register("gan_variants", Sweep(stable_names=True,
    task="gan_eval",
    description="The default CGAN against the three largest early-training tricks (VBN in G and D, VBN in G, 2 D "
                "steps) and the two best search points ranked on training digits, at the study's CGAN budget, 3 seeds "
                "each; and the DCGAN with one-sided label smoothing, VBN in G and 2 D steps against the default DCGAN.",
    grids={"quick": lambda root: variants_grid(root, 3), "smoke": lambda root: variants_grid(root, 1, 1)},
    profile_overrides={"quick": TRICKS_EVAL, "paper": TRICKS_EVAL,
                       "smoke": {"eval.epoch_samples": 100, "eval.second_scorer_width": 12}},
    depends_on=("gan_search",),
    report=report,
    claims=claims, claim_prefixes=("variants/",), macros=macros,
    paper_tables=("variants_paired",),
    figures=("variants_epochs.pdf",),
    table_notes={
        "variants_paired": TableNote(
            "FID and recall against 10,000 training digits, success rate by the scorer, the test FID reported; each "
            "arm minus the default CGAN with the same seed.",
            "arms: the three largest 3-epoch tricks (tricks, test-referenced FID) and the two best search points "
            "(training-referenced FID); the DCGAN's three stabilisers fixed in advance (the coursework's); verdicts "
            "from intervals Bonferroni-adjusted over each generator's arms, Holm p."),
        "study_cgan": TableNote(
            "variants_paired's training-referenced FID and success rate.",
            "an arm replaces the default only if it lowers training-referenced FID beyond its adjusted interval "
            "without losing success rate beyond its interval (reporting/variants.py)."),
        "variants_means": TableNote(
            "each arm's final scores (10,000 samples), means over its seeds: FID, recall and precision against "
            "10,000 training digits, success rate by the scorer (conditional GANs), classes covered, seeds collapsed.",
            "nothing: reported only."),
        "variants_epochs": TableNote(
            "each arm's 2,000 samples after every epoch: FID, precision and recall against both training and test "
            "digits, success rate by the scorer.",
            "nothing: reported only.")},
))
