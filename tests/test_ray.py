"""The Ray executor against a local Ray cluster (loopback, 2 CPUs): same answers, dead workers retried or failed."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import same_rows
from test_cli import cli

RAY = str(Path(sys.executable).parent / "ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_address():
    """`ray start --head` as a user would on a cluster's head node, stopped after the module."""
    port = _free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run([RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
                    "--num-cpus", "2", "--num-gpus", "0", "--include-dashboard", "false", "--disable-usage-stats"],
                   check=True, capture_output=True, env=env, timeout=180)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, env=env, timeout=180)


def _sweep(out, data, address, *extra, env=None):
    # An explicit address never turns Ray's token authentication on by itself (Ray >= 2.5x); the head made a
    # token under ~/.ray, which a driver on the same machine uses once RAY_AUTH_MODE=token.
    env = {"RAY_AUTH_MODE": "token", **(env or {})}
    return cli("mix_ratios", "--profile", "smoke", "--out", str(out), "--data", str(data), "--executor", "ray",
               "--address", address, "--cpus-per-run", "1", *extra, env=env, timeout=1800)


@pytest.mark.integration
def test_ray_smoke_sweep_gives_the_local_executors_rows(tmp_path, mnist_path, ray_address, smoke_sweep):
    out = _sweep(tmp_path, mnist_path, ray_address)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    same_rows(tmp_path / "mix_ratios" / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv")
    again = _sweep(tmp_path, mnist_path, ray_address)  # finished runs are skipped, artifacts not rebuilt
    assert again.returncode == 0 and ": running" not in again.stdout and ": building" not in again.stdout


@pytest.mark.integration
def test_a_ray_worker_that_dies_mid_run_is_retried(tmp_path, mnist_path, ray_address, smoke_sweep):
    out = _sweep(tmp_path, mnist_path, ray_address, "--only", "[ra]*-k5",
                 env={"CGAN_STUDY_FAULT_INJECT": "real-k5"})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "real-k5: worker died" in out.stdout and "retry 1 of 2" in out.stdout
    same_rows(tmp_path / "mix_ratios" / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv",
              ["affine-k5", "real-k5"])


@pytest.mark.integration
def test_a_ray_worker_that_always_dies_is_marked_failed(tmp_path, mnist_path, ray_address):
    out = _sweep(tmp_path, mnist_path, ray_address, "--only", "[ra]*-k5", "--retries", "1",
                 env={"CGAN_STUDY_FAULT_INJECT": "real-k5:always"})
    assert out.returncode == 1, out.stdout[-3000:] + out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1].startswith("1 of 2 runs failed: real-k5 (worker died on all 2")
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv").set_index("run")
    assert summary.loc["affine-k5", "status"] == "done" and summary.loc["real-k5", "status"] == "failed"


def test_ray_only_flags_are_refused_with_the_local_executor(tmp_path):
    out = cli("mix_ratios", "--profile", "smoke", "--out", str(tmp_path), "--address", "auto")
    assert out.returncode == 2 and out.stderr.strip() == "error: --address is for --executor ray"
    out = cli("mix_ratios", "--profile", "smoke", "--out", str(tmp_path), "--executor", "ray", "--jobs", "2")
    assert out.returncode == 2 and "--jobs is for the local executor" in out.stderr
    assert not any(tmp_path.iterdir())
