"""Testing-only fault injection: the worker running a matching job dies (SIGKILL) or hangs at a named phase.

CGAN_STUDY_FAULT_INJECT="GLOB[:always|:hang][@PHASE]" kills the process working on a run or artifact whose name
matches GLOB, once (a marker file remembers it) or, with ":always", every time; with ":hang" the process stops
there instead (for at most HANG_SECONDS), so a test can stop the runner while a worker is mid-job. The phase
names the point of the job, so a test knows exactly what was interrupted, whatever the machine's speed:

  job-start    the job was picked up; nothing of it is written yet
  run-started  the run's config.json is written (an artifact: its build has begun); the default
  epoch-end    the end of the job's first training epoch (a GAN's checkpoint of that epoch is written)
  run-done     the run's DONE marker is written; the next job has not started
"""
from __future__ import annotations

import fnmatch
import os
import signal
import time
from pathlib import Path

ENV = "CGAN_STUDY_FAULT_INJECT"
PHASES = ("job-start", "run-started", "epoch-end", "run-done")
DEFAULT_PHASE = "run-started"
MODES = ("", "always", "hang")
HANG_SECONDS = 300  # a hung worker that nobody stops still ends by itself

_current: tuple[str, Path] | None = None  # (job name, directory for the once-only marker) of this process


def parse(spec: str) -> tuple[str, str, str]:
    """'GLOB[:always|:hang][@PHASE]' -> (glob, mode, phase); an unknown phase or mode is an error, not a silent
    no-op."""
    rest, _, phase = spec.partition("@")
    pattern, _, mode = rest.partition(":")
    phase = phase or DEFAULT_PHASE
    if phase not in PHASES or mode not in MODES:
        raise ValueError(f"{ENV}={spec!r}: expected GLOB[:always|:hang][@PHASE] with PHASE one of "
                         f"{', '.join(PHASES)}")
    return pattern, mode, phase


def enter(name: str, marker_dir: Path) -> None:
    """Name the job this process works on now (phases without a name of their own refer to it)."""
    global _current
    _current = (name, Path(marker_dir))


def at(phase: str) -> None:
    """Die here if the fault specification names this phase and the current job."""
    spec = os.environ.get(ENV)
    if not spec or _current is None:
        return
    pattern, mode, wanted = parse(spec)
    name, marker_dir = _current
    if phase != wanted or not fnmatch.fnmatch(name, pattern):
        return
    if mode == "hang":
        print(f"{name}: fault injection at {phase}, worker {os.getpid()} hangs", flush=True)
        time.sleep(HANG_SECONDS)
        os.kill(os.getpid(), signal.SIGKILL)
    marker = marker_dir / f".fault-injected-{name.replace('/', '_')}-{phase}"
    if mode != "always" and marker.exists():
        return
    marker_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text("")
    print(f"{name}: fault injection at {phase}, worker {os.getpid()} dies now", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
