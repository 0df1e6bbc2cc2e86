"""Crash safety: kill -9 of the runner at several points, dead worker processes, two runners on one directory."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import same_rows
from test_cli import REPO, cli

CHEAP = "[ra]*-k5"                       # real-k5 and affine-k5: no GAN, no scorer
WITH_GAN = "mix-synth0.10-k5-coursework"  # needs the coursework generator built first


def _args(out: Path, data: Path, only: str, *extra: str) -> list[str]:
    return ["mix_ratios", "--profile", "smoke", "--out", str(out), "--only", only, "--data", str(data),
            "--cpus-per-run", "1", *extra]


def _spawn(args: list[str], **env_extra) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1",
           **env_extra}
    return subprocess.Popen([sys.executable, "-m", "experiments.sweep", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)


# (runs, line that triggers the kill, seconds to wait after it): before any run, mid-run, between two runs,
# and in the middle of training the generator a run depends on.
KILL_POINTS = {
    "at-start": (CHEAP, "data: ", 0.0),
    "mid-run": (CHEAP, ": running", 2.0),
    "between-runs": (CHEAP, ": done in", 0.0),
    "mid-artifact": (WITH_GAN, ": building", 3.0),
}


@pytest.mark.integration
@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_then_rerun_gives_the_uninterrupted_summary(point, tmp_path, mnist_path, smoke_sweep):
    only, trigger, delay = KILL_POINTS[point]
    proc = _spawn(_args(tmp_path, mnist_path, only))
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if trigger in line:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    sweep = tmp_path / "mix_ratios"
    if sweep.exists():  # whatever was interrupted is not counted as finished
        unfinished = [p for p in sweep.iterdir() if p.is_dir() and not (p / "DONE").exists()]
        for run_dir in unfinished:
            assert (run_dir / "config.json").exists() and not (run_dir / "metrics.json").exists()
    rerun = cli(*_args(tmp_path, mnist_path, only))
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    runs = ["affine-k5", "real-k5"] if only == CHEAP else [WITH_GAN]
    same_rows(sweep / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv", runs)
    assert not list((tmp_path / "_artifacts").glob("*/_build-*"))  # no half-built artifact left behind


@pytest.mark.integration
def test_two_runners_on_one_directory_never_run_the_same_run_twice(tmp_path, mnist_path):
    procs = [_spawn(_args(tmp_path, mnist_path, CHEAP)) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    for run in ("real-k5", "affine-k5"):
        assert sum(out.count(f"{run}: done in") for out in outputs) == 1, outputs
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv")
    assert sorted(summary["run"]) == ["affine-k5", "real-k5"] and set(summary["status"]) == {"done"}


@pytest.mark.integration
def test_worker_processes_retry_a_run_whose_worker_died(tmp_path, mnist_path, smoke_sweep):
    out = cli(*_args(tmp_path, mnist_path, CHEAP, "--jobs", "2"), env={"CGAN_STUDY_FAULT_INJECT": "affine-k5"})
    assert out.returncode == 0, out.stdout[-3000:]
    assert "worker died" in out.stdout and "retry 1 of 2" in out.stdout
    same_rows(tmp_path / "mix_ratios" / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv",
              ["affine-k5", "real-k5"])


@pytest.mark.integration
def test_a_run_whose_worker_always_dies_is_failed_and_the_sweep_goes_on(tmp_path, mnist_path):
    out = cli(*_args(tmp_path, mnist_path, CHEAP, "--retries", "1"),
              env={"CGAN_STUDY_FAULT_INJECT": "affine-k5:always"})
    # Serial executor: the dying "worker" is the runner itself, so this is kill -9 of the CLI mid-run.
    assert out.returncode == -signal.SIGKILL
    out = cli(*_args(tmp_path, mnist_path, CHEAP, "--jobs", "2", "--retries", "1"),
              env={"CGAN_STUDY_FAULT_INJECT": "affine-k5:always"})
    assert out.returncode == 1, out.stdout[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("1 of 2 runs failed: affine-k5 (worker died on all 2 attempts"), last
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv").set_index("run")
    assert summary.loc["real-k5", "status"] == "done" and summary.loc["affine-k5", "status"] == "failed"
    assert summary.loc["affine-k5", "failure"].startswith("worker died on all 2 attempts")
