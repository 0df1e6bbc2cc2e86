"""diffusion_guidance: the quality target at the generators table's sample size.

Guidance scales on either side of the 1,000-sample sweep's crossing of 98.5% success (0.5 there), on the study's
sampler (DDIM-20, eta 1) and the generators sweep's own trained models, so each row pairs with that sweep's unguided
row of the same seed. Two of its three seeds: guided sampling calls the network twice per step (about 23 min per
10,000 digits on one thread)."""
from __future__ import annotations

from cgan_study.runtime.grid import fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import seeds


def report(sweep_dir):
    from cgan_study.reporting.diffusion import diffusion_guidance_report   # deferred: CLIs start without pandas

    return diffusion_guidance_report(sweep_dir)


DIFFUSION_GUIDANCE = register("diffusion_guidance", Sweep(stable_names=True,
    task="gan_eval",
    description="The study's diffusion models (generators sweep) sampled 10,000 times with classifier-free guidance "
                "(DDIM-20, eta 1): success rate and FID against the unguided rows.",
    grids={"quick": product(fixed("augment.generator", "diffusion"), sweep("diffusion.guidance", (0.25, 0.5)),
                            seeds(2)),
           "smoke": product(fixed("augment.generator", "diffusion"), fixed("diffusion.guidance", 0.5))},
    # Its runs sampled DDIM-20, the study's sampler when they ran (since diffusion_recipes: DDIM-10).
    profile_overrides={"quick": {"diffusion.sample_steps": 20}},
    # Its report pairs each guided row with the unguided rows of generators and diffusion_recipes (same models).
    depends_on=("generators", "diffusion_recipes"),
    report=report,
    supplement_tables=("guidance_target",),
    table_notes={"guidance_target": TableNote(
        "10,000 samples per scale of the generators sweep's diffusion models: success rate by the scorer; FID, "
        "precision and recall against the 10,000 test digits; w = 0: the same models unguided.",
        "nothing: reported against the quality target (success of at least 98.5%, FID below the CGAN's).")},
))
