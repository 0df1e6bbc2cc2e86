"""make reproduce: every sweep the paper reads, in dependency order, then the report; --dry-run prints the plan
with each sweep's estimate (or "no record") and the total, and runs nothing."""
from __future__ import annotations

from cgan_study.sweeps import SWEEPS
from experiments import reproduce as R


def test_every_sweep_runs_once_after_the_sweeps_it_is_declared_over():
    order = [name for name, dataset in R.steps() if dataset is None]
    assert sorted(order) == sorted(n for n in SWEEPS if "mnist" in SWEEPS[n].datasets) and len(order) == len(set(order))
    assert order[:len(R.FIRST)] == list(R.FIRST)
    for name in order:
        assert all(order.index(b) < order.index(name) for b in SWEEPS[name].depends_on), name
    assert order.index("diffusion_recipes") < order.index("diffusion_guidance")   # its report reads the recipes
    # a sweep whose grid reads earlier results must say which (else it could run before them)
    over_results = {n for n, s in SWEEPS.items() if any(callable(g) for g in s.grids.values())}
    undeclared = {n for n in over_results if not SWEEPS[n].depends_on}
    assert not undeclared, f"declare the sweeps these read in their module's depends_on: {undeclared}"
    assert all(d in SWEEPS for s in SWEEPS.values() for d in s.depends_on)
    # the second dataset: the sweeps declared on it (its scorer and generators first), under its own tree
    assert [n for n, d in R.steps() if d == "fashion_mnist"] == ["scorer", "generators", "mix_ratios_budget",
                                                                 "replication", "semi_supervised_replication"]


def test_dry_run_on_an_empty_root_says_no_record_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no committed results/ to borrow run times from
    assert R.main(["--dry-run", "--out", str(tmp_path / "fresh")]) == 0
    out = capsys.readouterr().out.splitlines()
    numbered = [line for line in out if line[:3].strip().rstrip(".").isdigit()]
    assert len(numbered) == len(R.steps())
    assert "1. scorer: 1 runs, 0 done; no record" in out[0]
    assert any("gan_search_best: planned after gan_search" in line for line in numbered)
    assert out[-1].startswith("total with --jobs 2: ~0 s to run now, ~0 s from scratch") and "no record for" in out[-1]
    assert not (tmp_path / "fresh").exists()


def test_dry_run_estimates_a_sweep_from_its_recorded_runs(tmp_path, monkeypatch, capsys):
    from cgan_study.runtime import results
    from cgan_study.runtime.grid import name_runs

    monkeypatch.chdir(tmp_path)
    root = tmp_path / "fresh"
    (name, point), = name_runs(SWEEPS["analysis"].grid("quick"), stable=True)  # one run: finished in 120 s
    run = results.Run(root / "analysis" / name)
    run.start({"overrides": point, "experiment": {}})
    run.finish({"wall_seconds": 120.0})
    R.main(["--dry-run", "--out", str(root), "--jobs", "1"])
    line = next(l for l in capsys.readouterr().out.splitlines() if ". analysis:" in l)
    assert line.endswith("analysis: 1 runs, 1 done; to run ~0 s, its runs from scratch ~2 min")


def test_an_artifact_is_counted_once_by_the_first_sweep_that_trains_it(tmp_path):
    """The pool sweep builds its SSL-GANs inside its runs (their wall time holds the training) and its pseudo-label
    CGANs and FixMatch baselines before them; the sweep that only scores those generators trains nothing again."""
    from cgan_study.runtime import estimate as E
    from cgan_study.runtime import results

    def artifact(kind, key, seconds):
        results.write_json(tmp_path / results.ARTIFACTS / kind / key / results.METRICS, {"train_seconds": seconds})

    def finished(sweep, name, metrics):
        run = results.Run(tmp_path / sweep / name)
        run.start({"overrides": {"seed": 0}, "experiment": {}})
        run.finish({"wall_seconds": 60.0, **metrics})

    artifact("generator", "cgan0", 600.0)
    artifact("generator", "sslgan0", 900.0)
    artifact("fixmatch_baseline", "fm0", 500.0)
    finished("pool", "mix", {"generator_artifact": "cgan0", "baseline_artifact": "fm0"})
    finished("pool", "ssl_gan", {"ssl_gan_artifact": "sslgan0"})
    finished("scored", "cgan", {"generator_artifact": "cgan0"})
    finished("scored", "ssl_gan", {"generator_artifact": "sslgan0"})

    built: set = set()
    first = R.new_builds(E.recorded(tmp_path / "pool"), built)
    assert first == {("generator", "cgan0"): 600.0, ("fixmatch_baseline", "fm0"): 500.0}
    assert R.build_counts(first) == "1 FixMatch baseline, 1 generator"
    assert R.new_builds(E.recorded(tmp_path / "scored"), built) == {}   # the SSL-GAN too: built inside its run
    assert R.new_builds(E.recorded(tmp_path / "pool"), set()) == first  # a fresh plan counts them again
    assert R.build_counts({("generator", "a"): 1.0, ("generator", "b"): 1.0}) == "2 generators"
