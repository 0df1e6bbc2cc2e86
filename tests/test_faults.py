"""Crash safety of the sweep runner: kill -9 mid-run, then resume; two runners on one results directory."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from test_cli import REPO, cli

ONLY = "[ra]*-k5"  # real-k5 and affine-k5: the two cheapest smoke runs (no GAN, no scorer)


def _spawn(out: Path, data: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "experiments.sweep", "mix_ratios", "--profile", "smoke",
                             "--out", str(out), "--only", ONLY, "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)


@pytest.mark.integration
def test_kill_9_mid_run_then_rerun_finishes_only_the_rest(tmp_path, mnist_path):
    proc = _spawn(tmp_path, mnist_path)
    seen = []
    for line in proc.stdout:  # kill as soon as the first run has started training
        seen.append(line)
        if ": running" in line:
            time.sleep(2.0)
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(60)
    sweep = tmp_path / "mix_ratios"
    started = [p for p in sweep.iterdir() if p.is_dir()]
    assert started and not any((p / "DONE").exists() for p in started), "".join(seen)
    assert (started[0] / "config.json").exists()  # written before any work
    rerun = cli("mix_ratios", "--profile", "smoke", "--out", str(tmp_path), "--only", ONLY, "--data", str(mnist_path))
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    summary = pd.read_csv(sweep / "summary.csv")
    assert sorted(summary["run"]) == ["affine-k5", "real-k5"] and set(summary["status"]) == {"done"}


@pytest.mark.integration
def test_two_runners_on_one_directory_never_run_the_same_run_twice(tmp_path, mnist_path):
    procs = [_spawn(tmp_path, mnist_path) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    for run in ("real-k5", "affine-k5"):
        assert sum(out.count(f"{run}: done in") for out in outputs) == 1, outputs
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv")
    assert sorted(summary["run"]) == ["affine-k5", "real-k5"] and set(summary["status"]) == {"done"}
