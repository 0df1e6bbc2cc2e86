"""CLI: run a declared sweep (python -m experiments.sweep NAME), skipping finished runs and resuming the rest."""
from __future__ import annotations

import argparse
import difflib
import fnmatch
import os
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the output

from cgan_study import config as C  # noqa: E402
from cgan_study.data import ENV_VAR, DataError, resolve_source  # noqa: E402
from cgan_study.grid import name_runs  # noqa: E402
from experiments.sweeps import SWEEPS  # noqa: E402


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m experiments.sweep", description=__doc__)
    p.add_argument("name", nargs="?", help="sweep to run (see --list)")
    p.add_argument("--list", action="store_true", help="list the declared sweeps and exit")
    p.add_argument("--profile", default="quick", help="smoke | quick (default) | paper")
    p.add_argument("--data", default=None,
                   help=f"dataset: keras (download, default), fashion_mnist, a .npz path or an IDX directory; "
                        f"default ${ENV_VAR} if set")
    p.add_argument("--out", default=None, help="results root (default: results/ for quick, results/PROFILE/ else)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key for every run, e.g. --set gan.epochs=5 (repeatable)")
    p.add_argument("--only", default=None, metavar="PATTERN", help="run only the runs whose name matches (glob)")
    p.add_argument("--dry-run", action="store_true", help="print every run with its overrides; train nothing")
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="also write TensorBoard logs of GAN training under DIR (or set $CGAN_STUDY_TENSORBOARD)")
    return p.parse_args(argv)


def default_out(profile: str) -> Path:
    return Path("results") if profile == "quick" else Path("results") / profile


def plan(args: argparse.Namespace) -> tuple[str, list[tuple[str, dict, C.Experiment]]]:
    """Resolve every run's experiment up front, so bad input fails before anything is written."""
    if args.name not in SWEEPS:
        close = difflib.get_close_matches(args.name or "", SWEEPS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"unknown sweep '{args.name}'{hint}; available: {', '.join(SWEEPS)} (see --list)")
    spec = SWEEPS[args.name]
    base = C.profile(args.profile)
    base = C.apply(base, spec.overrides(args.profile))
    base = C.apply(base, C.parse_assignments(args.sets))
    runs = []
    for name, point in name_runs(spec.grid(args.profile)):
        if args.only and not fnmatch.fnmatch(name, args.only):
            continue
        runs.append((name, point, C.apply(base, point)))
    if args.only and not runs:
        raise UsageError(f"--only '{args.only}' matches no run of '{args.name}'; try --dry-run to see the names")
    return spec.task, runs


def execute(run, prefix: str, record: dict, work) -> str | None:
    """Run one point unless it is finished or locked by another runner; returns a failure reason or None.

    Order matters for crash safety: lock, config.json, work, metrics.json, DONE. A run killed anywhere
    before DONE is simply run again by the next invocation.
    """
    from cgan_study import results

    if run.is_done():
        print(f"{prefix}: done, skipped", flush=True)
        return None
    with run.lock() as acquired:
        if not acquired:
            print(f"{prefix}: running in another process, skipped", flush=True)
            return None
        if run.is_done():  # finished by another runner between the check and the lock
            return None
        try:
            run.start(record)
        except results.ResumeError as exc:
            print(f"{prefix}: FAILED: {exc}", flush=True)
            return str(exc)
        print(f"{prefix}: running", flush=True)
        t0 = time.perf_counter()
        try:
            metrics = work(run.dir)
        except Exception as exc:  # one run's failure must not stop the sweep (KeyboardInterrupt still does)
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            run.fail(reason)
            results.write_text(run.dir / "error.txt", traceback.format_exc())
            print(f"{prefix}: FAILED: {reason}", flush=True)
            return reason
        metrics["wall_seconds"] = time.perf_counter() - t0
        run.finish(metrics)
        print(f"{prefix}: done in {metrics['wall_seconds']:.1f}s", flush=True)
    return None


def run_sweep(args: argparse.Namespace) -> int:
    task, runs = plan(args)
    if args.tensorboard:
        os.environ["CGAN_STUDY_TENSORBOARD"] = str(Path(args.tensorboard).resolve())
    if args.dry_run:
        for name, point, _ in runs:
            print(f"{name}  " + " ".join(f"{k}={v}" for k, v in point.items()))
        print(f"{len(runs)} runs of '{args.name}' at profile '{args.profile}' (dry run: nothing trained)")
        return 0

    from cgan_study import data as D
    from cgan_study import results

    exp0 = runs[0][2]
    # --data wins over --set data.source, which wins over $CGAN_STUDY_DATA and the Keras default.
    dataset = D.load(resolve_source(args.data or exp0.data.source or None), val_per_class=exp0.data.val_per_class,
                     seed=0)
    for _, _, exp in runs:  # infeasible subsets fail now, before any run directory exists
        D.check_per_class(dataset.train, exp.augment.real_per_class, exp.data.train_per_class_cap)
    # TensorFlow is imported only once there is work to do: --list, --dry-run and bad input stay instant.
    from cgan_study.stages import Context
    from cgan_study.tasks import TASKS
    print(f"data: {dataset.name} from {dataset.source} (sha256 {dataset.sha256[:12]}...), "
          f"{len(dataset.train)} train / {len(dataset.val)} val digits", flush=True)
    out_root = Path(args.out) if args.out else default_out(args.profile)
    sweep_dir = out_root / args.name
    ctx = Context(dataset, out_root)
    failures, started = [], time.perf_counter()
    for i, (name, point, exp) in enumerate(runs, start=1):
        record = {"sweep": args.name, "run": name, "profile": args.profile, "overrides": point,
                  "dataset_sha256": dataset.sha256, "experiment": C.to_dict(exp)}
        reason = execute(results.Run(sweep_dir / name), f"[{i}/{len(runs)}] {name}", record,
                         lambda run_dir, exp=exp: TASKS[task](exp, ctx, run_dir))
        if reason:
            failures.append((name, reason))
    frame = results.write_summary(sweep_dir)
    print(f"summary: {sweep_dir / results.SUMMARY} ({len(frame)} runs) in {time.perf_counter() - started:.0f}s")
    from cgan_study.report import report_sweep

    tables = report_sweep(args.name, sweep_dir)
    if tables:
        print(f"tables and figures: {sweep_dir / 'tables'}, {sweep_dir / 'figures'}")
    if failures:
        print(f"{len(failures)} of {len(runs)} runs failed: " + "; ".join(f"{n} ({r})" for n, r in failures))
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.list:
            for name, spec in SWEEPS.items():
                counts = ", ".join(f"{p}: {len(name_runs(spec.grid(p)))}" for p in C.PROFILES)
                print(f"{name:12s} [{spec.task}] runs ({counts})\n    {spec.description}")
            return 0
        if not args.name:
            raise UsageError("name a sweep to run, e.g. python -m experiments.sweep mix_ratios (see --list)")
        return run_sweep(args)
    except (UsageError, C.ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
