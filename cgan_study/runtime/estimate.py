"""What a sweep costs before it starts: its runs' wall time estimated from the times its finished runs recorded.

Reads only run directories (config.json, metrics.json, DONE): no TensorFlow, no pandas, so `--dry-run` stays
instant. Each run still to do is estimated by the median `wall_seconds` of the finished runs of the same cell
(the same overrides, any seed), else of the same (strategy, generator), else of all finished runs of the sweep.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cgan_study.runtime import results

# The stages an augment cell times (study/augment.py STAGES), in the order they run.
STAGES = ("data", "generator", "sampling", "filtering", "classifier", "evaluation")
WALL = "wall_seconds"


@dataclass
class Recorded:
    """The finished runs of a sweep: their wall times by cell, by (strategy, generator) and overall."""
    by_cell: dict[str, list[float]] = field(default_factory=dict)
    by_group: dict[tuple, list[float]] = field(default_factory=dict)
    all: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)   # seconds_<stage> of runs that recorded them


def _cell(overrides: dict) -> str:
    """A cell: the run's overrides without its seed (the seeds of a cell cost about the same)."""
    return json.dumps({k: v for k, v in overrides.items() if k != "seed"}, sort_keys=True, default=str)


def _group(experiment: dict) -> tuple:
    augment = experiment.get("augment", {})
    return augment.get("strategy"), augment.get("generator")


def recorded(sweep_dir: Path | str) -> Recorded:
    """Wall times (and stage times, where recorded) of the finished runs under `sweep_dir`."""
    rec = Recorded()
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        return rec
    for run_dir in sorted(sweep_dir.iterdir()):
        if run_dir.name.startswith(("_", ".")) or not (run_dir / results.DONE).exists():
            continue
        try:
            metrics, config = results.read_json(run_dir / results.METRICS), results.read_json(run_dir / results.CONFIG)
        except (OSError, ValueError):
            continue
        wall = metrics.get(WALL)
        if not isinstance(wall, (int, float)):
            continue
        rec.all.append(float(wall))
        rec.by_cell.setdefault(_cell(config.get("overrides", {})), []).append(float(wall))
        rec.by_group.setdefault(_group(config.get("experiment", {})), []).append(float(wall))
        for stage in STAGES:
            value = metrics.get(f"seconds_{stage}")
            if isinstance(value, (int, float)):
                rec.stages.setdefault(stage, []).append(float(value))
    return rec


def run_seconds(rec: Recorded, overrides: dict, experiment: dict) -> tuple[float, str] | None:
    """(estimated seconds, where the estimate comes from) for one run, or None with nothing recorded."""
    for times, source in ((rec.by_cell.get(_cell(overrides)), "cell"),
                          (rec.by_group.get(_group(experiment)), "group"), (rec.all, "sweep")):
        if times:
            return statistics.median(times), source
    return None


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def stale_keys(run_dir: Path, experiment: dict, ignore: tuple[str, ...] = ()) -> list[str]:
    """For a finished run: the keys it would be refused for (executor.execute's check), without TensorFlow.
    `ignore`: the sections the run does not read (study.jobs.unused_sections)."""
    from cgan_study import config as C

    return results.Run(run_dir).finished_with_another_config(
        {"experiment": experiment}, ignore=ignore, added_later=C.ADDED_LATER)


def summary(sweep_dir: Path | str, runs: list[tuple[str, dict, dict]], jobs: int = 1,
            unused: Callable[[dict], tuple[str, ...]] | None = None,
            reference_dir: Path | str | None = None) -> list[str]:
    """Lines for --dry-run: runs planned, done, finished under another config, and to do, and the estimated wall
    time (runs are (name, overrides, experiment as a dict)). Times come from the runs recorded under `sweep_dir`,
    else under `reference_dir` (the committed results of the same sweep, for a new --out), said which; and it says
    so plainly when neither has a recorded time. `unused(experiment)`: the config sections a run does not read
    (study.jobs.unused_sections for the sweep's task), which a finished run may differ in."""
    sweep_dir = Path(sweep_dir)
    finished = {name: exp for name, _, exp in runs if (sweep_dir / name / results.DONE).exists()}
    stale = {name: keys for name, exp in finished.items() if (keys := stale_keys(sweep_dir / name, exp, unused(exp) if unused else ()))}
    done = set(finished) - set(stale)
    todo = [name for name, _, _ in runs if name not in done]
    lines = [f"{len(runs)} runs: {len(done)} done, {len(todo)} to run (results in {sweep_dir})"]
    if stale:
        keys = sorted({k for ks in stale.values() for k in ks})
        lines.append(f"{len(stale)} of those to run finished under another config (changed: {', '.join(keys[:4])}): "
                     "the sweep refuses them; delete their run directories or use another --out to recompute")
    rec, source = recorded(sweep_dir), sweep_dir
    if not rec.all and reference_dir is not None and Path(reference_dir) != sweep_dir:
        rec, source = recorded(reference_dir), Path(reference_dir)
    if not rec.all:
        lines.append(f"no recorded run times under {sweep_dir}: no estimate of the wall time (finish a few runs "
                     "first, e.g. with --only PATTERN, and dry-run again)")
        return lines
    if source != sweep_dir:
        lines.append(f"times from the runs recorded under {source}")
    per_run = [run_seconds(rec, point, exp) for _, point, exp in runs]
    pending = [e for (name, _, _), e in zip(runs, per_run) if name not in done]
    remaining = sum(seconds for seconds, _ in pending)
    sources = {s: sum(1 for _, source in pending if source == s) for s in ("cell", "group", "sweep")}
    how = ", ".join(f"{n} from {label}" for n, label in ((sources["cell"], "the same cell's runs"),
                                                        (sources["group"], "the same strategy and generator"),
                                                        (sources["sweep"], "the sweep's median")) if n)
    jobs = max(jobs, 1)
    lines.append(f"estimated wall time for the {len(todo)} to run: {duration(remaining / jobs)} with --jobs {jobs}"
                 + (f" ({how})" if how else ""))
    lines.append(f"the whole sweep from scratch: ~{duration(sum(e[0] for e in per_run) / jobs)} with --jobs {jobs} "
                 f"(medians of {len(rec.all)} recorded runs, {duration(sum(rec.all))} of run time in all; generators "
                 "and the scorer not yet built add their training)")
    return lines + stage_lines(rec)


def stage_lines(rec: Recorded) -> list[str]:
    """One line per stage of the runs that timed theirs (seconds_<stage>): median a run and the total."""
    if not rec.stages:
        return []
    n = max(len(v) for v in rec.stages.values())
    return [f"where the time went ({n} runs that timed their stages):"] + [
        f"  {stage:<11s} median {statistics.median(rec.stages[stage]):8.1f} s a run, {duration(sum(rec.stages[stage]))}"
        " in all" for stage in STAGES if stage in rec.stages]
