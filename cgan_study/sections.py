"""The experiment's configuration sections as frozen dataclasses: every key, its default and why.

`cgan_study.config` re-exports them with the machinery around them (dotted overrides, validation, profiles,
the stable hash); a section's class name (not its module) enters the hash, so this split changed no artifact.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataConfig:
    # Where MNIST comes from: "keras" (download), "fashion_mnist", a .npz path or an IDX directory.
    # Empty means: the --data flag, else $CGAN_STUDY_DATA, else "keras".
    source: str = ""
    # Validation digits per class carved from the training split (never from the test split).
    val_per_class: int = 100
    # Cap on training digits per class for every stage (0 = all); the smoke profile uses it.
    train_per_class_cap: int = 0


@dataclass(frozen=True)
class GANConfig:
    # Hyperparameters shared by the GAN families; the family itself is the registry entry (augment.generator).
    latent_dim: int = 64
    g_width: int = 64                # channels of the last generator feature map x 2
    d_width: int = 32                # channels of the first discriminator conv
    loss: str = "ns"                 # a record of losses.LOSSES: ns | minimax | lsgan | wgan | wgan_gp | hinge | dragan
    label_smoothing: float = 0.0     # one-sided: real targets 1 - alpha, fake stay 0
    vbn: str = "off"                 # off | g | gd  (virtual batch norm in G only, or G and D)
    d_norm: str = "none"             # none | batch | spectral
    minibatch_discrimination: bool = False
    d_steps: int = 1                 # D updates per G update
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    beta_1: float = 0.5
    optimizer: str = "adam"          # adam | rmsprop (WGAN with weight clipping, as in its paper) | sgd
    init: str = "keras"              # keras (Glorot uniform) | dcgan (N(0, 0.02) weights, Radford et al. 2016)
    gp_weight: float = 10.0          # WGAN-GP and DRAGAN penalty weight
    clip_value: float = 0.01         # WGAN weight clipping
    acgan_weight: float = 1.0        # weight of the auxiliary class loss (acgan)
    # PacGAN (Lin et al. 2018): D judges `pack` samples at once, stacked as channels, so a G that repeats itself is
    # easy to spot; a mode-collapse mitigation that changes neither the optimiser nor the step count. 1 = off.
    pack: int = 1
    batch_size: int = 128
    epochs: int = 6
    min_steps_per_epoch: int = 100   # small (few-shot) training sets repeat to at least this many steps
    mixed_precision: bool = False
    divergence_patience: int = 200   # steps of D accuracy pinned at 100% before the run is stopped


@dataclass(frozen=True)
class CVAEConfig:
    latent_dim: int = 16
    width: int = 32                  # channels of the encoder's first conv and the decoder's last feature map
    beta: float = 1.0                # weight of the KL term (1 = the ELBO)
    lr: float = 1e-3
    batch_size: int = 128
    epochs: int = 10
    min_steps_per_epoch: int = 100


@dataclass(frozen=True)
class EBGANConfig:
    latent_dim: int = 64
    g_width: int = 64
    d_width: int = 32                # the autoencoder discriminator's first conv
    # D's energy is its autoencoder's per-pixel mean squared error (images in [-1, 1]); it pushes the energy of
    # fakes up to the margin m (a hinge) and of reals down to 0.
    margin: float = 1.0
    pt_weight: float = 0.1           # weight of the pulling-away term on G's encoded samples
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    beta_1: float = 0.5
    batch_size: int = 128
    epochs: int = 6
    min_steps_per_epoch: int = 100


@dataclass(frozen=True)
class DiffusionConfig:
    T: int = 1000                    # diffusion steps of the forward process
    schedule: str = "linear"         # linear (Ho et al. 2020) | cosine (Nichol & Dhariwal 2021)
    width: int = 32                  # U-Net channels at 28x28 (twice that at 14x14 and 7x7); a multiple of 8
    p_uncond: float = 0.1            # label dropout in training: the unconditional model for guidance
    ema_decay: float = 0.999
    # Adam's rate. 2e-4 (Ho et al.'s, for 800k steps) left the quick model unconditional after 2,300 steps:
    # changing the label moved its noise estimate by 1.6% (rms) and nothing sampled from noise looked like a digit.
    lr: float = 1e-3
    batch_size: int = 128
    epochs: int = 10                 # quick: 10 x 460 steps
    min_steps_per_epoch: int = 100
    # What generate() uses (the study's sampler): ddim with sample_steps, or ddpm (all T steps). Stochastic DDIM
    # (eta 1): in results/diffusion_samplers (one model, test-referenced) DDIM-20's success rate could not be told
    # from DDPM's at 45x its speed, where deterministic DDIM (eta 0) was 7.5-9.2 points below DDPM at every step
    # count. 10 steps, not 20, by results/diffusion_recipes (3 models, training reference, validation CAS): DDIM-10's
    # mean FID (9.8) and validation CAS (94.30%) lie inside DDIM-20's 95% intervals ([2.4, 10.7], [93.1, 96.0]) at
    # 2.5x its sampling speed, the rule for a cheaper recipe; paired, it costs FID +3.2 [+1.7, +4.7] and recall
    # -8.7 points and gains success +1.8, and its CAS cannot be told apart (-0.27 [-0.89, +0.36]).
    sampler: str = "ddim"
    sample_steps: int = 10
    eta: float = 1.0                 # DDIM stochasticity: 0 deterministic, 1 = DDPM's posterior variance
    # Classifier-free guidance scale w: (1 + w) eps(y) - w eps(no label). 0 keeps the lowest FID and highest recall;
    # in results/diffusion_samplers w = 0.5 on this sampler lifts success 89.8% -> 98.3% but FID 8.6 -> 12.3.
    guidance: float = 0.0


@dataclass(frozen=True)
class SSLGANConfig:
    # Semi-supervised GAN (Salimans et al. 2016): D's K = 10 class logits are the classifier, D(x) = Z/(Z+1) with
    # Z = sum_k exp(l_k) its real/fake output; G (unconditional) is trained by feature matching on D's `features`.
    latent_dim: int = 100            # Salimans et al.'s z size
    g_width: int = 64                # channels of G's last feature map x 2 (as gan.g_width)
    d_width: int = 32                # channels of D's first conv block (twice that in the second and third)
    # D's regularisers in training, as in Salimans et al.'s code: Gaussian noise on its inputs (std, on images in
    # [-1, 1]) and dropout after each stride-2 block.
    input_noise: float = 0.3
    dropout: float = 0.5
    unsup_weight: float = 1.0        # D loss = supervised CE + unsup_weight x (-E log D(x) - E log(1 - D(G(z))))
    # One labelled batch (the k-per-class digits, repeating) and one unlabelled batch (the pool) per step: 1:1, as in
    # Salimans et al. (100 and 100); G's batch is the unlabelled one's size.
    labelled_batch: int = 64
    unlabelled_batch: int = 64
    # Adam. 1e-3, not 3e-4 (Salimans et al.'s CIFAR rate; their MNIST MLP used 3e-3): in a 250-step probe at k = 10
    # (seed 0; training quantities only, no validation or test digit read) 3e-4 left D winning the game outright
    # (mean D(G(z)) 0.004 at steps 150-200) and 46% of the noisy labelled batches right, 1e-3 kept D(G(z)) at
    # 0.1-0.2 and reached 60%; the budget below is short, so the faster rate.
    g_lr: float = 1e-3
    d_lr: float = 1e-3
    beta_1: float = 0.5
    # The budget: epochs x steps_per_epoch steps whatever k or the pool's size (a checkpoint and a grid per epoch).
    # 2,500 steps: about 10 minutes of one core at k = 10 (0.234 CPU-seconds per step measured at these defaults, one
    # TensorFlow thread, 100 steps). A first guess sized to the time, not yet checked by a doubling of the budget.
    epochs: int = 10
    steps_per_epoch: int = 250


@dataclass(frozen=True)
class GuideConfig:
    # Classifier-guided CGAN (coursework Q5): G's loss adds weight x the cross-entropy of a frozen classifier on
    # its samples. That classifier is the generator's own, trained on exactly the digits the generator sees,
    # with another width and seed than the scorer's, so the success-rate metric is not its own judge.
    weight: float = 1.0
    width: int = 24
    epochs: int = 3                  # full passes over the generator's digits
    seed_offset: int = 7919          # guide seed = generator seed + this


@dataclass(frozen=True)
class PCAConfig:
    n_components: int = 40
    ridge: float = 1e-3              # added to each class covariance so its Cholesky factor exists


@dataclass(frozen=True)
class ClassifierConfig:
    width: int = 16
    dropout: float = 0.25
    batch_size: int = 128
    epochs: int = 5
    lr: float = 1e-3                  # the constant rate, or the cosine schedule's peak
    # constant | cosine: linear warm-up from 0 to `lr` over `warmup` of all steps, then cosine decay to 0 at
    # the last step of the budget (epochs x steps per epoch). The defaults below stay `constant` so that
    # classifiers built from this class elsewhere (the guided CGAN's guide) keep their cached behaviour.
    schedule: str = "constant"
    warmup: float = 0.1
    early_stopping_patience: int = 2  # epochs without val improvement (0 = off); only with selection=best_val
    # Which weights a training run keeps. best_val: early stopping on the validation split (1,000 labelled digits)
    # from the schedule's midpoint, best weights restored; the default, because it is what runs finished before
    # this key existed did. final: the whole step budget, the final weights (the cosine schedule ends at 0), and
    # no validation digit is touched: the rule for every downstream cell, since a cell allowed k labelled digits
    # per class may not select on 100 per class (Oliver et al. 2018).
    selection: str = "best_val"
    # The network: cnn (two 3x3 conv blocks, max-pooling, a dense feature layer) or gap (three 5x5 conv blocks with
    # batch norm, global average pooling, no dense layer): a second scorer of another design, so that a success
    # rate's level is seen to depend on the scorer and only rankings carry conclusions.
    arch: str = "cnn"
    min_steps_per_epoch: int = 50     # tiny few-shot sets still get this many updates per epoch
    # > 0: a fixed number of steps per epoch whatever the data size, so every cell of a sweep gets the
    # same compute and differences come from the data, not from longer training.
    steps_per_epoch: int = 60
    # > 0 (with steps_per_epoch > 0): an epoch is at least this fraction of one pass over the run's own training
    # images, so a cell with many images is not cut short. The fixed 1,200 steps are 2.6 passes over 60,000 digits,
    # and real-only on all of them still gained +0.18 [+0.04, +0.33] points when the budget was doubled
    # (results/mix_ratios_budget, before this key); a few-shot cell's steps do not change.
    passes_per_epoch: float = 0.0


@dataclass(frozen=True)
class FixMatchConfig:
    # The semi-supervised baseline's step budget (study/fixmatch.py); its recipe (threshold 0.95, unlabelled ratio 7,
    # unlabelled weight 1, labelled batch 64: Sohn et al. 2020's published defaults) is fixed there as constants.
    # The network, learning rate and schedule are the downstream classifier's (classifier section). The budget is set
    # from measured speed, never from accuracy. `python -m experiments.bench fixmatch` (2 cores shared with other
    # work, load average 9-11; best of 2 interleaved rounds) measured a step (64 labelled + 448 unlabelled digits in
    # two views, 960 images through the network) at 0.72 s against 0.051 s for a downstream classifier step (batch
    # 128): 14 classifier steps, 1,340 against 2,520 images/s; 1,672 steps fit the 20 minutes per k = 10 run.
    # 1,000 steps (12 min at that speed) leave room for the pool's pseudo-labels (one forward pass over 59,000
    # digits) and a busier machine: the one-seed pilot, niced beside tests, trained them in 23 min.
    epochs: int = 10                 # epochs only structure the log (loss and mask rate per epoch)
    steps_per_epoch: int = 100


@dataclass(frozen=True)
class AugmentConfig:
    real_fraction: float = 1.0       # fraction of the real training split used
    real_per_class: int = 0          # if > 0, exactly this many real digits per class (overrides fraction)
    synth_fraction: float = 0.0      # synthetic count relative to 60,000 (class-balanced)
    synth_per_class: int = 0         # if > 0, exactly this many synthetic digits per class (overrides fraction)
    # How the cell uses digits: real | affine | mix | pretrain | filter | synthetic_only (strategies.STRATEGIES)
    strategy: str = "mix"
    # Which registered generator makes the synthetic digits (cgan_study.generators.REGISTRY)
    generator: str = "cgan"
    # coursework (GAN on all real) | low_data (GAN on the same subset) | semi_supervised (the cell's k labelled digits
    # per class plus every other training digit without its label: study/semi_supervised.py)
    protocol: str = "coursework"
    filter_threshold: float = 0.9    # confidence filter: keep samples the scorer agrees with above this


@dataclass(frozen=True)
class EvalConfig:
    n_samples: int = 10000
    # > 0: also score the generator of every training epoch on this many samples (stability over time); needs
    # an artifact built with its per-epoch snapshots (training.SNAPSHOT_DIR).
    epoch_samples: int = 0
    # > 0: a second, independently trained scorer of this width (seed second_scorer_seed) also gives a success
    # rate: two 99%+ scorers can disagree by points on generated digits of one class.
    second_scorer_width: int = 0
    second_scorer_seed: int = 1
    second_scorer_arch: str = "cnn"  # cnn | gap (classifier.build_classifier); the generators sweep uses gap
    # > 0: the reference-dependent metrics (FID, KID, precision/recall, density/coverage) are also computed against
    # this many real *training* digits (columns suffixed _train); every choice reads those. The test digits give
    # the unsuffixed, reported values only. 0 = test reference only (what runs before this key did).
    train_reference: int = 10000
    # True: also the classification accuracy score without the test digits. The downstream classifier (its budget
    # rule, final weights) trains on the n_samples scored samples and is scored on the validation split (cas_val),
    # beside the same classifier trained on as many real training digits (cas_val_real): a CAS that may choose.
    val_cas: bool = False
    # True: an augmentation cell also scores its downstream classifier on the validation split (val_accuracy), so a
    # budget check can judge convergence without the test digits. Full-data cells only: a few-shot cell may read no
    # labelled digit beyond its k per class (config refuses it).
    val_accuracy: bool = False
    metrics: tuple[str, ...] = ("success_rate", "inception_score", "fid", "kid",
                                "precision_recall", "density_coverage", "class_coverage", "confident_rate")


@dataclass(frozen=True)
class Experiment:
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    gan: GANConfig = field(default_factory=GANConfig)
    cvae: CVAEConfig = field(default_factory=CVAEConfig)
    ebgan: EBGANConfig = field(default_factory=EBGANConfig)
    pca: PCAConfig = field(default_factory=PCAConfig)
    guide: GuideConfig = field(default_factory=GuideConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    ssl_gan: SSLGANConfig = field(default_factory=SSLGANConfig)
    # The scorer trains on all real digits, one pass per epoch (steps_per_epoch=0), to >= 99% accuracy.
    # Budget rule (both classifiers): Adam, batch 128, linear warm-up then cosine decay to 0 over a fixed number
    # of steps. A constant rate leaves the classifier unconverged inside any affordable budget (97.9% after 300
    # steps), so the sweep would measure the budget, not the data. Early stopping on validation stays.
    # The scorer: one pass over all real digits per epoch, to >= 99.3% in under two minutes on 2 cores.
    scorer: ClassifierConfig = field(default_factory=lambda: ClassifierConfig(
        width=32, epochs=4, lr=3e-3, schedule="cosine", early_stopping_patience=0, steps_per_epoch=0))
    # The downstream classifier: 1,200 steps in every cell, or 4.8 passes over the cell's images where that is more
    # (0.8 passes per epoch apply from 16,000 training images; real-only on all 59,000 training digits: 2,214 steps).
    # It keeps its final weights and never sees the validation split (selection=final): no cell uses more labelled
    # digits than its own allowance, for training, stopping or selection.
    classifier: ClassifierConfig = field(default_factory=lambda: ClassifierConfig(
        epochs=6, lr=3e-3, schedule="cosine", steps_per_epoch=200, passes_per_epoch=0.8, early_stopping_patience=0,
        selection="final"))
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    fixmatch: FixMatchConfig = field(default_factory=FixMatchConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
