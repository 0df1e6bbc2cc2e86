"""Every sweep of the study, one module each (cgan_study/sweeps/<name>.py), collected by one registry.

A sweep module declares in one place what the rest of the project needs of it: its task and grid per profile,
the sweeps whose results its grid or report reads, its report, which of the report's tables and figures the
paper and the supplement read, and how to read each table its report writes (a TableNote: the split each metric
reads and the rule that chose anything in it; results/README.md's table index is generated from these). It registers itself on import (`register(name, Sweep(...))`, as stylegan2-ada's
metric_main registers metrics); importing this package imports every module below, in the order the report and
`reproduce` walk them. Adding a sweep is one new module plus its name in the import list at the end (and its
\\input line in the paper).

The layer: above reporting (a sweep names its report function and reads earlier results through
reporting.tables), below experiments (the CLIs read the declarations). Nothing in reporting imports a sweep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cgan_study.runtime import results
from cgan_study.runtime.grid import Grid

PRIMARY = "mnist"   # the study's dataset: its sweeps under results/, another dataset's under results/<dataset>/
Report = Callable[[Path], dict]   # sweep directory -> the report's tables by name (it writes tables/, figures/)


@dataclass(frozen=True)
class TableNote:
    """How to read one table a report writes (results/README.md's table index, generated from these): which split
    each of its metrics reads, and the rule that chose anything in it. Words only, never a result's number: the
    table holds those."""
    reads: str   # the split (test, training, validation digits; a generator's own training data) each metric reads
    chose: str   # the rule that chose anything in the table (a ranking, a filter, a default), or "nothing: ..."

    def __post_init__(self):
        if not self.reads.strip() or not self.chose.strip():
            raise ValueError("a table note says both what its metrics read and what chose anything in it "
                             "(\"nothing: reported only\" when nothing was chosen)")


@dataclass(frozen=True)
class Sweep:
    task: str                          # which function runs one point: augment | gan_eval | scorer | analysis
    description: str                   # what it answers, in a sentence or two (`experiments.sweep --list`)
    # profile -> grid; a profile missing here uses "quick". A grid may be a function of the results directory,
    # for a sweep declared over another sweep's outcome (the best search points).
    grids: dict[str, Grid | Callable[[Path], Grid]]
    profile_overrides: dict[str, dict] | None = None  # per-profile settings shared by every run
    # Run names from each point's own keys (grid.stable_name) rather than from what varies in the grid. Turned on
    # for a sweep once its committed runs are renamed (python -m tools.migrate_run_names SWEEP --apply).
    stable_names: bool = False
    # Sweeps whose results this one's grid or report reads: `reproduce` runs them first.
    depends_on: tuple[str, ...] = ()
    report: Report | None = None       # regenerates its tables and figures from its summary.csv
    # Tables (tables/<name>.tex) the paper and the supplement \\input, and figures (figures/<file>) they include:
    # the report copies them into paper/generated/ (a dash table where the sweep has no finished runs yet).
    paper_tables: tuple[str, ...] = ()
    supplement_tables: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    # The datasets the paper reads it on: `reproduce` runs it on each, and the report reads each one's tree
    # (a second dataset's beside MNIST's, never mixed into a cell).
    datasets: tuple[str, ...] = (PRIMARY,)
    # Every table its report writes (the CSV stem under tables/) -> how to read it. A table the report writes without
    # a note, or a note for a table it does not write, fails tests/sweeps/test_index.py, naming the table.
    table_notes: dict[str, TableNote] = field(default_factory=dict)
    # The comparisons the prose may claim of its tables: tables -> {claim id: reporting.claims.Comparison}, every id
    # under one of claim_prefixes ("fewshot/", ...), which no other sweep declares (`comparisons` checks both).
    claims: Callable[[dict], dict] | None = None
    claim_prefixes: tuple[str, ...] = ()
    # The numbers the prose quotes of it: (tables, results root) -> {LaTeX macro name: value}.
    macros: Callable[[dict, Path], dict[str, str]] | None = None

    def grid(self, profile: str, results_root: Path | None = None) -> Grid:
        grid = self.grids[profile] if profile in self.grids else self.grids["quick"]
        if callable(grid):
            if results_root is None:
                raise ValueError("this sweep's grid depends on earlier results: give the results directory")
            grid = grid(Path(results_root))
        return grid

    def overrides(self, profile: str) -> dict:
        return dict((self.profile_overrides or {}).get(profile, {}))

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table the papers read of this sweep: the paper's, then the supplement's."""
        return self.paper_tables + self.supplement_tables


SWEEPS: dict[str, Sweep] = {}


def register(name: str, sweep: Sweep) -> Sweep:
    """Declare a sweep under its name (the results directory results/<name>/ and the CLI's argument)."""
    if name in SWEEPS and SWEEPS[name] is not sweep:
        raise ValueError(f"sweep '{name}' is registered twice: rename one of them")
    if sweep.table_notes and sweep.report is None:
        raise ValueError(f"sweep '{name}' declares table notes ({', '.join(sorted(sweep.table_notes))}) but no "
                         "report, so no report writes those tables: remove the notes or declare its report")
    for other_name, other in SWEEPS.items():
        overlap = [p for p in sweep.claim_prefixes for q in other.claim_prefixes
                   if other is not sweep and (p.startswith(q) or q.startswith(p))]
        if overlap:
            raise ValueError(f"sweep '{name}' declares claim prefix {overlap[0]!r}, which overlaps sweep "
                             f"'{other_name}'s: give it a prefix of its own")
    SWEEPS[name] = sweep
    return sweep


def comparisons(tables: dict) -> dict:
    """Every comparison the prose may claim, by id: each sweep's declared claims read from the report's tables
    (a sweep whose tables are absent contributes none)."""
    out: dict = {}
    for name, sweep in SWEEPS.items():
        if sweep.claims is None:
            continue
        for cid, comparison in sweep.claims(tables).items():
            if not cid.startswith(tuple(sweep.claim_prefixes)):   # False for an empty tuple: none declared
                raise ValueError(f"sweep '{name}' claims '{cid}' outside its declared prefixes "
                                 f"{sweep.claim_prefixes}: declare the prefix in its module")
            if cid in out:
                raise ValueError(f"claim '{cid}' is declared twice (the second time by sweep '{name}')")
            out[cid] = comparison
    return out


def prose_macros(tables: dict, root: Path) -> dict[str, str]:
    """Every macro the sweeps declare (the numbers the prose quotes of their results); a name two sweeps define is
    refused, so one number never silently replaces another."""
    out: dict[str, str] = {}
    for name, sweep in SWEEPS.items():
        if sweep.macros is None:
            continue
        mine = sweep.macros(tables, Path(root))
        shared = sorted(set(mine) & set(out))
        if shared:
            raise ValueError(f"sweep '{name}' defines macros another sweep defines too: {', '.join(shared)}")
        out.update(mine)
    return out


def second_datasets() -> tuple[str, ...]:
    """Every dataset other than MNIST that a sweep declares, in the order they are first declared."""
    return tuple(dict.fromkeys(d for sweep in SWEEPS.values() for d in sweep.datasets if d != PRIMARY))


def report_sweep(name: str, sweep_dir: Path | str) -> dict:
    """Regenerate the tables and figures of one sweep (if it has a report and finished runs) from its summary.csv."""
    sweep = SWEEPS.get(name)
    if sweep is None or sweep.report is None or not (Path(sweep_dir) / results.SUMMARY).exists():
        return {}
    return sweep.report(Path(sweep_dir))


# Importing each module registers it; this order is the order the report collects tables in and `reproduce` runs
# sweeps in (each after those it depends on).
from cgan_study.sweeps import (  # noqa: E402,F401
    mix_ratios, mix_ratios_families, mix_ratios_budget, mix_ratios_budget_val, few_shot_n10, semi_supervised, replication,
    semi_supervised_replication, semi_supervised_generators, synth_amount,
    tricks, gan_search, gan_search_best, gan_variants, gan_losses, generators, low_data_generators, low_data_budget,
    low_data_budget_arms, low_data_budget_arms_k, scorer, analysis, diffusion_samplers, diffusion_guidance,
    diffusion_recipes,
)
