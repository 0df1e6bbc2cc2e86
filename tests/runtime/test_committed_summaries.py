"""Every committed summary.csv is what its run directories give: a run added, rerun or removed without the
summary rewritten (or a summary edited by hand) fails here, naming the sweep."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from cgan_study.runtime import results

ROOT = Path(__file__).resolve().parents[2]
SUMMARIES = sorted(ROOT.glob(f"results/**/{results.SUMMARY}"))


def _difference(committed: str, current: str) -> str:
    """What differs, in words: the runs and columns one side has and the other lacks, else the first cell."""
    import pandas as pd

    old, new = pd.read_csv(io.StringIO(committed)), pd.read_csv(io.StringIO(current))
    parts = []
    for what, a, b in (("runs", set(new.get("run", [])), set(old.get("run", []))),
                       ("columns", set(new.columns), set(old.columns))):
        if a - b:
            parts.append(f"{what} in the run directories, not in the summary: {sorted(a - b)[:5]}")
        if b - a:
            parts.append(f"{what} in the summary, not in the run directories: {sorted(b - a)[:5]}")
    if not parts and old.shape == new.shape:
        for column in old.columns:
            differs = ~((old[column] == new[column]) | (old[column].isna() & new[column].isna()))
            if differs.any():
                row = differs.idxmax()
                parts.append(f"run {old.at[row, 'run']}, {column}: summary {old.at[row, column]}, "
                             f"run directory {new.at[row, column]}")
                break
    return "; ".join(parts) or "the same values written differently (order or format)"


def test_summaries_are_found():
    assert len(SUMMARIES) >= 20


@pytest.mark.parametrize("summary", SUMMARIES, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_committed_summary_matches_its_runs(summary):
    frame = results.collect(summary.parent)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)  # exactly as results.write_summary writes it
    committed = summary.read_text()
    sweep = summary.parent.relative_to(ROOT)
    assert buffer.getvalue() == committed, (
        f"{sweep}/summary.csv differs from its run directories ({_difference(committed, buffer.getvalue())}); "
        f"rewrite it with `python -c \"from cgan_study.runtime import results; results.write_summary('{sweep}')\"` "
        "after checking that the run directories are the ones you mean to commit")
