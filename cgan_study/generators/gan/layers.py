"""Custom Keras layers: virtual batch normalisation, minibatch discrimination, reference-batch plumbing."""
from __future__ import annotations

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="cgan_study")
class VirtualBatchNormalization(keras.layers.Layer):
    """Virtual batch normalisation (Salimans et al. 2016) for inputs that carry the reference batch first.

    The first `reference_size` rows of the input are the reference batch, pushed through the current
    network at every step. They are normalised by their own statistics; every other example is
    normalised by the reference statistics mixed with its own, with weight 1/(N+1), so an example's
    output never depends on the other examples of its minibatch. Statistics use mean and mean-square
    (linear in the data, so mixing is a weighted sum), as TF-GAN's VBN does.
    """

    def __init__(self, reference_size: int, epsilon: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.reference_size = int(reference_size)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, inputs):
        x = ops.cast(inputs, "float32")  # statistics in float32 even under mixed precision
        ref, rest = x[: self.reference_size], x[self.reference_size:]
        rank = len(inputs.shape)
        spatial = tuple(range(1, rank - 1))
        ref_mean = ops.mean(ref, axis=(0, *spatial))
        ref_mean_sq = ops.mean(ops.square(ref), axis=(0, *spatial))
        w = 1.0 / (self.reference_size + 1.0)
        if spatial:
            ex_mean = ops.mean(rest, axis=spatial, keepdims=True)
            ex_mean_sq = ops.mean(ops.square(rest), axis=spatial, keepdims=True)
        else:
            ex_mean, ex_mean_sq = rest, ops.square(rest)
        mean = w * ex_mean + (1.0 - w) * ref_mean
        var = w * ex_mean_sq + (1.0 - w) * ref_mean_sq - ops.square(mean)
        ref_var = ref_mean_sq - ops.square(ref_mean)
        ref_out = (ref - ref_mean) * ops.rsqrt(ref_var + self.epsilon)
        rest_out = (rest - mean) * ops.rsqrt(var + self.epsilon)
        out = ops.concatenate([ref_out, rest_out], axis=0) * self.gamma + self.beta
        return ops.cast(out, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="cgan_study")
class PrependReference(keras.layers.Layer):
    """Stores a fixed reference batch as non-trainable weights and prepends it to the input batch."""

    def __init__(self, reference_shape: tuple, dtype_name: str = "float32", **kwargs):
        super().__init__(**kwargs)
        self.reference_shape = tuple(int(d) for d in reference_shape)
        self.dtype_name = dtype_name

    def build(self, input_shape):
        self.reference = self.add_weight(shape=self.reference_shape, initializer="zeros",
                                         trainable=False, name="reference", dtype=self.dtype_name)

    def call(self, inputs):
        return ops.concatenate([ops.cast(self.reference, inputs.dtype), inputs], axis=0)

    def get_config(self):
        return {**super().get_config(), "reference_shape": self.reference_shape, "dtype_name": self.dtype_name}


@keras.saving.register_keras_serializable(package="cgan_study")
class DropReference(keras.layers.Layer):
    """Removes the first `reference_size` rows that PrependReference added."""

    def __init__(self, reference_size: int, **kwargs):
        super().__init__(**kwargs)
        self.reference_size = int(reference_size)

    def call(self, inputs):
        return inputs[self.reference_size:]

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size}


@keras.saving.register_keras_serializable(package="cgan_study")
class MinibatchDiscrimination(keras.layers.Layer):
    """Minibatch discrimination (Salimans et al. 2016): features of how close a sample is to the others.

    Lets D see a whole batch of near-identical fakes, which is the signature of mode collapse.
    """

    def __init__(self, num_kernels: int = 16, kernel_dim: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels, self.kernel_dim = int(num_kernels), int(kernel_dim)

    def build(self, input_shape):
        self.tensor = self.add_weight(shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
                                      initializer=keras.initializers.RandomNormal(stddev=0.02), name="T")

    def call(self, inputs):
        m = ops.reshape(ops.matmul(inputs, self.tensor), (-1, self.num_kernels, self.kernel_dim))
        # L1 distance between every pair, per kernel: (N, 1, B, C) - (1, N, B, C) -> (N, N, B)
        dist = ops.sum(ops.abs(ops.expand_dims(m, 1) - ops.expand_dims(m, 0)), axis=-1)
        # Sum over the others (exp(0) = 1 for the sample itself is removed).
        closeness = ops.sum(ops.exp(-dist), axis=1) - 1.0
        return ops.concatenate([inputs, ops.cast(closeness, inputs.dtype)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels, "kernel_dim": self.kernel_dim}


@keras.saving.register_keras_serializable(package="cgan_study")
class ProjectionLogit(keras.layers.Layer):
    """Projection-discriminator conditioning (Miyato & Koyama 2018): logit += <embed(y), features>."""

    def __init__(self, num_classes: int = 10, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        features_shape = input_shape[0]
        self.embedding = self.add_weight(shape=(self.num_classes, features_shape[-1]),
                                         initializer=keras.initializers.RandomNormal(stddev=0.02),
                                         name="class_embedding")

    def call(self, inputs):
        features, labels = inputs
        emb = ops.take(self.embedding, ops.cast(ops.reshape(labels, (-1,)), "int32"), axis=0)
        return ops.sum(ops.cast(emb, features.dtype) * features, axis=-1, keepdims=True)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
