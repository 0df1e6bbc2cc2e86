"""Synthetic training sets, sampled once per (generator artifact, amount, seed, sampler settings) and cached.

Cells that draw from the same generator artifact the same number of digits with the same noise seed (mix and
filter at the same k and seed, say) get exactly the same digits, and sampling is the costly part (over an hour
for 60,000 diffusion digits). So a set is drawn once and stored as uint8 in the artifact cache, under
results/_artifacts/synthetic/<key>/ (ignored by git: it is rebuilt on demand, bit-identical to a fresh draw).
The key holds everything that decides the digits: the generator artifact and its build, the amount, the seed, the generator's
config section (its sampler settings among it: diffusion.sampler, sample_steps, eta, guidance), the sampler's
batch size where it has one, and the dataset.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from cgan_study.config import Experiment, stable_hash, to_dict
from cgan_study.data import Split
from cgan_study.runtime import results
from cgan_study.study import stages

KIND = "synthetic"
SYNTHETIC_FILE = "synthetic.npz"
# Bump when the way a set is drawn changes (labels' order, noise seeding), so old cached sets are not reused.
FORMAT = 1


def sampler_settings(exp: Experiment, generator) -> dict:
    """What of the run's config and of the loaded generator decides how it samples.

    The whole config section of the generator's family: its sampling keys (not in the artifact's hash, since one
    trained model serves every sampler setting) and its training keys (already in the artifact's hash, so
    harmless). Plus the sampler's batch size where it has one (the diffusion sampler seeds its noise per batch).
    """
    entry = stages.generator_entry(exp)
    section = to_dict(getattr(exp, entry.section)) if entry.section else {}
    return {"generator": entry.name, "section": entry.section, "config": section,
            "batch_size": getattr(generator, "batch_size", None)}


# What a build's metrics.json holds that does not follow from its weights (timings, threads, where it resumed):
# left out of the build's digest, so the same weights built twice give the same synthetic sets.
NOT_OF_THE_WEIGHTS = ("seconds", "threads", "resumed")


def artifact_build(artifact: Path | str) -> str:
    """Which build of the artifact: a digest of its metrics.json (final losses, epochs, FLOPs, ...) without timings.

    The artifact's name is the hash of its spec, which a rebuild keeps even when other TensorFlow threads give other
    weights (then other final losses); a set drawn from the old weights must not pass for the new ones."""
    path = Path(artifact) / results.METRICS
    if not path.exists():
        return ""
    metrics = {k: v for k, v in results.read_json(path).items() if not any(w in k for w in NOT_OF_THE_WEIGHTS)}
    return stable_hash(metrics)


def synthetic_spec(exp: Experiment, ctx: stages.Context, artifact: Path | str, generator, n: int, seed: int) -> dict:
    """Everything that makes a synthetic set: its hash is the set's key in the cache."""
    return {"format": FORMAT, "generator_artifact": Path(artifact).name, "build": artifact_build(artifact),
            "n": int(n), "seed": int(seed), "labels": "balanced", "sampler": sampler_settings(exp, generator),
            "data": ctx.data_part(exp)}


def synthetic_key(spec: dict) -> str:
    return stable_hash(spec)


def get_synthetic(ctx: stages.Context, spec: dict, draw: Callable[[], Split]) -> tuple[Split, str, dict]:
    """The set of `spec`: loaded from the cache, or drawn by `draw()` once (under the cache's lock) and stored.

    Returns (set, key, the build's info: sample_seconds and n)."""
    key = synthetic_key(spec)

    def build(work: Path) -> dict:
        start = time.perf_counter()
        synth = draw()
        seconds = time.perf_counter() - start
        results.write_npz(work / SYNTHETIC_FILE, x=synth.x.astype("uint8"), y=synth.y.astype("uint8"))
        return {"sample_seconds": seconds, "n": len(synth)}

    path = ctx.cache.get_or_build(KIND, key, spec, build)
    arrays = results.read_npz(path / SYNTHETIC_FILE)
    return Split(arrays["x"], arrays["y"], ctx.data.num_classes), key, results.read_json(path / results.METRICS)
