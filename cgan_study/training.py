"""Train a GAN (or any generative keras.Model) under fit(): data pipeline, callbacks, resume, saved sampler."""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import keras
import numpy as np

from . import results
from .callbacks import (DivergenceGuard, EpochSnapshot, FaultPoint, HistoryLogger, SampleGrid, StateCheckpoint,
                        load_checkpoint)
from .config import GANConfig
from .data import Split, class_balanced_indices, pipeline, to_float
from .gan import GAN
from .generators import KerasGenerator
from .models import REFERENCE_SIZE, Family, build_discriminator, build_generator, count_flops, dcgan_init

GENERATOR_FILE = "generator.keras"
CHECKPOINT_FILE = "checkpoint.npz"
GRID_FILE = "samples.png"
# The sampler after every epoch (not committed: megabytes each); eval.epoch_samples scores them.
SNAPSHOT_DIR = "epochs"
TENSORBOARD_ENV = "CGAN_STUDY_TENSORBOARD"


def build_gan(cfg: GANConfig, family: Family, train: Split, seed: int, guide: keras.Model | None = None,
              guide_weight: float = 0.0) -> GAN:
    keras.utils.set_random_seed(seed)
    reference_images = reference_labels = None
    if cfg.vbn == "gd":
        per_class = math.ceil(REFERENCE_SIZE / 10)
        counts = np.bincount(train.y, minlength=10)
        idx = class_balanced_indices(train.y, k=min(per_class, int(counts.min())), seed=seed + 5)
        idx = np.resize(idx, REFERENCE_SIZE)  # repeats when the training set is tiny
        reference_images, reference_labels = to_float(train.x[idx]), train.y[idx]
    generator = build_generator(cfg, family, seed)
    discriminator = build_discriminator(cfg, family, reference_images, reference_labels)
    if cfg.init == "dcgan":
        dcgan_init(generator, seed)
        dcgan_init(discriminator, seed + 1)
    gan = GAN(generator, discriminator, cfg, family, seed=seed, guide=guide, guide_weight=guide_weight)
    gan.compile()
    return gan


def train_gan(cfg: GANConfig, family: Family, train: Split, work_dir: Path, seed: int,
              guide: keras.Model | None = None, guide_weight: float = 0.0) -> dict:
    """Train into `work_dir` (history, grids, checkpoint, generator.keras); resumes from a checkpoint.

    Returns a summary dict: epochs run, why training stopped early (if it did), seconds, FLOPs.
    """
    gan = build_gan(cfg, family, train, seed, guide, guide_weight)
    guard = DivergenceGuard(cfg.divergence_patience)
    info = fit_resumable(gan, gan.generator, train, Path(work_dir), seed, epochs=cfg.epochs,
                         batch_size=cfg.batch_size, min_steps_per_epoch=cfg.min_steps_per_epoch,
                         conditional=family.conditional, callbacks=[guard])
    return {**info, "stopped_early": guard.reason, "g_flops_per_image": count_flops(gan.generator),
            "d_flops_per_image": count_flops(gan.discriminator) // cfg.pack}  # a packed D judges `pack` at once


def fit_resumable(model: keras.Model, sampler: keras.Model, train: Split, work_dir: Path, seed: int, *,
                  epochs: int, batch_size: int, min_steps_per_epoch: int, conditional: bool,
                  callbacks: list | None = None, grid_generator=None) -> dict:
    """Train any generative model under fit() with the suite's habits, and save its sampler as generator.keras.

    `model` has a train_step over (image, label) batches and get_state/set_state (callbacks.Checkpointable);
    `sampler` is the network that is saved; by default it maps z (+ label) to images and also draws the grids,
    otherwise `grid_generator` (a Generator) does. Writes history.jsonl, a sample grid per epoch and a checkpoint
    per epoch; an interrupted build resumes from its last epoch.
    """
    run = results.Run(work_dir)
    done_epochs = load_checkpoint(model, work_dir / CHECKPOINT_FILE)
    run.truncate_history(done_epochs)
    steps = max(len(train) // batch_size, min_steps_per_epoch)
    # One seeded stream of batches for the whole training; a resumed run skips the batches already seen, so it
    # continues exactly as an uninterrupted run would (weights, optimiser slots and RNG state come from the
    # checkpoint). Skipping replays only the shuffle of uint8 digits: seconds, no model work.
    ds = pipeline(train.x, train.y, batch_size, seed, repeat=True, drop_remainder=True).skip(done_epochs * steps)
    grid = SampleGrid(grid_generator or KerasGenerator(sampler, conditional), work_dir)
    # The epoch's snapshot before its checkpoint: a build resumed from that checkpoint then has every snapshot.
    callbacks = [*(callbacks or []), EpochSnapshot(sampler, work_dir / SNAPSHOT_DIR),
                 StateCheckpoint(model, work_dir / CHECKPOINT_FILE), HistoryLogger(run), grid]
    if os.environ.get(TENSORBOARD_ENV):  # logging only, so not part of the config (or its hash)
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            raise RuntimeError("TensorBoard logging needs the tensorboard package: "
                               "pip install -e '.[tensorboard]'") from None
        callbacks.append(keras.callbacks.TensorBoard(Path(os.environ[TENSORBOARD_ENV]) / work_dir.name))
    callbacks.append(FaultPoint())  # after the checkpoint: a job killed here resumes from this epoch
    start = time.perf_counter()
    if done_epochs < epochs:
        model.fit(ds, epochs=epochs, initial_epoch=done_epochs, steps_per_epoch=steps,
                  callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2)
    seconds = time.perf_counter() - start
    grid.write(GRID_FILE)
    results.save_keras_model(work_dir / GENERATOR_FILE, sampler)
    history = run.history()
    return {"epochs_run": len(history), "resumed_from_epoch": done_epochs, "steps_per_epoch": steps,
            "train_seconds": seconds, "n_train": len(train), "final": history[-1] if history else {}}
