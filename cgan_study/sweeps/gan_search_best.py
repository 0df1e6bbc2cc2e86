"""gan_search_best: the best gan_search points and the default point, re-run with fresh seeds (its grid reads the
finished search: declared over gan_search's results)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.gan_search import (
    GAN_SEARCH,
    SEARCH_BEST,
    SEARCH_KEYS,
    SEARCHED_SEED,
    best_search_points,
    search_grid,
)


def best_grid(root, points: int, n_seeds: int) -> Grid:
    """The best points and the default point beside them, all on the same fresh seeds (not the searched one), so
    each point pairs with the default seed by seed inside this sweep."""
    from cgan_study import config as C

    best = best_search_points(root, points)
    default = {k: getattr(C.Experiment().gan, k.split(".", 1)[1]) for k in SEARCH_KEYS}
    return search_grid(best + ([] if default in best else [default]), n_seeds, first_seed=SEARCHED_SEED + 1)


def report(sweep_dir):
    from cgan_study.reporting.search import search_best_report   # deferred: the CLIs start without pandas

    return search_best_report(sweep_dir)


def claims(tables):
    """searchbest/<point>/<metric> against the default CGAN (FID as is, accuracies in points)."""
    from cgan_study.reporting.claims import comparison, rows, slug

    out = {}
    for r in rows(tables, "search_best_paired_long"):
        metric = r["metric"]
        cid = f"searchbest/{slug(r['label'])}/{metric}"
        out[cid] = comparison(cid, r, scale=1.0 if "fid" in metric else 100.0, lower_is_better="fid" in metric)
    return out


GAN_SEARCH_BEST = register("gan_search_best", Sweep(stable_names=True,
    task="gan_eval",
    description="The three best gan_search points by training-referenced FID and the default point, re-run with "
                "three fresh seeds (1-3) and paired with the default seed by seed.",
    grids={"quick": lambda root: best_grid(root, SEARCH_BEST, 3), "smoke": lambda root: best_grid(root, 2, 2)},
    profile_overrides=GAN_SEARCH.profile_overrides,   # scored at the end: seeds 1-2 reuse committed GANs
    depends_on=("gan_search",),
    report=report,
    claims=claims, claim_prefixes=("searchbest/",),
    supplement_tables=("search_best",),
    table_notes={"search_best": TableNote(
        "as gan_search (FID, recall, coverage against 10,000 training digits; test FID reported), on fresh seeds "
        "1-3, each point minus the default point with the same seed.",
        "the three best search points by training-referenced FID; the searched seed 0 chose them and scores none; "
        "intervals not adjusted (exploratory).")},
))
