"""Every registered family at 32x32x3 and 64x64x3: built from the data's (size, channels, classes), trained a few
steps, saved, loaded back from its directory and sampled; the scorer's CNN likewise. Tiny on purpose: the point is
the shapes, not the images."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cgan_study import config as C
from cgan_study import generators
from cgan_study.data import Split
from cgan_study.generators.gan.networks import FAMILIES, build_discriminator, build_generator
from cgan_study.study import classifier as clf

CLASSES = 3
TINY = {
    "gan": C.GANConfig(latent_dim=8, g_width=8, d_width=8, batch_size=6, epochs=1, min_steps_per_epoch=2),
    "cvae": C.CVAEConfig(latent_dim=4, width=8, batch_size=6, epochs=1, min_steps_per_epoch=2),
    "ebgan": C.EBGANConfig(latent_dim=8, g_width=8, d_width=8, batch_size=6, epochs=1, min_steps_per_epoch=2),
    "diffusion": C.DiffusionConfig(T=20, width=8, batch_size=6, epochs=1, min_steps_per_epoch=2, sample_steps=3),
    "guide": C.GuideConfig(width=8, epochs=1),
    "pca": C.PCAConfig(n_components=4),
}
# Each GAN variant a stabiliser of the study, at one size or both: every loss, spectral norm, VBN, packing.
GAN_VARIANTS = [
    ("cgan", {"loss": "wgan_gp", "d_norm": "spectral"}),
    ("acgan", {"loss": "hinge", "vbn": "gd"}),
    ("dcgan", {"loss": "dragan", "minibatch_discrimination": True, "pack": 2}),
    ("cgan", {"loss": "lsgan", "d_norm": "batch"}),
    ("cgan", {"loss": "wgan", "optimizer": "rmsprop"}),
    ("cgan", {"loss": "minimax"}),
]


def colour_split(size: int, per_class: int = 6) -> Split:
    rng = np.random.default_rng(size)
    x = rng.integers(0, 256, (CLASSES * per_class, size, size, 3), dtype=np.uint8)
    return Split(x, np.repeat(np.arange(CLASSES), per_class).astype(np.uint8), CLASSES)


def experiment(name: str, **gan) -> C.Experiment:
    return C.Experiment(**{**TINY, "gan": dataclasses.replace(TINY["gan"], **gan)})


def check_trained(name: str, exp, size: int, tmp_path):
    entry = generators.get(name)
    entry.train(exp, colour_split(size), tmp_path, seed=0)
    loaded = entry.configure(generators.get(name).load(tmp_path), exp)
    labels = np.array([0, 1, 2, 2]) if entry.conditional else None
    images = loaded.generate(labels, seed=1, n=4)
    assert images.shape == (4, size, size, 3) and images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(images, loaded.generate(labels, seed=1, n=4))  # deterministic, loaded from disk
    assert getattr(loaded, "num_classes", CLASSES) == (CLASSES if entry.conditional else 1)
    assert (tmp_path / "samples.png").exists() or (tmp_path / "grids").exists()


# The guided CGAN trains a guide classifier first and diffusion draws 100 images for its grid: 9 and 20 s here.
SLOW = pytest.mark.slow


@pytest.mark.parametrize("name", ["cgan", "acgan", "dcgan", pytest.param("guided_cgan", marks=SLOW), "cvae", "ebgan",
                                  "pca", pytest.param("diffusion", marks=SLOW)])
def test_every_family_trains_loads_and_samples_at_32x32x3(name, tmp_path):
    check_trained(name, experiment(name), 32, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cgan", "acgan", "dcgan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion"])
def test_every_family_trains_loads_and_samples_at_64x64x3(name, tmp_path):
    check_trained(name, experiment(name), 64, tmp_path)


@pytest.mark.parametrize("size", [32, pytest.param(64, marks=SLOW)])
@pytest.mark.parametrize("family, gan", GAN_VARIANTS)
def test_every_gan_variant_trains_a_few_steps_in_colour(family, gan, size, tmp_path):
    check_trained(family, experiment(family, **gan), size, tmp_path)


@pytest.mark.parametrize("size, base", [(28, 7), (32, 8), (64, 16)])
def test_the_gan_networks_scale_from_a_quarter_of_the_image_side(size, base):
    channels = 1 if size == 28 else 3
    g = build_generator(TINY["gan"], FAMILIES["cgan"], image_shape=(size, size, channels), num_classes=CLASSES)
    assert g.output_shape == (None, size, size, channels)
    assert g.get_layer(f"up{2 * base}").output.shape[1:3] == (2 * base, 2 * base)
    assert g.get_layer("label_embedding").input_dim == CLASSES
    d = build_discriminator(TINY["gan"], FAMILIES["acgan"], image_shape=(size, size, channels), num_classes=CLASSES)
    assert d.get_layer("class_head").units == CLASSES and d.get_layer(f"down{base}").output.shape[1] == base
    packed = build_discriminator(dataclasses.replace(TINY["gan"], pack=2), FAMILIES["dcgan"],
                                 image_shape=(size, size, channels))
    assert packed.inputs[0].shape[1:] == (size, size, 2 * channels)  # two packed samples, all their channels


def test_the_mnist_networks_are_those_of_before():
    """The default shape builds the 28x28x1 networks with the layer names and sizes the artifacts were saved with."""
    g = build_generator(TINY["gan"], FAMILIES["cgan"])
    assert [layer.name for layer in g.layers if layer.name.startswith(("up", "project"))] == \
        ["project", "project_norm", "up14", "up14_norm", "up28"]
    assert g.get_layer("project").units == 7 * 7 * 2 * 8 and g.get_layer("label_embedding").input_dim == 10


@pytest.mark.parametrize("arch", ["cnn", "gap"])
@pytest.mark.parametrize("size", [32, 64])
def test_the_classifier_takes_the_images_size_channels_and_classes(arch, size):
    split = colour_split(size)
    cfg = C.ClassifierConfig(width=4, epochs=1, batch_size=6, steps_per_epoch=2, early_stopping_patience=0,
                             arch=arch, selection="final")
    model, _ = clf.train_classifier(cfg, (split.x, split.y), None, seed=0, num_classes=CLASSES)
    probs = clf.predict(model, split.x)
    assert model.inputs[0].shape[1:] == (size, size, 3) and probs.shape == (len(split), CLASSES)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
