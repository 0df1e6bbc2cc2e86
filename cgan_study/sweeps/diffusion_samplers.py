"""diffusion_samplers: one trained conditional diffusion model sampled by DDPM and DDIM (steps, eta, guidance)."""
from __future__ import annotations

from cgan_study.runtime.grid import Grid, chain, fixed, product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import seeds


def sampler_grid() -> Grid:
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
                sweep("diffusion.guidance", (0.5, 1.0, 2.0)))), seeds(1))


def report(sweep_dir):
    from cgan_study.reporting.diffusion import diffusion_samplers_report   # deferred: CLIs start without pandas

    return diffusion_samplers_report(sweep_dir)


DIFFUSION_SAMPLERS = register("diffusion_samplers", Sweep(stable_names=True,
    task="gan_eval",
    description="One trained conditional diffusion model sampled by DDPM (T steps) and DDIM (10-100 steps, eta, "
                "guidance): quality by the scorer and seconds per 1,000 digits, plus the progressive figure.",
    grids={"quick": sampler_grid()},
    # DDPM's 1,000 network calls per digit make 10,000 samples too slow for 2 cores: 1,000 per setting, so FID
    # here compares samplers with each other, not with the 10,000-sample FIDs of the generators table.
    # The sweep's base sampler is DDIM-50 with eta 0 (the default when it ran): each point sets what it varies.
    profile_overrides={profile: {"eval.n_samples": n, "diffusion.sample_steps": 50, "diffusion.eta": 0.0}
                       for profile, n in (("quick", 1000), ("smoke", 100))},
    report=report,
    supplement_tables=("samplers",),
    figures=("progressive.png", "guidance.pdf"),
    table_notes={"samplers": TableNote(
        "one model's 1,000 samples per sampler: success rate by the scorer; FID, precision and recall against the "
        "10,000 test digits.",
        "nothing: exploratory, one model, test-referenced. The study's guidance (w = 0, its default) is decided by "
        "diffusion_recipes' guided arm on the training reference and the validation CAS, never here.")},
))
