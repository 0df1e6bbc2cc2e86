"""The FixMatch budget's doubling check: pool labels that change when the budget doubles, read from artifacts."""
from __future__ import annotations

import numpy as np
import pytest

from cgan_study.reporting import doubling
from cgan_study.runtime import results


def _artifact(path, labels, losses, masks, epochs):
    path.mkdir(parents=True)
    results.write_npz(path / doubling.PSEUDO_LABELS, labels=np.asarray(labels, np.uint8),
                      confidence=np.ones(len(labels), np.float32))
    results.write_json(path / doubling.METRICS, {"loss_per_epoch": losses, "mask_rate_per_epoch": masks})
    results.write_json(path / "config.json", {"fixmatch": {"epochs": epochs, "steps_per_epoch": 100}})
    return path


def test_two_changed_labels_in_a_hundred_are_not_converged_and_none_is(tmp_path):
    base = [i % 10 for i in range(100)]
    moved = list(base)
    moved[3], moved[7] = 9, 0                                  # 2 of 100 relabelled: 2% >= 1%
    a = _artifact(tmp_path / "a", base, [1.0, 0.5], [0.5, 0.8], 10)
    b = _artifact(tmp_path / "b", moved, [1.0, 0.5, 0.4, 0.4], [0.5, 0.8, 0.9, 0.92], 20)
    row = doubling.compare(doubling.load(a), doubling.load(b))
    assert row["labels_changed"] == pytest.approx(0.02) and not row["converged"]
    assert row["loss_change_relative"] == pytest.approx(-0.2)   # 0.5 -> 0.4
    assert (row["mask_rate_budget"], row["mask_rate_doubled"]) == (0.8, 0.92)
    assert doubling.compare(doubling.load(a), doubling.load(a))["converged"]


def test_the_cli_writes_one_row_and_refuses_a_different_pool(tmp_path, capsys):
    a = _artifact(tmp_path / "a", [1, 2, 3], [0.3], [0.9], 10)
    b = _artifact(tmp_path / "b", [1, 2, 3], [0.3], [0.9], 20)
    assert doubling.main([str(a), str(b), "--out", str(tmp_path / "d.csv")]) == 0
    assert "steps_budget: 1000" in capsys.readouterr().out
    assert (tmp_path / "d.csv").read_text().splitlines()[0].startswith("steps_budget,steps_doubled,pool,")
    c = _artifact(tmp_path / "c", [1, 2], [0.3], [0.9], 20)
    assert doubling.main([str(a), str(c)]) == 2
    assert "not the same cell" in capsys.readouterr().err
    assert doubling.main([str(a), str(tmp_path / "none")]) == 2


def test_the_doubling_macros_say_what_the_rule_says():
    import pandas as pd

    from cgan_study.reporting.paper_numbers import doubling_numbers

    row = {"steps_budget": 1000, "steps_doubled": 2000, "labels_changed": 0.0234, "loss_change_relative": -0.184,
           "converged": False}
    assert doubling_numbers(pd.DataFrame([row])) == {
        "poolDoublingSteps": "1,000", "poolDoubledSteps": "2,000", "poolDoublingChanged": "2.3",
        "poolDoublingLossFall": "18", "poolDoublingVerdict": "budget-limited", "poolDoublingMax": "1"}
    assert doubling_numbers(None) == {}
