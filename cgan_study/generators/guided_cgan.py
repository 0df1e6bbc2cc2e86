"""Classifier-guided CGAN (coursework Q5): the CGAN with G's loss plus the cross-entropy of a frozen classifier.

The guide is the generator's own classifier, trained first on exactly the labelled digits the generator may
see (all real training digits under `coursework`, k per class under `low_data`), with a width and seed other
than the scorer's: guiding G by the scorer itself would let the success rate reward fooling its own judge.
"""
from __future__ import annotations

from pathlib import Path

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras

from cgan_study.config import ClassifierConfig, to_dict
from cgan_study.generators import gan
from cgan_study.generators.gan.networks import FAMILIES
from cgan_study.generators.gan.trainer import train_gan
from cgan_study.runtime import results
from cgan_study.training import classifier as clf

# The recipe of this code's generator artifacts: bump RECIPE when a change to RECIPE_CODE alters
# what training produces (above 1 it enters the artifact key, so every cached artifact of it is rebuilt); a
# behaviour-neutral change is recorded as such instead. tests/test_recipes.py holds the code's fingerprint and
# names the command that records a change (python -m tools.recipe_lock).
RECIPE = 1
RECIPE_CODE = ("cgan_study/generators/guided_cgan.py",
               "cgan_study/training/classifier.py",
               "cgan_study/generators/gan",
               "cgan_study/generators/sampling.py",
               "cgan_study/training/fit.py",
               "cgan_study/training/callbacks.py",
               "cgan_study/training/budget.py",
               "cgan_study/training/optimizers.py")

GUIDE_FILE = "guide.keras"


def spec(entry, exp) -> dict:
    return {"gan": gan.gan_part(exp, "cgan"), "guide": to_dict(exp.guide)}


def train_guide(exp, digits, work_dir: Path, seed: int) -> tuple[keras.Model, dict]:
    """The frozen guide classifier; kept in the build directory so a resumed build does not retrain it."""
    path = work_dir / GUIDE_FILE
    if path.exists():
        return keras.saving.load_model(path, compile=False), results.read_json(work_dir / "guide.json")
    g = exp.guide
    cfg = ClassifierConfig(width=g.width, epochs=g.epochs, steps_per_epoch=0, early_stopping_patience=0)
    model, info = clf.train_classifier(cfg, (digits.x, digits.y), None, seed=seed + g.seed_offset,
                                       num_classes=digits.num_classes)
    info["train_accuracy"] = clf.accuracy(model, digits.x, digits.y)  # it may see nothing else (no test digits)
    results.save_keras_model(path, model)
    results.write_json(work_dir / "guide.json", info)
    return model, info


def train(entry, exp, digits, work_dir: Path, seed: int) -> dict:
    guide, guide_info = train_guide(exp, digits, work_dir, seed)
    info = train_gan(exp.gan, FAMILIES["cgan"], digits, work_dir, seed, guide=guide, guide_weight=exp.guide.weight)
    return {**info, "guide_train_seconds": guide_info["train_seconds"],
            "guide_train_accuracy": guide_info["train_accuracy"]}


load = gan.load
load_snapshot = gan.load_snapshot
