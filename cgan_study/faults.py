"""Testing-only fault injection: the worker running a matching job dies (SIGKILL) at a named phase.

CGAN_STUDY_FAULT_INJECT="GLOB[:always][@PHASE]" kills the process working on a run or artifact whose name
matches GLOB, once (a marker file remembers it) or, with ":always", every time. The phase names the point of
the job at which it dies, so a test knows exactly what was interrupted, whatever the machine's speed:

  job-start    the job was picked up; nothing of it is written yet
  run-started  the run's config.json is written (an artifact: its build has begun); the default
  epoch-end    the end of the job's first training epoch (a GAN's checkpoint of that epoch is written)
  run-done     the run's DONE marker is written; the next job has not started
"""
from __future__ import annotations

import fnmatch
import os
import signal
from pathlib import Path

ENV = "CGAN_STUDY_FAULT_INJECT"
PHASES = ("job-start", "run-started", "epoch-end", "run-done")
DEFAULT_PHASE = "run-started"

_current: tuple[str, Path] | None = None  # (job name, directory for the once-only marker) of this process


def parse(spec: str) -> tuple[str, bool, str]:
    """'GLOB[:always][@PHASE]' -> (glob, always, phase); an unknown phase is an error, not a silent no-op."""
    rest, _, phase = spec.partition("@")
    pattern, _, mode = rest.partition(":")
    phase = phase or DEFAULT_PHASE
    if phase not in PHASES or mode not in ("", "always"):
        raise ValueError(f"{ENV}={spec!r}: expected GLOB[:always][@PHASE] with PHASE one of {', '.join(PHASES)}")
    return pattern, mode == "always", phase


def enter(name: str, marker_dir: Path) -> None:
    """Name the job this process works on now (phases without a name of their own refer to it)."""
    global _current
    _current = (name, Path(marker_dir))


def at(phase: str) -> None:
    """Die here if the fault specification names this phase and the current job."""
    spec = os.environ.get(ENV)
    if not spec or _current is None:
        return
    pattern, always, wanted = parse(spec)
    name, marker_dir = _current
    if phase != wanted or not fnmatch.fnmatch(name, pattern):
        return
    marker = marker_dir / f".fault-injected-{name.replace('/', '_')}-{phase}"
    if not always and marker.exists():
        return
    marker_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text("")
    print(f"{name}: fault injection at {phase}, worker {os.getpid()} dies now", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
