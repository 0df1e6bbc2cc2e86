"""CLI: run a declared sweep (python -m experiments.sweep NAME), skipping finished runs and resuming the rest."""
from __future__ import annotations

import argparse
import difflib
import fnmatch
import os
import sys
import time
from pathlib import Path

from cgan_study import config as C
from cgan_study.data import ENV_VAR, DataError, check_source, dataset_name, resolve_source
from cgan_study.sweeps.common import dataset_overrides
from cgan_study.runtime.grid import name_runs
from cgan_study.sweeps import SWEEPS


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m experiments.sweep", description=__doc__)
    p.add_argument("name", nargs="?", help="sweep to run (see --list)")
    p.add_argument("--list", action="store_true", help="list the declared sweeps and exit")
    p.add_argument("--profile", default="quick", help="smoke | quick (default) | paper")
    p.add_argument("--data", default=None,
                   help=f"dataset: keras (download, default), fashion_mnist, a .npz path, an IDX directory or a "
                        f"folder of PNG/JPEG images (class subfolders, or flat); default ${ENV_VAR} if set")
    p.add_argument("--image-size", type=int, default=None, choices=(32, 64),
                   help="a folder of images: the square size its images are resized to (default 32, or "
                        "$CGAN_STUDY_IMAGE_SIZE); MNIST-format sources stay 28x28")
    p.add_argument("--out", default=None, help="results root (default: results/ for quick, results/PROFILE/ else)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key for every run, e.g. --set gan.epochs=5 (repeatable)")
    p.add_argument("--only", default=None, metavar="PATTERN", help="run only the runs whose name matches (glob)")
    p.add_argument("--dry-run", action="store_true", help="print every run with its overrides; train nothing")
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="also write TensorBoard logs of GAN training under DIR (or set $CGAN_STUDY_TENSORBOARD)")
    x = p.add_argument_group("execution")
    x.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local (default: this machine) or ray (each run a Ray task; see README)")
    x.add_argument("--jobs", type=int, default=1,
                   help="local executor: worker processes (default 1 = in this process)")
    x.add_argument("--address", default=None,
                   help="ray executor: cluster to join, 'auto' or HOST:PORT (default: start a local Ray)")
    x.add_argument("--cpus-per-run", type=int, default=None,
                   help="CPUs each run declares and TensorFlow uses (default: 1 on Ray, cores/jobs locally)")
    x.add_argument("--gpus-per-run", type=float, default=0.0, help="ray executor: GPUs each run declares")
    x.add_argument("--retries", type=int, default=2,
                   help="times a run is retried when its worker process dies (default 2)")
    return p.parse_args(argv)


def check_execution_args(args: argparse.Namespace) -> None:
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {args.jobs})")
    if args.retries < 0:
        raise UsageError(f"--retries must be 0 or more (got {args.retries})")
    if args.cpus_per_run is not None and args.cpus_per_run < 1:
        raise UsageError(f"--cpus-per-run must be at least 1 (got {args.cpus_per_run})")
    if args.gpus_per_run < 0:
        raise UsageError(f"--gpus-per-run must be 0 or more (got {args.gpus_per_run})")
    if args.executor == "ray":
        if args.jobs != 1:
            raise UsageError("--jobs is for the local executor; with --executor ray, Ray decides how many runs "
                             "go in parallel from --cpus-per-run/--gpus-per-run and the cluster's resources")
        try:
            import ray  # noqa: F401
        except ImportError:
            raise UsageError("--executor ray needs Ray: pip install 'cgan-study[ray]' (or pip install ray)") from None
    else:
        if args.address:
            raise UsageError("--address is for --executor ray")
        if args.gpus_per_run:
            raise UsageError("--gpus-per-run is for --executor ray")


def default_out(profile: str, dataset: str = "mnist") -> Path:
    """results/ (MNIST, quick), results/<profile>/; another dataset's runs under results/<dataset>/ likewise, so
    that the runs of two datasets never share a directory."""
    root = Path("results") if dataset == "mnist" else Path("results") / dataset
    return root if profile == "quick" else root / profile


def out_root(args: argparse.Namespace, exp: C.Experiment) -> Path:
    """--out, else the default for the profile and the dataset in force (--data, data.source, the environment)."""
    if getattr(args, "out", None):
        return Path(args.out)
    return default_out(args.profile, dataset_name(resolve_source(getattr(args, "data", None) or exp.data.source or
                                                                 None)))


def plan(args: argparse.Namespace) -> tuple[str, list[tuple[str, dict, C.Experiment]]]:
    """Resolve every run's experiment up front, so bad input fails before anything is written."""
    if args.name not in SWEEPS:
        close = difflib.get_close_matches(args.name or "", SWEEPS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"unknown sweep '{args.name}'{hint}; available: {', '.join(SWEEPS)} (see --list)")
    spec = SWEEPS[args.name]
    base = C.profile(args.profile)
    base = C.apply(base, spec.overrides(args.profile))
    # A dataset's own rule (a folder of images: its generators train a full-data epoch's steps), then --set wins.
    base = C.apply(base, dataset_overrides(dataset_name(resolve_source(getattr(args, "data", None)
                                                                       or base.data.source or None))))
    base = C.apply(base, C.parse_assignments(args.sets))
    root = out_root(args, base)
    try:
        grid = spec.grid(args.profile, root)
    except LookupError as exc:  # a sweep over another sweep's results that are not there yet
        raise UsageError(str(exc)) from None
    runs = []
    for name, point in name_runs(grid, stable=spec.stable_names):
        if args.only and not fnmatch.fnmatch(name, args.only):
            continue
        runs.append((name, point, C.apply(base, point)))
    if args.only and not runs:
        raise UsageError(f"--only '{args.only}' matches no run of '{args.name}'; try --dry-run to see the names")
    return spec.task, runs


def run_sweep(args: argparse.Namespace) -> int:
    check_execution_args(args)
    task, runs = plan(args)
    if args.tensorboard:
        os.environ["CGAN_STUDY_TENSORBOARD"] = str(Path(args.tensorboard).resolve())
    if args.dry_run:
        # The data must exist as the real run would require (nothing is loaded: the dry run stays instant).
        check_source(resolve_source(args.data or runs[0][2].data.source or None))
        for name, point, _ in runs:
            print(f"{name}  " + " ".join(f"{k}={v}" for k, v in point.items()))
        print(f"{len(runs)} runs of '{args.name}' at profile '{args.profile}' (dry run: nothing trained)")
        # Reads run directories only (no TensorFlow, no pandas): the dry run stays instant.
        from cgan_study.runtime import estimate

        sweep_dir = out_root(args, runs[0][2]) / args.name
        committed = default_out(args.profile, dataset_name(resolve_source(getattr(args, "data", None)
                                                                          or runs[0][2].data.source or None)))
        from cgan_study.study.jobs import unused_sections

        task = SWEEPS[args.name].task
        for line in estimate.summary(sweep_dir, [(n, p, C.to_dict(e)) for n, p, e in runs], jobs=args.jobs,
                                     unused=lambda experiment: unused_sections(experiment, task),
                                     reference_dir=committed / args.name):
            print(line)
        return 0

    from cgan_study import data as D
    from cgan_study.runtime import results

    exp0 = runs[0][2]
    if args.image_size:  # through the environment, so that worker processes load the same size
        os.environ["CGAN_STUDY_IMAGE_SIZE"] = str(args.image_size)
    # --data wins over --set data.source, which wins over $CGAN_STUDY_DATA and the Keras default.
    source = resolve_source(args.data or exp0.data.source or None)
    if Path(source).exists():  # workers may run in another directory or on another node
        source = str(Path(source).resolve())
    dataset = D.load(source, val_per_class=exp0.data.val_per_class, seed=0)
    if not args.out and dataset.name != dataset_name(source):  # the default results directory follows the path
        raise UsageError(f"{source} holds {dataset.name} (by its sha256) but its path reads as "
                         f"{dataset_name(source)}, whose default results directory it would share; pass --out DIR")
    pools_checked = set()
    for _, _, exp in runs:  # infeasible subsets fail now, before any run directory exists
        D.check_per_class(dataset.train, exp.augment.real_per_class, exp.data.train_per_class_cap)
        pool = (exp.augment.real_per_class, exp.data.train_per_class_cap)
        if exp.augment.protocol == "semi_supervised" and pool not in pools_checked:
            D.check_unlabelled_pool(dataset, *pool)   # k the pool allows; no validation or test digit in the pool
            pools_checked.add(pool)
    # TensorFlow is imported only once there is work to do: --list, --dry-run and bad input stay instant.
    from cgan_study.runtime import executor as X
    if args.executor == "local" and args.jobs == 1:  # runs in this process: size its thread pools now
        os.environ.update(X.thread_env(args.cpus_per_run))
    from cgan_study.study import jobs as J
    from cgan_study.study.stages import Context
    print(f"data: {dataset.name} from {dataset.source} (sha256 {dataset.sha256[:12]}...), "
          f"{len(dataset.train)} train / {len(dataset.val)} validation images", flush=True)
    root = out_root(args, exp0).resolve()
    sweep_dir = root / args.name
    run_plan = X.Plan(args.name, task, str(root), source, exp0.data.val_per_class, dataset.sha256)
    records = [{"sweep": args.name, "run": name, "profile": args.profile, "overrides": point,
                "dataset_sha256": dataset.sha256, "experiment": C.to_dict(exp)} for name, point, exp in runs]
    ctx = Context(dataset, root)
    J.share_context(run_plan, ctx)  # runs in this process (serial executor) reuse the loaded dataset
    jobs = J.plan_jobs(task, runs, records, ctx, sweep_dir)
    started = time.perf_counter()
    try:
        backend = X.make_backend(args.executor, J.run_job, args.jobs, args.address, args.cpus_per_run,
                                 args.gpus_per_run)
    except X.ExecutorError as exc:
        raise UsageError(str(exc)) from None
    X.stop_on_sigterm()
    outcomes = X.schedule(run_plan, jobs, backend, retries=args.retries)
    failures = [(job.run, outcomes[job.id].reason) for job in jobs if job.run and not outcomes[job.id].ok]
    frame = results.write_summary(sweep_dir)
    print(f"summary: {sweep_dir / results.SUMMARY} ({len(frame)} runs) in {time.perf_counter() - started:.0f}s")
    from cgan_study.runtime import estimate

    for line in estimate.stage_lines(estimate.recorded(sweep_dir)):
        print(line)
    from cgan_study.sweeps import report_sweep

    tables = report_sweep(args.name, sweep_dir)
    if tables:
        print(f"tables and figures: {sweep_dir / 'tables'}, {sweep_dir / 'figures'}")
    if failures:
        print(f"{len(failures)} of {len(runs)} runs failed: " + "; ".join(f"{n} ({r})" for n, r in failures))
        return 1
    return 0


def _count(spec, profile: str) -> str:
    grid = spec.grids.get(profile, spec.grids["quick"])
    return "from earlier results" if callable(grid) else str(len(name_runs(grid)))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.list:
            for name, spec in SWEEPS.items():
                counts = ", ".join(f"{p}: {_count(spec, p)}" for p in C.PROFILES)
                print(f"{name:12s} [{spec.task}] runs ({counts})\n    {spec.description}")
            return 0
        if not args.name:
            raise UsageError("name a sweep to run, e.g. python -m experiments.sweep mix_ratios (see --list)")
        return run_sweep(args)
    except (UsageError, C.ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    from experiments import run_main

    sys.exit(run_main(main))
