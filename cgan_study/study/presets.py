"""GAN settings that the sweeps run and the reports name, declared once (plain data: no TensorFlow import)."""
from __future__ import annotations

DEFAULT_GENERATOR = "cgan"   # the generator of the default arms (and of summaries that name none)
FEW_SHOT_SYNTH = 0.1   # a few-shot cell's synthetic share: 6,000 digits (600 per class) beside the k real ones

# Mode collapse: an unconditional DCGAN whose G takes 50x larger Adam steps than D, with little damping
# (beta_1 0.9), so G keeps jumping to whatever few modes D currently rates highest. Probed at one epoch:
# 5 of 10 classes covered, recall 0 (other candidates: minimax loss 10 classes/recall 7%, latent_dim 2 six
# classes). Four mitigations are measured against it; packing (PacGAN) changes neither the optimiser nor the steps.
COLLAPSE_SETUP = {"gan.g_lr": 5e-3, "gan.d_lr": 1e-4, "gan.beta_1": 0.9}
COLLAPSE = {"augment.generator": "dcgan", **COLLAPSE_SETUP}

# WGAN with weight clipping as published (Arjovsky et al. 2017): RMSProp, learning rate 5e-5, 5 critic steps per
# G step, clip 0.01.
WGAN_CLIP = {"gan.loss": "wgan", "gan.optimizer": "rmsprop", "gan.g_lr": 5e-5, "gan.d_lr": 5e-5, "gan.d_steps": 5}
