"""The semi-supervised baseline's budget by doubling, read without a test digit and without a pool label.

Two FixMatch baselines of the same cell (same k, subset and seed), one at the budget and one at twice its steps,
are compared on what training alone shows: how many pool digits change their predicted label when the budget
doubles, and how much lower the final training loss and higher the confident (mask) rate end. The rule, fixed
before the pilot ran: the budget is converged when doubling changes the label of fewer than 1% of the pool digits;
otherwise the method is budget-limited at that budget (reported so, in the table and the paper).

    python -m cgan_study.reporting.doubling ARTIFACT_AT_BUDGET ARTIFACT_AT_TWICE \
        [--out results/semi_supervised/pilots/fixmatch_doubling.csv]   (the semi-supervised report reads it there)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from cgan_study.runtime import results

PSEUDO_LABELS, METRICS = "pseudo_labels.npz", "metrics.json"
MAX_CHANGED = 0.01   # converged when doubling relabels fewer than 1% of the pool


def compare(short: dict, long: dict) -> dict:
    """short/long: {labels, loss_per_epoch, mask_rate_per_epoch}; the pool in the same order in both."""
    a, b = np.asarray(short["labels"]), np.asarray(long["labels"])
    if a.shape != b.shape:
        raise ValueError(f"the two baselines label pools of different sizes ({len(a)} vs {len(b)}): not the same cell")
    changed = float(np.mean(a != b))
    loss_a, loss_b = short["loss_per_epoch"][-1], long["loss_per_epoch"][-1]
    return {"pool": int(len(a)), "labels_changed": changed,
            "final_loss_budget": loss_a, "final_loss_doubled": loss_b,
            "loss_change_relative": (loss_b - loss_a) / loss_a,
            "mask_rate_budget": short["mask_rate_per_epoch"][-1], "mask_rate_doubled": long["mask_rate_per_epoch"][-1],
            "converged": changed < MAX_CHANGED}


def load(artifact: Path) -> dict:
    artifact = Path(artifact)
    missing = [f for f in (PSEUDO_LABELS, METRICS) if not (artifact / f).exists()]
    if missing:
        raise FileNotFoundError(f"{artifact} is not a finished fixmatch_baseline artifact (no {', '.join(missing)})")
    metrics = results.read_json(artifact / METRICS)
    steps = results.read_json(artifact / "config.json")["fixmatch"] if (artifact / "config.json").exists() else {}
    return {"labels": results.read_npz(artifact / PSEUDO_LABELS)["labels"], "loss_per_epoch": metrics["loss_per_epoch"],
            "mask_rate_per_epoch": metrics["mask_rate_per_epoch"],
            "steps": steps.get("epochs", 0) * steps.get("steps_per_epoch", 0)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cgan_study.reporting.doubling", description=__doc__.split("\n\n")[0])
    p.add_argument("budget", type=Path)
    p.add_argument("doubled", type=Path)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    try:
        short, long = load(args.budget), load(args.doubled)
        row = {"steps_budget": short["steps"], "steps_doubled": long["steps"], **compare(short, long)}
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key, value in row.items():
        print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    if args.out:
        import pandas as pd

        results.write_csv(args.out, pd.DataFrame([row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
