"""The CLIs: listing, dry runs, one-line errors for bad input, instant start, and skipping finished runs.

What trains nothing runs main() in this process (helpers.run_main); a subprocess only where the interpreter
start itself is under test (import time, what gets imported, a closed pipe).
"""
import subprocess
import sys
import time

import numpy as np
import pytest
from helpers import REPO, clean_env, cli, run_main

CLIS = ("experiments.sweep", "experiments.sample", "experiments.bench", "experiments.report")


def test_subprocesses_get_no_stray_run_or_cluster_variables(monkeypatch):
    monkeypatch.setenv("CGAN_STUDY_FAULT_INJECT", "*")
    monkeypatch.setenv("CGAN_STUDY_TENSORBOARD", "/tmp/tb")
    monkeypatch.setenv("RAY_ADDRESS", "elsewhere:6379")
    env = clean_env({"RAY_AUTH_TOKEN": "t"})
    assert not {"CGAN_STUDY_FAULT_INJECT", "CGAN_STUDY_TENSORBOARD", "RAY_ADDRESS"} & set(env)
    assert env["RAY_AUTH_TOKEN"] == "t" and env["PYTHONPATH"] == str(REPO)


def test_list_names_every_sweep(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "--list")
    assert code == 0
    for name in ("mix_ratios", "tricks", "scorer"):
        assert name in out


@pytest.mark.parametrize("module", CLIS)
def test_importing_a_cli_loads_no_tensorflow(module):
    code = (f"import sys, {module}; heavy = sorted(m for m in ('tensorflow', 'keras', 'pandas', 'matplotlib') "
            f"if m in sys.modules); print(heavy); sys.exit(1 if heavy else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(), cwd=REPO,
                         timeout=60)
    assert out.returncode == 0, f"import {module} loaded {out.stdout.strip()} {out.stderr[-2000:]}"


@pytest.mark.parametrize("args", [("experiments.sweep", "--list"), ("experiments.sweep", "--help"),
                                  ("experiments.sweep", "mix_ratios", "--dry-run"),
                                  ("experiments.sweep", "nosuch"), ("experiments.sample", "--help"),
                                  ("experiments.bench", "--help"), ("experiments.report", "--help")])
def test_cli_listings_and_errors_return_at_once(args):
    """Issue 33: under 1.5 s on the 2-core development machine; asserted at 3 s here so that a loaded CI machine
    does not flake, which still catches a TensorFlow import (about 4 s on its own)."""
    started = time.perf_counter()
    out = cli(*args[1:], module=args[0], timeout=60)
    took = time.perf_counter() - started
    assert out.returncode in (0, 2) and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert took < 3.0, f"python -m {' '.join(args)} took {took:.1f}s"


@pytest.mark.parametrize("module,bad", [("experiments.sweep", ["mix_ratios", "--jobs", "two"]),
                                        ("experiments.sample", ["--run", "x"]),
                                        ("experiments.bench", ["nosuch"]),
                                        ("experiments.report", ["--nosuch"])])
def test_every_cli_answers_help_and_malformed_arguments_in_process(monkeypatch, capsys, module, bad):
    code, out, _ = run_main(monkeypatch, capsys, "--help", module=module)
    assert code == 0 and out.startswith(f"usage: python -m {module}")
    code, _, err = run_main(monkeypatch, capsys, *bad, module=module)
    assert code == 2 and "error:" in err and "Traceback" not in err


def test_a_listing_piped_into_head_ends_quietly():
    out = subprocess.run(f"{sys.executable} -m experiments.sweep mix_ratios --dry-run | head -3", shell=True,
                         capture_output=True, text=True, env=clean_env(), cwd=REPO, timeout=60)
    assert len(out.stdout.splitlines()) == 3
    assert out.stderr == "", out.stderr[-2000:]


def test_dry_run_prints_runs_from_the_declared_grid(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "mix_ratios", "--dry-run")
    assert code == 0
    lines = out.strip().splitlines()
    assert "real0.10-mix-synth0.50-seed1  augment.strategy=mix augment.real_fraction=0.1 " \
           "augment.synth_fraction=0.5 seed=1" in lines
    # The CGAN study alone: 60 mix-grid cells, 72 few-shot cells (k = 1, 10, 100: real and affine, and mix, pretrain
    # and filter under both protocols, 3 seeds) and the CGAN's CAS (3 seeds).
    assert f"{60 + 72 + 3} runs of 'mix_ratios' at profile 'quick' (dry run: nothing trained)" in lines
    assert not any("-acgan-" in line or "-diffusion-" in line for line in lines)


def test_the_other_generators_have_their_own_sweep_with_their_baselines(monkeypatch, capsys):
    from cgan_study.sweeps.common import OTHER_GENERATORS

    code, out, _ = run_main(monkeypatch, capsys, "mix_ratios_families", "--dry-run")
    assert code == 0
    # Real-only at k = 10 and on all real digits (3 seeds each), every other generator at k = 10 (mix and filter x
    # two protocols x 3 seeds) and its CAS (3 seeds).
    expected = 6 + 12 * len(OTHER_GENERATORS) + 3 * len(OTHER_GENERATORS)
    assert f"{expected} runs of 'mix_ratios_families' at profile 'quick' (dry run: nothing trained)" in out


def test_the_replication_sweep_lands_in_the_datasets_own_directory(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "replication", "--dry-run", "--data", "fashion_mnist")
    assert code == 0
    # Real-only on all images (3); k = 10 and 100: real and affine (12), the CGAN's mix and filter under both
    # protocols (24); CVAE and PCA mix at k = 10 under both protocols (12); CAS of the three generators (9).
    assert "60 runs of 'replication' at profile 'quick' (dry run: nothing trained)" in out
    assert "results/fashion_mnist/replication" in out


def test_only_filters_runs(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "mix_ratios", "--dry-run", "--only", "k1-real-*")
    assert code == 0 and out.splitlines()[0].startswith("k1-real-seed0")


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
    (["mix_ratios", "--set", "eval.n_samples=0"], "eval.n_samples=0 must be a positive multiple of 10"),
    (["mix_ratios", "--set", "classifier.selection=best_val"],
     "augment.real_per_class=5 allows the classifier 5 labelled digits per class"),
    (["mix_ratios", "--set", "eval.val_accuracy=true"], "eval.val_accuracy scores the classifier on the"),
    (["mix_ratios", "--dry-run", "--data", "/nonexistent/mnist.npz"], "'/nonexistent/mnist.npz' does not exist"),
    (["mix_ratios", "--dry-run", "--set", "eval.n_samples=0"], "eval.n_samples=0 must be"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, mnist_path, monkeypatch, capsys, args,
                                                         message):
    profile = [] if "--profile" in args else ["--profile", "smoke"]
    code, _, err = run_main(monkeypatch, capsys, *args, "--out", str(tmp_path / "out"), *profile,
                            env_data=mnist_path)
    assert code == 2, err[-2000:]
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("maker,message", [
    (lambda p: p / "missing.npz", "does not exist"),
    (lambda p: (p / "cut.npz").write_bytes(b"PK\x03\x04garbage") and p / "cut.npz", "truncated or corrupt"),
    (lambda p: _bad(p, "shape.npz", x_train=np.zeros((20, 28, 29), np.uint8)), "shape (20, 28, 29)"),
    (lambda p: _bad(p, "dtype.npz", x_train=np.zeros((20, 28, 28), np.float64)), "dtype float64"),
    (lambda p: _bad(p, "labels.npz", y_train=np.arange(20) % 10 + 5), "labels 5..14"),
    (lambda p: _bad(p, "class.npz", y_test=np.zeros(10, np.int64)), "no examples of class"),
])
def test_bad_dataset_is_one_line_exit_2_and_writes_nothing(tmp_path, monkeypatch, capsys, maker, message):
    path = maker(tmp_path)
    for args in (["--data", str(path)], []):  # the flag and the environment variable
        code, _, err = run_main(monkeypatch, capsys, "mix_ratios", "--profile", "smoke", "--out",
                                str(tmp_path / "out"), *args, env_data=path if not args else None)
        assert code == 2, err[-2000:]
        assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
        assert not (tmp_path / "out").exists()


@pytest.mark.integration
def test_rerun_skips_finished_runs(tmp_path, mnist_path):
    args = ("mix_ratios", "--profile", "smoke", "--out", str(tmp_path), "--only", "k5-real-seed0",
            "--data", str(mnist_path))
    first = cli(*args)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "k5-real-seed0: done in" in first.stdout
    done_marker = tmp_path / "mix_ratios" / "k5-real-seed0" / "DONE"
    stamp = done_marker.stat().st_mtime_ns
    second = cli(*args)
    assert second.returncode == 0 and "k5-real-seed0: done, skipped" in second.stdout
    assert done_marker.stat().st_mtime_ns == stamp
