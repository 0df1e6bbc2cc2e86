"""gan_losses: the GAN variants the colour assignments use, on a second dataset (issue 43: the icons).

The logo and anime-face assignments train DCGAN, WGAN-GP and SNGAN on colour images; the digit study compares the
coursework's stabilisers at its own budget (gan_variants). This sweep puts them side by side on a folder of colour
images, at that dataset's generator budget (sweeps/common.dataset_overrides: a full-data MNIST epoch's steps an
epoch), 3 seeds each, each paired seed by seed with the default CGAN:

- the default CGAN: the generators sweep's model on the same dataset (same spec, so the same cached artifact);
- the CGAN with the coursework's three stabilisers together (one-sided label smoothing 0.25, VBN in G, 2 D steps per
  G step): one arm, so their sum is measured, not each one's part;
- the CGAN with the WGAN-GP loss (Gulrajani et al. 2017, penalty weight 10) and with SNGAN's hinge loss and
  spectral norm in D (Miyato et al. 2018), everything else the default's;
- the unconditional DCGAN (the assignments' noise-only GAN): FID and recall only, no requested class.

Scored on the final generator only (no per-epoch curve: the default's artifact keeps no snapshots) against the
dataset's training images, the reference every choice uses; nothing is chosen from it. Run it with --data icons.
"""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import GENERATORS_EVAL, seeds

STABILISERS = {"gan.label_smoothing": 0.25, "gan.vbn": "g", "gan.d_steps": 2}
CGAN_ARMS = ({}, STABILISERS, {"gan.loss": "wgan_gp"}, {"gan.loss": "hinge", "gan.d_norm": "spectral"})


def losses_grid(n_seeds: int) -> Grid:
    return chain(product(fixed("augment.generator", "cgan"), list(CGAN_ARMS), seeds(n_seeds)),
                 product(fixed("augment.generator", "dcgan"), seeds(n_seeds)))


def report(sweep_dir):
    from cgan_study.reporting.variants import variants_report   # deferred: the CLIs start without pandas

    return variants_report(sweep_dir, prefix="gan_losses", decide=False)


def claims(tables):
    """gan_losses/<arm>/<metric> against the default CGAN of the same dataset, on Bonferroni-adjusted intervals."""
    from cgan_study.reporting.variants import variant_comparisons   # deferred: the CLIs start without pandas

    return variant_comparisons(tables, "gan_losses")


GAN_LOSSES = register("gan_losses", Sweep(stable_names=True,
    task="gan_eval",
    description="The colour assignments' GANs on a second dataset: the default CGAN against itself with the three "
                "stabilisers, with the WGAN-GP loss and as an SNGAN (hinge, spectral norm), and the unconditional "
                "DCGAN, 3 seeds each at the dataset's generator budget; run it with --data icons.",
    grids={"smoke": chain(product(fixed("augment.generator", "cgan"), list(CGAN_ARMS[:3:2]), seeds(1)),
                          [{"augment.generator": "dcgan", "seed": 0}]),
           "quick": losses_grid(3), "paper": losses_grid(3)},
    profile_overrides={"quick": GENERATORS_EVAL, "paper": GENERATORS_EVAL,
                       "smoke": {"eval.second_scorer_width": 8, "eval.second_scorer_arch": "gap"}},
    report=report,
    claims=claims, claim_prefixes=("gan_losses/",),
    supplement_tables=("gan_losses_paired",),
    datasets=("icons",),
    table_notes={
        "gan_losses_paired": TableNote(
            "FID and recall against the dataset's training images (class-balanced, at most 10,000), success rate by "
            "the dataset's scorer; each arm minus the default CGAN with the same seed.",
            "nothing: arms fixed before the runs (the assignments' GANs); verdicts from intervals Bonferroni-adjusted "
            "over the CGAN's arms, Holm p; no arm replaces the study's CGAN."),
        "gan_losses_means": TableNote(
            "each arm's means over its seeds: FID, recall and precision against the training images, success rate, "
            "classes covered and the collapse rule's count.",
            "nothing: reported only.")},
))
