"""GAN(keras.Model): a custom train_step with D steps per G step, TTUR rates, penalties and state save/load."""
from __future__ import annotations

import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
import keras
import tensorflow as tf

from cgan_study.config import GANConfig
from cgan_study.generators.gan import losses
from cgan_study.generators.gan.networks import NUM_CLASSES, Family
from cgan_study.training.callbacks import Checkpointable
from cgan_study.training.optimizers import make_optimizer


class GAN(Checkpointable, keras.Model):
    """Holds G and D and trains them adversarially under `fit((images, labels))`."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, cfg: GANConfig, family: Family,
                 seed: int = 0, guide: keras.Model | None = None, guide_weight: float = 0.0,
                 num_classes: int = NUM_CLASSES, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes  # the classes G is asked for (the dataset's)
        self.generator, self.discriminator, self.cfg, self.family = generator, discriminator, cfg, family
        # A frozen classifier whose cross-entropy on G's samples joins G's loss (classifier-guided CGAN).
        self.guide, self.guide_weight = guide, guide_weight
        if guide is not None:
            guide.trainable = False
        self.conditional = family.conditional
        self.objective = losses.LOSSES[cfg.loss]  # not `loss`: keras.Model.compile assigns that
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "d_acc")}
        if family.d_class_head:
            self.trackers["d_class_acc"] = keras.metrics.Mean(name="d_class_acc")
        if guide is not None:
            self.trackers["guide_ce"] = keras.metrics.Mean(name="guide_ce")

    def compile(self, **kwargs):
        super().compile(**kwargs)
        # Two time-scale update rule: D and G have their own learning rates.
        self.d_optimizer = make_optimizer(self.cfg.optimizer, self.cfg.d_lr, self.cfg.beta_1)
        self.g_optimizer = make_optimizer(self.cfg.optimizer, self.cfg.g_lr, self.cfg.beta_1)
        # Built now so that their slots exist for checkpoint save/load before the first step.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    # ------------------------------------------------------------------ helpers
    def _g(self, z, labels, training):
        return self.generator([z, labels] if self.conditional else z, training=training)

    def _pack(self, images):
        """PacGAN: (B, H, W, C) -> (B / m, H, W, m C), m consecutive samples as the channels of one D input
        (sample j's C channels at j C ..; with C = 1, channel j is sample j). Real batches hold real images only
        and fake batches fake ones, so every pack is all real or all fake."""
        m = self.cfg.pack
        if m == 1:
            return images
        height, width, channels = images.shape[1], images.shape[2], images.shape[3]
        packed = tf.reshape(images, (-1, m, height, width, channels))
        return tf.reshape(tf.transpose(packed, (0, 2, 3, 1, 4)), (-1, height, width, m * channels))

    def _d(self, images, labels, training):
        # Gradient penalties go through the packing too: their per-image norm is that image's share of the
        # pack's gradient (the penalty is then a per-image, not a per-pack, constraint).
        images = self._pack(images)
        out = self.discriminator([images, labels] if self.family.d_projection else images, training=training)
        if self.family.d_class_head:
            return out[0], out[1]
        return (out[0] if isinstance(out, (list, tuple)) else out), None

    def _class_loss(self, labels, class_logits):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=tf.cast(class_logits, tf.float32)))

    def _penalty(self, real, fake, labels):
        cfg = self.cfg
        batch = tf.shape(real)[0]
        if self.objective.penalty == "interpolates":
            eps = keras.random.uniform((batch,), seed=self.seed_generator)
            points = losses.wgan_gp_points(real, tf.cast(fake, real.dtype), eps)
        elif self.objective.penalty == "perturbed_real":
            noise = keras.random.uniform(tf.shape(real), seed=self.seed_generator)
            points = losses.dragan_points(real, noise)
        else:
            return tf.constant(0.0)
        critic = lambda x: self._d(x, labels, training=True)[0]  # noqa: E731
        return cfg.gp_weight * losses.gradient_penalty(critic, points)

    # ------------------------------------------------------------------ one step
    def train_step(self, data):
        real, labels = data
        labels = tf.cast(labels, tf.int32)
        batch = tf.shape(real)[0]
        cfg = self.cfg
        for _ in range(cfg.d_steps):  # static count: unrolled in the graph
            z = keras.random.normal((batch, cfg.latent_dim), seed=self.seed_generator)
            fake = self._g(z, labels, training=True)
            with tf.GradientTape() as tape:
                real_logits, real_cls = self._d(real, labels, training=True)
                fake_logits, fake_cls = self._d(fake, labels, training=True)
                d_loss = losses.discriminator_loss(cfg.loss, real_logits, fake_logits, cfg.label_smoothing)
                if self.family.d_class_head:
                    d_loss += cfg.acgan_weight * (self._class_loss(labels, real_cls)
                                                  + self._class_loss(labels, fake_cls))
                d_loss += self._penalty(real, fake, labels)
            grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
            if self.objective.clip_weights:  # weight clipping keeps the critic (roughly) Lipschitz
                for var in self.discriminator.trainable_variables:
                    var.assign(tf.clip_by_value(var, -cfg.clip_value, cfg.clip_value))

        # G is asked for uniformly random classes, so every class gets gradient whatever the batch holds.
        g_labels = keras.random.randint((batch,), 0, self.num_classes, seed=self.seed_generator, dtype="int32")
        z = keras.random.normal((batch, cfg.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake = self._g(z, g_labels, training=True)
            fake_logits, fake_cls = self._d(fake, g_labels, training=True)
            g_loss = losses.generator_loss(cfg.loss, fake_logits)
            if self.family.d_class_head:
                g_loss += cfg.acgan_weight * self._class_loss(g_labels, fake_cls)
            if self.guide is not None:
                guide_ce = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                    g_labels, tf.cast(self.guide(fake, training=False), tf.float32)))
                g_loss += self.guide_weight * guide_ce
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))

        d_acc = losses.discriminator_accuracy(real_logits, fake_logits)
        self.trackers["d_loss"].update_state(d_loss)
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["d_acc"].update_state(d_acc)
        if self.guide is not None:
            self.trackers["guide_ce"].update_state(guide_ce)
        logs = {name: t.result() for name, t in self.trackers.items() if name != "d_class_acc"}
        if self.family.d_class_head:
            hit = tf.cast(tf.argmax(real_cls, -1, output_type=tf.int32) == labels, tf.float32)
            self.trackers["d_class_acc"].update_state(tf.reduce_mean(hit))
            logs["d_class_acc"] = self.trackers["d_class_acc"].result()
        # Unaveraged values of this step, for the divergence guard.
        logs.update(step_d_acc=d_acc, step_d_loss=d_loss, step_g_loss=g_loss)
        return logs

    # ------------------------------------------------------------------ state for checkpoints
    def state_variables(self) -> list:
        """Every variable training changes, in a fixed order: weights, optimiser slots, RNG state."""
        return (list(self.generator.weights) + list(self.discriminator.weights)
                + list(self.g_optimizer.variables) + list(self.d_optimizer.variables)
                + [self.seed_generator.state])
