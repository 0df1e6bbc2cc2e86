"""A report never mixes two datasets in one table, and the class names of the dataset reach its tables."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cgan_study.data import KNOWN_SHA256
from cgan_study.reporting.generators import per_class_tables
from cgan_study.reporting.tables import finished_runs

SHA = {name: sha for sha, name in KNOWN_SHA256.items()}


def _summary(path, shas):
    rows = [{"run": f"r{i}", "status": "done", "cfg.dataset_sha256": sha, "test_accuracy": 0.9}
            for i, sha in enumerate(shas)]
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path / "summary.csv", index=False)


def test_a_summary_holding_two_datasets_is_refused_naming_the_fix(tmp_path):
    _summary(tmp_path / "mixed", [SHA["mnist"], SHA["fashion_mnist"]])
    with pytest.raises(ValueError, match="2 datasets .*own results directory"):
        finished_runs(tmp_path / "mixed")
    _summary(tmp_path / "one", [SHA["fashion_mnist"]] * 2)
    assert len(finished_runs(tmp_path / "one")) == 2


def test_fashion_mnist_class_names_reach_the_per_class_table(tmp_path):
    confusion = np.eye(10, dtype=int) * 90 + 1      # class c mostly right, one miss to every other class
    confusion[9, 5] = 9                              # ankle boots mistaken for sandals most
    for run in ("g0", "g1"):
        (tmp_path / run).mkdir()
        (tmp_path / run / "metrics.json").write_text(json.dumps({"confusion": confusion.tolist()}))
    runs = pd.DataFrame({"run": ["g0", "g1"], "cfg.dataset_sha256": [SHA["fashion_mnist"]] * 2})
    table = per_class_tables(tmp_path, runs, "cgan")["per_class_cgan"]
    assert table["class"].iloc[0] == "T-shirt/top" and table["class"].iloc[9] == "Ankle boot"
    assert table["most confused with"].iloc[9] == "Sandal"
    assert "Ankle boot" in (tmp_path / "tables" / "confusion_cgan.csv").read_text()


def test_captions_say_a_folders_class_count_and_test_set_not_mnists():
    from cgan_study.reporting.stats import collapse_caption
    from cgan_study.reporting.tables import class_count, test_set_text

    mnist = pd.DataFrame({"cfg.dataset_sha256": [SHA["mnist"]]})   # recorded before classes_total was
    icons = pd.DataFrame({"cfg.dataset_sha256": [SHA["icons"]], "classes_total": [4]})
    folder = pd.DataFrame({"cfg.dataset_sha256": ["0" * 64], "classes_total": [3]})   # another user's folder
    assert class_count(mnist) == 10 and class_count(icons) == 4
    assert test_set_text(mnist) == "the 10,000 test digits" and test_set_text(icons) == "the test images"
    assert test_set_text(folder) == "the test images"
    assert collapse_caption(mnist).startswith("[collapsed]: fewer than 10 classes covered")
    assert collapse_caption(folder, "images").startswith("[collapsed]: fewer than 3 classes covered")
