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

    assert cli.main(["mix_ratios", "--dry-run", "--out", str(tmp_path), "--only", "real-*", "--jobs", "2"]) == 0
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
