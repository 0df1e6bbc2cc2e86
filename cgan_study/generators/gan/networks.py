"""Generator and discriminator builders for the DCGAN, CGAN and AC-GAN families, plus FLOP counting."""
from __future__ import annotations

from dataclasses import dataclass

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import numpy as np
from keras import layers

from cgan_study.config import GANConfig
from cgan_study.data import NUM_CLASSES  # noqa: E402  the one definition
from cgan_study.generators.gan.layers import (
    DropReference,
    MinibatchDiscrimination,
    PrependReference,
    ProjectionLogit,
    VirtualBatchNormalization,
)
from cgan_study.generators.shapes import MNIST_SHAPE, base_size

REFERENCE_SIZE = 64     # VBN reference batch
LABEL_EMBED = 16        # generator label embedding width


@dataclass(frozen=True)
class Family:
    """A GAN family as data: how G and D see the label. Builders, train_step and validation read these fields."""
    name: str
    conditional: bool        # G takes a label (and can make labelled digits for augmentation)
    d_projection: bool       # D takes the label and adds a projection term to its logit (Miyato & Koyama 2018)
    d_class_head: bool       # D predicts the class with an auxiliary head (AC-GAN, Odena et al. 2017)


FAMILIES = {f.name: f for f in (
    Family("dcgan", conditional=False, d_projection=False, d_class_head=False),
    Family("cgan", conditional=True, d_projection=True, d_class_head=False),
    Family("acgan", conditional=True, d_projection=False, d_class_head=True),
)}


def _policy(cfg: GANConfig) -> str:
    return "mixed_bfloat16" if cfg.mixed_precision else "float32"


def _norm(kind: str, ref_size: int, dtype: str, name: str):
    if kind == "vbn":
        return VirtualBatchNormalization(ref_size, name=name, dtype=dtype)
    if kind == "batch":
        return layers.BatchNormalization(name=name, dtype=dtype)
    return None


def build_generator(cfg: GANConfig, family: Family, seed: int = 0,
                    image_shape: tuple[int, int, int] = MNIST_SHAPE, num_classes: int = NUM_CLASSES) -> keras.Model:
    """z (+ label) -> image (size, size, channels) in [-1, 1]; 28x28x1 by default.

    Dense to (size/4)^2 maps, then two stride-2 transposed convolutions: small enough to train on a laptop
    CPU in minutes, large enough for sharp MNIST digits. The layer names carry the sizes (up14, up28 at 28).
    """
    size, channels = int(image_shape[0]), int(image_shape[2])
    base = base_size(image_shape)
    dtype = _policy(cfg)
    width = cfg.g_width
    conditional = family.conditional
    use_vbn = cfg.vbn in ("g", "gd")
    norm = "vbn" if use_vbn else "batch"
    z_in = keras.Input((cfg.latent_dim,), name="z")
    inputs = [z_in]
    z = z_in
    if use_vbn:
        z = PrependReference((REFERENCE_SIZE, cfg.latent_dim), name="reference_z")(z)
    if conditional:
        y_in = keras.Input((1,), dtype="int32", name="label")
        inputs.append(y_in)
        y = y_in
        if use_vbn:
            y = PrependReference((REFERENCE_SIZE, 1), dtype_name="int32", name="reference_label")(y)
        emb = layers.Flatten()(layers.Embedding(num_classes, LABEL_EMBED, name="label_embedding")(y))
        h = layers.Concatenate(name="z_and_label")([z, emb])
    else:
        h = z
    h = layers.Dense(base * base * 2 * width, use_bias=False, name="project", dtype=dtype)(h)
    h = _norm(norm, REFERENCE_SIZE, dtype, "project_norm")(h)
    h = layers.ReLU(dtype=dtype)(h)
    h = layers.Reshape((base, base, 2 * width), dtype=dtype)(h)
    h = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, name=f"up{2 * base}",
                               dtype=dtype)(h)
    h = _norm(norm, REFERENCE_SIZE, dtype, f"up{2 * base}_norm")(h)
    h = layers.ReLU(dtype=dtype)(h)
    h = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name=f"up{size}", dtype=dtype)(h)
    out = layers.Activation("tanh", dtype="float32", name="image")(h)
    if use_vbn:
        out = DropReference(REFERENCE_SIZE, name="drop_reference")(out)
    model = keras.Model(inputs, out, name=f"{family.name}_generator")
    if use_vbn:
        _init_reference(model, cfg, family, seed, num_classes)
    return model


def _init_reference(generator: keras.Model, cfg: GANConfig, family: Family, seed: int,
                    num_classes: int = NUM_CLASSES) -> None:
    """Fix the VBN reference noise (and balanced labels) once, at build time, by seed."""
    rng = np.random.default_rng([seed, 7])
    generator.get_layer("reference_z").reference.assign(
        rng.standard_normal((REFERENCE_SIZE, cfg.latent_dim)).astype(np.float32))
    if family.conditional:
        labels = (np.arange(REFERENCE_SIZE) % num_classes).reshape(-1, 1).astype(np.int32)
        generator.get_layer("reference_label").reference.assign(labels)


def build_discriminator(cfg: GANConfig, family: Family, reference_images: np.ndarray | None = None,
                        reference_labels: np.ndarray | None = None, image_shape: tuple[int, int, int] = MNIST_SHAPE,
                        num_classes: int = NUM_CLASSES) -> keras.Model:
    """Image (size, size, channels; 28x28x1 by default) (+ label) -> realness logit (+ class logits for AC-GAN).

    CGAN conditions by projection (an inner product of a label embedding with the features), which
    is cheaper and stabler than concatenating ten label channels to the image.
    """
    dtype = _policy(cfg)
    width = cfg.d_width
    use_vbn = cfg.vbn == "gd"
    if use_vbn and reference_images is None:
        raise ValueError("gan.vbn=gd needs a reference batch of real images for D")

    def wrap(layer):
        return layers.SpectralNormalization(layer, dtype=dtype) if cfg.d_norm == "spectral" else layer

    size, channels = int(image_shape[0]), int(image_shape[2])
    base = base_size(image_shape)
    # PacGAN: D sees cfg.pack samples stacked as channels (gan.GAN._pack); 1 is the ordinary D.
    x_in = keras.Input((size, size, channels * cfg.pack), name="image")
    inputs = [x_in]
    x = x_in
    if use_vbn:
        x = PrependReference((REFERENCE_SIZE, size, size, channels), name="reference_image")(x)
    h = wrap(layers.Conv2D(width, 4, strides=2, padding="same", name=f"down{2 * base}", dtype=dtype))(x)
    h = layers.LeakyReLU(0.2, dtype=dtype)(h)
    h = wrap(layers.Conv2D(2 * width, 4, strides=2, padding="same", name=f"down{base}", dtype=dtype))(h)
    norm = "vbn" if use_vbn else ("batch" if cfg.d_norm == "batch" else None)
    if norm:
        h = _norm(norm, REFERENCE_SIZE, dtype, f"down{base}_norm")(h)
    h = layers.LeakyReLU(0.2, dtype=dtype)(h)
    features = layers.Flatten(dtype=dtype)(h)
    if cfg.minibatch_discrimination:
        features = MinibatchDiscrimination(dtype=dtype, name="minibatch_discrimination")(features)
    logit = wrap(layers.Dense(1, name="realness", dtype=dtype))(features)
    outputs = []
    if family.d_projection:
        y_in = keras.Input((1,), dtype="int32", name="label")
        inputs.append(y_in)
        y = y_in
        if use_vbn:
            y = PrependReference((REFERENCE_SIZE, 1), dtype_name="int32", name="reference_label")(y)
        logit = layers.Add(dtype=dtype)([logit, ProjectionLogit(num_classes, dtype=dtype, name="projection")(
            [features, y])])
    logit = layers.Activation("linear", dtype="float32", name="logit")(logit)
    if use_vbn:
        logit = DropReference(REFERENCE_SIZE, name="drop_reference")(logit)
    outputs.append(logit)
    if family.d_class_head:
        cls = layers.Dense(num_classes, name="class_head", dtype=dtype)(features)
        cls = layers.Activation("linear", dtype="float32", name="class_logits")(cls)
        if use_vbn:
            cls = DropReference(REFERENCE_SIZE, name="drop_reference_cls")(cls)
        outputs.append(cls)
    model = keras.Model(inputs, outputs, name=f"{family.name}_discriminator")
    if use_vbn:
        model.get_layer("reference_image").reference.assign(reference_images.astype(np.float32))
        if family.d_projection:
            model.get_layer("reference_label").reference.assign(
                reference_labels.reshape(-1, 1).astype(np.int32))
    return model


def dcgan_init(model: keras.Model, seed: int) -> None:
    """DCGAN's initialisation (Radford et al. 2016): every kernel N(0, 0.02), batch-norm scales N(1, 0.02)."""
    rng = np.random.default_rng([seed, 13])
    for var in model.weights:
        name = var.path.rsplit("/", 1)[-1]
        if name in ("kernel", "embeddings"):
            var.assign(rng.normal(0.0, 0.02, var.shape).astype(var.dtype))
        elif name == "gamma":
            var.assign(rng.normal(1.0, 0.02, var.shape).astype(var.dtype))


# --------------------------------------------------------------------------- FLOPs

def count_flops(model: keras.Model) -> int:
    """Forward multiply-adds x 2 per example, from the layer shapes (convolutions and dense layers).

    Reference-batch rows added for VBN are not counted: they are overhead, not work per image.
    """
    total = 0
    for layer, shapes in _leaf_layers(model):
        if not isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose, layers.Dense)):
            continue
        in_shape, out_shape = shapes.input.shape, shapes.output.shape
        if isinstance(layer, layers.Conv2DTranspose):
            k = layer.kernel_size
            total += 2 * in_shape[1] * in_shape[2] * in_shape[3] * layer.filters * k[0] * k[1]
        elif isinstance(layer, layers.Conv2D):
            k = layer.kernel_size
            total += 2 * out_shape[1] * out_shape[2] * in_shape[-1] * out_shape[-1] * k[0] * k[1]
        elif isinstance(layer, layers.Dense):
            total += 2 * in_shape[-1] * layer.units
    return int(total)


def _leaf_layers(model):
    """(layer, the layer whose input/output shapes apply): a spectral-norm wrapper lends its shapes."""
    for layer in model.layers:
        if isinstance(layer, layers.SpectralNormalization):
            yield layer.layer, layer
        elif isinstance(layer, keras.Model):
            yield from _leaf_layers(layer)
        else:
            yield layer, layer
