"""Rebuild every number of the paper: each sweep the report reads, in dependency order, into one results root
(MNIST in it, Fashion-MNIST under <root>/fashion_mnist/), then the report. Resumable: a finished run is skipped,
so running it again after a stop goes on where it stopped.

    python -m experiments.reproduce --dry-run        # the plan, each sweep's estimate and the total
    python -m experiments.reproduce --jobs 2         # run it (make reproduce)

The estimates come from the run times the sweeps recorded under the root (else under the committed results of
the same sweep); a sweep with none says "no record". Generators and scorers are built by the first sweep that needs
them: their training is in that sweep's recorded run times only where a run built them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cgan_study.runtime import estimate as E   # reads run directories only: no TensorFlow

# Built first: the artifacts (the scorer, the coursework generators) every later sweep reuses from the cache.
FIRST = ("scorer", "generators")


def steps() -> list[tuple[str, str | None]]:
    """(sweep, dataset or None for MNIST) in the order they run: for MNIST, then each second dataset, the sweeps
    declared on it (their `datasets`), FIRST first, then in registry order with each sweep after those whose
    results it reads (its declared depends_on)."""
    from cgan_study.sweeps import PRIMARY, SWEEPS, second_datasets

    out: list[tuple[str, str | None]] = []
    for dataset in (PRIMARY, *second_datasets()):
        on = [name for name, sweep in SWEEPS.items() if dataset in sweep.datasets]
        ordered: list[str] = []
        for name in [*(n for n in FIRST if n in on), *on]:
            _place(name, SWEEPS, ordered)
        out += [(name, None if dataset == PRIMARY else dataset) for name in ordered]
    return out


def _place(name: str, sweeps: dict, ordered: list[str]) -> None:
    """Append `name` to `ordered` after the sweeps it depends on (each once)."""
    for before in sweeps[name].depends_on:
        _place(before, sweeps, ordered)
    if name not in ordered:
        ordered.append(name)


def sweep_args(name: str, dataset: str | None, root: Path, jobs: int) -> list[str]:
    out = root if dataset is None else root / dataset
    return [name, "--out", str(out), "--jobs", str(jobs)] + ([] if dataset is None else ["--data", dataset])


def estimate(name: str, dataset: str | None, root: Path, jobs: int) -> tuple[str, float | None, float | None,
                                                                             E.Recorded]:
    """(one line for the plan, seconds to run what is not done, seconds of its runs from scratch, its recorded runs:
    the artifacts they used, built before them or inside them); None: no record."""
    from cgan_study import config as C
    from cgan_study.study.jobs import unused_sections
    from cgan_study.sweeps import SWEEPS
    from experiments import sweep as S

    args = S.parse_args(sweep_args(name, dataset, root, jobs))
    where = f"{name}" + (f" ({dataset})" if dataset else "")
    try:
        task, runs = S.plan(args)
    except S.UsageError as exc:  # declared over results not there yet
        return f"{where}: planned after {', '.join(SWEEPS[name].depends_on)} ({exc})", None, None, E.Recorded()
    sweep_dir = S.out_root(args, runs[0][2]) / name
    committed = S.default_out("quick", dataset or "mnist") / name
    planned = [(n, p, C.to_dict(e)) for n, p, e in runs]
    done = {n for n, _, e in planned if (sweep_dir / n / "DONE").exists()
            and not E.stale_keys(sweep_dir / n, e, unused_sections(e, SWEEPS[name].task))}
    rec = E.recorded(sweep_dir)
    if not rec.all and committed.resolve() != sweep_dir.resolve():
        rec = E.recorded(committed)
    per_run = [E.run_seconds(rec, p, e) for _, p, e in planned]
    head = f"{where}: {len(runs)} runs, {len(done)} done"
    if not rec.all:
        return f"{head}; no record", None, None, rec
    scratch = sum(s for s, _ in per_run) / jobs
    todo = sum(s for (n, _, _), (s, _) in zip(planned, per_run) if n not in done) / jobs
    return f"{head}; to run ~{E.duration(todo)}, its runs from scratch ~{E.duration(scratch)}", todo, scratch, rec


def new_builds(rec: E.Recorded, built: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """The training seconds of the artifacts a sweep's runs used that no earlier sweep of the plan built: each is
    trained once, by the first sweep that needs it. Those its runs built inside their own wall time (the SSL-GAN)
    are in its run times already, so they only join `built` (a later sweep scoring them trains nothing)."""
    new = {k: s for k, s in rec.build_seconds.items() if k not in built and k not in rec.built_inside}
    built.update(new, rec.built_inside)
    return new


BUILD_NAMES = {"fixmatch_baseline": "FixMatch baseline"}   # else the kind as it is


def build_counts(new: dict[tuple[str, str], float]) -> str:
    """'4 FixMatch baselines, 1 generator': how many artifacts of each kind."""
    counts = {kind: sum(k == kind for k, _ in new) for kind in sorted({kind for kind, _ in new})}
    return ", ".join(f"{n} {BUILD_NAMES.get(kind, kind)}{'s' * (n != 1)}" for kind, n in counts.items())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.reproduce", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="results", type=Path, help="the results root (default results/)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes per sweep (default 2)")
    p.add_argument("--dry-run", action="store_true", help="print the plan with estimates; run nothing")
    args = p.parse_args(argv)
    if args.jobs < 1:
        print(f"error: --jobs must be at least 1 (got {args.jobs})", file=sys.stderr)
        return 2
    plan = steps()
    if args.dry_run:
        todo_total, scratch_total, missing, built = 0.0, 0.0, [], set()
        for i, (name, dataset) in enumerate(plan, start=1):
            line, todo, scratch, rec = estimate(name, dataset, args.out, args.jobs)
            new = new_builds(rec, built)
            train = sum(new.values()) / args.jobs
            print(f"{i:2d}. {line}" + (f"; + {build_counts(new)} built first, ~{E.duration(train)}" if new else ""))
            if scratch is None:
                missing.append(name if dataset is None else f"{name} ({dataset})")
            else:
                todo_total += todo
                scratch_total += scratch + train
        print(f"then: python -m experiments.report --out {args.out}")
        print(f"total with --jobs {args.jobs}: ~{E.duration(todo_total)} to run now, ~{E.duration(scratch_total)} "
              "from scratch (runs and the generators and FixMatch baselines they use; scorers and synthetic sets not "
              "counted)"
              + (f"; no record for {', '.join(missing)}: not counted" if missing else ""))
        return 0
    from experiments import report, sweep

    for i, (name, dataset) in enumerate(plan, start=1):
        print(f"reproduce: [{i}/{len(plan)}] {name}" + (f" ({dataset})" if dataset else ""), flush=True)
        code = sweep.main(sweep_args(name, dataset, args.out, args.jobs))
        if code != 0:
            print(f"reproduce: {name} stopped with status {code}; fix it and run again (finished runs are kept)",
                  file=sys.stderr)
            return code
    return report.main(["--out", str(args.out)])


if __name__ == "__main__":
    sys.exit(main())
