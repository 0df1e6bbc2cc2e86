"""Shared fixtures: the real MNIST file (via $CGAN_STUDY_DATA or ../shared/data) and quiet TensorFlow."""
from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
MNIST_SHA256 = "da231c08013e217002c4f393e0f38583bf5a62a5ead805d541bdacd45803e00f"


@pytest.fixture
def rng(request) -> np.random.Generator:
    """A generator of the test's own, seeded by its name: its data do not depend on which tests ran before."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = Path(os.environ.get("CGAN_STUDY_DATA", DEFAULT_MNIST))
    if not path.exists():
        pytest.fail(f"real MNIST not found at {path}; set CGAN_STUDY_DATA to an MNIST .npz")
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from cgan_study import data

    return data.load(str(mnist_path), val_per_class=100, seed=0)


@pytest.fixture(scope="session")
def smoke_sweep(tmp_path_factory, mnist_path):
    """The smoke mix_ratios sweep run once through the CLI; (results root, first and second CompletedProcess).

    One CPU per run: TensorFlow's float reductions depend on its thread count, and the executor tests compare
    their rows with these bit for bit (a Ray or worker-process run uses one thread per run too).
    """
    from test_cli import cli

    root = tmp_path_factory.mktemp("smoke_results")
    args = ("mix_ratios", "--profile", "smoke", "--out", str(root), "--data", str(mnist_path), "--cpus-per-run", "1")
    return root, cli(*args), cli(*args)


@pytest.fixture(scope="session")
def smoke_tricks(smoke_sweep, mnist_path):
    """The smoke tricks sweep written beside the smoke mix_ratios results (so the paper gets both)."""
    from test_cli import cli

    root = smoke_sweep[0]
    return root, cli("tricks", "--profile", "smoke", "--out", str(root), "--data", str(mnist_path),
                     "--cpus-per-run", "1")


@pytest.fixture(scope="session")
def smoke_study(smoke_sweep, smoke_tricks, mnist_path):
    """Every sweep the paper reads, at the smoke profile, beside the smoke mix_ratios and tricks results."""
    from test_cli import cli

    root = smoke_sweep[0]
    for name in ("generators", "analysis", "mix_ratios_budget", "synth_amount"):
        done = cli(name, "--profile", "smoke", "--out", str(root), "--data", str(mnist_path), "--cpus-per-run", "1")
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return root


def same_rows(summary_csv: Path, reference_csv: Path, runs: list[str] | None = None) -> None:
    """Assert a summary has exactly one finished row per run, equal to the reference's apart from timings."""
    import pandas as pd

    got, ref = pd.read_csv(summary_csv), pd.read_csv(reference_csv).set_index("run")
    runs = sorted(runs or ref.index)
    assert sorted(got["run"]) == runs, "duplicate, missing or extra rows"
    assert set(got["status"]) == {"done"}
    for run_dir in Path(summary_csv).parent.iterdir():  # a row counted as done has its DONE marker
        if run_dir.name in runs:
            assert (run_dir / "DONE").exists(), run_dir
    got = got.set_index("run")
    for run in runs:
        a = {k: v for k, v in got.loc[run].items() if pd.notna(v) and "seconds" not in k}
        b = {k: v for k, v in ref.loc[run].items() if pd.notna(v) and "seconds" not in k}
        assert a == b, (run, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)})
