"""What a sweep costs before it starts: its runs' wall time estimated from the times its finished runs recorded.

Reads only run directories (config.json, metrics.json, DONE): no TensorFlow, no pandas, so `--dry-run` stays
instant. Each run still to do is estimated by the median `wall_seconds` of the finished runs of the same cell
(the same overrides, any seed), else of the same (strategy, generator), else of all finished runs of the sweep.

A run's wall time leaves out the artifacts an executor built for it first (BUILT_BEFORE: the FixMatch baseline, a
generator; built once and shared by the cells of a seed that need them), so they are counted apart, once each, at
the median training time (`train_seconds` of the artifact's metrics.json) of the recorded ones of the same kind
and cells. What a cell needs, and which cells share one, is read from the finished runs: the artifacts each one
names in its metrics (a pseudo-label generator's config.json names the baseline that labelled its pool), and the
cells whose runs at one seed named the same artifact share it at every seed. A cell with no finished run needs what
its (strategy, generator) needed in another cell, as an artifact of its own (so run one seed of each cell first, the
pilot, for the sharing to be known). An artifact counts as built only when a finished run named it and its directory
is finished under the results root the runs would use.
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
    # (cell, (strategy, generator), seed, {artifact kind: key}) of each finished run that named artifacts built
    # before it
    used: list[tuple[str, tuple, object, dict[str, str]]] = field(default_factory=list)
    build_seconds: dict[tuple[str, str], float] = field(default_factory=dict)   # (kind, key) -> train_seconds
    built_inside: set[tuple[str, str]] = field(default_factory=set)   # (kind, key) a run built inside its wall time


def _cell(overrides: dict) -> str:
    """A cell: the run's overrides without its seed (the seeds of a cell cost about the same)."""
    return json.dumps({k: v for k, v in overrides.items() if k != "seed"}, sort_keys=True, default=str)


def _group(experiment: dict) -> tuple:
    augment = experiment.get("augment", {})
    return augment.get("strategy"), augment.get("generator")


# The artifacts an executor builds before the runs that need them: the metrics field a run names one in -> the
# artifact's kind (its directory under _artifacts/). The SSL-GAN is built inside its run: its wall time holds it.
BUILT_BEFORE = {"baseline_artifact": "fixmatch_baseline", "generator_artifact": "generator"}
BUILT_INSIDE = {"ssl_gan_artifact": "generator"}   # a later sweep reusing one (to score it) must not count it again
LABELLED_BY = ("baseline", "fixmatch_baseline")   # a pseudo-label generator's config key naming its baseline


def _read(path: Path) -> dict:
    try:
        return results.read_json(path)
    except (OSError, ValueError):
        return {}


def _artifacts_used(metrics: dict, artifact_root: Path, rec: Recorded) -> dict[str, str]:
    """{kind: key} of the artifacts built before a run that its metrics name; their training times into `rec`."""
    used = {kind: str(metrics[name]) for name, kind in BUILT_BEFORE.items() if metrics.get(name)}
    if "generator" in used:
        baseline = _read(artifact_root / "generator" / used["generator"] / results.CONFIG).get(LABELLED_BY[0])
        if baseline:
            used.setdefault(LABELLED_BY[1], str(baseline))
    for kind, key in used.items():
        seconds = _read(artifact_root / kind / key / results.METRICS).get("train_seconds")
        if isinstance(seconds, (int, float)):
            rec.build_seconds[(kind, key)] = float(seconds)
    return used


def recorded(sweep_dir: Path | str) -> Recorded:
    """Wall times (and stage times, where recorded) of the finished runs under `sweep_dir`, and the artifacts built
    before them (their kinds, keys and training times)."""
    rec = Recorded()
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        return rec
    artifact_root = sweep_dir.parent / results.ARTIFACTS
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
        rec.built_inside.update((kind, str(metrics[name])) for name, kind in BUILT_INSIDE.items() if metrics.get(name))
        used = _artifacts_used(metrics, artifact_root, rec)
        if used:
            overrides, experiment = config.get("overrides", {}), config.get("experiment", {})
            rec.used.append((_cell(overrides), _group(experiment), _seed(overrides, experiment), used))
    return rec


def _seed(overrides: dict, experiment: dict):
    return overrides.get("seed", experiment.get("seed"))


def run_seconds(rec: Recorded, overrides: dict, experiment: dict) -> tuple[float, str] | None:
    """(estimated seconds, where the estimate comes from) for one run, or None with nothing recorded."""
    for times, source in ((rec.by_cell.get(_cell(overrides)), "cell"),
                          (rec.by_group.get(_group(experiment)), "group"), (rec.all, "sweep")):
        if times:
            return statistics.median(times), source
    return None


@dataclass
class Builds:
    """The artifacts the planned runs need, each once: (kind, sharing cells' group, seed) -> estimated seconds."""
    todo: dict[tuple, float] = field(default_factory=dict)   # needed by runs still to do and not built
    all: dict[tuple, float] = field(default_factory=dict)    # every one, built or not: the sweep from scratch
    by_analogy: set[tuple] = field(default_factory=set)     # those of cells with no finished run (module doc)


def artifact_builds(rec: Recorded, runs: list[tuple[str, dict, dict]], done: set[str],
                    artifact_root: Path) -> Builds:
    """Which artifacts the planned runs need and what building each costs, from the finished runs (module doc)."""
    parent: dict = {}

    def group(node):   # union-find over (kind, cell): cells whose runs named one artifact share it
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    cells_of: dict[tuple[str, str], list[str]] = {}
    for cell, _, _, used in rec.used:
        for kind, key in used.items():
            cells_of.setdefault((kind, key), []).append(cell)
    for (kind, _), cells in sorted(cells_of.items()):
        for cell in cells[1:]:
            a, b = group((kind, cells[0])), group((kind, cell))
            if a != b:
                parent[max(a, b)] = min(a, b)
    kinds: dict = {}   # cell, and (strategy, generator) -> the kinds their runs named
    keys: dict[tuple, str] = {}
    times: dict = {}   # (kind, group) and kind -> {key: seconds}, each artifact once
    for cell, strategy_generator, seed, used in rec.used:
        kinds.setdefault(cell, set()).update(used)
        kinds.setdefault(strategy_generator, set()).update(used)
        for kind, key in used.items():
            keys.setdefault((kind, group((kind, cell)), seed), key)
            if (kind, key) in rec.build_seconds:
                for where in ((kind, group((kind, cell))), kind):
                    times.setdefault(where, {})[key] = rec.build_seconds[(kind, key)]
    builds = Builds()
    for name, overrides, experiment in runs:
        cell = _cell(overrides)
        # A cell with no finished run needs what its strategy and generator needed elsewhere (k = 100 beside a k = 10
        # pilot), an artifact of its own: shared with no other cell.
        for kind in sorted(kinds.get(cell, kinds.get(_group(experiment), ()))):
            ident = (kind, group((kind, cell)), _seed(overrides, experiment))
            if cell not in kinds:
                builds.by_analogy.add(ident)
            recorded_times = times.get(ident[:2]) or times.get(kind)
            if not recorded_times:
                continue
            builds.all[ident] = statistics.median(recorded_times.values())
            key = keys.get(ident)
            if name not in done and not (key and (artifact_root / kind / key / results.DONE).exists()):
                builds.todo[ident] = builds.all[ident]
    return builds


def _builds_note(builds: dict[tuple, float], by_analogy: set[tuple]) -> str:
    if not builds:
        return ""
    counts = {}
    for kind, _, _ in builds:
        counts[kind] = counts.get(kind, 0) + 1
    guessed = len(by_analogy & set(builds))
    return (f"; with {len(builds)} artifact builds ({', '.join(f'{n} {kind}' for kind, n in sorted(counts.items()))}"
            f": {duration(sum(builds.values()))} of training at their recorded medians"
            + (f", {guessed} of them for cells with no finished run, each its own, at its kind's median"
               if guessed else "") + ")")


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
    builds = artifact_builds(rec, runs, done, sweep_dir.parent / results.ARTIFACTS)
    remaining = sum(seconds for seconds, _ in pending) + sum(builds.todo.values())
    sources = {s: sum(1 for _, source in pending if source == s) for s in ("cell", "group", "sweep")}
    how = ", ".join(f"{n} from {label}" for n, label in ((sources["cell"], "the same cell's runs"),
                                                        (sources["group"], "the same strategy and generator"),
                                                        (sources["sweep"], "the sweep's median")) if n)
    jobs = max(jobs, 1)
    lines.append(f"estimated wall time for the {len(todo)} to run: {duration(remaining / jobs)} with --jobs {jobs}"
                 + (f" ({how}{_builds_note(builds.todo, builds.by_analogy)})" if how or builds.todo else ""))
    scratch = sum(e[0] for e in per_run) + sum(builds.all.values())
    lines.append(f"the whole sweep from scratch: ~{duration(scratch / jobs)} with --jobs {jobs} "
                 f"(medians of {len(rec.all)} recorded runs, {duration(sum(rec.all))} of run time in all"
                 f"{_builds_note(builds.all, builds.by_analogy)}; artifacts no finished run named, the scorer say, "
                 "add their training)")
    return lines + stage_lines(rec)


def stage_lines(rec: Recorded) -> list[str]:
    """One line per stage of the runs that timed theirs (seconds_<stage>): median a run and the total."""
    if not rec.stages:
        return []
    n = max(len(v) for v in rec.stages.values())
    return [f"where the time went ({n} runs that timed their stages):"] + [
        f"  {stage:<11s} median {statistics.median(rec.stages[stage]):8.1f} s a run, {duration(sum(rec.stages[stage]))}"
        " in all" for stage in STAGES if stage in rec.stages]
