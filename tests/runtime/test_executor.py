"""The job scheduler: dependency order, artifacts built once, failures recorded, dead workers retried (bounded)."""
from __future__ import annotations

import pytest

from cgan_study.runtime import executor as X
from cgan_study.runtime import results


class ScriptedBackend:
    """Runs nothing: each job's attempts come back as scripted outcomes (default: success)."""

    def __init__(self, script=None, capacity=2):
        self.capacity = capacity
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.submitted, self.finished, self.closed = [], [], False
        self._out = {}

    def submit(self, plan, job):
        # A dependency must have finished (and succeeded) before its dependant is submitted.
        assert all(d in self.finished for d in job.deps), (job.id, self.finished)
        self.submitted.append(job.id)
        handle = len(self.submitted)
        attempts = self.script.get(job.id)
        self._out[handle] = (job.id, attempts.pop(0) if attempts else X.Outcome(True))
        return handle

    def wait(self, handles):
        out = []
        for h in handles[:1]:  # one completion at a time, like a real backend
            job_id, outcome = self._out.pop(h)
            if outcome.ok:
                self.finished.append(job_id)
            out.append((h, outcome))
        return out

    def close(self, abort=False):
        self.closed = "aborted" if abort else True


def _plan(tmp_path):
    return X.Plan("demo", "augment", str(tmp_path), "unused.npz", 10, "0" * 64)


def _run(name, deps=()):
    return X.Job(f"run/{name}", name, {}, run=name, record={"run": name}, deps=tuple(deps))


def _artifact(name):
    return X.Job(name, f"[{name}]", {}, artifact={"kind": "generator"})


def test_dependants_wait_for_their_artifact_and_independent_runs_start_at_once(tmp_path):
    jobs = [_artifact("generator/a"), _run("uses-a", ["generator/a"]), _run("free")]
    backend = ScriptedBackend()
    outcomes = X.schedule(_plan(tmp_path), jobs, backend)
    assert backend.submitted[:2] == ["generator/a", "run/free"]  # both fit the capacity at once
    assert backend.submitted.index("run/uses-a") > backend.finished.index("generator/a")
    assert all(o.ok for o in outcomes.values()) and backend.closed is True


def test_a_failed_artifact_fails_its_runs_without_running_them_and_says_why(tmp_path):
    jobs = [_artifact("generator/a"), _run("uses-a", ["generator/a"]), _run("free")]
    backend = ScriptedBackend({"generator/a": [X.Outcome(False, "ValueError: bad gan")]})
    outcomes = X.schedule(_plan(tmp_path), jobs, backend)
    assert "run/uses-a" not in backend.submitted and outcomes["run/free"].ok
    run = results.Run(tmp_path / "demo" / "uses-a")
    assert run.failure() == "needs generator/a, which failed: ValueError: bad gan"
    frame = results.collect(tmp_path / "demo")
    assert frame.set_index("run").loc["uses-a", "status"] == "failed"


def test_a_dead_worker_is_retried_and_the_run_finishes(tmp_path):
    crash = X.Outcome(False, "WorkerCrashedError", crashed=True)
    backend = ScriptedBackend({"run/r": [crash, crash]})
    outcomes = X.schedule(_plan(tmp_path), [_run("r")], backend, retries=2)
    assert backend.submitted == ["run/r"] * 3 and outcomes["run/r"].ok


def test_a_worker_that_always_dies_is_marked_failed_never_lost(tmp_path):
    crash = X.Outcome(False, "WorkerCrashedError", crashed=True)
    backend = ScriptedBackend({"run/r": [crash] * 5})
    outcomes = X.schedule(_plan(tmp_path), [_run("r"), _run("other")], backend, retries=1)
    assert backend.submitted.count("run/r") == 2 and not outcomes["run/r"].ok and outcomes["run/other"].ok
    run = results.Run(tmp_path / "demo" / "r")
    assert run.failure() == "worker died on all 2 attempts (WorkerCrashedError)"
    assert run.config() == {"run": "r"}  # the summary row still has the run's config


def test_a_worker_that_died_after_writing_done_counts_as_done(tmp_path):
    run = results.Run(tmp_path / "demo" / "r")
    run.start({"run": "r"})
    run.finish({"test_accuracy": 0.5})
    crash = X.Outcome(False, "WorkerCrashedError", crashed=True)
    outcomes = X.schedule(_plan(tmp_path), [_run("r")], ScriptedBackend({"run/r": [crash] * 5}), retries=0)
    assert outcomes["run/r"].ok and run.failure() is None


def test_a_failing_run_is_recorded_and_the_next_one_still_runs(tmp_path):
    def boom(run_dir):
        raise ValueError("diverged at step 3\nmore detail")

    reason = X.execute(results.Run(tmp_path / "s" / "bad"), "[1/2] bad", {"x": 1}, boom)
    assert reason == "ValueError: diverged at step 3"
    assert X.execute(results.Run(tmp_path / "s" / "good"), "[2/2] good", {"x": 2}, lambda d: {"acc": 0.5}) is None
    frame = results.write_summary(tmp_path / "s").set_index("run")
    assert frame.loc["bad", "status"] == "failed" and frame.loc["bad", "failure"] == reason
    assert "Traceback" in (tmp_path / "s" / "bad" / "error.txt").read_text()
    assert frame.loc["good", "status"] == "done" and frame.loc["good", "acc"] == 0.5
    # a retry that succeeds clears the failure
    assert X.execute(results.Run(tmp_path / "s" / "bad"), "[1/2] bad", {"x": 1}, lambda d: {"acc": 1.0}) is None
    assert results.write_summary(tmp_path / "s").set_index("run").loc["bad", "status"] == "done"


def test_an_interrupted_schedule_stops_its_workers(tmp_path):
    class Interrupted(ScriptedBackend):
        def wait(self, handles):
            raise KeyboardInterrupt

    backend = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        X.schedule(_plan(tmp_path), [_run("r")], backend)
    assert backend.closed == "aborted"


def test_thread_env_pins_tensorflow_to_the_cpu_share():
    assert X.thread_env(None) == {}
    assert X.thread_env(3) == {"TF_NUM_INTRAOP_THREADS": "3", "TF_NUM_INTEROP_THREADS": "3", "OMP_NUM_THREADS": "3"}


@pytest.mark.integration
def test_plan_builds_each_missing_artifact_once_before_the_runs_that_need_it(tmp_path, mnist):
    from cgan_study import config as C
    from cgan_study.runtime.grid import name_runs
    from cgan_study.study import jobs as J
    from cgan_study.study.stages import Context
    from cgan_study.sweeps import SWEEPS

    base = C.profile("smoke")
    runs = [(n, p, C.apply(base, p)) for n, p in name_runs(SWEEPS["mix_ratios"].grid("smoke"), stable=True)]
    ctx = Context(mnist, tmp_path)
    jobs = J.plan_jobs("augment", runs, [{}] * len(runs), ctx, tmp_path / "mix_ratios")
    artifacts = [j for j in jobs if j.artifact]
    # The scorer (coursework filter), the coursework generator and one low_data generator (k=5, seed 0).
    assert sorted(j.id.split("/")[0] for j in artifacts) == ["generator", "generator", "scorer"]
    assert jobs[:len(artifacts)] == artifacts  # artifacts first: a serial executor builds them before runs
    deps = {j.run: j.deps for j in jobs if j.run}
    assert deps["k5-real-seed0"] == () and deps["real0.50-mix-synth0.00-seed0"] == ()
    assert len(deps["coursework-k5-filter-synth0.10-seed0"]) == 2  # its generator and the scorer as judge
    assert deps["low_data-k5-mix-synth0.10-seed0"] != deps["coursework-k5-mix-synth0.10-seed0"]
    # Once built (or for finished runs) nothing is planned again.
    for job in artifacts:
        results.write_text(tmp_path / "_artifacts" / job.id / results.DONE, "")
    assert not [j for j in J.plan_jobs("augment", runs, [{}] * len(runs), ctx, tmp_path / "mix_ratios")
                if j.artifact]
