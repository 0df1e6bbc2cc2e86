"""Shared fixtures: the real MNIST file (via $CGAN_STUDY_DATA or ../shared/data) and quiet TensorFlow."""
from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np
import pytest
from helpers import DEFAULT_MNIST, cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# Under pytest-xdist (`make test` runs two workers, one per core) a session fixture is built once per worker: the
# tests that read the smoke study's results share one worker, so its sweeps run once; the Ray tests share another
# group, so two clusters never start at once on two cores. Without xdist the marks do nothing.
SHARED_FIXTURE_GROUPS = {"smoke_sweep": "smoke-study", "smoke_tricks": "smoke-study", "smoke_study": "smoke-study"}


def xdist_group_of(item) -> str | None:
    """The worker group of a test: the smoke study's if it reads it (directly or through another fixture), the
    Ray group for a test of the Ray executor, else none (xdist places it anywhere)."""
    for fixture, group in SHARED_FIXTURE_GROUPS.items():
        if fixture in getattr(item, "fixturenames", ()):
            return group
    if item.path.name == "test_ray.py":
        return "ray"
    return None


# tryfirst: xdist's worker reads the xdist_group marks in its own collection hook; the marks must be there before.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """An integration test is a slow one: `make test-fast` (-m "not slow") leaves both out."""
    for item in items:
        if item.get_closest_marker("integration") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
        group = xdist_group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def rng(request) -> np.random.Generator:
    """A generator of the test's own, seeded by its file and test name: its data do not depend on which tests ran
    before, nor on the folder the file sits in (the seed is the test's id from before tests/ had subfolders)."""
    return np.random.default_rng(zlib.crc32(f"tests/{request.path.name}::{request.node.name}".encode()))


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
    root = tmp_path_factory.mktemp("smoke_results")
    args = ("mix_ratios", "--profile", "smoke", "--out", str(root), "--data", str(mnist_path), "--cpus-per-run", "1")
    return root, cli(*args), cli(*args)


@pytest.fixture(scope="session")
def smoke_tricks(smoke_sweep, mnist_path):
    """The smoke tricks sweep written beside the smoke mix_ratios results (so the paper gets both)."""
    root = smoke_sweep[0]
    return root, cli("tricks", "--profile", "smoke", "--out", str(root), "--data", str(mnist_path),
                     "--cpus-per-run", "1")


@pytest.fixture(scope="session")
def smoke_study(smoke_sweep, smoke_tricks, mnist_path):
    """Every sweep the paper reads, at the smoke profile, beside the smoke mix_ratios and tricks results."""
    from concurrent.futures import ThreadPoolExecutor

    root = smoke_sweep[0]
    # Two at a time: each run uses one thread (bit-for-bit results whatever runs beside it), and a shared artifact
    # is built once under its lock, so the two cores of a CI machine both work.
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda name: cli(name, "--profile", "smoke", "--out", str(root), "--data",
                                              str(mnist_path), "--cpus-per-run", "1"),
                             ("generators", "synth_amount", "analysis", "mix_ratios_budget")))
    for proc in done:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return root
