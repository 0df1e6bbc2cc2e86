"""Bring the finished runs of one sweep from another results root (a batch run in a git worktree, a GPU machine's
copy) into this one, with the artifacts they name, then rewrite the sweep's summary.csv.

    python -m tools.integrate_runs SWEEP SOURCE_RESULTS [--dest results] [--dry-run]

Only finished runs move (a DONE marker); a finished run already here is kept, never overwritten (the same name is
the same config: stable run names), and an interrupted one here gives way. An artifact moves when a moved run names it (`*_artifact` in its metrics.json) and
it is finished (its DONE marker), without what stays local (training checkpoints, per-epoch snapshots, .gitignore).
Copies are made under a temporary name and renamed into place, so an interrupted integration leaves no half run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

LOCAL_ONLY = shutil.ignore_patterns("checkpoint.npz", "epochs", "*.lock", "_tmp*")


def named_artifacts(run: Path) -> set[str]:
    """The artifact directory names a finished run's metrics name (generator, FixMatch baseline, SSL-GAN, ...)."""
    metrics = json.loads((run / "metrics.json").read_text())
    return {str(v) for k, v in metrics.items() if k.endswith("_artifact") and isinstance(v, str) and v}


def _copy(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f"_tmp-{dst.name}")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(src, tmp, ignore=LOCAL_ONLY)
    tmp.rename(dst)


def plan(sweep: str, source: Path, dest: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """(runs to copy, (kind, artifact) pairs to copy): what integrate would do, without doing it."""
    src_sweep = source / sweep
    if not src_sweep.is_dir():
        raise ValueError(f"{src_sweep} does not exist: give the results root that holds {sweep}/")
    finished = sorted(d for d in src_sweep.iterdir() if d.is_dir() and (d / "DONE").exists())
    # A finished run here stays; an interrupted one here (no DONE) gives way to the finished one.
    runs = [d.name for d in finished if not (dest / sweep / d.name / "DONE").exists()]
    wanted = set().union(*(named_artifacts(src_sweep / name) for name in runs)) if runs else set()
    artifacts = []
    src_art = source / "_artifacts"
    for kind in sorted(p.name for p in src_art.iterdir() if p.is_dir()) if src_art.is_dir() else []:
        for name in sorted(wanted):
            found = src_art / kind / name
            if found.is_dir() and (found / "DONE").exists() and not (dest / "_artifacts" / kind / name).exists():
                artifacts.append((kind, name))
    return runs, artifacts


def integrate(sweep: str, source: Path, dest: Path) -> tuple[list[str], list[tuple[str, str]]]:
    from cgan_study.runtime import results

    runs, artifacts = plan(sweep, source, dest)
    for kind, name in artifacts:   # artifacts first: a run here never names an artifact that is not
        (dest / "_artifacts" / kind).mkdir(parents=True, exist_ok=True)
        _copy(source / "_artifacts" / kind / name, dest / "_artifacts" / kind / name)
    (dest / sweep).mkdir(parents=True, exist_ok=True)
    for name in runs:
        if (dest / sweep / name).exists():   # an interrupted run of the same config: the finished one replaces it
            shutil.rmtree(dest / sweep / name)
        _copy(source / sweep / name, dest / sweep / name)
    if runs:
        results.write_summary(dest / sweep)
    return runs, artifacts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep")
    parser.add_argument("source", type=Path, help="the other results root (holding SWEEP/ and _artifacts/)")
    parser.add_argument("--dest", type=Path, default=Path("results"))
    parser.add_argument("--dry-run", action="store_true", help="print what would move, move nothing")
    args = parser.parse_args(argv)
    if args.source.resolve() == args.dest.resolve():
        print("error: the source and destination are the same results root", file=sys.stderr)
        return 2
    try:
        runs, artifacts = (plan if args.dry_run else integrate)(args.sweep, args.source, args.dest)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    verb = "would copy" if args.dry_run else "copied"
    print(f"{verb} {len(runs)} finished runs of {args.sweep} and {len(artifacts)} artifacts "
          f"({', '.join(f'{k}/{n}' for k, n in artifacts) or 'none'}) into {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
