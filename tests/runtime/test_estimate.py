"""What a sweep costs before it starts: --dry-run's estimate from the run times its finished runs recorded."""
from cgan_study.runtime import estimate, results
from cgan_study.study.jobs import unused_sections


def _finished(sweep_dir, name, overrides, strategy, generator, wall, **stages):
    run = results.Run(sweep_dir / name)
    run.start({"overrides": overrides, "experiment": {"augment": {"strategy": strategy, "generator": generator}}})
    run.finish({"wall_seconds": wall, **{f"seconds_{k}": v for k, v in stages.items()}})


def _planned(name, overrides, strategy, generator):
    return name, overrides, {"augment": {"strategy": strategy, "generator": generator}}


def test_the_estimate_uses_the_same_cell_then_the_same_group_then_the_sweep(tmp_path):
    sweep = tmp_path / "toy"
    mix = {"augment.strategy": "mix", "augment.generator": "cgan"}
    _finished(sweep, "mix-seed0", {**mix, "seed": 0}, "mix", "cgan", 100.0, sampling=60.0, classifier=40.0)
    _finished(sweep, "mix-k5-seed0", {**mix, "augment.real_per_class": 5, "seed": 0}, "mix", "cgan", 300.0)
    _finished(sweep, "real-seed0", {"augment.strategy": "real", "seed": 0}, "real", "cgan", 20.0)
    runs = [_planned("mix-seed0", {**mix, "seed": 0}, "mix", "cgan"),
            _planned("mix-seed1", {**mix, "seed": 1}, "mix", "cgan"),                  # same cell: 100 s
            _planned("mix-k7-seed0", {**mix, "augment.real_per_class": 7, "seed": 0},
                     "mix", "cgan"),                                                      # same group: 200 s
            _planned("filter-seed0", {"augment.strategy": "filter", "seed": 0}, "filter", "pca")]  # sweep: 100 s
    lines = estimate.summary(sweep, runs, jobs=2)
    assert lines[0].startswith("4 runs: 1 done, 3 to run")
    # (100 + 200 + 100) / 2 jobs = 200 s
    assert "for the 3 to run: 3 min with --jobs 2" in lines[1]
    assert "1 from the same cell's runs, 1 from the same strategy and generator, 1 from the sweep's median" in lines[1]
    stages = lines[lines.index("where the time went (1 runs that timed their stages):") + 1:]
    assert [line.split()[0] for line in stages] == ["sampling", "classifier"]   # one line per stage, in order
    assert "median     60.0 s a run, 60 s in all" in stages[0]


def test_the_estimate_says_plainly_when_nothing_was_recorded(tmp_path):
    lines = estimate.summary(tmp_path / "nothing", [_planned("a", {}, "mix", "cgan")])
    assert lines[0].startswith("1 runs: 0 done, 1 to run")
    assert lines[1].startswith("no recorded run times")


def test_a_new_directory_is_estimated_from_the_committed_runs_of_the_same_sweep(tmp_path):
    committed = tmp_path / "results" / "toy"
    _finished(committed, "real-seed0", {"augment.strategy": "real", "seed": 0}, "real", "cgan", 40.0)
    runs = [_planned(f"real-seed{s}", {"augment.strategy": "real", "seed": s}, "real", "cgan") for s in range(3)]
    lines = estimate.summary(tmp_path / "fresh" / "toy", runs, jobs=1, reference_dir=committed)
    assert lines[0].startswith("3 runs: 0 done, 3 to run")
    assert lines[1] == f"times from the runs recorded under {committed}"
    assert "for the 3 to run: 2 min with --jobs 1" in lines[2]


def test_dry_run_prints_the_run_count_and_an_estimate(tmp_path, capsys):
    """Into a new directory, the estimate comes from the committed results (results/mix_ratios)."""
    from experiments import sweep as cli

    assert cli.main(["mix_ratios", "--dry-run", "--out", str(tmp_path), "--only", "*-real-*", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "9 runs: 0 done, 9 to run" in out
    assert "times from the runs recorded under results/mix_ratios" in out
    assert "estimated wall time for the 9 to run:" in out and "with --jobs 2" in out


def test_a_run_finished_under_another_config_is_counted_as_to_run_and_named(tmp_path):
    from cgan_study import config as C

    new = C.to_dict(C.Experiment())
    old = {**new, "classifier": {**new["classifier"], "early_stopping_patience": 2}}
    for name, experiment in (("same", new), ("older", old)):
        run = results.Run(tmp_path / name)
        run.start({"experiment": experiment})
        run.finish({"wall_seconds": 60.0})
    lines = estimate.summary(tmp_path, [("same", {}, new), ("older", {}, new)],
                            unused=lambda e: unused_sections(e, "augment"))
    assert lines[0].startswith("2 runs: 1 done, 1 to run")
    assert "1 of those to run finished under another config" in lines[1]
    assert "classifier.early_stopping_patience" in lines[1]


# --------------------------------------------------------------------------- artifacts built before the runs

def _artifact(root, kind, key, seconds, config=None):
    path = root / "_artifacts" / kind / key
    results.Run(path).start(config or {})
    results.Run(path).finish({"train_seconds": seconds})


def _semi(sweep, name, strategy, seed, wall, k=10, **named):
    overrides = {"augment.protocol": "semi_supervised", "augment.real_per_class": k, "augment.strategy": strategy,
                 "seed": seed}
    run = results.Run(sweep / name)
    run.start({"overrides": overrides, "experiment": {"augment": {"strategy": strategy, "generator": "cgan"},
                                                      "seed": seed}})
    run.finish({"wall_seconds": wall, **named})


def _semi_planned(strategy, seed, k=10):
    return (f"k{k}-{strategy}-seed{seed}", {"augment.protocol": "semi_supervised", "augment.real_per_class": k,
                                            "augment.strategy": strategy, "seed": seed},
            {"augment": {"strategy": strategy, "generator": "cgan"}, "seed": seed})


def test_artifact_builds_are_counted_once_each_from_their_recorded_times(tmp_path):
    sweep = tmp_path / "semi_supervised"
    # The pilot (seed 0): baseline b0 (300 s) named by fixmatch, and by mix and fixmatch_mix through generator g0
    # (600 s), so the three cells share one baseline a seed and mix / fixmatch_mix one generator. Seed 1's mix has
    # run too: b1 (400 s) and g1 (800 s) are built. Medians over distinct artifacts: baseline 350, generator 700
    # (over the naming runs they would be 300 and 600).
    _artifact(tmp_path, "fixmatch_baseline", "b0", 300.0)
    _artifact(tmp_path, "fixmatch_baseline", "b1", 400.0)
    _artifact(tmp_path, "generator", "g0", 600.0, {"baseline": "b0", "pool": "pseudo_labels"})
    _artifact(tmp_path, "generator", "g1", 800.0, {"baseline": "b1", "pool": "pseudo_labels"})
    _semi(sweep, "k10-real-seed0", "real", 0, 21.0)
    _semi(sweep, "k10-fixmatch-seed0", "fixmatch", 0, 10.0, baseline_artifact="b0")
    _semi(sweep, "k10-fixmatch_mix-seed0", "fixmatch_mix", 0, 290.0, generator_artifact="g0")
    _semi(sweep, "k10-mix-seed0", "mix", 0, 40.0, generator_artifact="g0")
    _semi(sweep, "k10-mix-seed1", "mix", 1, 40.0, generator_artifact="g1")
    runs = [_semi_planned(s, seed) for seed in range(3) for s in ("real", "fixmatch", "fixmatch_mix", "mix")]
    runs.append(_semi_planned("fixmatch", 0, k=100))   # a cell with no finished run: fixmatch's needs, its own
    lines = estimate.summary(sweep, runs, jobs=1)
    assert lines[0].startswith("13 runs: 5 done, 8 to run")
    # Runs: seed 1 (fixmatch, fixmatch_mix, real) 321 s, seed 2 361 s, k = 100 fixmatch 10 s = 692 s. Builds: seed
    # 2's baseline and generator, 350 + 700, and k = 100's baseline 350 = 1,400 s (23 min); 2,092 s = 35 min.
    assert lines[1].startswith("estimated wall time for the 8 to run: 35 min with --jobs 1")
    assert "with 3 artifact builds (2 fixmatch_baseline, 1 generator: 23 min of training" in lines[1]
    assert "1 of them for cells with no finished run" in lines[1]   # k = 100's baseline
    # From scratch: runs 3 x 361 + 10 = 1,093 s; builds 4 x 350 + 3 x 700 = 3,500 s (58 min); 4,593 s = 77 min.
    assert lines[2].startswith("the whole sweep from scratch: ~77 min with --jobs 1")
    assert "with 7 artifact builds (4 fixmatch_baseline, 3 generator: 58 min of training" in lines[2]
    assert "1 of them for cells with no finished run" in lines[2]


def test_an_artifact_named_by_a_finished_run_but_since_deleted_is_built_again(tmp_path):
    sweep = tmp_path / "semi_supervised"
    _artifact(tmp_path, "fixmatch_baseline", "b0", 300.0)
    _semi(sweep, "k10-fixmatch-seed0", "fixmatch", 0, 10.0, baseline_artifact="b0")
    _semi(sweep, "k10-mix-seed0", "mix", 0, 40.0, baseline_artifact="b0")
    assert estimate.artifact_builds(estimate.recorded(sweep), [_semi_planned("fixmatch", 0)], set(),
                                    tmp_path / "_artifacts").todo == {}
    (tmp_path / "_artifacts" / "fixmatch_baseline" / "b0" / "DONE").unlink()
    builds = estimate.artifact_builds(estimate.recorded(sweep), [_semi_planned("fixmatch", 0)], set(),
                                      tmp_path / "_artifacts")
    assert list(builds.todo.values()) == [300.0]


def test_the_semi_supervised_dry_run_estimates_from_a_pilot_with_its_artifact_builds(tmp_path, capsys):
    """The declared sweep's own cells: a fabricated pilot (seed 0 of every k = 10 cell) under --out."""
    from cgan_study import config as C
    from experiments import sweep as cli

    _, planned = cli.plan(cli.parse_args(["semi_supervised", "--out", str(tmp_path)]))
    walls = {"real": 60.0, "affine": 60.0, "fixmatch": 30.0, "ssl_gan": 660.0, "fixmatch_mix": 900.0, "mix": 60.0}
    _artifact(tmp_path, "fixmatch_baseline", "b0", 600.0)
    _artifact(tmp_path, "generator", "g0", 1200.0, {"baseline": "b0"})
    for name, point, exp in planned:
        strategy = point["augment.strategy"]
        if point["augment.real_per_class"] != 10 or point["seed"] != 0:
            continue
        named = ({"baseline_artifact": "b0"} if strategy == "fixmatch" else
                 {"generator_artifact": "g0"} if strategy in ("mix", "fixmatch_mix") else {})
        run = results.Run(tmp_path / "semi_supervised" / name)
        run.start({"overrides": point, "experiment": C.to_dict(exp)})
        run.finish({"wall_seconds": walls[strategy], **named})
    assert cli.main(["semi_supervised", "--dry-run", "--out", str(tmp_path), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "69 runs: 6 done, 63 to run" in out
    # To run: k = 10 seeds 1-9, 9 x 1,770 s; k = 100 (real 60, fixmatch 30, ssl_gan 660) x 3 seeds = 2,250 s; builds
    # 9 x (600 + 1,200) + 3 x 600 (a k = 100 baseline each seed) = 18,000 s. 36,180 s / 2 jobs = 5.0 h.
    assert "estimated wall time for the 63 to run: 5.0 h with --jobs 2" in out
    assert "with 21 artifact builds (12 fixmatch_baseline, 9 generator" in out
    assert "3 of them for cells with no finished run" in out   # the k = 100 baselines
    # From scratch: runs 10 x 1,770 + 2,250 = 19,950 s, builds 19,800 s: 39,750 s / 2 = 5.5 h.
    assert "the whole sweep from scratch: ~5.5 h with --jobs 2" in out
