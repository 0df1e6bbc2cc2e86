"""TF-GAN as a test oracle, imported without its package __init__ (which needs tf.estimator, gone in TF 2.16+).

Only the modules the tests compare against are loaded: their functions run in eager TF 2.x. The product
never imports TF-GAN, so it keeps working where TF-GAN cannot be installed.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

import pytest

_PACKAGES = ("", "python", "python/eval", "python/losses", "python/features")


def _stub_packages() -> None:
    if "tensorflow_gan" in sys.modules:
        return
    spec = importlib.util.find_spec("tensorflow_gan")  # locates the package without executing it
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("tensorflow-gan is not installed (pip install -e '.[dev]')")
    root = list(spec.submodule_search_locations)[0]
    for sub in _PACKAGES:
        name = "tensorflow_gan" + ("." + sub.replace("/", ".") if sub else "")
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [os.path.join(root, sub)]
            sys.modules[name] = module


def load(module: str):
    """Import `tensorflow_gan.<module>` (e.g. 'python.eval.classifier_metrics') past the broken __init__."""
    _stub_packages()
    return importlib.import_module(f"tensorflow_gan.{module}")
