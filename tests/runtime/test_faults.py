"""Crash safety: kill -9 of the runner at several points, dead worker processes, two runners on one directory."""
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import REPO, clean_env, cli, same_rows

CHEAP = "k5-[ra]*"                       # k5-real-seed0 and k5-affine-seed0: no GAN, no scorer
WITH_GAN = "coursework-k5-mix-synth0.10-seed0"  # needs the coursework generator built first


def _args(out: Path, data: Path, only: str, *extra: str) -> list[str]:
    return ["mix_ratios", "--profile", "smoke", "--out", str(out), "--only", only, "--data", str(data),
            "--cpus-per-run", "1", *extra]


def _spawn(args: list[str], **env_extra) -> subprocess.Popen:
    env = clean_env({"PYTHONUNBUFFERED": "1", **env_extra})
    return subprocess.Popen([sys.executable, "-m", "experiments.sweep", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)


# (runs, fault specification): the serial runner is its own worker, so the fault hook kills the runner itself at
# a named phase (cgan_study/faults.py), whatever the machine's speed: before any run, mid-run (after its first
# training epoch), between two runs, and mid-way through training the generator a run depends on.
KILL_POINTS = {
    "before-any-run": (CHEAP, "*@job-start"),
    "mid-run": (CHEAP, "k5-real-seed0@epoch-end"),
    "between-runs": (CHEAP, "*@run-done"),
    "mid-artifact": (WITH_GAN, "generator/*@epoch-end"),
}


def _state(sweep: Path, run: str) -> str:
    d = sweep / run
    if (d / "DONE").exists():
        return "done"
    if (d / "metrics.json").exists():
        return "measured"
    return "started" if (d / "config.json").exists() else "absent"


@pytest.mark.integration
@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_at_a_named_phase_then_rerun_gives_the_uninterrupted_summary(point, tmp_path, mnist_path,
                                                                            smoke_sweep):
    only, spec = KILL_POINTS[point]
    proc = _spawn(_args(tmp_path, mnist_path, only), CGAN_STUDY_FAULT_INJECT=spec)
    output = proc.communicate(timeout=600)[0]
    assert proc.returncode == -signal.SIGKILL, output
    phase = spec.split("@")[1]
    assert len(re.findall(rf"fault injection at {phase},", output)) == 1, output
    sweep = tmp_path / "mix_ratios"
    states = sorted(_state(sweep, run) for run in ("k5-real-seed0", "k5-affine-seed0"))
    if point == "before-any-run":
        assert states == ["absent", "absent"]
    elif point == "mid-run":
        assert _state(sweep, "k5-real-seed0") == "started" and "done in" not in output.split("k5-real-seed0: running")[1]
    elif point == "between-runs":
        assert states == ["absent", "done"]
    else:  # the generator's first epoch is checkpointed in its unfinished build; no run has started
        builds = list((tmp_path / "_artifacts" / "generator").glob("_build-*"))
        assert len(builds) == 1 and (builds[0] / "checkpoint.npz").exists(), output
        assert _state(sweep, WITH_GAN) == "absent"
    rerun = cli(*_args(tmp_path, mnist_path, only))
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    if point == "mid-artifact":  # the rebuilt generator continued from the killed build's checkpoint
        built = [json.loads(p.read_text()) for p in (tmp_path / "_artifacts" / "generator").glob("*/metrics.json")]
        assert [m["resumed_from_epoch"] for m in built] == [1]
    runs = ["k5-affine-seed0", "k5-real-seed0"] if only == CHEAP else [WITH_GAN]
    same_rows(sweep / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv", runs)
    assert not list((tmp_path / "_artifacts").glob("*/_build-*"))  # no half-built artifact left behind


def test_a_fault_specification_with_an_unknown_phase_is_refused():
    from cgan_study.runtime import faults

    assert faults.parse("k5-real-seed0:always@run-done") == ("k5-real-seed0", "always", "run-done")
    assert faults.parse("k5-real-seed0") == ("k5-real-seed0", "", "run-started")
    assert faults.parse("k5-real-seed0:hang@epoch-end") == ("k5-real-seed0", "hang", "epoch-end")
    with pytest.raises(ValueError, match="GLOB"):
        faults.parse("k5-real-seed0:sometimes")
    with pytest.raises(ValueError, match="PHASE one of"):
        faults.parse("k5-real-seed0@mid-run")


@pytest.mark.integration
def test_two_runners_on_one_directory_never_run_the_same_run_twice(tmp_path, mnist_path):
    procs = [_spawn(_args(tmp_path, mnist_path, CHEAP)) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    for run in ("k5-real-seed0", "k5-affine-seed0"):
        assert sum(out.count(f"{run}: done in") for out in outputs) == 1, outputs
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv")
    assert sorted(summary["run"]) == ["k5-affine-seed0", "k5-real-seed0"] and set(summary["status"]) == {"done"}


@pytest.mark.integration
def test_worker_processes_retry_a_run_whose_worker_died(tmp_path, mnist_path, smoke_sweep):
    out = cli(*_args(tmp_path, mnist_path, CHEAP, "--jobs", "2"), env={"CGAN_STUDY_FAULT_INJECT": "k5-affine-seed0"})
    assert out.returncode == 0, out.stdout[-3000:]
    assert "worker died" in out.stdout and "retry 1 of 2" in out.stdout
    same_rows(tmp_path / "mix_ratios" / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv",
              ["k5-affine-seed0", "k5-real-seed0"])


@pytest.mark.integration
def test_a_run_whose_worker_always_dies_is_failed_and_the_sweep_goes_on(tmp_path, mnist_path):
    out = cli(*_args(tmp_path, mnist_path, CHEAP, "--retries", "1"),
              env={"CGAN_STUDY_FAULT_INJECT": "k5-affine-seed0:always"})
    # Serial executor: the dying "worker" is the runner itself, so this is kill -9 of the CLI mid-run.
    assert out.returncode == -signal.SIGKILL
    out = cli(*_args(tmp_path, mnist_path, CHEAP, "--jobs", "2", "--retries", "1"),
              env={"CGAN_STUDY_FAULT_INJECT": "k5-affine-seed0:always"})
    assert out.returncode == 1, out.stdout[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("1 of 2 runs failed: k5-affine-seed0 (worker died on all 2 attempts"), last
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv").set_index("run")
    assert summary.loc["k5-real-seed0", "status"] == "done" and summary.loc["k5-affine-seed0", "status"] == "failed"
    assert summary.loc["k5-affine-seed0", "failure"].startswith("worker died on all 2 attempts")


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "\nState:\tZ" not in status


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (from /proc: no psutil needed)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _all_gone(pids: set[int], seconds: float = 30) -> set[int]:
    """Waits until none of `pids` is alive; returns those still alive after `seconds`."""
    import time

    deadline = time.monotonic() + seconds
    while {p for p in pids if _alive(p)} and time.monotonic() < deadline:
        time.sleep(0.2)
    return {p for p in pids if _alive(p)}


@pytest.mark.integration
def test_sigterm_to_the_runner_stops_its_worker_processes_mid_job(tmp_path, mnist_path):
    # k5-real-seed0's worker hangs once its run has started, so it is mid-job whatever the machine's speed.
    proc = _spawn(_args(tmp_path, mnist_path, CHEAP, "--jobs", "2"), CGAN_STUDY_FAULT_INJECT="k5-real-seed0:hang@run-started")
    lines, worker, workers = [], None, set()
    try:
        for line in proc.stdout:
            lines.append(line)
            found = re.search(r"k5-real-seed0: fault injection at run-started, worker (\d+) hangs", line)
            if found:
                worker = int(found.group(1))
                break
        workers = _children(proc.pid)  # the pool's workers (the idle one too) and multiprocessing's helper
        assert worker is not None and worker in workers and _alive(worker), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=120)[0]
        assert proc.returncode == 128 + signal.SIGTERM, "".join(lines) + rest
        assert not _all_gone(workers), "the runner exited but left processes of its own running"
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
    # The interrupted run resumes on the next invocation like any other.
    assert _state(tmp_path / "mix_ratios", "k5-real-seed0") == "started"
    rerun = cli(*_args(tmp_path, mnist_path, CHEAP))
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert _state(tmp_path / "mix_ratios", "k5-real-seed0") == "done"
