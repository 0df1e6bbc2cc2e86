"""A generator's step budget, without TensorFlow: what training.fit runs and what the report reads back."""
from __future__ import annotations


def epoch_steps(n: int, batch_size: int, min_steps_per_epoch: int) -> int:
    """Steps in one epoch of a generator's training: a pass over n images, or at least min_steps_per_epoch (a small
    training set repeats, so a few-shot generator is not trained for a handful of steps)."""
    return max(n // batch_size, min_steps_per_epoch)


# Both datasets of the study (MNIST, Fashion-MNIST) have 60,000 training images, 10 classes.
TRAIN_IMAGES = 60_000
CLASSES = 10
# The generators' old minimum per epoch, which a few-shot generator used to train at (the sections' default).
OLD_FEW_SHOT_MIN_STEPS = 100


def full_data_epoch_steps(batch_size: int = 128, val_per_class: int = 100,
                          min_steps_per_epoch: int = OLD_FEW_SHOT_MIN_STEPS) -> int:
    """One epoch of a full-data generator: a pass over the training images less the validation split (59,000 // 128
    = 460 at the defaults). The few-shot rule trains a low-data generator this many steps per epoch."""
    return epoch_steps(TRAIN_IMAGES - CLASSES * val_per_class, batch_size, min_steps_per_epoch)


# The few-shot rule's per-epoch minimum (the evidence: cgan_study/sweeps/common.py, results/low_data_budget).
FULL_DATA_STEPS_PER_EPOCH = full_data_epoch_steps()   # 460


def rule_label(min_steps_per_epoch: int, batch_size: int, val_per_class: int) -> str:
    """How a few-shot generator's per-epoch minimum reads in a budget table: the present rule, the old one, or
    neither (a budget-check point)."""
    if min_steps_per_epoch == full_data_epoch_steps(batch_size, val_per_class):
        return " (rule)"
    if min_steps_per_epoch == OLD_FEW_SHOT_MIN_STEPS:
        return " (old rule)"
    return ""
