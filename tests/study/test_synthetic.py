"""Synthetic sets sampled once and shared: cells that need the same set draw it once, the cached set is the one a
cell would have drawn itself, and its key holds everything that makes it."""
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from cgan_study import config as C
from cgan_study import generators
from cgan_study.study import augment, stages, synthetic
from toy_generator import ClassMeans as CountingMeans

# --------------------------------------------------------------------------- a toy generator that counts its draws


@pytest.fixture
def counting_generator():
    entry = generators.register(generators.Entry("counting_toy", "toy_generator", "", True, "class means (tests only)"))
    CountingMeans.calls, CountingMeans.noise = 0, 0.3
    yield entry
    CountingMeans.noise = 0.05
    generators.unregister("counting_toy")


def _cell(strategy: str, seed: int = 0, **more) -> C.Experiment:
    return C.apply(C.profile("smoke"), {"augment.generator": "counting_toy", "augment.real_per_class": 5,
                                        "augment.synth_fraction": 0.1, "augment.protocol": "low_data",
                                        "augment.strategy": strategy, "seed": seed, **more})


# --------------------------------------------------------------------------- sampled once, shared


def test_two_cells_that_need_the_same_synthetic_set_sample_it_once(counting_generator, mnist, tmp_path):
    ctx = stages.Context(mnist, tmp_path)
    mixed = augment.run(_cell("mix"), ctx)
    filtered = augment.run(_cell("filter"), ctx)
    assert CountingMeans.calls == 1                      # one draw for both cells
    assert mixed["synthetic_set"] == filtered["synthetic_set"]
    assert mixed["n_synth"] == filtered["n_synth"] == 60
    assert (tmp_path / "_artifacts" / "synthetic" / mixed["synthetic_set"] / synthetic.SYNTHETIC_FILE).exists()
    # Another seed is another set (and another generator): drawn again.
    other = augment.run(_cell("mix", seed=1), ctx)
    assert CountingMeans.calls == 2 and other["synthetic_set"] != mixed["synthetic_set"]
    # Every cell says where its time went, stage by stage.
    for out in (mixed, filtered, other):
        assert all(out[f"seconds_{s}"] >= 0 for s in augment.STAGES)
        assert out["synthetic_sample_seconds"] >= 0
    assert filtered["seconds_filtering"] > 0 and mixed["seconds_filtering"] == 0


def test_a_cached_set_is_bit_identical_to_sampling_directly(counting_generator, mnist, tmp_path):
    exp = _cell("mix")
    ctx = stages.Context(mnist, tmp_path)
    generator, _, path = stages.get_generator(exp, ctx, k=5, subset_seed=0, seed=0)
    n = augment.synthetic_count(exp, ctx)
    direct = augment.synthetic_set(generator, n, seed=exp.seed + augment.SYNTH_SEED_OFFSET)
    drawn, key, info = augment.cell_synthetic_set(exp, ctx, generator, path, n)
    # Read back by a fresh context (nothing held in memory): the stored uint8 set, bit for bit.
    loaded, key_again, _ = augment.cell_synthetic_set(exp, stages.Context(mnist, tmp_path), generator, path, n)
    assert key == key_again and info["n"] == n
    for got in (drawn, loaded):
        assert got.x.dtype == direct.x.dtype == np.uint8 and got.y.dtype == direct.y.dtype
        assert np.array_equal(got.x, direct.x) and np.array_equal(got.y, direct.y)
    assert CountingMeans.calls == 2                      # the direct draw and the cache's one draw


# --------------------------------------------------------------------------- the key


def test_a_cached_sets_key_holds_everything_that_makes_it(tmp_path):
    # The same artifact name (spec hash) built twice: its metrics.json differs, so its sets must too.
    # Timings, threads and resumes do not make another build (the same weights built twice); final losses do.
    first, rebuilt, timed = (tmp_path / d / "artifact-a" for d in ("one", "two", "three"))
    for path, loss, seconds in ((first, 0.7530, 300.8), (rebuilt, 0.7535, 301.1), (timed, 0.7530, 744.0)):
        path.mkdir(parents=True)
        (path / "metrics.json").write_text(json.dumps({"final": {"g_loss": loss}, "train_seconds": seconds,
                                                       "tf_intra_op_threads": 2, "resumed_from_epoch": 1}))

    def data(sha):
        return SimpleNamespace(data_part=lambda exp: {"sha256": sha, "val_per_class": exp.data.val_per_class})

    ctx = data("mnist-sha")
    sampler = SimpleNamespace(batch_size=500)
    base = C.apply(C.profile("smoke"), {"augment.generator": "diffusion"})

    def key(exp=base, artifact=first, generator=sampler, n=6000, seed=50_000, ctx=ctx):
        return synthetic.synthetic_key(synthetic.synthetic_spec(exp, ctx, Path(artifact), generator, n, seed))

    reference = key()
    assert key() == reference                                          # stable
    assert key(artifact=timed) == reference                            # the same weights, timed otherwise
    changed = {
        "artifact": key(artifact="artifact-b"),
        "amount": key(n=600),
        "seed": key(seed=50_001),
        "sampler": key(C.apply(base, {"diffusion.sampler": "ddpm"})),
        "sample_steps": key(C.apply(base, {"diffusion.sample_steps": 50})),
        "eta": key(C.apply(base, {"diffusion.eta": 0.0})),
        "guidance": key(C.apply(base, {"diffusion.guidance": 0.5})),
        "sampler batch size": key(generator=SimpleNamespace(batch_size=250)),
        "dataset": key(ctx=data("other-sha")),
        "a rebuild of the artifact": key(artifact=rebuilt),
    }
    assert all(k != reference for k in changed.values()), [n for n, k in changed.items() if k == reference]
    assert len(set(changed.values())) == len(changed)
    # What does not change the digits does not change the key: the strategy, the classifier, the real digits.
    for same in ({"augment.strategy": "filter"}, {"classifier.width": 16}, {"augment.real_per_class": 10}):
        assert key(C.apply(base, same)) == reference, same
