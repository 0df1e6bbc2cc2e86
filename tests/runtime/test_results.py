"""Atomic writes, the run lifecycle, summaries and the artifact cache."""
import json
import multiprocessing as mp

import pytest

from cgan_study.runtime import results


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    path = tmp_path / "m.json"
    results.write_json(path, {"a": 1})
    with pytest.raises(TypeError):
        results.write_json(path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # no temp file left behind


def test_non_finite_values_are_written_as_null(tmp_path):
    results.write_json(tmp_path / "m.json", {"fid": float("nan"), "x": [float("inf"), 1.0]})
    assert json.loads((tmp_path / "m.json").read_text()) == {"fid": None, "x": [None, 1.0]}


def test_run_lifecycle_and_collect(tmp_path):
    run = results.Run(tmp_path / "s" / "real0.10-seed0")
    run.start({"experiment": {"seed": 0}})
    assert (run.dir / results.CONFIG).exists() and not run.is_done()
    run.log({"epoch": 1, "loss": 0.5})
    (run.dir / results.HISTORY).open("a").write('{"torn": ')  # a crash mid-line
    assert run.history() == [{"epoch": 1, "loss": 0.5}]
    run.finish({"test_accuracy": 0.9, "nested": {"a": 1}, "per_class": [0.1, 0.2]})
    assert run.is_done()
    failed = results.Run(tmp_path / "s" / "bad")
    failed.start({"experiment": {"seed": 1}})
    failed.fail("ValueError: boom")
    frame = results.write_summary(tmp_path / "s")
    assert list(frame["run"]) == ["bad", "real0.10-seed0"]
    done = frame.set_index("run").loc["real0.10-seed0"]
    assert done["status"] == "done" and done["test_accuracy"] == 0.9 and done["nested.a"] == 1
    assert done["cfg.experiment.seed"] == 0
    assert frame.set_index("run").loc["bad", "failure"] == "ValueError: boom"
    assert (tmp_path / "s" / results.SUMMARY).exists()


def test_resume_refuses_changed_config(tmp_path):
    run = results.Run(tmp_path / "r")
    run.start({"experiment": {"gan": {"epochs": 1}}})
    run.start({"experiment": {"gan": {"epochs": 1}}})  # same config: resumes
    with pytest.raises(results.ResumeError, match="gan.epochs"):
        run.start({"experiment": {"gan": {"epochs": 2}}})


def test_artifact_is_built_once(tmp_path):
    cache = results.ArtifactCache(tmp_path)
    calls = []

    def build(work):
        calls.append(1)
        results.write_text(work / "weights.txt", "w")
        return {"info": 1}

    first = cache.get_or_build("gen", "abc", {"k": 1}, build)
    second = cache.get_or_build("gen", "abc", {"k": 1}, build)
    assert first == second and len(calls) == 1
    assert (first / "weights.txt").read_text() == "w" and (first / results.DONE).exists()


def test_failed_build_leaves_no_finished_artifact(tmp_path):
    cache = results.ArtifactCache(tmp_path)

    def boom(work):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cache.get_or_build("gen", "k", {}, boom)
    assert not (cache.path("gen", "k") / results.DONE).exists()


def _hold(path, ready, release):
    with results.file_lock(path):
        ready.set()
        release.wait(10)


def test_lock_excludes_a_second_process(tmp_path):
    ready, release = mp.Event(), mp.Event()
    proc = mp.Process(target=_hold, args=(tmp_path / "x.lock", ready, release))
    proc.start()
    assert ready.wait(10)
    with results.file_lock(tmp_path / "x.lock", blocking=False) as got:
        assert got is False
    release.set()
    proc.join(10)
    with results.file_lock(tmp_path / "x.lock", blocking=False) as got:
        assert got is True


def test_a_finished_run_with_another_config_is_refused_not_skipped(tmp_path, capsys):
    from cgan_study.runtime.executor import execute
    from cgan_study.study.jobs import unused_sections

    def record(epochs, **extra):
        return {"run": "cgan-seed0", "experiment": {"seed": 0, "augment": {"generator": "cgan"},
                                                    "gan": {"epochs": epochs}, "diffusion": {"epochs": 7},
                                                    "eval": {"n_samples": 100, **extra}}}

    run = results.Run(tmp_path / "cgan-seed0")
    run.start(record(2))
    run.finish({"fid": 1.0})
    never = lambda run_dir: pytest.fail("a finished run must not run again")  # noqa: E731
    # A key added to the code since (eval.epoch_samples) or another generator's section does not count ...
    later = record(2, epoch_samples=0)
    later["experiment"]["diffusion"]["epochs"] = 10
    assert execute(run, "[1/1]", later, never, ignore=unused_sections(later["experiment"])) is None
    assert "done, skipped" in capsys.readouterr().out
    # ... a changed value of a key the run used does: an older sweep's run must not pass for the new one.
    reason = execute(run, "[1/1]", record(3), never, ignore=unused_sections(record(3)["experiment"]))
    assert "finished with another config (changed: gan.epochs)" in reason and "delete the run directory" in reason
