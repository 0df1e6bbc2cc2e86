"""tricks (coursework Q1-Q3): DCGAN vs CGAN vs AC-GAN, the stabilisation tricks, every GAN loss, and a
mode-collapse study with four mitigations, scored by two scorers at every epoch."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.study.presets import COLLAPSE, WGAN_CLIP
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import TRICKS_EVAL, seeds

# Mode collapse (presets.COLLAPSE, the setup declared and explained there): an unconditional DCGAN with G's Adam
# steps 50x D's and beta_1 0.9. Four mitigations are measured against it.
TTUR = {"gan.g_lr": 1e-4, "gan.d_lr": 4e-4}      # two time-scale update rule: D learns 4x faster than G


def collapse_grid() -> Grid:
    base = [dict(COLLAPSE)]
    return chain(product(base, seeds(1)),
                 product(base, fixed("gan.minibatch_discrimination", True), seeds(1)),
                 product(base, fixed("gan.d_norm", "spectral"), fixed("gan.d_steps", 2), seeds(1)),
                 product(base, [dict(TTUR)], seeds(1)),                 # balancing by learning rates instead
                 product(base, fixed("gan.pack", 2), seeds(1)))         # PacGAN2: D judges pairs


def cgan(*grids: Grid) -> Grid:
    return product(fixed("augment.generator", "cgan"), *grids)


# The Q1/Q2 tricks, each with 5 seeds (each seed trains its own GAN), paired with the default CGAN seed by seed: the
# paper reads these rows, and at 3 seeds a 3-epoch FID change of a few points could not be told from seed noise.
def trick_grid(n_seeds: int) -> Grid:
    return chain(
        product(sweep("augment.generator", ("cgan", "acgan", "dcgan")), seeds(n_seeds)),
        cgan(fixed("gan.label_smoothing", 0.25), seeds(n_seeds)),
        cgan(sweep("gan.vbn", ("g", "gd")), seeds(n_seeds)),
        cgan(fixed("gan.label_smoothing", 0.25), fixed("gan.vbn", "g"), seeds(n_seeds)),
        cgan(fixed("gan.d_steps", 2), seeds(n_seeds)),
        cgan([dict(TTUR)], seeds(n_seeds)),
    )


# Every loss of losses.LOSSES on the default CGAN (ns is the default itself), and WGAN with weight clipping as
# published (presets.WGAN_CLIP).
def loss_grid() -> Grid:
    return chain(cgan(sweep("gan.loss", ("minimax", "lsgan", "wgan_gp", "hinge", "dragan")), seeds(1)),
                 cgan([dict(WGAN_CLIP)], seeds(1)),
                 cgan(fixed("gan.d_norm", "spectral"), seeds(1)))


def report(sweep_dir):
    from cgan_study.reporting.tricks import tricks_report   # deferred: the CLIs start without pandas

    return tricks_report(sweep_dir)


def claims(tables):
    """tricks/<variant>/<metric> against the default CGAN after the sweep's epochs."""
    from cgan_study.reporting.claims import comparison, rows

    return {cid: comparison(cid, r, scale=float(r["scale"]), lower_is_better=bool(r["lower_is_better"]))
            for r in rows(tables, "tricks_paired_long") for cid in (f"tricks/{r['variant']}/{r['metric']}",)}


def macros(tables, root):
    """The collapse setup and its best mitigation, the plain DCGAN's means and collapse onset, the epochs read."""
    from cgan_study.reporting import paper_numbers as P

    out = {**P.collapse_numbers(tables.get("tricks_first_seeds")), **P.dcgan_numbers(tables.get("tricks_means")),
           **P.collapse_onset_numbers(tables.get("collapse_onset_long"))}
    if "tricks_means" in tables:
        out["tricksEpochs"] = ", ".join(str(int(e)) for e in sorted(tables["tricks_means"]["epochs"].unique()))
    return out


TRICKS = register("tricks", Sweep(stable_names=True,
    task="gan_eval",
    description="DCGAN vs CGAN vs AC-GAN, the stabilisation tricks (5 seeds each), every GAN loss and a "
                "mode-collapse study with four mitigations, scored by two scorers at every epoch.",
    grids={
        "smoke": chain(sweep("augment.generator", ("dcgan", "cgan", "acgan")), [dict(COLLAPSE, **{"gan.pack": 2})]),
        "quick": chain(trick_grid(5), loss_grid(), collapse_grid()),
    },
    # The same budget for every variant: 3 epochs in quick (the default CGAN's 6 would not fit 5 hours for the
    # whole grid), 30 in paper (the paper profile's GAN budget).
    profile_overrides={"quick": {"gan.epochs": 3, **TRICKS_EVAL}, "paper": TRICKS_EVAL,
                       "smoke": {"eval.epoch_samples": 100, "eval.second_scorer_width": 12}},
    report=report,
    claims=claims, claim_prefixes=("tricks/",), macros=macros,
    supplement_tables=("tricks", "tricks_paired", "collapse_onset", "scorer_agreement"),
    figures=("variant_grids.png", "collapse_main.png", "epochs_tricks.pdf", "epochs_collapse.pdf"),
    # Its committed runs (3 epochs) predate the training reference: every reference-dependent metric is the test's.
    table_notes={
        "tricks_means": TableNote(
            "each variant's means over its seeds (the tricks table's numbers, unformatted): scorer metrics on 10,000 "
            "samples, reference metrics against the 10,000 test digits.",
            "nothing: reported only."),
        "tricks": TableNote(
            "success rate and IS by the scorer (trained on training digits) on 10,000 samples; FID, KID, precision, "
            "recall, density and coverage against the 10,000 test digits.",
            "nothing in the table; gan_variants took its three trick arms from these 3-epoch effects, i.e. from "
            "test-referenced FID."),
        "tricks_paired": TableNote(
            "success, IS, FID and recall (FID and recall against the test digits), each variant minus its baseline "
            "with the same seed.",
            "nothing chosen: verdicts from the interval Bonferroni-adjusted over the variants against one baseline "
            "on one metric, with Holm p."),
        "collapse_onset": TableNote(
            "each epoch's 2,000 samples: classes covered by the scorer and recall against the test digits.",
            "the onset the collapse rule (fewer than 10 classes covered or recall below 0.1) gave when these runs "
            "ran, on the test reference; reported only."),
        "scorer_agreement": TableNote(
            "success rates of the same samples by the scorer and the second scorer, both trained on training digits.",
            "nothing: reported only.")},
))
