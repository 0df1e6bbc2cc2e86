"""The sweep CLI: listing, dry runs, one-line errors for bad input, and skipping finished runs."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def clean_env(extra: dict | None = None) -> dict[str, str]:
    """The test process's environment without the variables that steer a run or a cluster, plus `extra`.

    A CGAN_STUDY_* (fault injection, TensorBoard, dataset) or RAY_* (address, auth) variable left in the user's
    shell would otherwise change what a test runs; each test passes the ones it means explicitly.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CGAN_STUDY_", "RAY_"))}
    return {**env, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", **(extra or {})}


def cli(*args, env_data=None, cwd=None, env=None, timeout=600):
    env = clean_env(env)
    if env_data is not None:
        env["CGAN_STUDY_DATA"] = str(env_data)
    return subprocess.run([sys.executable, "-m", "experiments.sweep", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or REPO, timeout=timeout)


def test_subprocesses_get_no_stray_run_or_cluster_variables(monkeypatch):
    monkeypatch.setenv("CGAN_STUDY_FAULT_INJECT", "*")
    monkeypatch.setenv("CGAN_STUDY_TENSORBOARD", "/tmp/tb")
    monkeypatch.setenv("RAY_ADDRESS", "elsewhere:6379")
    env = clean_env({"RAY_AUTH_TOKEN": "t"})
    assert not {"CGAN_STUDY_FAULT_INJECT", "CGAN_STUDY_TENSORBOARD", "RAY_ADDRESS"} & set(env)
    assert env["RAY_AUTH_TOKEN"] == "t" and env["PYTHONPATH"] == str(REPO)


def test_list_names_every_sweep():
    out = cli("--list")
    assert out.returncode == 0
    for name in ("mix_ratios", "tricks", "scorer"):
        assert name in out.stdout


def test_dry_run_prints_runs_from_the_declared_grid():
    out = cli("mix_ratios", "--dry-run")
    assert out.returncode == 0
    lines = out.stdout.strip().splitlines()
    assert "mix-real0.10-synth0.50-seed1  augment.strategy=mix augment.real_fraction=0.1 " \
           "augment.synth_fraction=0.5 seed=1" in lines
    from experiments.sweeps import OTHER_GENERATORS

    # 60 mix-grid cells, 72 few-shot cells, the CAS of the CGAN and of each other generator (3 seeds), and each
    # other generator at k = 10 (mix and filter x two protocols x 3 seeds).
    expected = 60 + 72 + 3 * (1 + len(OTHER_GENERATORS)) + 12 * len(OTHER_GENERATORS)
    assert expected == 225  # six other generators: AC-GAN, guided CGAN, CVAE, EBGAN, PCA, diffusion
    assert lines[-1].startswith(f"{expected} runs of 'mix_ratios' at profile 'quick'")


def test_only_filters_runs():
    out = cli("mix_ratios", "--dry-run", "--only", "real-k1-*")
    assert out.returncode == 0 and out.stdout.splitlines()[0].startswith("real-k1-seed0")


def _bad(tmp_path, name, **arrays):
    base = {"x_train": np.zeros((20, 28, 28), np.uint8), "y_train": np.arange(20) % 10,
            "x_test": np.zeros((10, 28, 28), np.uint8), "y_test": np.arange(10)}
    base.update(arrays)
    np.savez(tmp_path / name, **base)
    return tmp_path / name


@pytest.mark.parametrize("args,message", [
    (["nosuch"], "unknown sweep 'nosuch'"),
    (["mix_ratio"], "did you mean 'mix_ratios'"),
    (["mix_ratios", "--set", "gan.label_smothing=0.1"], "Did you mean: gan.label_smoothing"),
    (["mix_ratios", "--set", "gan.epochs=ten"], "'gan.epochs' expects an integer"),
    (["mix_ratios", "--set", "augment.real_fraction=1.5"], "must be a fraction in [0, 1]"),
    (["mix_ratios", "--set", "augment.real_per_class=100000"], "asked for 100000 digits per class"),
    (["mix_ratios", "--set", "gan.epochs"], "expects key=value"),
    (["mix_ratios", "--profile", "huge"], "unknown profile 'huge'"),
    (["mix_ratios", "--only", "zzz*"], "matches no run"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, mnist_path, args, message):
    profile = [] if "--profile" in args else ["--profile", "smoke"]
    out = cli(*args, "--out", str(tmp_path / "out"), *profile, env_data=mnist_path)
    assert out.returncode == 2, out.stderr[-2000:]
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("maker,message", [
    (lambda p: p / "missing.npz", "does not exist"),
    (lambda p: (p / "cut.npz").write_bytes(b"PK\x03\x04garbage") and p / "cut.npz", "truncated or corrupt"),
    (lambda p: _bad(p, "shape.npz", x_train=np.zeros((20, 28, 29), np.uint8)), "shape (20, 28, 29)"),
    (lambda p: _bad(p, "dtype.npz", x_train=np.zeros((20, 28, 28), np.float64)), "dtype float64"),
    (lambda p: _bad(p, "labels.npz", y_train=np.arange(20) % 10 + 5), "labels 5..14"),
    (lambda p: _bad(p, "class.npz", y_test=np.zeros(10, np.int64)), "no examples of class"),
])
def test_bad_dataset_is_one_line_exit_2_and_writes_nothing(tmp_path, maker, message):
    path = maker(tmp_path)
    for args in (["--data", str(path)], []):  # the flag and the environment variable
        out = cli("mix_ratios", "--profile", "smoke", "--out", str(tmp_path / "out"), *args,
                  env_data=path if not args else None)
        assert out.returncode == 2, out.stderr[-2000:]
        last = out.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and message in last, last
        assert "Traceback" not in out.stderr
        assert not (tmp_path / "out").exists()


@pytest.mark.integration
def test_rerun_skips_finished_runs(tmp_path, mnist_path):
    args = ("mix_ratios", "--profile", "smoke", "--out", str(tmp_path), "--only", "real-k5",
            "--data", str(mnist_path))
    first = cli(*args)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "real-k5: done in" in first.stdout
    done_marker = tmp_path / "mix_ratios" / "real-k5" / "DONE"
    stamp = done_marker.stat().st_mtime_ns
    second = cli(*args)
    assert second.returncode == 0 and "real-k5: done, skipped" in second.stdout
    assert done_marker.stat().st_mtime_ns == stamp
