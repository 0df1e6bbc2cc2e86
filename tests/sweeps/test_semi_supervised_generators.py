"""The unlabelled-pool generators scored as images: the declared points (the pool cells' own models, k = 10, 3
seeds each) and the report's table and numbers against a hand-made summary."""
from __future__ import annotations

import pandas as pd

from cgan_study.runtime.grid import name_runs
from cgan_study.sweeps import SWEEPS

CFG = "cfg.experiment."


def test_the_points_are_the_ssl_gan_and_the_pseudo_label_cgan_of_each_k10_seed():
    sweep = SWEEPS["semi_supervised_generators"]
    assert sweep.task == "gan_eval" and "semi_supervised" in sweep.depends_on
    points = [point for _, point in name_runs(sweep.grid("quick"))]
    assert {(p["augment.generator"], p["seed"]) for p in points} == {
        (g, s) for g in ("ssl_gan", "cgan") for s in range(3)}
    assert {(p["augment.protocol"], p["augment.real_per_class"]) for p in points} == {("semi_supervised", 10)}
    # the CGAN at the pool cells' full-data budget (its artifact key); the SSL-GAN has no such key
    assert {p.get("gan.min_steps_per_epoch") for p in points if p["augment.generator"] == "cgan"} == {460}
    assert all("gan.min_steps_per_epoch" not in p for p in points if p["augment.generator"] == "ssl_gan")


def _summary(tmp_path):
    rows = []
    for gen, success, fids, recalls, collapsed in (("cgan", 0.98, (10.0, 12.0), (0.60, 0.62), (False, False)),
                                                   ("ssl_gan", None, (190.0, 210.0), (0.15, 0.19), (False, True))):
        for seed in range(2):
            rows.append({"run": f"{gen}-seed{seed}", "status": "done", "success_rate": success,
                         "fid_train": fids[seed], "precision_train": 0.6, "recall_train": recalls[seed],
                         "classes_covered": 10 if not collapsed[seed] else 9, "collapsed": collapsed[seed],
                         "collapse_reference": "train", "n_samples": 10000, "train_reference_n": 10000,
                         CFG + "augment.generator": gen,
                         CFG + "augment.strategy": "real", CFG + "augment.protocol": "semi_supervised",
                         CFG + "augment.real_per_class": 10, CFG + "seed": seed})
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)


def test_the_table_reads_training_referenced_means_and_marks_a_collapsed_seed(tmp_path):
    from cgan_study.reporting.labels import COLLAPSE_MARK
    from cgan_study.reporting.pool_generators import pool_generator_numbers

    _summary(tmp_path)
    tables = SWEEPS["semi_supervised_generators"].report(tmp_path)
    table = tables["pool_generators"].set_index("n", append=True).reset_index(level=1)
    cgan, ssl = tables["pool_generators"].iloc[0], tables["pool_generators"].iloc[1]
    assert cgan["generator"] == "CGAN, pseudo-labelled pool" and cgan["FID (train)"].startswith("11.0 ")
    assert cgan["success (%)"].startswith("98.00")
    assert ssl["generator"].endswith(COLLAPSE_MARK) and ssl["success (%)"] == "--"   # no label, no success rate
    assert ssl["FID (train)"].startswith("200.0 ") and ssl["rec. (%)"].startswith("17.0 ")
    assert list(table["n"]) == [2, 2]
    numbers = pool_generator_numbers(tables["pool_generators_runs"])
    assert numbers == {"poolCganFid": "11.0", "poolCganRecall": "61.0", "poolCganSeeds": "2", "poolCganCollapsed": "0",
                       "poolCganSuccess": "98.0", "poolSslganFid": "200.0", "poolSslganRecall": "17.0",
                       "poolSslganSeeds": "2", "poolSslganCollapsed": "1"}
    assert (tmp_path / "tables" / "pool_generators.tex").exists()
