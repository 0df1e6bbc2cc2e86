"""Every sweep of the study, declared as data: a task and a grid of dotted overrides per profile."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.generators import min_steps_key
from cgan_study.study.presets import COLLAPSE, FEW_SHOT_SYNTH, WGAN_CLIP
from cgan_study.training.budget import FULL_DATA_STEPS_PER_EPOCH


@dataclass(frozen=True)
class Sweep:
    task: str                          # which function runs one point: augment | gan_eval | scorer
    description: str
    # profile -> grid; a profile missing here uses "quick". A grid may be a function of the results directory,
    # for a sweep declared over another sweep's outcome (the best search points).
    grids: dict[str, Grid | Callable[[Path], Grid]]
    profile_overrides: dict[str, dict] | None = None  # per-profile settings shared by every run
    # Run names from each point's own keys (grid.stable_name) rather than from what varies in the grid. Turned on
    # for a sweep once its committed runs are renamed (python -m tools.migrate_run_names SWEEP --apply).
    stable_names: bool = False

    def grid(self, profile: str, results_root: Path | None = None) -> Grid:
        grid = self.grids[profile] if profile in self.grids else self.grids["quick"]
        if callable(grid):
            if results_root is None:
                raise ValueError("this sweep's grid depends on earlier results: give the results directory")
            grid = grid(Path(results_root))
        return grid

    def overrides(self, profile: str) -> dict:
        return dict((self.profile_overrides or {}).get(profile, {}))


def _seeds(n: int) -> Grid:
    return sweep("seed", range(n))


# --------------------------------------------------------------------------- mix_ratios (coursework Q4)

REAL_FRACTIONS = (0.1, 0.2, 0.5, 1.0)
SYNTH_FRACTIONS = (0.0, 0.1, 0.2, 0.5, 1.0)
STRATEGIES_REAL = ("real", "affine")
STRATEGIES_SYNTH = ("mix", "pretrain", "filter")
PROTOCOLS = ("coursework", "low_data")


# The generators' budget rule on a few-shot set. A generator trains its family's epochs; an epoch is a pass over its
# digits but at least min_steps_per_epoch steps. At the default (100) a low-data generator on a cell's 100 digits
# (k = 10) trained 600 steps (CGAN) and had not converged: results/low_data_budget scored the study's CGAN at 72.3%
# success after 600 steps, 94.9% after 1,200, 99.3% after 2,760 and 99.7% after 5,520; EBGAN drew the requested
# digit at chance (10.2%), and a diffusion model at 1,000 steps read 12.5% and 13.3% (seeds 0 and 1). So under the
# low-data protocol every trained generator takes as many steps as its full-data training: an epoch of
# 59,000 // 128 = 460 steps (the training digits less the validation split, at batch 128), 2,760 steps for the
# GANs (6 epochs), 4,600 for the CVAE and diffusion (10 epochs). A budget a few-shot user can pay, and the rule
# that the doubling check (920 steps an epoch, results/low_data_budget) supports. The coursework arms use the
# generators sweep's models unchanged; PCA fits in closed form and has no steps.
# FULL_DATA_STEPS_PER_EPOCH (training/budget.py) = 460


def _with_low_data_steps(grid: Grid, steps: int | None = FULL_DATA_STEPS_PER_EPOCH) -> Grid:
    """Every low-data point of the grid with its generator trained `steps` per epoch (the rule above); other points
    unchanged. A point without a generator key uses the CGAN (augment.generator's default). None leaves the grid as
    it is: the smoke profile's own minimum (20 steps) already equals its full-data epoch (500 digits // 64 < 20)."""
    if steps is None:
        return [dict(point) for point in grid]
    out = []
    for point in grid:
        key = min_steps_key(point.get("augment.generator", "cgan"))
        low_data = point.get("augment.protocol") == "low_data"
        out.append({**point, key: steps} if low_data and key else dict(point))
    return out


def _mix_grid(seeds: int) -> Grid:
    return product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", REAL_FRACTIONS),
                   sweep("augment.synth_fraction", SYNTH_FRACTIONS), _seeds(seeds))


def _few_shot_grid(ks, seeds: int, low_data_steps: int | None = FULL_DATA_STEPS_PER_EPOCH) -> Grid:
    real_only = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", STRATEGIES_REAL),
                        _seeds(seeds))
    synthetic = product(sweep("augment.real_per_class", ks), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                        sweep("augment.strategy", STRATEGIES_SYNTH), sweep("augment.protocol", PROTOCOLS),
                        _seeds(seeds))
    return chain(real_only, _with_low_data_steps(synthetic, low_data_steps))


# The other conditional generators, used exactly like the CGAN's digits at k = 10 (mix and filter, both
# protocols) and in the classification accuracy score (Q5).
OTHER_GENERATORS = ("acgan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion")


def _generators_grid(k: int, seeds: int) -> Grid:
    grid = product(fixed("augment.real_per_class", k), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                   sweep("augment.strategy", ("mix", "filter")), sweep("augment.generator", OTHER_GENERATORS),
                   sweep("augment.protocol", PROTOCOLS), _seeds(seeds))
    return _with_low_data_steps(grid)


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
                "strategies (k = 1, 10, 100) under two protocols, and the CGAN's classification accuracy score: the "
                "mission's study (`make study`).",
    grids={
        "smoke": chain(product(fixed("augment.strategy", "mix"), sweep("augment.real_fraction", (0.5, 1.0)),
                               sweep("augment.synth_fraction", (0.0, 0.5)), _seeds(1)),
                       _few_shot_grid((5,), 1, low_data_steps=None), _cas_grid(1)),
        "quick": chain(_mix_grid(3), _few_shot_grid((1, 10, 100), 3), _cas_grid(3)),
        "paper": chain(_mix_grid(5), _few_shot_grid((1, 5, 10, 20, 50, 100), 5), _cas_grid(5)),
    },
)


# The k = 10 few-shot cells at n = 10 (every arm of mix_ratios at k = 10: real-only, affine, and mix / pretrain /
# filter with CGAN digits under both protocols), each seed its own subset, generators and classifier. At n = 3 the
# k = 10 arms have a paired interval of about +-5 points (seed sd about 2, t = 4.30): too wide to rank them. A sweep of
# its own so `make study` keeps n = 3; the paper's Q4 numbers at k = 10 come from here. Seeds 0-2 are mix_ratios'
# configs, so their generators come from the cache.
FEW_SHOT_N10_SEEDS = 10

FEW_SHOT_N10 = Sweep(
    task="augment",
    description="The k = 10 few-shot arms of mix_ratios (real-only, affine; CGAN mix, pretrain and filter under both "
                "protocols) at n = 10 seeds, so the close arms can be ranked; test accuracy of the final weights.",
    grids={"smoke": _few_shot_grid((5,), 2, low_data_steps=None),
           "quick": _few_shot_grid((10,), FEW_SHOT_N10_SEEDS), "paper": _few_shot_grid((10,), FEW_SHOT_N10_SEEDS)},
)


# --------------------------------------------------------------------------- semi-supervised (issue 41)

# The realistic few-shot setting: k labelled digits per class plus every other training digit without its label
# (augment.protocol=semi_supervised, study/semi_supervised.py). Arms at k = 10: real-only and affine (the labelled
# digits only: the very configs of few_shot_n10, so their runs can be read beside or in place of those), the FixMatch
# baseline, FixMatch with 6,000 digits of the CGAN trained on the pool labelled by that baseline, and real-only with
# the same digits (mix). At k = 100: real-only and FixMatch. Each seed its own subset, baseline, generator and
# classifiers. k = 1 is left out: FixMatch at one label per class is known to be unstable (Sohn et al. 2020 report a
# wide spread over label draws). The pseudo-label CGAN trains a full-data CGAN's budget (gan.epochs of 460 steps: the
# pool is 59,000 digits), the few-shot grids' rule. The semi-supervised GAN (`ssl_gan`: Salimans et al. 2016, its
# discriminator's K class logits as the classifier) is the GAN-as-classifier arm beside FixMatch.
SEMI_SUPERVISED = {"augment.protocol": "semi_supervised"}
SEMI_SUPERVISED_ARMS = ("fixmatch", "ssl_gan")            # the pool without a generator's digits
SEMI_SUPERVISED_SYNTH_ARMS = ("fixmatch_mix", "mix")       # with the pseudo-label CGAN's digits


def _semi_supervised_grid(k: int, seeds: int, synthetic: bool = True, smoke: bool = False) -> Grid:
    real_only = product(fixed("augment.real_per_class", k), sweep("augment.strategy", STRATEGIES_REAL if synthetic
                                                                  else ("real",)), _seeds(seeds))
    pool = product([dict(SEMI_SUPERVISED)], fixed("augment.real_per_class", k),
                   sweep("augment.strategy", SEMI_SUPERVISED_ARMS), _seeds(seeds))
    if not synthetic:
        return chain(real_only, pool)
    with_synth = product([dict(SEMI_SUPERVISED)], fixed("augment.real_per_class", k),
                         fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                         sweep("augment.strategy", SEMI_SUPERVISED_SYNTH_ARMS), _seeds(seeds))
    # The smoke profile keeps its own generator minimum (20 steps); the others train a full-data CGAN's epochs.
    return chain(real_only, pool, with_synth if smoke else
                 [{**point, "gan.min_steps_per_epoch": FULL_DATA_STEPS_PER_EPOCH} for point in with_synth])


SEMI_SUPERVISED_SEEDS = (10, 3)   # k = 10 arms, k = 100 arms
# The smoke profile: FixMatch at 2 x 3 steps on k = 5 of a 60-per-class pool (550 unlabelled digits).
SEMI_SUPERVISED_SMOKE = {"fixmatch.epochs": 2, "fixmatch.steps_per_epoch": 3}

SEMI_SUPERVISED_SWEEP = Sweep(
    task="augment",
    description="k labelled digits per class plus every other training digit unlabelled: real-only, affine, FixMatch, "
                "the semi-supervised GAN, FixMatch + pseudo-label CGAN digits and real + those digits at k = 10 (10 "
                "seeds); real-only, FixMatch and the SSL-GAN at k = 100 (3 seeds). Does a generator add anything the "
                "unlabelled pool does not?",
    grids={"smoke": _semi_supervised_grid(5, 1, smoke=True),
           "quick": chain(_semi_supervised_grid(10, SEMI_SUPERVISED_SEEDS[0]),
                          _semi_supervised_grid(100, SEMI_SUPERVISED_SEEDS[1], synthetic=False)),
           "paper": chain(_semi_supervised_grid(10, SEMI_SUPERVISED_SEEDS[0]),
                          _semi_supervised_grid(100, SEMI_SUPERVISED_SEEDS[1], synthetic=False))},
    profile_overrides={"smoke": SEMI_SUPERVISED_SMOKE},
)


def _families_grid(k: int, seeds: int) -> Grid:
    """The other generators' arms with their own baselines (real-only at k and on all real digits), so the sweep
    reads on its own: the baselines are the same runs as mix_ratios' (same config, same seeds), recomputed here
    because a run's directory belongs to one sweep (3 + 3 classifier runs, minutes)."""
    baselines = chain(product(fixed("augment.real_per_class", k), fixed("augment.strategy", "real"), _seeds(seeds)),
                      product(fixed("augment.strategy", "mix"), fixed("augment.real_fraction", 1.0),
                              fixed("augment.synth_fraction", 0.0), _seeds(seeds)))
    cas = product(fixed("augment.strategy", "synthetic_only"), fixed("augment.synth_fraction", 1.0),
                  sweep("augment.generator", OTHER_GENERATORS), _seeds(seeds))
    return chain(baselines, _generators_grid(k, seeds), cas)


MIX_RATIOS_FAMILIES = Sweep(
    task="augment",
    description="Every other conditional generator (AC-GAN, guided CGAN, CVAE, EBGAN, PCA, diffusion) used like the "
                "CGAN at k = 10 (mix and filter, both protocols) and in the classification accuracy score, beside "
                "their real-only baselines; read beside mix_ratios.",
    grids={"smoke": product(fixed("augment.real_per_class", 5), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                            fixed("augment.strategy", "mix"), sweep("augment.generator", ("pca", "cvae")), _seeds(1)),
           "quick": _families_grid(10, 3), "paper": _families_grid(10, 5)},
)

REPLICATION_GENERATORS = ("cvae", "pca")


def _replication_grid(ks, seeds: int) -> Grid:
    """The headline cells, for a second dataset: real-only on all real images; at each k real-only, affine, and the
    CGAN's mix and filter under both protocols; the other generators' mix at the smallest k under both protocols;
    the classification accuracy score of every generator."""
    full = product(fixed("augment.strategy", "mix"), fixed("augment.real_fraction", 1.0),
                   fixed("augment.synth_fraction", 0.0), _seeds(seeds))
    real_only = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", STRATEGIES_REAL),
                        _seeds(seeds))
    cgan = product(sweep("augment.real_per_class", ks), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                   sweep("augment.strategy", ("mix", "filter")), sweep("augment.protocol", PROTOCOLS), _seeds(seeds))
    others = product(fixed("augment.real_per_class", ks[0]), fixed("augment.synth_fraction", FEW_SHOT_SYNTH),
                     fixed("augment.strategy", "mix"), sweep("augment.generator", REPLICATION_GENERATORS),
                     sweep("augment.protocol", PROTOCOLS), _seeds(seeds))
    return chain(full, real_only, _with_low_data_steps(chain(cgan, others)),
                 _cas_grid(seeds, ("cgan", *REPLICATION_GENERATORS)))


REPLICATION = Sweep(
    task="augment",
    description="Does the answer hold beyond digits? The headline cells of mix_ratios and mix_ratios_families "
                "(k = 10 and 100; CGAN, CVAE and PCA; both protocols; CAS) for a second dataset: run it with "
                "--data fashion_mnist and read it beside the MNIST sweeps.",
    grids={"smoke": chain(product(fixed("augment.real_per_class", 5), sweep("augment.strategy", ("real", "mix")),
                                  fixed("augment.synth_fraction", FEW_SHOT_SYNTH), _seeds(1))),
           "quick": _replication_grid((10, 100), 3), "paper": _replication_grid((10, 100), 5)},
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
    return chain(real_only, _with_low_data_steps(mix_k10))


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
    return chain(real_only, _with_low_data_steps(mixes))


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

# Mode collapse (presets.COLLAPSE, the setup declared and explained there): an unconditional DCGAN with G's Adam
# steps 50x D's and beta_1 0.9. Four mitigations are measured against it.
TTUR = {"gan.g_lr": 1e-4, "gan.d_lr": 4e-4}      # two time-scale update rule: D learns 4x faster than G


def _collapse_grid() -> Grid:
    base = [dict(COLLAPSE)]
    return chain(product(base, _seeds(1)),
                 product(base, fixed("gan.minibatch_discrimination", True), _seeds(1)),
                 product(base, fixed("gan.d_norm", "spectral"), fixed("gan.d_steps", 2), _seeds(1)),
                 product(base, [dict(TTUR)], _seeds(1)),                 # balancing by learning rates instead
                 product(base, fixed("gan.pack", 2), _seeds(1)))         # PacGAN2: D judges pairs


def _cgan(*grids: Grid) -> Grid:
    return product(fixed("augment.generator", "cgan"), *grids)


# The Q1/Q2 tricks, each with 3 seeds (each seed trains its own GAN), paired with the default CGAN seed by seed.
def _trick_grid(seeds: int) -> Grid:
    return chain(
        product(sweep("augment.generator", ("cgan", "acgan", "dcgan")), _seeds(seeds)),
        _cgan(fixed("gan.label_smoothing", 0.25), _seeds(seeds)),
        _cgan(sweep("gan.vbn", ("g", "gd")), _seeds(seeds)),
        _cgan(fixed("gan.label_smoothing", 0.25), fixed("gan.vbn", "g"), _seeds(seeds)),
        _cgan(fixed("gan.d_steps", 2), _seeds(seeds)),
        _cgan([dict(TTUR)], _seeds(seeds)),
    )


# Every loss of losses.LOSSES on the default CGAN (ns is the default itself), and WGAN with weight clipping as
# published (presets.WGAN_CLIP).


def _loss_grid() -> Grid:
    return chain(_cgan(sweep("gan.loss", ("minimax", "lsgan", "wgan_gp", "hinge", "dragan")), _seeds(1)),
                 _cgan([dict(WGAN_CLIP)], _seeds(1)),
                 _cgan(fixed("gan.d_norm", "spectral"), _seeds(1)))


# Every GAN of the tricks and search sweeps is scored at every epoch on 2,000 samples, and its success rate is
# also given by a second scorer (width 48, seed 1) beside the project's (width 32, seed 0).
TRICKS_EVAL = {"eval.epoch_samples": 2000, "eval.second_scorer_width": 48, "eval.second_scorer_seed": 1}

TRICKS = Sweep(
    task="gan_eval",
    description="DCGAN vs CGAN vs AC-GAN, the stabilisation tricks (3 seeds each), every GAN loss and a "
                "mode-collapse study with four mitigations, scored by two scorers at every epoch.",
    grids={
        "smoke": chain(sweep("augment.generator", ("dcgan", "cgan", "acgan")), [dict(COLLAPSE, **{"gan.pack": 2})]),
        "quick": chain(_trick_grid(3), _loss_grid(), _collapse_grid()),
    },
    # The same budget for every variant: 3 epochs in quick (the default CGAN's 6 would not fit 5 hours for the
    # whole grid), 30 in paper (the paper profile's GAN budget).
    profile_overrides={"quick": {"gan.epochs": 3, **TRICKS_EVAL}, "paper": TRICKS_EVAL,
                       "smoke": {"eval.epoch_samples": 100, "eval.second_scorer_width": 12}},
)

# --------------------------------------------------------------------------- architecture and hyperparameter search

# One factor at a time around the default CGAN (G width 64, D width 32, latent 64, both learning rates 2e-4),
# then four combinations of the factors that each probe might favour: 13 points, one seed each at the tricks
# budget; the best three by FID against training digits (never the test set) are re-run with three fresh seeds
# (gan_search_best: seeds 1-3, not the searched seed 0, so the winners' scores are not the ones that chose them).
SEARCH_POINTS: tuple[dict, ...] = (
    {},
    {"gan.g_width": 32}, {"gan.g_width": 128},
    {"gan.d_width": 16}, {"gan.d_width": 64},
    {"gan.latent_dim": 16}, {"gan.latent_dim": 128},
    {"gan.g_lr": 1e-4, "gan.d_lr": 1e-4}, {"gan.g_lr": 5e-4, "gan.d_lr": 5e-4},
    {"gan.g_width": 128, "gan.d_width": 64},
    {"gan.g_width": 128, "gan.d_width": 64, "gan.latent_dim": 128},
    {"gan.d_width": 64, "gan.g_lr": 5e-4, "gan.d_lr": 5e-4},
    {"gan.g_width": 32, "gan.d_width": 16},
)
SEARCH_KEYS = ("gan.g_width", "gan.d_width", "gan.latent_dim", "gan.g_lr", "gan.d_lr")
SEARCH_BEST = 3


SEARCHED_SEED = 0


def _search_grid(points, seeds: int, first_seed: int = SEARCHED_SEED) -> Grid:
    """Every point with every key of the search written out, so run names always spell the whole point."""
    from cgan_study import config as C

    base = C.Experiment().gan
    full = [{k: p.get(k, getattr(base, k.split(".", 1)[1])) for k in SEARCH_KEYS} for p in points]
    return product(fixed("augment.generator", "cgan"), full, sweep("seed", tuple(range(first_seed,
                                                                                       first_seed + seeds))))


def best_search_points(results_root, n: int = SEARCH_BEST) -> list[dict]:
    """The n points of the finished gan_search with the lowest training-referenced FID (ties: higher success)."""
    from pathlib import Path

    from cgan_study.reporting.tables import finished_runs
    from cgan_study.study.selection import rank

    search_dir = Path(results_root) / "gan_search"
    frame = finished_runs(search_dir) if (search_dir / "summary.csv").exists() else None
    if frame is None or frame.empty:
        raise LookupError(f"gan_search has no finished runs under {results_root}; run "
                          "`python -m experiments.sweep gan_search` first")
    return [{k: row[f"cfg.overrides.{k}"] for k in SEARCH_KEYS} for _, row in rank(frame).head(n).iterrows()]


GAN_SEARCH = Sweep(
    task="gan_eval",
    description="CGAN architecture and learning-rate search: 13 points (G/D width, latent size, learning rates), "
                "one seed each at the tricks budget, ranked by FID against training digits, then success rate.",
    grids={"smoke": _search_grid(SEARCH_POINTS[:3], 1), "quick": _search_grid(SEARCH_POINTS, 1)},
    # Scored at the end of training only: the ranking needs no curve, and the committed search GANs keep no
    # per-epoch snapshots, so they are rescored on the training reference without retraining.
    profile_overrides={profile: {k: v for k, v in overrides.items() if k != "eval.epoch_samples"}
                       for profile, overrides in TRICKS.profile_overrides.items()},
)

def _best_grid(root, points: int, seeds: int) -> Grid:
    """The best points and the default point beside them, all on the same fresh seeds (not the searched one), so
    each point pairs with the default seed by seed inside this sweep."""
    from cgan_study import config as C

    best = best_search_points(root, points)
    default = {k: getattr(C.Experiment().gan, k.split(".", 1)[1]) for k in SEARCH_KEYS}
    return _search_grid(best + ([] if default in best else [default]), seeds, first_seed=SEARCHED_SEED + 1)


GAN_SEARCH_BEST = Sweep(
    task="gan_eval",
    description="The three best gan_search points by training-referenced FID and the default point, re-run with "
                "three fresh seeds (1-3) and paired with the default seed by seed.",
    grids={"quick": lambda root: _best_grid(root, SEARCH_BEST, 3), "smoke": lambda root: _best_grid(root, 2, 2)},
    profile_overrides=GAN_SEARCH.profile_overrides,   # scored at the end: seeds 1-2 reuse committed GANs
)

# --------------------------------------------------------------------------- the GAN comparison at the study's budget

# The tricks sweep compares variants after 3 epochs ("early training"), where a trick that only speeds up the start
# looks like a better GAN. This sweep trains the default CGAN, the three variants with the largest 3-epoch effects
# and the two best search points (ranked on the training reference) for the study's own CGAN budget (gan.epochs of
# the profile: 6 in quick), 3 seeds each, scored at every epoch, paired with the default seed by seed. The default
# arm is the generators sweep's CGAN (same spec, same artifact); its per-epoch curve needs the artifact's epoch
# snapshots, which are not committed: rebuild those artifacts on the machine that runs this sweep.
VARIANTS_SEARCH_POINTS = 2
STUDY_VARIANTS = ({}, {"gan.vbn": "gd"}, {"gan.vbn": "g"}, {"gan.d_steps": 2})


def _variants_grid(root, seeds: int, search_points: int = VARIANTS_SEARCH_POINTS) -> Grid:
    return product(fixed("augment.generator", "cgan"),
                   chain(list(STUDY_VARIANTS), best_search_points(root, search_points)), _seeds(seeds))


GAN_VARIANTS = Sweep(
    task="gan_eval",
    description="The default CGAN against the three largest early-training tricks (VBN in G and D, VBN in G, 2 D "
                "steps) and the two best search points ranked on training digits, at the study's CGAN budget, 3 seeds each.",
    grids={"quick": lambda root: _variants_grid(root, 3), "smoke": lambda root: _variants_grid(root, 1, 1)},
    profile_overrides={"quick": TRICKS_EVAL, "paper": TRICKS_EVAL,
                       "smoke": {"eval.epoch_samples": 100, "eval.second_scorer_width": 12}},
)

# --------------------------------------------------------------------------- generators (Q5 and beyond)

# The generators table gives each generator's success rate by a second scorer of another architecture (gap: 5x5
# convolutions, batch norm, global average pooling) beside the first: levels are scorer-relative, rankings carry.
GENERATORS_EVAL = {"eval.second_scorer_width": 32, "eval.second_scorer_seed": 1, "eval.second_scorer_arch": "gap"}

GENERATORS = Sweep(
    task="gan_eval",
    description="Every conditional registered generator (GANs, CVAE, EBGAN, PCA, diffusion) trained under its own budget "
                "and scored with the same metrics.",
    grids={
        "smoke": sweep("augment.generator", ("cgan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion")),
        "quick": product(sweep("augment.generator", ("cgan", "acgan", "guided_cgan", "cvae", "ebgan", "pca",
                                                     "diffusion")), _seeds(3)),
    },
    profile_overrides={"quick": GENERATORS_EVAL, "paper": GENERATORS_EVAL,
                       "smoke": {"eval.second_scorer_width": 8, "eval.second_scorer_arch": "gap"}},
)

def _low_data_generators_grid(k: int, generators, seeds: int,
                              low_data_steps: int | None = FULL_DATA_STEPS_PER_EPOCH) -> Grid:
    grid = product(fixed("augment.real_per_class", k), fixed("augment.protocol", "low_data"),
                   sweep("augment.generator", generators), _seeds(seeds))
    return _with_low_data_steps(grid, low_data_steps)


# Scoring the low-data generators needs no test-sized sample: 2,000 (200 per class) give the success rate to about
# a point, and the FIDs are read against each other, not against the generators table's (10,000 samples).
LOW_DATA_EVAL = {**GENERATORS_EVAL, "eval.n_samples": 2000}

LOW_DATA_GENERATORS = Sweep(
    task="gan_eval",
    description="The generators the low-data arms draw from (k = 10 real digits per class, one per seed: the same "
                "models), scored like the generators sweep's: does each produce the requested digits at its budget?",
    grids={"smoke": _low_data_generators_grid(5, ("pca", "cvae"), 1, low_data_steps=None),
           "quick": _low_data_generators_grid(10, ("cgan",) + OTHER_GENERATORS, 3),
           "paper": _low_data_generators_grid(10, ("cgan",) + OTHER_GENERATORS, 5)},
    profile_overrides={"quick": LOW_DATA_EVAL, "paper": LOW_DATA_EVAL,
                       "smoke": {"eval.n_samples": 200, "eval.second_scorer_width": 8,
                                 "eval.second_scorer_arch": "gap"}},
)


# The evidence for the low-data generators' budget rule (FULL_DATA_STEPS_PER_EPOCH above). The old rule (epochs of
# at least 100 steps: 6 x 100 = 600 steps on 100 digits) and its doubling, for the study's CGAN and for EBGAN (whose
# old-rule models drew the requested digit at chance), on the same subsets and seeds.
LOW_DATA_BUDGET_STEPS = (100, 200)
# The study's CGAN also at the present rule (460 an epoch: 2,760 steps, the low-data arms' own models) and at twice
# that: the doubling check of the present rule.
LOW_DATA_CGAN_STEPS = (100, 200, 460, 920)


def _low_data_budget_grid(k: int, seeds: int) -> Grid:
    setting = product(fixed("augment.real_per_class", k), fixed("augment.protocol", "low_data"))
    return product(setting, chain(
        product(fixed("augment.generator", "cgan"), sweep("gan.min_steps_per_epoch", LOW_DATA_CGAN_STEPS)),
        product(fixed("augment.generator", "ebgan"), sweep("ebgan.min_steps_per_epoch", LOW_DATA_BUDGET_STEPS))),
        _seeds(seeds))


def _low_data_arm_grid(ks, steps, seeds: int, changed: tuple = ()) -> Grid:
    """Real only and affine, the mix arm at every generator budget in `steps`, and the `changed` training
    strategies (pretrain, filter) at a full-data training's steps (460 an epoch) only."""
    real = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", STRATEGIES_REAL), _seeds(seeds))
    low_data = product(fixed("augment.synth_fraction", FEW_SHOT_SYNTH), fixed("augment.protocol", "low_data"))
    mix = product(sweep("augment.real_per_class", ks), fixed("augment.strategy", "mix"), low_data,
                  sweep("gan.min_steps_per_epoch", steps), _seeds(seeds))
    others = product(sweep("augment.real_per_class", ks), sweep("augment.strategy", changed), low_data,
                     fixed("gan.min_steps_per_epoch", FULL_DATA_STEPS_PER_EPOCH), _seeds(seeds)) if changed else []
    return chain(real, mix, others)


LOW_DATA_BUDGET_ARMS = Sweep(
    task="augment",
    description="The headline low-data arm (k = 10, CGAN mix) with its generators trained at the old rule's steps (600), "
                "twice as many, a full-data training's and twice that, against real only and affine augmentation: "
                "does the arm's verdict depend on an unconverged generator?",
    grids={"smoke": chain(product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "real"), _seeds(1)),
                          product(fixed("augment.real_per_class", 5), fixed("augment.strategy", "mix"),
                                  fixed("augment.synth_fraction", 0.1), fixed("augment.protocol", "low_data"),
                                  sweep("gan.min_steps_per_epoch", (20, 40)), _seeds(1))),
           "quick": _low_data_arm_grid((10,), LOW_DATA_CGAN_STEPS, 3, ("pretrain", "filter")),
           "paper": _low_data_arm_grid((10,), LOW_DATA_CGAN_STEPS, 5, ("pretrain", "filter"))},
)

# The same at the study's other k, at the old rule's steps and a full-data training's only (their own sweep, so the
# k = 10 runs keep their names).
LOW_DATA_BUDGET_ARMS_K = Sweep(
    task="augment",
    description="The low-data CGAN mix arm at k = 1 and 100 with its generators trained at the old rule's steps and a "
                "full-data training's, against real only and affine augmentation.",
    grids={"smoke": _low_data_arm_grid((2, 5), (20, 40), 1),
           "quick": _low_data_arm_grid((1, 100), (100, 460), 3), "paper": _low_data_arm_grid((1, 100), (100, 460), 5)},
)


LOW_DATA_BUDGET = Sweep(
    task="gan_eval",
    description="Budget check of the low-data generators: the CGAN and EBGAN on k = 10 digits per class at the "
                "old rule's steps (600) and at more (EBGAN twice as many; the CGAN up to 9.2 times), scored alike (success "
                "rate, FID and recall on training digits).",
    grids={"smoke": product(fixed("augment.real_per_class", 5), fixed("augment.protocol", "low_data"),
                            sweep("gan.min_steps_per_epoch", (20, 40)), _seeds(1)),
           "quick": _low_data_budget_grid(10, 3), "paper": _low_data_budget_grid(10, 5)},
    profile_overrides={"quick": LOW_DATA_EVAL, "paper": LOW_DATA_EVAL,
                       "smoke": {"eval.n_samples": 200, "eval.second_scorer_width": 8,
                                 "eval.second_scorer_arch": "gap"}},
)

# --------------------------------------------------------------------------- diffusion samplers

def _sampler_grid() -> Grid:
    """Ancestral DDPM over all T steps; DDIM with S steps, deterministic and (S <= 50) with eta = 1; DDIM-50 and
    the study's DDIM-20 with eta 1 under classifier-free guidance.
    Every point samples the same trained model (the sampler keys are not part of the artifact's hash)."""
    ddim = fixed("diffusion.sampler", "ddim")
    return product(fixed("augment.generator", "diffusion"), chain(
        fixed("diffusion.sampler", "ddpm"),
        product(ddim, sweep("diffusion.sample_steps", (10, 20, 50, 100))),
        product(ddim, sweep("diffusion.sample_steps", (10, 20, 50)), fixed("diffusion.eta", 1.0)),
        product(ddim, fixed("diffusion.sample_steps", 50), sweep("diffusion.guidance", (1.0, 3.0))),
        # The study's sampler (DDIM-20, eta 1) under guidance: the scale that trades FID for success rate.
        product(ddim, fixed("diffusion.sample_steps", 20), fixed("diffusion.eta", 1.0),
                sweep("diffusion.guidance", (0.5, 1.0, 2.0)))), _seeds(1))


DIFFUSION_SAMPLERS = Sweep(
    task="gan_eval",
    description="One trained conditional diffusion model sampled by DDPM (T steps) and DDIM (10-100 steps, eta, "
                "guidance): quality by the scorer and seconds per 1,000 digits, plus the progressive figure.",
    grids={"quick": _sampler_grid()},
    # DDPM's 1,000 network calls per digit make 10,000 samples too slow for 2 cores: 1,000 per setting, so FID
    # here compares samplers with each other, not with the 10,000-sample FIDs of the generators table.
    # The sweep's base sampler is DDIM-50 with eta 0 (the default when it ran): each point sets what it varies.
    profile_overrides={profile: {"eval.n_samples": n, "diffusion.sample_steps": 50, "diffusion.eta": 0.0}
                       for profile, n in (("quick", 1000), ("smoke", 100))},
)

# The quality target at the generators table's sample size: guidance scales on either side of the 1,000-sample
# sweep's crossing of 98.5% success (0.5 there), on the study's sampler (DDIM-20, eta 1) and the generators sweep's
# own trained models, so each row pairs with that sweep's unguided row of the same seed. Two of its three seeds:
# guided sampling calls the network twice per step (about 23 min per 10,000 digits on one thread).
DIFFUSION_GUIDANCE = Sweep(
    task="gan_eval",
    description="The study's diffusion models (generators sweep) sampled 10,000 times with classifier-free guidance "
                "(DDIM-20, eta 1): success rate and FID against the unguided rows.",
    grids={"quick": product(fixed("augment.generator", "diffusion"), sweep("diffusion.guidance", (0.25, 0.5)),
                            _seeds(2)),
           "smoke": product(fixed("augment.generator", "diffusion"), fixed("diffusion.guidance", 0.5))},
    # Its runs sampled DDIM-20, the study's sampler when they ran (since diffusion_recipes: DDIM-10).
    profile_overrides={"quick": {"diffusion.sample_steps": 20}},
)

# --------------------------------------------------------------------------- diffusion recipes (cost)

# Every choice here reads the training reference (FID, recall) and a CAS on the validation split; the test digits
# only report. Today's recipe (U-Net width 32, 10 epochs) with today's sampler (DDIM-20, eta 1) is the reference
# arm; its trained models are the generators sweep's (same seeds, the sampler is not part of the artifact).
DIFFUSION_RECIPES_EVAL = {"eval.val_cas": True}


def _recipes_grid(seeds: int, small_width: int) -> Grid:
    """Today's recipe and sampler; DDIM with 10 steps on the same models (half the sampling cost); the same with
    classifier-free guidance 0.5 (the guidance choice, on the training reference); a U-Net of half the width
    trained from scratch (about a quarter of the network's cost, in training and sampling), sampled by DDIM-10."""
    ddim10 = fixed("diffusion.sample_steps", 10)
    return product(fixed("augment.generator", "diffusion"), chain(
        fixed("diffusion.sample_steps", 20), ddim10, product(ddim10, fixed("diffusion.width", small_width)),
        product(ddim10, fixed("diffusion.guidance", 0.5))), _seeds(seeds))


DIFFUSION_RECIPES = Sweep(
    task="gan_eval",
    description="Diffusion at a cost the study can pay: today's recipe (width 32, DDIM-20) against DDIM-10 on the "
                "same models, guided DDIM-10 and a half-width U-Net, 3 seeds, judged on training-referenced FID, "
                "recall, success and a validation CAS.",
    grids={"quick": _recipes_grid(3, 16), "smoke": _recipes_grid(1, 8)},
    profile_overrides={"quick": DIFFUSION_RECIPES_EVAL, "paper": DIFFUSION_RECIPES_EVAL,
                       "smoke": {**DIFFUSION_RECIPES_EVAL, "eval.n_samples": 200}},
)

# --------------------------------------------------------------------------- analysis (Q5)

ANALYSIS = Sweep(task="analysis",
                 description="How the default CGAN's digits differ from real ones in the scorer's features: t-SNE/PCA "
                             "embeddings, 1-NN two-sample accuracy, confidence histograms (inference only).",
                 grids={"quick": fixed("seed", 0)})

SWEEPS: dict[str, Sweep] = {"mix_ratios": MIX_RATIOS, "mix_ratios_families": MIX_RATIOS_FAMILIES, "mix_ratios_budget": MIX_RATIOS_BUDGET,
                            "few_shot_n10": FEW_SHOT_N10,
                            "semi_supervised": SEMI_SUPERVISED_SWEEP,
                            "replication": REPLICATION,
                            "synth_amount": SYNTH_AMOUNT, "tricks": TRICKS, "gan_search": GAN_SEARCH,
                            "gan_search_best": GAN_SEARCH_BEST, "gan_variants": GAN_VARIANTS, "generators": GENERATORS,
                            "low_data_generators": LOW_DATA_GENERATORS, "low_data_budget": LOW_DATA_BUDGET,
                            "low_data_budget_arms": LOW_DATA_BUDGET_ARMS,
                            "low_data_budget_arms_k": LOW_DATA_BUDGET_ARMS_K,
                            "scorer": SCORER, "analysis": ANALYSIS, "diffusion_samplers": DIFFUSION_SAMPLERS,
                            "diffusion_guidance": DIFFUSION_GUIDANCE,
                            "diffusion_recipes": DIFFUSION_RECIPES}
