"""The real pipeline on a folder of colour images with four classes (not MNIST's ten): the smoke generators and
replication sweeps train, sample, score and classify end to end, every class-count-dependent step reading the
data's four classes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import cli

pytestmark = pytest.mark.slow
COLOURS = [(220, 30, 30), (30, 200, 40), (40, 60, 230), (230, 200, 20)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Four classes of 70 coloured squares on white, 40 x 40 PNGs (resized to 32 by the loader)."""
    from PIL import Image

    root = tmp_path_factory.mktemp("colour") / "squares"
    rng = np.random.default_rng(0)
    for c, colour in enumerate(COLOURS):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(70):
            img = np.full((40, 40, 3), 255, np.uint8)
            x, y = rng.integers(2, 20, 2)
            s = rng.integers(10, 18)
            img[y:y + s, x:x + s] = np.clip(np.array(colour) + rng.integers(-30, 30, 3), 0, 255)
            Image.fromarray(img).save(root / f"class{c}" / f"{i}.png")
    return root


def test_the_generators_and_replication_sweeps_run_on_four_colour_classes(folder, tmp_path):
    out = tmp_path / "out"
    env = {"CGAN_STUDY_CACHE": str(tmp_path / "cache")}
    for sweep, only in (("generators", "pca"), ("generators", "cgan"), ("replication", "*")):
        proc = cli(sweep, "--profile", "smoke", "--data", str(folder), "--out", str(out), "--only", only, env=env)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    generators = pd.read_csv(out / "generators" / "summary.csv").set_index("run")
    assert set(generators["status"]) == {"done"}
    # Coverage counts the scorer's four classes: PCA's class means are each read as their class.
    assert set(generators["classes_total"]) == {4}
    assert generators.loc["pca", "classes_covered"] == 4 and generators.loc["pca", "success_rate"] > 0.5
    replication = pd.read_csv(out / "replication" / "summary.csv")
    assert set(replication["status"]) == {"done"} and replication["test_accuracy"].between(0, 1).all()
