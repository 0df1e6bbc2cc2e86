"""Train a GAN end to end under fit(): data pipeline, callbacks, resume from checkpoint, saved generator."""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from . import results
from .callbacks import DivergenceGuard, FaultPoint, HistoryLogger, SampleGrid, StateCheckpoint, load_checkpoint
from .config import GANConfig
from .data import Split, class_balanced_indices, pipeline, to_float
from .gan import GAN
from .models import REFERENCE_SIZE, build_discriminator, build_generator, count_flops, is_conditional

GENERATOR_FILE = "generator.keras"
CHECKPOINT_FILE = "checkpoint.npz"
GRID_FILE = "samples.png"
TENSORBOARD_ENV = "CGAN_STUDY_TENSORBOARD"


def gan_dataset(train: Split, cfg: GANConfig, seed: int) -> tuple[tf.data.Dataset, int]:
    """Repeated, shuffled full batches of (image in [-1, 1], label) and the steps per epoch."""
    steps = max(len(train) // cfg.batch_size, cfg.min_steps_per_epoch)
    return pipeline(train.x, train.y, cfg.batch_size, seed, repeat=True, drop_remainder=True), steps


def build_gan(cfg: GANConfig, train: Split, seed: int) -> GAN:
    keras.utils.set_random_seed(seed)
    reference_images = reference_labels = None
    if cfg.vbn == "gd":
        per_class = math.ceil(REFERENCE_SIZE / 10)
        counts = np.bincount(train.y, minlength=10)
        idx = class_balanced_indices(train.y, k=min(per_class, int(counts.min())), seed=seed + 5)
        idx = np.resize(idx, REFERENCE_SIZE)  # repeats when the training set is tiny
        reference_images, reference_labels = to_float(train.x[idx]), train.y[idx]
    generator = build_generator(cfg, seed)
    discriminator = build_discriminator(cfg, reference_images, reference_labels)
    gan = GAN(generator, discriminator, cfg, seed=seed)
    gan.compile()
    return gan


def train_gan(cfg: GANConfig, train: Split, work_dir: Path, seed: int) -> dict:
    """Train into `work_dir` (history, grids, checkpoint, generator.keras); resumes from a checkpoint.

    Returns a summary dict: epochs run, why training stopped early (if it did), seconds, FLOPs.
    """
    work_dir = Path(work_dir)
    run = results.Run(work_dir)
    gan = build_gan(cfg, train, seed)
    done_epochs = load_checkpoint(gan, work_dir / CHECKPOINT_FILE)
    run.truncate_history(done_epochs)
    ds, steps = gan_dataset(train, cfg, seed + done_epochs)  # a resumed run reshuffles from a new seed
    guard = DivergenceGuard(cfg.divergence_patience)
    grid = SampleGrid(gan.generator, cfg.latent_dim, is_conditional(cfg.family), work_dir)
    callbacks = [guard, StateCheckpoint(gan, work_dir / CHECKPOINT_FILE), HistoryLogger(run), grid]
    if os.environ.get(TENSORBOARD_ENV):  # logging only, so not part of the config (or its hash)
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            raise RuntimeError("TensorBoard logging needs the tensorboard package: "
                               "pip install -e '.[tensorboard]'") from None
        callbacks.append(keras.callbacks.TensorBoard(Path(os.environ[TENSORBOARD_ENV]) / work_dir.name))
    callbacks.append(FaultPoint())  # after the checkpoint: a job killed here resumes from this epoch
    start = time.perf_counter()
    if done_epochs < cfg.epochs:
        gan.fit(ds, epochs=cfg.epochs, initial_epoch=done_epochs, steps_per_epoch=steps,
                callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2)
    seconds = time.perf_counter() - start
    grid.write(GRID_FILE)
    results.save_keras_model(work_dir / GENERATOR_FILE, gan.generator)
    history = run.history()
    return {
        "epochs_run": len(history), "resumed_from_epoch": done_epochs, "steps_per_epoch": steps,
        "stopped_early": guard.reason, "train_seconds": seconds, "n_train": len(train),
        "g_flops_per_image": count_flops(gan.generator), "d_flops_per_image": count_flops(gan.discriminator),
        "final": history[-1] if history else {},
    }
