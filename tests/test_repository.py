"""What goes into git (issue 33.6): no checkpoint, per-epoch snapshot or build directory is tracked or trackable;
every committed artifact is one a committed run used, and no artifact a committed run used is gone."""
from __future__ import annotations

import fnmatch
import json
import subprocess
from pathlib import Path

import pytest
from helpers import REPO

# Path parts that only a training or a build in progress writes (see training/fit.py, runtime/results.py).
LOCAL_ONLY = ("_build-*", "build", "checkpoint.npz", "epochs", "_tmp.*", "*.lock", "__pycache__", "*.pyc")


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO)


@pytest.fixture(scope="module")
def tracked() -> list[str]:
    out = _git("ls-files", "-z")
    if out.returncode != 0:
        pytest.skip(f"not a git checkout: {out.stderr.strip()}")
    return [p for p in out.stdout.split("\0") if p]


def test_no_tracked_file_sits_under_a_build_directory_or_is_a_checkpoint(tracked):
    bad = [path for path in tracked for part in Path(path).parts
           if any(fnmatch.fnmatch(part, pattern) for pattern in LOCAL_ONLY)]
    assert not bad, f"tracked files that must stay local: {bad[:10]}"


@pytest.mark.parametrize("path", [
    "results/_artifacts/generator/0123456789abcdef/checkpoint.npz",
    "results/_artifacts/generator/0123456789abcdef/epochs/epoch_001.keras",
    "results/_artifacts/generator/_build-0123456789abcdef/generator.keras",
    "results/paper/_artifacts/scorer/_build-0123456789abcdef/scorer.keras",
    "results/mix_ratios/real-k5/_tmp.metrics.json.x1y2",
    "results/_artifacts/synthetic/0123456789abcdef/digits.npz",
    "elsewhere/_artifacts/generator/_build-0123456789abcdef/checkpoint.npz",
    "build/lib/cgan_study/__init__.py",
])
def test_checkpoints_snapshots_and_builds_are_ignored(tracked, path):
    assert _git("check-ignore", "-q", "--no-index", path).returncode == 0, f"{path} is not git-ignored"


def _artifact_dirs(tracked: list[str]) -> set[Path]:
    return {Path(*Path(p).parts[:Path(p).parts.index("_artifacts") + 3]) for p in tracked
            if "_artifacts" in Path(p).parts and Path(p).parts[Path(p).parts.index("_artifacts") + 1] in
            ("generator", "scorer", "fixmatch_baseline")}


def test_committed_artifacts_are_exactly_those_the_committed_runs_used(tracked):
    """A run's metrics.json names the artifact it used (generator_artifact; a scorer run's artifact), found under
    the _artifacts/ of its results root: each named one is committed, and each committed generator is named (a
    scorer is also used by hash-free reference, e.g. the second scorer of the tricks sweep, so not checked so)."""
    committed = _artifact_dirs(tracked)
    used = set()
    for path in tracked:
        parts = Path(path).parts
        if parts[0] != "results" or parts[-1] != "metrics.json" or "_artifacts" in parts:
            continue
        metrics = json.loads((REPO / path).read_text())
        root = Path(*parts[:-3])  # results root / sweep / run / metrics.json
        for key, kind in (("generator_artifact", "generator"), ("ssl_gan_artifact", "generator"),
                          ("baseline_artifact", "fixmatch_baseline"), ("artifact", "scorer")):
            if metrics.get(key) and (key != "artifact" or parts[-3] == "scorer"):
                used.add(root / "_artifacts" / kind / metrics[key])
    assert not used - committed, f"artifacts committed runs used but missing: {sorted(used - committed)[:10]}"
    unused = {p for p in committed - used if p.parent.name == "generator"}
    assert not unused, f"committed generator artifacts no committed run used: {sorted(unused)[:10]}"


def test_no_module_of_the_package_or_its_clis_is_over_400_lines():
    """Small modules with one job: a module past 400 lines is split (or its comments tightened) before it lands."""
    long = {str(p.relative_to(REPO)): n for folder in ("cgan_study", "experiments", "tools")
            for p in (REPO / folder).rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}, f"split these modules (lines): {long}"
