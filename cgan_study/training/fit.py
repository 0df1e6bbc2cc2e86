"""Train any generative keras.Model under fit(): data pipeline, callbacks, resume, the saved sampler."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras

from cgan_study.data import Split, pipeline
from cgan_study.runtime import results
from cgan_study.training.budget import epoch_steps
from cgan_study.training.callbacks import (
    EpochSnapshot,
    FaultPoint,
    HistoryLogger,
    SampleGrid,
    StateCheckpoint,
    load_checkpoint,
)

GENERATOR_FILE = "generator.keras"
CHECKPOINT_FILE = "checkpoint.npz"
GRID_FILE = "samples.png"
# The sampler after every epoch (not committed: megabytes each); eval.epoch_samples scores them.
SNAPSHOT_DIR = "epochs"
TENSORBOARD_ENV = "CGAN_STUDY_TENSORBOARD"


def fit_resumable(model: keras.Model, sampler: keras.Model, train: Split, work_dir: Path, seed: int, *,
                  epochs: int, batch_size: int, min_steps_per_epoch: int, grid_generator,
                  callbacks: list | None = None) -> dict:
    """Train any generative model under fit() with the suite's habits, and save its sampler as generator.keras.

    `model` has a train_step over (image, label) batches and get_state/set_state (callbacks.Checkpointable);
    `sampler` is the network that is saved; `grid_generator` (a Generator, usually the sampler wrapped) draws the
    per-epoch grids. Writes history.jsonl, a sample grid per epoch and a checkpoint
    per epoch; an interrupted build resumes from its last epoch.
    """
    run = results.Run(work_dir)
    done_epochs = load_checkpoint(model, work_dir / CHECKPOINT_FILE)
    run.truncate_history(done_epochs)
    steps = epoch_steps(len(train), batch_size, min_steps_per_epoch)
    # One seeded stream of batches for the whole training; a resumed run skips the batches already seen, so it
    # continues exactly as an uninterrupted run would (weights, optimiser slots and RNG state come from the
    # checkpoint). Skipping replays only the shuffle of uint8 digits: seconds, no model work.
    ds = pipeline(train.x, train.y, batch_size, seed, repeat=True, drop_remainder=True).skip(done_epochs * steps)
    grid = SampleGrid(grid_generator, work_dir)
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
