"""The optimisers a generator config can name (shared by the GAN and the EBGAN trainers)."""
from __future__ import annotations

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras


def make_optimizer(name: str, lr: float, beta_1: float) -> keras.optimizers.Optimizer:
    """Adam (beta_1 from the config), RMSProp (what WGAN with weight clipping was published with) or plain SGD."""
    if name == "adam":
        return keras.optimizers.Adam(lr, beta_1=beta_1, beta_2=0.999)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(lr)
    if name == "sgd":
        return keras.optimizers.SGD(lr)
    raise ValueError(f"unknown optimizer '{name}'; use adam, rmsprop or sgd")
