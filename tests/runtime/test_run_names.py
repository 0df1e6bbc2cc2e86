"""Stable run identity: a run's name comes from its own keys, so adding a point never renames another; existing
runs move to their stable names with a recorded mapping and nothing recomputed."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cgan_study.runtime import results
from cgan_study.runtime.grid import fixed, name_runs, product, stable_name, sweep

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tools/ is the repository's
from tools import migrate_run_names as M  # noqa: E402


def _grid(strategies=("real", "mix")):
    return product(sweep("augment.strategy", strategies), fixed("augment.synth_fraction", 0.1), sweep("seed", [0, 1]))


def test_a_stable_name_is_the_points_own_keys_in_key_order_seed_last():
    assert stable_name({"seed": 1, "augment.synth_fraction": 0.1, "augment.strategy": "mix"}) == "mix-synth0.10-seed1"


def test_adding_a_point_renames_no_other_run_under_stable_names():
    grid = product(fixed("gan.epochs", 6), sweep("seed", [0, 1]))
    grown = grid + [{"gan.epochs": 12, "seed": 1}]
    assert [n for n, _ in name_runs(grid, stable=True)] == ["epochs6-seed0", "epochs6-seed1"]
    assert [n for n, _ in name_runs(grown, stable=True)][:2] == ["epochs6-seed0", "epochs6-seed1"]
    # the old naming renamed them (gan.epochs now varies), so both finished runs would have run again
    assert [n for n, _ in name_runs(grid)] == ["seed0", "seed1"]
    assert [n for n, _ in name_runs(grown)][:2] == ["epochs6-seed0", "epochs6-seed1"]


def _finished(sweep_dir, name, point, acc):
    run = results.Run(sweep_dir / name)
    run.start({"sweep": "toy", "run": name, "overrides": point, "experiment": {"seed": point["seed"]}})
    run.finish({"test_accuracy": acc})


def test_migration_moves_runs_records_the_mapping_and_is_idempotent(tmp_path):
    sweep_dir = tmp_path / "toy"
    grid = _grid()
    for i, (name, point) in enumerate(name_runs(grid)):
        _finished(sweep_dir, name, point, 0.9 + i / 100)
    before = results.write_summary(sweep_dir)
    pairs = M.renames(grid)
    assert pairs == [("real-seed0", "real-synth0.10-seed0"), ("real-seed1", "real-synth0.10-seed1"),
                     ("mix-seed0", "mix-synth0.10-seed0"), ("mix-seed1", "mix-synth0.10-seed1")]
    assert M.migrate(sweep_dir, pairs, apply=False) == pairs and (sweep_dir / "real-seed0").exists()  # a dry run
    assert M.migrate(sweep_dir, pairs, apply=True) == pairs
    M.record(tmp_path / M.MAPPING, "toy", pairs)
    after = results.write_summary(sweep_dir)
    assert sorted(p.name for p in sweep_dir.iterdir() if p.is_dir()) == sorted(new for _, new in pairs)
    assert results.Run(sweep_dir / "mix-synth0.10-seed1").config()["run"] == "mix-synth0.10-seed1"
    # the same runs and numbers, under the new names (nothing recomputed: metrics.json moved as it was)
    renamed = before.assign(run=before["run"].map(dict(pairs)))
    pd.testing.assert_frame_equal(renamed.sort_values("run").reset_index(drop=True).drop(columns="cfg.run"),
                                  after.sort_values("run").reset_index(drop=True).drop(columns="cfg.run"))
    assert (tmp_path / M.MAPPING).read_text().splitlines() == [
        "sweep,old,new", "toy,mix-seed0,mix-synth0.10-seed0", "toy,mix-seed1,mix-synth0.10-seed1",
        "toy,real-seed0,real-synth0.10-seed0", "toy,real-seed1,real-synth0.10-seed1"]
    # again: nothing to move, the mapping unchanged
    assert M.migrate(sweep_dir, pairs, apply=True) == []
    M.record(tmp_path / M.MAPPING, "toy", pairs)
    assert len((tmp_path / M.MAPPING).read_text().splitlines()) == 5


def test_a_migration_stopped_half_way_finishes_and_names_swapped_between_runs_are_safe(tmp_path):
    sweep_dir = tmp_path / "toy"
    # old "b" becomes "a" while old "a" becomes "c": the new name of one is the old name of another
    pairs = [("a", "c"), ("b", "a")]
    for name, acc in (("a", 0.1), ("b", 0.2)):
        _finished(sweep_dir, name, {"seed": 0}, acc)
    (sweep_dir / M.STAGING).mkdir()
    (sweep_dir / "a").rename(sweep_dir / M.STAGING / "c")  # stopped after phase 1 of the first rename
    M.migrate(sweep_dir, pairs, apply=True)
    assert results.Run(sweep_dir / "c").metrics()["test_accuracy"] == 0.1
    assert results.Run(sweep_dir / "a").metrics()["test_accuracy"] == 0.2
    assert not (sweep_dir / M.STAGING).exists() and not (sweep_dir / "b").exists()


def test_a_new_name_held_by_another_run_is_refused(tmp_path):
    sweep_dir = tmp_path / "toy"
    for name in ("a", "c"):
        _finished(sweep_dir, name, {"seed": 0}, 0.5)
    try:
        M.migrate(sweep_dir, [("a", "c")], apply=True)
    except ValueError as exc:
        assert "both a and c exist" in str(exc)
    else:
        raise AssertionError("a rename onto another run's directory must be refused")
    assert (sweep_dir / "a").exists()
