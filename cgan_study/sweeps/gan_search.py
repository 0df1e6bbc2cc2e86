"""gan_search: the CGAN architecture and learning-rate search, ranked on training digits (never the test set).

One factor at a time around the default CGAN (G width 64, D width 32, latent 64, both learning rates 2e-4), then
four combinations of the factors that each probe might favour: 13 points, one seed each at the tricks budget; the
best three by FID against training digits are re-run with three fresh seeds (gan_search_best: seeds 1-3, not the
searched seed 0, so the winners' scores are not the ones that chose them)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.tricks import TRICKS

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


def search_grid(points, n_seeds: int, first_seed: int = SEARCHED_SEED) -> Grid:
    """Every point with every key of the search written out, so run names always spell the whole point."""
    from cgan_study import config as C

    base = C.Experiment().gan
    full = [{k: p.get(k, getattr(base, k.split(".", 1)[1])) for k in SEARCH_KEYS} for p in points]
    return product(fixed("augment.generator", "cgan"), full, sweep("seed", tuple(range(first_seed,
                                                                                       first_seed + n_seeds))))


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


def report(sweep_dir):
    from cgan_study.reporting.search import search_report   # deferred: the CLIs start without pandas

    return search_report(sweep_dir)


def macros(tables, root):
    """How many points the search tried and where the default ranked."""
    from cgan_study.reporting.paper_numbers import search_numbers
    from cgan_study.reporting.search import default_search_label

    return search_numbers(tables.get("search"), default_search_label())


GAN_SEARCH = register("gan_search", Sweep(stable_names=True,
    task="gan_eval",
    description="CGAN architecture and learning-rate search: 13 points (G/D width, latent size, learning rates), "
                "one seed each at the tricks budget, ranked by FID against training digits, then success rate.",
    grids={"smoke": search_grid(SEARCH_POINTS[:3], 1), "quick": search_grid(SEARCH_POINTS, 1)},
    # Scored at the end of training only: the ranking needs no curve, and the committed search GANs keep no
    # per-epoch snapshots, so they are rescored on the training reference without retraining.
    profile_overrides={profile: {k: v for k, v in overrides.items() if k != "eval.epoch_samples"}
                       for profile, overrides in TRICKS.profile_overrides.items()},
    depends_on=("tricks",),   # its report takes the default point's row from tricks when the search has none
    report=report,
    macros=macros,
    supplement_tables=("search",),
    table_notes={"search": TableNote(
        "FID, recall and coverage against 10,000 training digits (fid_train); the test digits' FID reported beside "
        "it; success rate by the scorer.",
        "ranked by training-referenced FID, then success rate; the test FID chooses nothing. The ranking picks "
        "gan_search_best's points and gan_variants' search arms.")},
))
