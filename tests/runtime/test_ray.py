"""The Ray executor against a local Ray cluster (loopback, 2 CPUs): same answers, dead workers retried or failed."""
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import clean_env, cli, run_main, same_rows

RAY = str(Path(sys.executable).parent / "ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_processes(sid: int) -> list[int]:
    """Processes of one session (what `ray start --block` started), read from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[3]) == sid:  # after ") ": state, ppid, pgrp, session
            pids.append(int(stat.parent.name))
    return pids


def _alive(pid: int) -> bool:
    """Running: its /proc entry exists and is not a zombie (a killed process shows as 'Z' until it is reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pids: list[int], seconds: float = 30.0) -> None:
    """SIGKILL is delivered, not waited for: poll until every pid has ended (under load this takes a moment)."""
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)


@contextlib.contextmanager
def started_head():
    """`ray start --head` as on a cluster's head node, with its own token and temporary directory.

    Nothing comes from ~/.ray: the token is made here and handed to the head and to every driver through
    RAY_AUTH_TOKEN. Only this head is stopped afterwards (`ray stop` would stop every Ray on the machine, a
    user's own too): `--block` keeps it in the foreground, in a session of its own, so SIGTERM to it shuts down
    what it started, and whatever is left of that session is killed.
    """
    port = _free_port()
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env = clean_env({"RAY_USAGE_STATS_ENABLED": "0", **auth})
    log = temp_dir / "head.log"
    with open(log, "w") as out:
        head = subprocess.Popen([RAY, "start", "--head", "--block", "--temp-dir", str(temp_dir),
                                 "--node-ip-address", "127.0.0.1", "--port", str(port), "--num-cpus", "2",
                                 "--num-gpus", "0", "--include-dashboard", "false", "--disable-usage-stats"],
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while "Ray runtime started" not in log.read_text():
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ray start --head did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield f"127.0.0.1:{port}", auth, head.pid
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(90)
        except subprocess.TimeoutExpired:
            pass
        left = _session_processes(head.pid)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        head.wait(30)
        _wait_gone(left)
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def ray_head():
    with started_head() as head:
        yield head


def _sweep(out, data, head, *extra, env=None):
    address, auth, _ = head
    return cli("mix_ratios", "--profile", "smoke", "--out", str(out), "--data", str(data), "--executor", "ray",
               "--address", address, "--cpus-per-run", "1", *extra, env={**auth, **(env or {})}, timeout=1800)


@pytest.mark.integration
def test_stopping_a_test_head_leaves_other_ray_instances_running():
    with started_head() as (_, _, first):
        with started_head() as (_, _, second):
            first_pids, second_pids = _session_processes(first), _session_processes(second)
            assert len(first_pids) >= 3 and len(second_pids) >= 3  # the ray CLI, GCS, raylet, ...
        assert not [pid for pid in second_pids if _alive(pid)]
        assert all(_alive(pid) for pid in first_pids)
    assert not [pid for pid in first_pids if _alive(pid)]


@pytest.mark.integration
def test_ray_smoke_sweep_gives_the_local_executors_rows(tmp_path, mnist_path, ray_head, smoke_sweep):
    out = _sweep(tmp_path, mnist_path, ray_head)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    same_rows(tmp_path / "mix_ratios" / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv")
    again = _sweep(tmp_path, mnist_path, ray_head)  # finished runs are skipped, artifacts not rebuilt
    assert again.returncode == 0 and ": running" not in again.stdout and ": building" not in again.stdout


@pytest.mark.integration
def test_a_ray_worker_that_dies_mid_run_is_retried(tmp_path, mnist_path, ray_head, smoke_sweep):
    out = _sweep(tmp_path, mnist_path, ray_head, "--only", "k5-[ra]*",
                 env={"CGAN_STUDY_FAULT_INJECT": "k5-real-seed0"})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "k5-real-seed0: worker died" in out.stdout and "retry 1 of 2" in out.stdout
    same_rows(tmp_path / "mix_ratios" / "summary.csv", smoke_sweep[0] / "mix_ratios" / "summary.csv",
              ["k5-affine-seed0", "k5-real-seed0"])


@pytest.mark.integration
def test_a_ray_worker_that_always_dies_is_marked_failed(tmp_path, mnist_path, ray_head):
    out = _sweep(tmp_path, mnist_path, ray_head, "--only", "k5-[ra]*", "--retries", "1",
                 env={"CGAN_STUDY_FAULT_INJECT": "k5-real-seed0:always"})
    assert out.returncode == 1, out.stdout[-3000:] + out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1].startswith("1 of 2 runs failed: k5-real-seed0 (worker died on all 2")
    summary = pd.read_csv(tmp_path / "mix_ratios" / "summary.csv").set_index("run")
    assert summary.loc["k5-affine-seed0", "status"] == "done" and summary.loc["k5-real-seed0", "status"] == "failed"


def test_ray_only_flags_are_refused_with_the_local_executor(tmp_path, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "mix_ratios", "--profile", "smoke", "--out", str(tmp_path),
                            "--address", "auto")
    assert code == 2 and err.strip() == "error: --address is for --executor ray"
    code, _, err = run_main(monkeypatch, capsys, "mix_ratios", "--profile", "smoke", "--out", str(tmp_path),
                            "--executor", "ray", "--jobs", "2")
    assert code == 2 and "--jobs is for the local executor" in err
    assert not any(tmp_path.iterdir())
