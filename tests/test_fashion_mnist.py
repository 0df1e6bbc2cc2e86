"""The second dataset end to end: a smoke sweep on Fashion-MNIST (Debian's dataset-fashion-mnist, installed by
tools/system-packages.sh) lands apart from MNIST's, records Fashion-MNIST's sha256, and a finished MNIST run in the
same directory is never reused for it."""
from __future__ import annotations

import json

import pytest
from helpers import DEFAULT_MNIST, MNIST_SHA256, cli

from cgan_study.data import FASHION_MNIST_DIR, KNOWN_SHA256

FASHION_MNIST_SHA256 = next(sha for sha, name in KNOWN_SHA256.items() if name == "fashion_mnist")

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def fashion_mnist_installed():
    # Not skipped when missing (no test is): `make test` installs it through tools/system-packages.sh.
    if not FASHION_MNIST_DIR.is_dir():
        pytest.fail(f"Fashion-MNIST is not installed at {FASHION_MNIST_DIR}: apt-get install dataset-fashion-mnist "
                    "(tools/system-packages.sh, run by `make test`, does it)")

CELLS = "low_data-k5-mix-synth0.10-seed0"   # trains a (smoke) CGAN on 5 images per class and a classifier beside it


def test_a_smoke_cell_runs_on_fashion_mnist_and_an_mnist_run_is_never_reused_for_it(tmp_path):
    mnist = cli("mix_ratios", "--profile", "smoke", "--only", CELLS, "--out", str(tmp_path), "--data",
                str(DEFAULT_MNIST), "--cpus-per-run", "1")
    assert mnist.returncode == 0, mnist.stdout[-2000:] + mnist.stderr[-2000:]
    # The measured case of the issue: the same --out, another dataset. It must not print "done, skipped".
    fashion = cli("mix_ratios", "--profile", "smoke", "--only", CELLS, "--out", str(tmp_path), "--data",
                  "fashion_mnist", "--cpus-per-run", "1")
    assert fashion.returncode != 0 and "another dataset" in fashion.stdout and "skipped" not in fashion.stdout
    # Its own directory (the default for another dataset is results/<dataset>/): it runs, and records its data.
    out = tmp_path / "fashion_mnist"
    fashion = cli("mix_ratios", "--profile", "smoke", "--only", CELLS, "--out", str(out), "--data",
                  "fashion_mnist", "--cpus-per-run", "1")
    assert fashion.returncode == 0, fashion.stdout[-2000:] + fashion.stderr[-2000:]
    assert "data: fashion_mnist" in fashion.stdout
    config = json.loads((out / "mix_ratios" / CELLS / "config.json").read_text())
    assert config["dataset_sha256"] == FASHION_MNIST_SHA256 != MNIST_SHA256
    metrics = json.loads((out / "mix_ratios" / CELLS / "metrics.json").read_text())
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["generator_artifact"]
    # Its generator is its own: an artifact built from Fashion-MNIST, not the MNIST one of the same config.
    mnist_metrics = json.loads((tmp_path / "mix_ratios" / CELLS / "metrics.json").read_text())
    assert metrics["generator_artifact"] != mnist_metrics["generator_artifact"]


def test_a_fashion_mnist_copy_whose_path_says_nothing_is_known_by_its_content():
    import shutil
    import tempfile
    from pathlib import Path

    from cgan_study.data import load

    tmp_path = Path(tempfile.mkdtemp(prefix="cgan-data-"))   # pytest's tmp_path holds this test's name
    copy = tmp_path / "dataset_copy"
    shutil.copytree(FASHION_MNIST_DIR, copy)
    assert load(str(copy)).name == "fashion_mnist"
    # Without --out its runs would land in MNIST's default directory: refused with one line, nothing written.
    out = cli("scorer", "--profile", "smoke", "--data", str(copy), cwd=tmp_path)
    assert out.returncode == 2 and "holds fashion_mnist" in out.stderr and "--out" in out.stderr
    assert not (tmp_path / "results").exists()
    shutil.rmtree(tmp_path)
