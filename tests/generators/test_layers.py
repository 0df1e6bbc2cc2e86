"""Custom layers: VBN against TF-GAN's reference, minibatch discrimination, projection conditioning."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from tfgan_reference import load

from cgan_study.generators.gan.layers import (
    DropReference,
    MinibatchDiscrimination,
    PrependReference,
    ProjectionLogit,
    VirtualBatchNormalization,
)


@pytest.mark.parametrize("shape", [(16, 7, 7, 5), (16, 12)])
def test_vbn_matches_tfgan_on_a_fixed_reference_batch(shape, rng):
    vbn_module = load("python.features.virtual_batchnorm")
    reference = tf.constant(rng.normal(2.0, 3.0, size=shape).astype(np.float32))
    batch = tf.constant(rng.normal(-1.0, 0.5, size=(9, *shape[1:])).astype(np.float32))
    theirs = vbn_module.VBN(reference, epsilon=1e-3)
    layer = VirtualBatchNormalization(reference_size=shape[0], epsilon=1e-3)
    ours = layer(tf.concat([reference, batch], 0)).numpy()
    np.testing.assert_allclose(ours[: shape[0]], theirs.reference_batch_normalization().numpy(), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(ours[shape[0]:], theirs(batch).numpy(), rtol=1e-4, atol=1e-4)


def test_vbn_output_of_an_example_does_not_depend_on_its_batch(rng):
    layer = VirtualBatchNormalization(reference_size=8)
    ref = rng.normal(size=(8, 4, 4, 3)).astype(np.float32)
    x = rng.normal(size=(1, 4, 4, 3)).astype(np.float32)
    others = rng.normal(size=(5, 4, 4, 3)).astype(np.float32) * 10
    alone = layer(np.concatenate([ref, x]))[8:].numpy()
    in_batch = layer(np.concatenate([ref, x, others]))[8:9].numpy()
    np.testing.assert_allclose(alone, in_batch, rtol=1e-5, atol=1e-6)


def test_reference_plumbing_round_trips_through_a_saved_model(tmp_path, rng):
    inp = keras.Input((3,))
    h = PrependReference((4, 3), name="ref")(inp)
    h = VirtualBatchNormalization(4)(h)
    out = DropReference(4)(h)
    model = keras.Model(inp, out)
    model.get_layer("ref").reference.assign(rng.normal(size=(4, 3)).astype(np.float32))
    x = rng.normal(size=(2, 3)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(model(x).numpy(), loaded(x).numpy(), rtol=1e-6)
    assert model(x).shape == (2, 3)


def test_minibatch_discrimination_measures_closeness():
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    same = np.ones((6, 10), np.float32)
    out = layer(same).numpy()
    assert out.shape == (6, 14)
    np.testing.assert_allclose(out[:, 10:], 5.0)  # five identical neighbours, distance 0 each
    spread = (np.arange(6)[:, None] * 1000.0 * np.ones((1, 10))).astype(np.float32)
    assert np.all(layer(spread).numpy()[:, 10:] < 1e-3)


def test_projection_logit_is_inner_product_with_class_embedding(rng):
    layer = ProjectionLogit(10)
    feats = rng.normal(size=(3, 5)).astype(np.float32)
    labels = np.array([[1], [4], [9]])
    out = layer([feats, labels]).numpy()
    emb = layer.embedding.numpy()
    np.testing.assert_allclose(out[:, 0], np.sum(emb[[1, 4, 9]] * feats, 1), rtol=1e-5)
