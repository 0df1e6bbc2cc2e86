"""Shared fixtures: the real MNIST file (via $CGAN_STUDY_DATA or ../shared/data) and quiet TensorFlow."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
MNIST_SHA256 = "da231c08013e217002c4f393e0f38583bf5a62a5ead805d541bdacd45803e00f"


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
    """The smoke mix_ratios sweep run once through the CLI; (results root, first and second CompletedProcess)."""
    from test_cli import cli

    root = tmp_path_factory.mktemp("smoke_results")
    args = ("mix_ratios", "--profile", "smoke", "--out", str(root), "--data", str(mnist_path))
    return root, cli(*args), cli(*args)
