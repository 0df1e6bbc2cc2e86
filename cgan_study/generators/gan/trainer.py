"""Build and train a GAN family (CGAN, AC-GAN, DCGAN, guided CGAN) under the shared resumable fit()."""
from __future__ import annotations

import math
from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np

from cgan_study.config import GANConfig
from cgan_study.data import Split, class_balanced_indices, to_float
from cgan_study.generators import KerasGenerator
from cgan_study.generators.gan.model import GAN
from cgan_study.generators.gan.networks import (
    REFERENCE_SIZE,
    Family,
    build_discriminator,
    build_generator,
    count_flops,
    dcgan_init,
)
from cgan_study.training.callbacks import DivergenceGuard
from cgan_study.training.fit import fit_resumable


def build_gan(cfg: GANConfig, family: Family, train: Split, seed: int, guide: keras.Model | None = None,
              guide_weight: float = 0.0) -> GAN:
    keras.utils.set_random_seed(seed)
    reference_images = reference_labels = None
    k = train.num_classes
    if cfg.vbn == "gd":
        per_class = math.ceil(REFERENCE_SIZE / k)
        counts = np.bincount(train.y, minlength=k)
        idx = class_balanced_indices(train.y, k=min(per_class, int(counts.min())), seed=seed + 5, num_classes=k)
        idx = np.resize(idx, REFERENCE_SIZE)  # repeats when the training set is tiny
        reference_images, reference_labels = to_float(train.x[idx]), train.y[idx]
    # The networks take the images' size and channel count, and the class count, from the data.
    generator = build_generator(cfg, family, seed, train.image_shape, k)
    discriminator = build_discriminator(cfg, family, reference_images, reference_labels, train.image_shape, k)
    if cfg.init == "dcgan":
        dcgan_init(generator, seed)
        dcgan_init(discriminator, seed + 1)
    gan = GAN(generator, discriminator, cfg, family, seed=seed, guide=guide, guide_weight=guide_weight,
              num_classes=k)
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
                         grid_generator=KerasGenerator(gan.generator, family.conditional), callbacks=[guard])
    return {**info, "stopped_early": guard.reason, "g_flops_per_image": count_flops(gan.generator),
            "d_flops_per_image": count_flops(gan.discriminator) // cfg.pack}  # a packed D judges `pack` at once
