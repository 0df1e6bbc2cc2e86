"""The project's figure style and figure saving, shared by the report and the analysis task (matplotlib, no TF)."""
from __future__ import annotations

from pathlib import Path

from cgan_study.runtime import results


def figure(width: float = 3.4, height: float = 2.5):
    """A (fig, ax) in the paper's style: seaborn's paper context, deterministic output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", font_scale=0.9)
    plt.rcParams["svg.hashsalt"] = "cgan-study"  # deterministic output
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def save_figure(out_dir: Path, name: str, fig) -> None:
    """<out_dir>/figures/<name>.pdf and .png, written atomically; the figure is closed."""
    import matplotlib.pyplot as plt

    results.save_figure(out_dir / "figures" / f"{name}.pdf", fig)
    results.save_figure(out_dir / "figures" / f"{name}.png", fig)
    plt.close(fig)
