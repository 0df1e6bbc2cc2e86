"""The semi-supervised protocol's Fashion-MNIST cells: declared on that dataset only, k = 10, three arms at 3 seeds,
each point the very point semi_supervised runs on MNIST (same keys: only the dataset differs)."""
from __future__ import annotations

from cgan_study.runtime.grid import name_runs
from cgan_study.sweeps import SWEEPS


def test_the_fashion_cells_are_real_only_the_baseline_and_baseline_plus_synthetic_at_k10_n3():
    sweep = SWEEPS["semi_supervised_replication"]
    assert sweep.datasets == ("fashion_mnist",)   # never run into MNIST's tree
    points = [point for _, point in name_runs(sweep.grid("quick"))]
    assert len(points) == 9
    assert {(p["augment.strategy"], p["seed"]) for p in points} == {
        (s, seed) for s in ("real", "fixmatch", "fixmatch_mix") for seed in range(3)}
    assert {p["augment.real_per_class"] for p in points} == {10}
    mnist = [point for _, point in name_runs(SWEEPS["semi_supervised"].grid("quick"))]
    assert all(p in mnist for p in points), [p for p in points if p not in mnist]
    assert sweep.overrides("smoke") == SWEEPS["semi_supervised"].overrides("smoke")


def test_its_report_is_the_semi_supervised_report(monkeypatch, tmp_path):
    from cgan_study.reporting import semi_supervised

    called = []
    monkeypatch.setattr(semi_supervised, "semi_supervised_report", lambda d: called.append(d) or {})
    SWEEPS["semi_supervised_replication"].report(tmp_path)
    assert called == [tmp_path]
