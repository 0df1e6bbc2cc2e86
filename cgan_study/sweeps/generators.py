"""generators (Q5 and beyond): every conditional registered generator trained under its own budget and scored
with the same metrics (the coursework arms of the augmentation sweeps reuse these models from the cache)."""
from __future__ import annotations

from cgan_study.runtime.grid import product, sweep
from cgan_study.sweeps import Sweep, TableNote, register
from cgan_study.sweeps.common import GENERATORS_EVAL, seeds


def report(sweep_dir):
    from cgan_study.reporting.generators import generators_report   # deferred: the CLIs start without pandas

    return generators_report(sweep_dir)


def macros(tables, root):
    """The CGAN's and PCA's success by both scorers, recall and FID; the CGAN's weakest class."""
    from cgan_study.reporting import paper_numbers as P

    return {**P.generator_numbers(tables.get("generators_runs")), **P.confusion_numbers(tables.get("confusion_cgan"))}


GENERATORS = register("generators", Sweep(stable_names=True,
    task="gan_eval",
    description="Every conditional registered generator (GANs, CVAE, EBGAN, PCA, diffusion) trained under its own budget "
                "and scored with the same metrics.",
    grids={
        "smoke": sweep("augment.generator", ("cgan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion")),
        "quick": product(sweep("augment.generator", ("cgan", "acgan", "guided_cgan", "cvae", "ebgan", "pca",
                                                     "diffusion")), seeds(3)),
    },
    profile_overrides={"quick": GENERATORS_EVAL, "paper": GENERATORS_EVAL,
                       "smoke": {"eval.second_scorer_width": 8, "eval.second_scorer_arch": "gap"}},
    report=report,
    macros=macros,
    paper_tables=("generators",),
    supplement_tables=("per_class_cgan", "scorer_dependence"),
    figures=("generator_grids.png",),
    datasets=("mnist", "fashion_mnist", "icons"),   # the supplement's Fashion-MNIST and icon generators tables
    table_notes={
        "generators_means": TableNote(
            "each generator's means over its seeds (the generators table's numbers, unformatted), FID and recall "
            "against both the test images (reported) and 10,000 training images (fid_train, recall_train); the "
            "CVAE's ELBO on its training images; the test accuracy of the scorer and the second scorer that read "
            "the samples (the same for every generator).",
            "nothing: reported only (the paper quotes the training-referenced FID from here)."),
        "generators": TableNote(
            "success rate by the scorer and the second scorer on 10,000 samples; FID, precision, recall, density "
            "and coverage against the 10,000 test images (reported only).",
            "only the collapse mark: the one rule (fewer than 10 classes covered or recall below 0.1) read against "
            "10,000 training images."),
        "per_class_cgan": TableNote(
            "the CGAN's samples per requested class: success rate by the scorer and its most confused class.",
            "nothing: reported only."),
        "confusion_cgan": TableNote(
            "the scorer's predicted class of the CGAN's samples per requested class, counted over seeds.",
            "nothing: reported only."),
        "scorer_dependence": TableNote(
            "success rate of the same samples by both scorers (each trained on training images), their paired "
            "difference and each generator's rank by either.",
            "nothing: reported only.")},
))
