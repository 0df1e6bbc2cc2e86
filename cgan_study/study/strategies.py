"""How an experiment cell uses its digits (real, affine, mix, pretrain, filter, synthetic only), as records.

A strategy says what it needs; which generator makes the synthetic digits is a separate choice
(augment.generator), so every strategy works with every conditional generator. augment.py trains each.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Strategy:
    name: str
    uses_generator: bool        # draws synthetic digits from augment.generator
    needs_synthetic: bool       # cannot run without them (mix with none is the real-only cell of the grid)
    description: str


STRATEGIES = {s.name: s for s in (
    Strategy("real", False, False, "the real digits only"),
    Strategy("affine", False, False, "the real digits with random affine augmentation (classical baseline)"),
    Strategy("mix", True, False, "real digits plus synthetic ones in one training set"),
    Strategy("pretrain", True, True, "pre-train on synthetic digits, then fine-tune on the real ones"),
    Strategy("filter", True, True, "mix in only the synthetic digits a judge classifies as requested"),
    Strategy("synthetic_only", True, True, "synthetic digits only (classification accuracy score)"),
)}
