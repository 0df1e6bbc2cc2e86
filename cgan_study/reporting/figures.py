"""Figures of the report: the project's style (cgan_study.plotting) and panels of sample grids."""
from __future__ import annotations

from pathlib import Path

from cgan_study.plotting import figure, save_figure

__all__ = ["figure", "grid_panels", "save_figure", "wrap_title"]


def wrap_title(title: str, width: int = 24) -> str:
    """Long panel titles broken between words, so neighbouring titles do not overlap."""
    import textwrap

    return "\n".join(line for part in title.split("\n")
                     for line in textwrap.wrap(part, width, break_on_hyphens=False) or [""])


def grid_panels(out_dir: Path, name: str, grids: list[tuple[Path, str]], cols: int, panel: float = 1.45,
                title_size: float = 5.5, row_labels: tuple[str, ...] | None = None,
                label_size: float | None = None) -> None:
    """Sample-grid PNGs side by side, each titled, as one figure (`panel` inches a grid: a figure drawn at the width
    it is printed at keeps its titles at `title_size` points). `row_labels` names the grids' rows (a class each)
    beside the panels of the first column, at `label_size` points (default: a point below the titles)."""
    import matplotlib.image as mpimg

    rows = -(-len(grids) // cols)
    title_lines = max(wrap_title(title).count("\n") + 1 for _, title in grids)
    if row_labels is None:
        # Titles wrapped to the panel's width at their size (about 0.55 em a character), so neighbours never touch.
        chars = max(8, int(panel * 72 / (0.55 * title_size)))
        grids = [(path, wrap_title(title, chars)) for path, title in grids]
        title_lines = max(title.count("\n") + 1 for _, title in grids)
        fig = _grid_rows(grids, cols, rows, panel, title_size, title_lines)
        save_figure(out_dir, name, fig)
        return
    # Room for the longest title above every panel (5.5 pt lines), so titles never run into the grid above.
    fig, _ = figure(width=panel * cols, height=rows * (panel + title_size / 42 * title_lines))
    fig.clf()
    for i, (path, title) in enumerate(grids, start=1):
        ax = fig.add_subplot(rows, cols, i)
        ax.imshow(mpimg.imread(path), cmap="gray", interpolation="nearest")
        ax.set_title(wrap_title(title), fontsize=title_size)
        ax.axis("off")
        if row_labels and (i - 1) % cols == 0:
            # Tick labels at the centre of each row of samples; the frame stays hidden.
            height = ax.get_images()[0].get_array().shape[0]
            ax.axis("on")
            ax.grid(False)   # the paper style's grid would draw grey lines through the samples
            ax.set_xticks([])
            ax.set_yticks([height * (r + 0.5) / len(row_labels) for r in range(len(row_labels))], list(row_labels),
                          fontsize=label_size or title_size - 1)
            ax.tick_params(length=0, pad=1)
            for spine in ax.spines.values():
                spine.set_visible(False)
    # Off axes do not count in tight_layout's spacing, so the row gap is set to hold a title explicitly.
    fig.tight_layout(pad=0.3, h_pad=0.6 + 0.5 * title_lines)
    save_figure(out_dir, name, fig)


def _grid_rows(grids: list[tuple[Path, str]], cols: int, rows: int, panel: float, title_size: float,
               title_lines: int):
    """The grids placed by hand: each square image `panel` inches wide less a small gap, its title's lines above it
    and nothing else, so the figure has no blank band that tight_layout would leave around square images."""
    import matplotlib.image as mpimg

    gap = 0.04 * panel                                     # between neighbouring grids
    side = panel - gap
    title_h = title_lines * title_size * 1.2 / 72 + 0.03   # the title's lines and their pad, inches
    width, height = panel * cols, rows * (side + title_h) + 0.02
    fig, _ = figure(width=width, height=height)
    fig.clf()
    for i, (path, title) in enumerate(grids):
        r, c = divmod(i, cols)
        bottom = height - (r + 1) * (side + title_h)
        ax = fig.add_axes(((c * panel + gap / 2) / width, bottom / height, side / width, side / height))
        ax.imshow(mpimg.imread(path), cmap="gray", interpolation="nearest", aspect="auto")
        ax.set_title(title, fontsize=title_size, pad=2)
        ax.axis("off")
    return fig


def placeholder_figure(path: Path) -> Path:
    """A panel that says its experiment has no finished runs yet, as `path` (.png or .pdf)."""
    fig, ax = figure(3.4, 1.0)
    ax.axis("off")
    ax.text(0.5, 0.5, f"No finished runs yet for this figure ({Path(path).stem.replace('_', ' ')}).",
            ha="center", va="center", fontsize=7)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return Path(path)
