"""A generator's step budget, without TensorFlow: what training.fit runs and what the report reads back."""
from __future__ import annotations


def epoch_steps(n: int, batch_size: int, min_steps_per_epoch: int) -> int:
    """Steps in one epoch of a generator's training: a pass over n images, or at least min_steps_per_epoch (a small
    training set repeats, so a few-shot generator is not trained for a handful of steps)."""
    return max(n // batch_size, min_steps_per_epoch)
