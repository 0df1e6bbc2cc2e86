"""Two datasets side by side: each comparison from its own dataset's runs, in adjacent columns; the second
dataset's comparisons claimable under their own prefix; class names on the sample grids; the published baselines
read from the package's README."""
from __future__ import annotations

import pandas as pd
import pytest

from cgan_study.data import KNOWN_SHA256
from cgan_study.reporting import datasets, figures
from cgan_study.reporting.claims import Comparison
from cgan_study.reporting.paper_numbers import published_small_cnns
from experiments.report import merge_tables

SHA = {name: sha for sha, name in KNOWN_SHA256.items()}


def _c(cid, mean, low, high, n=3):
    return Comparison(cid, mean, low, high, n)


def test_the_side_by_side_table_puts_each_datasets_interval_in_its_own_column(tmp_path):
    mnist = {"fewshot/affine/k10": _c("fewshot/affine/k10", 0.0846, 0.0386, 0.1306),
             "fewshot/mix/cgan/lowdata/k10": _c("fewshot/mix/cgan/lowdata/k10", -0.0717, -0.0793, -0.0642),
             "cas/cgan": _c("cas/cgan", -0.0401, -0.05, -0.03)}
    fashion = {"fewshot/affine/k10": _c("fewshot/affine/k10", 0.02, -0.01, 0.05),
               "fewshot/mix/cgan/lowdata/k10": _c("fewshot/mix/cgan/lowdata/k10", -0.03, -0.05, -0.01)}
    real = {"mnist": pd.Series([0.9942, 0.9936, 0.9948]), "fashion_mnist": pd.Series([0.91, 0.92, 0.93])}
    table = datasets.side_by_side(tmp_path, {"mnist": mnist, "fashion_mnist": fashion}, real).set_index("comparison")
    assert list(table.columns) == ["MNIST", "Fashion-MNIST"]
    affine = table.loc["$k=10$: affine augmentation"]
    # No family here (m = 1): the 95% interval is the one a verdict reads, hence ** (test_supplement_captions).
    assert affine["MNIST"] == "+8.46 ± 4.60**" and affine["Fashion-MNIST"] == "+2.00 ± 3.00"
    assert table.loc["CAS: CGAN images only", "Fashion-MNIST"] == "--"   # not run there: a dash
    assert "CAS: PCA images only" not in table.index                      # neither has it: left out
    assert table.iloc[0]["Fashion-MNIST"] == "92.00 ± 1.00"
    long = pd.read_csv(tmp_path / "tables" / "side_by_side_long.csv")
    assert set(long[long["id"] == "fewshot/mix/cgan/lowdata/k10"]["verdict"]) == {"worse"}
    assert (tmp_path / "tables" / "side_by_side.tex").read_text().count("Fashion-MNIST") >= 1


def test_a_second_datasets_comparisons_are_claimable_under_its_prefix():
    out = datasets.prefixed({"cas/cgan": _c("cas/cgan", -0.1, -0.2, -0.05)}, "fashion_mnist")
    assert list(out) == ["fashion_mnist/cas/cgan"] and out["fashion_mnist/cas/cgan"].verdict == "worse"


def test_a_second_datasets_comparison_keeps_its_family_so_its_verdict_reads_the_adjusted_interval():
    # 95% interval [+0.05, +0.15] excludes 0, the family's adjusted one [-0.02, +0.22] (m = 5) does not: inconclusive.
    c = Comparison("fewshot/affine/k10", 0.10, 0.05, 0.15, 3, low_adjusted=-0.02, high_adjusted=0.22, m=5)
    out = datasets.prefixed({c.id: c}, "fashion_mnist")["fashion_mnist/fewshot/affine/k10"]
    assert (out.low_adjusted, out.high_adjusted, out.m) == (-0.02, 0.22, 5) and out.verdict == "inconclusive"


def test_long_tables_of_two_sweeps_of_one_dataset_are_concatenated_and_shown_tables_keep_the_first():
    into = {"few_shot_runs": pd.DataFrame({"a": [1]}), "few_shot": pd.DataFrame({"x": ["first"]})}
    merge_tables(into, {"few_shot_runs": pd.DataFrame({"a": [2]}), "few_shot": pd.DataFrame({"x": ["second"]})})
    assert list(into["few_shot_runs"]["a"]) == [1, 2] and list(into["few_shot"]["x"]) == ["first"]


def test_the_few_shot_figure_has_one_panel_per_dataset(tmp_path):
    rows = [{"strategy": s, "generator": g, "protocol": p, "k": k, "seed": seed, "test_accuracy": 0.5 + 0.001 * k}
            for s, g, p in (("real", None, None), ("mix", "cgan", "low_data")) for k in (10, 100) for seed in range(3)]
    runs = pd.DataFrame(rows)
    datasets.few_shot_both(tmp_path, {"mnist": runs, "fashion_mnist": runs})
    assert (tmp_path / "figures" / "few_shot_both.pdf").exists()


def test_class_names_reach_the_sample_grid_figure(tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image

    from cgan_study.data import class_names

    png = tmp_path / "g.png"
    Image.fromarray(np.zeros((280, 280), np.uint8)).save(png)
    drawn = {}
    monkeypatch.setattr(figures, "save_figure", lambda out, name, fig: drawn.setdefault(name, fig))
    names = class_names(SHA["fashion_mnist"])
    figures.grid_panels(tmp_path, "grids", [(png, "CGAN"), (png, "CVAE")], cols=2, row_labels=names)
    first, second = drawn["grids"].axes
    assert [t.get_text() for t in first.get_yticklabels()] == list(names)
    assert names[0] == "T-shirt/top" and names[9] == "Ankle boot"
    assert second.get_yticklabels() == [] or not second.axison   # the second column is not labelled again


README = """| Classifier | Preprocessing | Fashion test accuracy | MNIST test accuracy | Submitter| Code |
| --- | --- | --- | --- | --- | --- |
|2 Conv+pooling | None | 0.916| - |[Tensorflow's doc](https://www.tensorflow.org/tutorials/layers) | x |
|2 Conv ~113K parameters | Normalization | 0.922| 0.993 |[Abel G.](https://github.com/abelusha) | x |
|3 Conv+pooling+BN | None | 0.903 | 0.994 | x | x |
|MLP 256-128-100 | None | 0.8833 | - | x | x |
"""


def test_the_published_small_cnns_are_the_readmes_convolutional_rows_without_preprocessing():
    assert published_small_cnns(README) == [("2 Conv+pooling", pytest.approx(0.916)),
                                            ("3 Conv+pooling+BN", pytest.approx(0.903))]


def test_a_second_datasets_numbers_are_the_macros_it_declares(tmp_path):
    from cgan_study.reporting.paper_numbers import second_dataset_macros, second_dataset_numbers

    (tmp_path / "scorer").mkdir()
    pd.DataFrame({"test_accuracy": [0.9278], "n_train": [59000]}).to_csv(tmp_path / "scorer" / "summary.csv",
                                                                        index=False)
    readme = tmp_path / "README.md"
    readme.write_text(README)
    runs = pd.DataFrame({"generator": ["cgan", "cgan", "pca"], "success_rate": [0.9, 0.8, 0.7],
                         "fid": [10.0, 20.0, 100.0]})
    out = second_dataset_numbers("fashion_mnist", {"generators_runs": runs}, pd.Series([0.92, 0.93]), tmp_path,
                                 readme=str(readme))
    assert out == {"fashionScorerAccuracy": "92.78", "fashionScorerNTrain": "59,000", "fashionPublishedLow": "90.3", "fashionPublishedHigh": "91.6",
                   "fashionPublishedN": "2", "fashionRealOnly": "92.50", "fashionCganSuccess": "85.0",
                   "fashionCganFid": "15.0", "fashionPcaSuccess": "70.0", "fashionPcaFid": "100.0"}
    assert set(out) <= second_dataset_macros("fashion_mnist")
