"""diffusion_recipes: diffusion at a cost the study can pay.

Every choice here reads the training reference (FID, recall) and a CAS on the validation split; the test digits
only report. Today's recipe (U-Net width 32, 10 epochs) with today's sampler (DDIM-20, eta 1) is the reference arm;
its trained models are the generators sweep's (same seeds, the sampler is not part of the artifact)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import seeds

DIFFUSION_RECIPES_EVAL = {"eval.val_cas": True}


def recipes_grid(n_seeds: int, small_width: int) -> Grid:
    """Today's recipe and sampler; DDIM with 10 steps on the same models (half the sampling cost); the same with
    classifier-free guidance 0.5 (the guidance choice, on the training reference); a U-Net of half the width
    trained from scratch (about a quarter of the network's cost, in training and sampling), sampled by DDIM-10."""
    ddim10 = fixed("diffusion.sample_steps", 10)
    return product(fixed("augment.generator", "diffusion"), chain(
        fixed("diffusion.sample_steps", 20), ddim10, product(ddim10, fixed("diffusion.width", small_width)),
        product(ddim10, fixed("diffusion.guidance", 0.5))), seeds(n_seeds))


def report(sweep_dir):
    from cgan_study.reporting.diffusion import diffusion_recipes_report   # deferred: CLIs start without pandas

    return diffusion_recipes_report(sweep_dir)


def claims(tables):
    """recipes/<arm>/<metric>: a diffusion recipe against its baseline arm, paired by trained model, per choosing
    metric (FID and recall on the training reference, success, validation CAS)."""
    from cgan_study.reporting.claims import Comparison, rows, slug

    out = {}
    for r in rows(tables, "recipes_long"):
        for metric, scale, lower in (("fid_train", 1.0, True), ("recall_train", 100.0, False),
                                     ("success_rate", 100.0, False), ("cas_val", 100.0, False)):
            if f"{metric}_diff" in r and r[f"{metric}_diff"] == r[f"{metric}_diff"]:
                cid = f"recipes/{slug(r['arm'])}/{metric}"
                out[cid] = Comparison(cid, float(r[f"{metric}_diff"]), float(r[f"{metric}_diff_low"]),
                                      float(r[f"{metric}_diff_high"]), int(r["n"]), scale, lower)
    return out


def macros(tables, root):
    """The sampler and guidance the recipe rule adopted."""
    from cgan_study.reporting.paper_numbers import recipe_numbers

    return recipe_numbers(tables.get("recipes_long"))


DIFFUSION_RECIPES = register("diffusion_recipes", Sweep(stable_names=True,
    task="gan_eval",
    description="Diffusion at a cost the study can pay: today's recipe (width 32, DDIM-20) against DDIM-10 on the "
                "same models, guided DDIM-10 and a half-width U-Net, 3 seeds, judged on training-referenced FID, "
                "recall, success and a validation CAS.",
    grids={"quick": recipes_grid(3, 16), "smoke": recipes_grid(1, 8)},
    profile_overrides={"quick": DIFFUSION_RECIPES_EVAL, "paper": DIFFUSION_RECIPES_EVAL,
                       "smoke": {**DIFFUSION_RECIPES_EVAL, "eval.n_samples": 200}},
    report=report,
    claims=claims, claim_prefixes=("recipes/",), macros=macros,
    supplement_tables=("recipes",),
    table_notes={
        "recipes": TableNote(
            "FID and recall against 10,000 training digits, success rate by the scorer, CAS on the 1,000 validation "
            "digits; each arm minus its baseline arm with the same seed; the test digits only report.",
            "a cost candidate is adoptable when its mean training-referenced FID and validation CAS lie within "
            "today's 95% interval or beyond it on the better side; the cheapest adoptable is adopted, a guided arm "
            "never as a cost candidate. Guidance by its own rule (reporting/diffusion.guidance_choice, fixed before "
            "the guided arm ran): adopted only if its paired validation-CAS interval lies above 0 and its paired "
            "training-FID interval not above 0; else the study's w = 0 stays."),
        "recipes_long": TableNote(
            "the recipes table's numbers (training-referenced FID and recall, success, validation CAS) with each "
            "arm's adoptable, adopted and guidance_adopted columns.",
            "the same adoption and guidance rules as recipes.")},
))
