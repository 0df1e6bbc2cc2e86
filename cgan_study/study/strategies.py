"""How an experiment cell uses its digits (real, affine, mix, pretrain, filter, synthetic only; fixmatch and
fixmatch_mix under the semi-supervised protocol), as records.

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
    uses_pool: bool = False     # trains on the unlabelled pool: only under augment.protocol=semi_supervised


STRATEGIES = {s.name: s for s in (
    Strategy("real", False, False, "the real digits only"),
    Strategy("affine", False, False, "the real digits with random affine augmentation (classical baseline)"),
    Strategy("mix", True, False, "real digits plus synthetic ones in one training set"),
    Strategy("pretrain", True, True, "pre-train on synthetic digits, then fine-tune on the real ones"),
    Strategy("filter", True, True, "mix in only the synthetic digits a judge classifies as requested"),
    Strategy("synthetic_only", True, True, "synthetic digits only (classification accuracy score)"),
    # The semi-supervised protocol's (study/semi_supervised.py): they train on the unlabelled pool too.
    Strategy("fixmatch", False, False, "FixMatch pseudo-labelling on the labelled digits and the unlabelled pool",
             uses_pool=True),
    Strategy("fixmatch_mix", True, True, "FixMatch with synthetic digits among the labelled ones", uses_pool=True),
    Strategy("ssl_gan", False, False, "the semi-supervised GAN's discriminator (K class logits) as the classifier, "
             "trained on the labelled digits and the unlabelled pool", uses_pool=True),
)}


# The semi-supervised protocol (study/semi_supervised.py), declared here where the config can read it without
# TensorFlow. The strategies it serves: real and affine (the labelled digits only), fixmatch (labelled + pool), mix
# (labelled + the pseudo-label generator's digits) and fixmatch_mix (FixMatch with those digits among the labelled
# ones) and ssl_gan (the semi-supervised GAN's classifier, trained on the labelled digits and the pool); pretrain,
# filter and synthetic_only are not given a form under it.
SEMI_SUPERVISED_STRATEGIES = ("real", "affine", "fixmatch", "fixmatch_mix", "mix", "ssl_gan")
# The generator families that serve the protocol: trained from (image, label) pairs on the pseudo-labelled pool. The
# study's CGAN is the one issue 41 asks about; another family joins once a test has trained it on such a pool. PCA
# (one Gaussian per class fitted in closed form) is not given a form here.
PSEUDO_LABEL_GENERATORS = ("cgan",)
