"""Moved: every sweep is declared in its own module, cgan_study/sweeps/<name>.py, and registered in
cgan_study.sweeps.SWEEPS. This name stays for imports written before the move; new code imports the library."""
from __future__ import annotations

from cgan_study.sweeps import SWEEPS, Sweep, register, report_sweep
from cgan_study.sweeps.common import FEW_SHOT_SYNTH, OTHER_GENERATORS
from cgan_study.sweeps.gan_search import SEARCH_KEYS, best_search_points

__all__ = ["FEW_SHOT_SYNTH", "OTHER_GENERATORS", "SEARCH_KEYS", "SWEEPS", "Sweep", "best_search_points", "register",
           "report_sweep"]
