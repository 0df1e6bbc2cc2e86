"""Command-line entry points (sweep, sample, bench, report) over the cgan_study library."""
# Imported first by every `python -m experiments.X`: pins Keras to TensorFlow before any CLI module imports it
# (TensorFlow itself is imported, quietly, only by the code that needs it: --help, --list and --dry-run are
# instant).
from __future__ import annotations

import os
import sys
from typing import Callable

import cgan_study  # noqa: F401


def run_main(main: Callable[[], int]) -> int:
    """Run a CLI's main(); a reader that closed the pipe early (`... --dry-run | head -3`) ends it quietly.

    Python's advice for SIGPIPE: point stdout at /dev/null so the interpreter's final flush cannot fail again,
    and exit non-zero (a shell reports the pipeline's last command, `head`, anyway).
    """
    try:
        code = main()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
