"""Choices made from results (a search's ranking, the best-of re-run): on the training reference, never the test set.

Pure functions over summary tables (pandas), importable without TensorFlow by the sweep declarations.
"""
from __future__ import annotations

import pandas as pd

# What a choice ranks by: FID against real *training* digits (stages.train_reference_digits), then success rate.
RANK_BY = (("fid_train", True), ("success_rate", False))


class NoTrainingReference(LookupError):
    """Runs scored before the training reference existed carry only test-referenced metrics; nothing may choose
    by those."""


def rank(frame: pd.DataFrame, by=RANK_BY) -> pd.DataFrame:
    """Rows best first by the training-referenced metrics; refuses to fall back on test-referenced columns."""
    missing = [column for column, _ in by if column not in frame or frame[column].isna().any()]
    if missing:
        raise NoTrainingReference(
            f"these runs have no {', '.join(missing)} (scored before choices used the training reference); delete "
            "their run directories (the generator artifacts stay cached) and rerun the sweep to rescore them")
    columns = [column for column, _ in by]
    return frame.sort_values(columns, ascending=[ascending for _, ascending in by], kind="stable")
