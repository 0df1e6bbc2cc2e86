"""Keras callbacks: sample grids, history, checkpoints, a divergence guard, and the fault tests' epoch hook."""
from __future__ import annotations

import math
from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np

from cgan_study.images import grid_png
from cgan_study.runtime import faults, results

GRID_SEED = 1234  # fixed noise of every sample grid, so grids of one model are comparable across epochs


class SampleGrid(keras.callbacks.Callback):
    """A 10x10 grid from fixed noise after every epoch (row r = class r for conditional models).

    `generator` is anything with the Generator interface (conditional, generate(labels, seed, n)).
    """

    def __init__(self, generator, out_dir: Path, seed: int = GRID_SEED):
        super().__init__()
        self.generator = generator
        self.out_dir = Path(out_dir)
        # Rows cycle through the classes when there are fewer than ten (a folder of images may have any number).
        self.labels = np.repeat(np.arange(10), 10) % (getattr(generator, "num_classes", None) or 10)
        self.seed = seed

    def write(self, name: str) -> None:
        labels = self.labels if self.generator.conditional else None
        images = self.generator.generate(labels, seed=self.seed, n=100)
        results.write_bytes(self.out_dir / name, grid_png(images, rows=10))

    def on_epoch_end(self, epoch, logs=None):
        self.write(f"grids/epoch_{epoch + 1:03d}.png")


class EpochSnapshot(keras.callbacks.Callback):
    """The sampler network after every epoch (epoch_001.keras, ...), so its quality can be scored over time."""

    def __init__(self, sampler: keras.Model, out_dir: Path):
        super().__init__()
        self.sampler, self.out_dir = sampler, Path(out_dir)

    def on_epoch_end(self, epoch, logs=None):
        results.save_keras_model(self.out_dir / snapshot_name(epoch + 1), self.sampler)


def snapshot_name(epoch: int) -> str:
    return f"epoch_{epoch:03d}.keras"


class HistoryLogger(keras.callbacks.Callback):
    """One JSON line per epoch (epoch means, not per-step values) in the run's history.jsonl."""

    def __init__(self, run: results.Run):
        super().__init__()
        self.run = run

    def on_epoch_end(self, epoch, logs=None):
        record = {k: float(v) for k, v in (logs or {}).items() if not k.startswith("step_")}
        self.run.log({"epoch": epoch + 1, **record})


class Checkpointable:
    """Mixin for a model trained by fit_resumable: its whole training state as named arrays, and back."""

    def state_variables(self) -> list:
        """Every variable training changes, in a fixed order (weights, optimiser slots, RNG state)."""
        raise NotImplementedError

    def get_state(self) -> dict[str, np.ndarray]:
        return {f"v{i:04d}": np.asarray(keras.ops.convert_to_numpy(v)) for i, v in enumerate(self.state_variables())}

    def set_state(self, arrays: dict[str, np.ndarray]) -> None:
        variables = self.state_variables()
        if len(arrays) != len(variables):
            raise ValueError(f"checkpoint holds {len(arrays)} variables, the model has {len(variables)}; "
                             "it was written by a different configuration")
        for i, var in enumerate(variables):
            value = arrays[f"v{i:04d}"]
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(f"checkpoint variable {i} has shape {value.shape}, model expects {var.shape}")
            var.assign(value)


class StateCheckpoint(keras.callbacks.Callback):
    """Saves every variable (weights, optimiser slots, RNG) after each epoch so a run can resume there."""

    def __init__(self, gan, path: Path):
        super().__init__()
        self.gan, self.path = gan, Path(path)

    def on_epoch_end(self, epoch, logs=None):
        results.write_npz(self.path, epoch=np.array(epoch + 1), **self.gan.get_state())


def load_checkpoint(gan, path: Path) -> int:
    """Restore a StateCheckpoint; returns the number of epochs already done (0 if none)."""
    path = Path(path)
    if not path.exists():
        return 0
    arrays = results.read_npz(path)
    epoch = int(arrays.pop("epoch"))
    gan.set_state(arrays)
    return epoch


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training on a NaN/Inf loss, or when D's accuracy is pinned at 100% for `patience` steps."""

    def __init__(self, patience: int):
        super().__init__()
        self.patience = patience
        self.pinned = 0
        self.reason: str | None = None

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        for key in ("step_d_loss", "step_g_loss"):
            if key in logs and not math.isfinite(float(logs[key])):
                return self._stop(f"{key[5:]} became {float(logs[key])} at step {batch + 1}")
        if self.patience and "step_d_acc" in logs:
            self.pinned = self.pinned + 1 if float(logs["step_d_acc"]) >= 1.0 else 0
            if self.pinned >= self.patience:
                self._stop(f"D accuracy pinned at 100% for {self.patience} steps (G no longer fools D)")

    def _stop(self, reason: str) -> None:
        self.reason = reason
        self.model.stop_training = True


class FaultPoint(keras.callbacks.Callback):
    """Testing only: where the fault tests kill a job at the end of a training epoch (see faults.py); goes last."""

    def on_epoch_end(self, epoch, logs=None):
        faults.at("epoch-end")
