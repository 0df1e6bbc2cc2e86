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
