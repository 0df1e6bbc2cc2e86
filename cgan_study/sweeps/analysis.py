"""analysis (Q5): how the default CGAN's digits differ from real ones in the scorer's features. Its figures and
numbers are drawn by the report CLI (experiments.report.analysis_outputs), not by a sweep report."""
from __future__ import annotations

from cgan_study.runtime.grid import fixed
from cgan_study.sweeps import Sweep, register

ANALYSIS = register("analysis", Sweep(stable_names=True,
    task="analysis",
    description="How the default CGAN's digits differ from real ones in the scorer's features: t-SNE/PCA "
                "embeddings, 1-NN two-sample accuracy, confidence histograms (inference only).",
    grids={"quick": fixed("seed", 0)}))
