"""Every sweep of the study, declared as data: a task and a grid of dotted overrides per profile."""
from __future__ import annotations

from dataclasses import dataclass

from cgan_study.grid import Grid, chain, fixed, product, sweep


@dataclass(frozen=True)
class Sweep:
    task: str                          # which function runs one point: augment | gan_eval | scorer
    description: str
    grids: dict[str, Grid]             # profile -> grid; a profile missing here uses "quick"
    profile_overrides: dict[str, dict] | None = None  # per-profile settings shared by every run

    def grid(self, profile: str) -> Grid:
        return self.grids[profile] if profile in self.grids else self.grids["quick"]

    def overrides(self, profile: str) -> dict:
        return dict((self.profile_overrides or {}).get(profile, {}))


def _seeds(n: int) -> Grid:
    return sweep("seed", range(n))


# --------------------------------------------------------------------------- mix_ratios (coursework Q4)

REAL_FRACTIONS = (0.1, 0.2, 0.5, 1.0)
SYNTH_FRACTIONS = (0.0, 0.1, 0.2, 0.5, 1.0)
FEW_SHOT_SYNTH = 0.1   # 6,000 synthetic digits (600 per class) beside the k real ones
STRATEGIES_REAL = ("real", "affine")
STRATEGIES_SYNTH = ("mix", "pretrain", "filter")
PROTOCOLS = ("coursework", "low_data")


def _mix_grid(seeds: int) -> Grid:
    return product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", REAL_FRACTIONS),
                   sweep("augment.synth_fraction", SYNTH_FRACTIONS), _seeds(seeds))


def _few_shot_grid(ks, seeds: int) -> Grid:
    real_only = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", STRATEGIES_REAL),
                        _seeds(seeds))
    synthetic = product(sweep("augment.real_per_class", ks), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                        sweep("augment.strategy", STRATEGIES_SYNTH), sweep("augment.protocol", PROTOCOLS),
                        _seeds(seeds))
    return chain(real_only, synthetic)


# The other conditional generators, used exactly like the CGAN's digits at k = 10 (mix and filter, both
# protocols) and in the classification accuracy score (Q5).
OTHER_GENERATORS = ("acgan", "guided_cgan", "cvae", "ebgan", "pca")


def _generators_grid(k: int, seeds: int) -> Grid:
    return product(fixed("augment.real_per_class", k), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                   sweep("augment.strategy", ("mix", "filter")), sweep("augment.generator", OTHER_GENERATORS),
                   sweep("augment.protocol", PROTOCOLS), _seeds(seeds))


def _cas_grid(seeds: int, generators=("cgan",)) -> Grid:
    """Classification accuracy score: trained on 60,000 synthetic digits only, tested on real."""
    cgan = product(fixed("augment.strategy", "synthetic_only"), fixed("augment.synth_fraction", 1.0), _seeds(seeds))
    others = [g for g in generators if g != "cgan"]
    if not others:
        return cgan
    return chain(cgan, product(fixed("augment.strategy", "synthetic_only"), fixed("augment.synth_fraction", 1.0),
                               sweep("augment.generator", others), _seeds(seeds)))


MIX_RATIOS = Sweep(
    task="augment",
    description="Does CGAN synthetic data help an MNIST classifier? Real x synthetic mixes, few-real-per-class "
                "strategies under two protocols, every other conditional generator at k = 10, and the "
                "classification accuracy score of each generator.",
    grids={
        "smoke": chain(product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", (0.5, 1.0)),
                               sweep("augment.synth_fraction", (0.0, 0.5)), _seeds(1)),
                       _few_shot_grid((5,), 1), _cas_grid(1)),
        "quick": chain(_mix_grid(3), _few_shot_grid((1, 10, 100), 3), _cas_grid(3, ("cgan",) + OTHER_GENERATORS),
                       _generators_grid(10, 3)),
        "paper": chain(_mix_grid(5), _few_shot_grid((1, 5, 10, 20, 50, 100), 5),
                       _cas_grid(5, ("cgan",) + OTHER_GENERATORS), _generators_grid(10, 5)),
    },
)

# --------------------------------------------------------------------------- budget check and synthetic amount

# The classifier budget rule's epochs (x classifier.steps_per_epoch steps) per profile: halved, the rule, doubled.
BUDGET_EPOCHS = {"quick": (3, 6, 12), "paper": (5, 10, 20), "smoke": (1, 2, 4)}


def _budget_cells() -> Grid:
    """Real-only at 10% and 100% of the real digits, and the k = 10 mix arm under both protocols."""
    real_only = product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", (0.1, 1.0)),
                        fixed("augment.synth_fraction", 0.0))
    mix_k10 = product(fixed("augment.strategy", "mix"), fixed("augment.real_per_class", 10),
                      fixed("augment.synth_fraction", FEW_SHOT_SYNTH), sweep("augment.protocol", PROTOCOLS))
    return chain(real_only, mix_k10)


def _budget_grid(profile: str, seeds: int) -> Grid:
    return product(_budget_cells(), sweep("classifier.epochs", BUDGET_EPOCHS[profile]), _seeds(seeds))


MIX_RATIOS_BUDGET = Sweep(
    task="augment",
    description="Budget check of the downstream classifier: the rule's step budget halved and doubled on "
                "real-only (10% and 100% real) and the k = 10 mix arm; converged means doubling moves each "
                "by less than 0.15 points.",
    grids={"smoke": product(fixed("augment.strategy", "mix"), fixed("augment.real_fraction", 1.0),
                            sweep("classifier.epochs", BUDGET_EPOCHS["smoke"]), _seeds(1)),
           "quick": _budget_grid("quick", 3), "paper": _budget_grid("paper", 5)},
)

SYNTH_PER_CLASS = (10, 100, 600, 6000)


def _synth_amount_grid(seeds: int) -> Grid:
    real_only = product(fixed("augment.real_per_class", 10), fixed("augment.strategy", "real"), _seeds(seeds))
    mixes = product(fixed("augment.real_per_class", 10), fixed("augment.strategy", "mix"),
                    sweep("augment.synth_per_class", SYNTH_PER_CLASS), sweep("augment.protocol", PROTOCOLS),
                    _seeds(seeds))
    return chain(real_only, mixes)


SYNTH_AMOUNT = Sweep(
    task="augment",
    description="How many synthetic digits help? k = 10 real digits per class plus 10, 100, 600 or 6,000 CGAN "
                "digits per class, under both protocols, against real-only at k = 10.",
    grids={"smoke": chain(product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "real"), _seeds(2)),
                          product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "mix"),
                                  sweep("augment.synth_per_class", (5, 10)), _seeds(2))),
           "quick": _synth_amount_grid(3), "paper": _synth_amount_grid(5)},
)

# --------------------------------------------------------------------------- scorer

SCORER = Sweep(task="scorer", description="Train (or reuse) the scoring CNN and record its test accuracy.",
               grids={"quick": fixed("seed", 0)})

# --------------------------------------------------------------------------- tricks (coursework Q1-Q3)

# Mode collapse: an unconditional DCGAN whose G takes 50x larger Adam steps than D, with little damping
# (beta_1 0.9), so G keeps jumping to whatever few modes D currently rates highest. Probed at one epoch:
# 5 of 10 classes covered, recall 0 (other candidates: minimax loss 10 classes/recall 7%, latent_dim 2 six
# classes). Three mitigations are measured against it.
COLLAPSE = {"augment.generator": "dcgan", "gan.g_lr": 5e-3, "gan.d_lr": 1e-4, "gan.beta_1": 0.9}


def _collapse_grid() -> Grid:
    base = [dict(COLLAPSE)]
    return chain(product(base, _seeds(1)),
                 product(base, fixed("gan.minibatch_discrimination", True), _seeds(1)),
                 product(base, fixed("gan.d_norm", "spectral"), fixed("gan.d_steps", 2), _seeds(1)),
                 # balancing by learning rates instead (TTUR: D faster than G)
                 product(base, fixed("gan.g_lr", 1e-4), fixed("gan.d_lr", 4e-4), _seeds(1)))


def _cgan(key: str, values) -> Grid:
    return product(fixed("augment.generator", "cgan"), sweep(key, values), _seeds(1))


TRICKS = Sweep(
    task="gan_eval",
    description="DCGAN vs CGAN vs AC-GAN, the stabilisation tricks and a mode-collapse study, scored by the scorer.",
    grids={
        "smoke": sweep("augment.generator", ("dcgan", "cgan", "acgan")),
        "quick": chain(
            product(sweep("augment.generator", ("dcgan", "cgan", "acgan")), _seeds(3)),   # headline variants
            _cgan("gan.label_smoothing", (0.25,)),
            _cgan("gan.vbn", ("g",)),
            _cgan("gan.d_norm", ("spectral",)),
            _cgan("gan.d_steps", (2,)),
            _cgan("gan.loss", ("hinge", "wgan_gp")),                                  # with ns: three families
            _collapse_grid(),
        ),
    },
    # Every variant gets the same, shorter budget than the default CGAN, so that the grid fits the quick
    # profile; the comparison is between variants at equal budget.
    profile_overrides={"quick": {"gan.epochs": 2}},
)

# --------------------------------------------------------------------------- generators (Q5 and beyond)

GENERATORS = Sweep(
    task="gan_eval",
    description="Every conditional registered generator (GANs, CVAE, EBGAN, PCA) trained under its own budget "
                "and scored with the same metrics.",
    grids={
        "smoke": sweep("augment.generator", ("cgan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion")),
        "quick": product(sweep("augment.generator", ("cgan", "acgan", "guided_cgan", "cvae", "ebgan", "pca")),
                         _seeds(3)),
    },
)

# --------------------------------------------------------------------------- diffusion samplers

def _sampler_grid() -> Grid:
    """Ancestral DDPM over all T steps; DDIM with S steps; DDIM-50 with eta = 1 and with classifier-free guidance.
    Every point samples the same trained model (the sampler keys are not part of the artifact's hash)."""
    ddim = fixed("diffusion.sampler", "ddim")
    return product(fixed("augment.generator", "diffusion"), chain(
        fixed("diffusion.sampler", "ddpm"),
        product(ddim, sweep("diffusion.sample_steps", (10, 20, 50, 100))),
        product(ddim, fixed("diffusion.sample_steps", 50), fixed("diffusion.eta", 1.0)),
        product(ddim, fixed("diffusion.sample_steps", 50), sweep("diffusion.guidance", (1.0, 3.0)))), _seeds(1))


DIFFUSION_SAMPLERS = Sweep(
    task="gan_eval",
    description="One trained conditional diffusion model sampled by DDPM (T steps) and DDIM (10-100 steps, eta, "
                "guidance): quality by the scorer and seconds per 1,000 digits, plus the progressive figure.",
    grids={"quick": _sampler_grid()},
    # DDPM's 1,000 network calls per digit make 10,000 samples too slow for 2 cores: 1,000 per setting, so FID
    # here compares samplers with each other, not with the 10,000-sample FIDs of the generators table.
    profile_overrides={"quick": {"eval.n_samples": 1000}, "smoke": {"eval.n_samples": 100}},
)

# --------------------------------------------------------------------------- analysis (Q5)

ANALYSIS = Sweep(task="analysis",
                 description="How the default CGAN's digits differ from real ones in the scorer's features: t-SNE/PCA "
                             "embeddings, 1-NN two-sample accuracy, confidence histograms (inference only).",
                 grids={"quick": fixed("seed", 0)})

SWEEPS: dict[str, Sweep] = {"mix_ratios": MIX_RATIOS, "mix_ratios_budget": MIX_RATIOS_BUDGET,
                            "synth_amount": SYNTH_AMOUNT, "tricks": TRICKS, "generators": GENERATORS,
                            "scorer": SCORER, "analysis": ANALYSIS, "diffusion_samplers": DIFFUSION_SAMPLERS}
