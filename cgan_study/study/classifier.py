"""The classifier moved to cgan_study.training.classifier (a generator, the guided CGAN, trains one, and generators
sit below the study); this name stays so code written against the old place keeps importing. New code imports
cgan_study.training.classifier."""
from cgan_study.training.classifier import *  # noqa: F401,F403
