"""Rename a sweep's run directories from the old names (what varies in the whole grid) to stable ones (each point's
own keys, runtime.grid.stable_name), without recomputing anything, and record every rename.

    python -m tools.migrate_run_names mix_ratios tricks          # what would move (nothing is changed)
    python -m tools.migrate_run_names mix_ratios --apply         # move, record, rewrite summary.csv
    python -m tools.migrate_run_names --all --apply --root results/fashion_mnist

Each moved run keeps its files; its config.json's "run" field takes the new name. The renames are recorded in
<root>/run_names.csv (sweep, old, new; merged with earlier ones). Safe to run again: a run already moved is left
alone, and a migration stopped half way finishes. After --apply, set stable_names=True on the sweep's declaration
(cgan_study/sweeps/<name>.py) and rerun the report: a table that prints run names reads the new ones.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from cgan_study.runtime import results
from cgan_study.runtime.grid import Grid, name_runs

MAPPING = "run_names.csv"
STAGING = "_renaming"   # moved runs wait here (a "_" directory is no run) so old and new names may overlap


def renames(grid: Grid) -> list[tuple[str, str]]:
    """(old, new) for every point of the grid whose stable name differs from its old one."""
    old, new = name_runs(grid), name_runs(grid, stable=True)
    return [(a, b) for (a, _), (b, _) in zip(old, new) if a != b]


def migrate(sweep_dir: Path, pairs: list[tuple[str, str]], apply: bool) -> list[tuple[str, str]]:
    """Move each existing old run directory to its new name (through STAGING); returns the pairs moved or to move.
    Refuses (ValueError) a new name already held by a run that is not being moved away."""
    sweep_dir = Path(sweep_dir)
    staging = sweep_dir / STAGING
    leaving = {old for old, _ in pairs}
    todo = []
    for old, new in pairs:
        if (staging / new).exists():  # a migration stopped between its two phases
            todo.append((old, new))
        elif (sweep_dir / old).exists():
            if (sweep_dir / new).exists() and new not in leaving:
                raise ValueError(f"{sweep_dir.name}: both {old} and {new} exist; move one away by hand")
            todo.append((old, new))
        # neither: moved already, or never run
    if not apply:
        return todo
    for old, new in todo:  # phase 1: out of the way
        if (sweep_dir / old).exists() and not (staging / new).exists():
            staging.mkdir(exist_ok=True)
            os.replace(sweep_dir / old, staging / new)
    for old, new in todo:  # phase 2: into place, the record following the directory
        if (staging / new).exists():
            record = results.read_json(staging / new / results.CONFIG)
            if record.get("run") == old:
                results.write_json(staging / new / results.CONFIG, {**record, "run": new})
            os.replace(staging / new, sweep_dir / new)
    if staging.exists() and not any(staging.iterdir()):
        staging.rmdir()
    return todo


def record(mapping: Path, sweep: str, pairs: list[tuple[str, str]]) -> None:
    """Merge (sweep, old, new) rows into the mapping CSV, sorted; a rename recorded twice is kept once."""
    rows = set()
    if mapping.exists():
        with open(mapping, newline="") as f:
            rows = {(r["sweep"], r["old"], r["new"]) for r in csv.DictReader(f)}
    rows |= {(sweep, old, new) for old, new in pairs}
    lines = ["sweep,old,new"] + [",".join(row) for row in sorted(rows)]
    results.write_text(mapping, "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.migrate_run_names", description=__doc__.split("\n\n")[0])
    p.add_argument("sweeps", nargs="*")
    p.add_argument("--all", action="store_true", help="every declared sweep with runs under --root")
    p.add_argument("--root", default="results", type=Path)
    p.add_argument("--profile", default="quick")
    p.add_argument("--apply", action="store_true", help="move the directories (default: only say what would move)")
    args = p.parse_args(argv)
    from cgan_study.sweeps import SWEEPS

    names = [n for n in SWEEPS if (args.root / n).is_dir()] if args.all else args.sweeps
    unknown = [n for n in names if n not in SWEEPS]
    if unknown or not names:
        print(f"error: name declared sweeps ({', '.join(SWEEPS)}) or pass --all; unknown: {unknown}", file=sys.stderr)
        return 2
    for name in names:
        sweep_dir = args.root / name
        try:
            pairs = renames(SWEEPS[name].grid(args.profile, args.root))
            moved = migrate(sweep_dir, pairs, args.apply)
        except (ValueError, LookupError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{name}: {len(moved)} run(s) {'moved' if args.apply else 'to move'}"
              + "".join(f"\n  {old} -> {new}" for old, new in moved[:5]) + ("\n  ..." if len(moved) > 5 else ""))
        if args.apply:
            record(args.root / MAPPING, name, pairs)
            if (sweep_dir / results.SUMMARY).exists():
                results.write_summary(sweep_dir)
    if args.apply:
        print(f"recorded in {args.root / MAPPING}; now set stable_names=True in each sweep's module "
              "(cgan_study/sweeps/<name>.py) and rerun the report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
