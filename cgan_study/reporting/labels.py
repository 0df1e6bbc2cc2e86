"""Readable names and numbers, made from columns for output only: a label is never parsed back.

Settings ('mix, cgan (low_data)'), GAN variants ('CGAN + VBN in G'), samplers, budget cells and search points are
named here from the columns and overrides that define them; the meaning stays in those columns.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cgan_study.study.presets import COLLAPSE_SETUP, DEFAULT_GENERATOR, WGAN_CLIP

COLLAPSE_MARK = " [collapsed]"  # appended to a row any of whose runs carries a collapse warning
COLLAPSE_TAG = "(collapse setup)"   # ends the name of the plain collapse setup
COLLAPSE_MITIGATED = "Collapse setup"   # begins the name of each of its mitigations ("Collapse setup + ...")
COLLAPSE_SHORT = "collapse setup"   # the setup named as a baseline


# --------------------------------------------------------------------------- numbers

def fmt(mean: float, std: float, n: int, scale: float = 100.0, digits: int = 2) -> str:
    """'98.12 ± 0.05 (n=3)'; a single run shows no spread rather than a fake zero."""
    if pd.isna(mean):
        return "--"
    if n <= 1 or pd.isna(std):
        return f"{mean * scale:.{digits}f} (n={n})"
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f} (n={n})"


def signed(value: float, digits: int = 2) -> str:
    """'+1.23' or '-1.23'; a value that rounds to zero is '+0.00', never '-0.00'."""
    text = f"{value:+.{digits}f}"
    return "+" + text[1:] if float(text) == 0 else text


def interval_bounds(low: float, high: float, digits: int = 2) -> tuple[str, str]:
    """The signed ends of an interval. An end of an interval that excludes 0 never prints as zero: it gets the
    digits it needs (at most two more), so '[-3.8, -0.05]' is not shown as '[-3.8, +0.0]', which reads as
    touching 0 while the verdict says it excludes it."""
    excludes = low > 0 or high < 0

    def end(value: float) -> str:
        text = signed(value, digits)
        for more in (1, 2):
            if not (excludes and float(text) == 0):
                break
            text = signed(value, digits + more)
        return text

    return end(low), end(high)


def fmt_difference(mean: float, low: float, high: float, n: int, scale: float = 100.0, digits: int = 2) -> str:
    """'+1.23 [+0.40, +2.06]*' (percentage points); * marks an interval that excludes 0."""
    if pd.isna(mean):
        return "--"
    if pd.isna(low):
        return f"{signed(mean * scale, digits)} (n={n})"
    mark = "*" if low > 0 or high < 0 else ""
    lo, hi = interval_bounds(low * scale, high * scale, digits)
    return f"{signed(mean * scale, digits)} [{lo}, {hi}]{mark}"


# --------------------------------------------------------------------------- settings (strategy, generator, protocol)

def uses_generator(strategy: str) -> bool:
    """Whether a strategy draws synthetic digits (an undeclared one is assumed to)."""
    from cgan_study.study.strategies import STRATEGIES

    known = STRATEGIES.get(strategy)
    return known is None or known.uses_generator


def setting_label(strategy: str, generator: str, protocol: str) -> str:
    """'real', or 'mix, cgan (low_data)': the generator and protocol matter only where synthetic digits are used."""
    if not uses_generator(strategy):
        return strategy
    return f"{strategy}, {generator} ({protocol})"


def readable_setting(strategy: str, generator: str | None, protocol: str | None) -> str:
    """A setting as tables and figures show it: the generator by its readable name ('mix, classifier-guided CGAN
    (coursework)'); the CSVs and setting_label keep the registry name."""
    from cgan_study.generators import display_name

    if not uses_generator(strategy):
        return str(strategy)
    return f"{strategy}, {display_name(generator)} ({protocol_name(protocol)})"


# Protocols as a reader sees them (the config's identifiers stay in the CSVs).
PROTOCOL_NAMES = {"coursework": "coursework", "low_data": "low-data", "semi_supervised": "semi-supervised"}


def protocol_name(protocol) -> str:
    return PROTOCOL_NAMES.get(str(protocol), str(protocol))


def setting_order(settings: pd.DataFrame) -> list[str]:
    """The `setting` labels of a frame with (setting, strategy, generator) columns: declared strategies first (in
    declaration order), generators in registry order; unknown ones last, sorted by label. Nothing is dropped."""
    from cgan_study.generators import REGISTRY
    from cgan_study.study.strategies import STRATEGIES

    strategies, generators = list(STRATEGIES), list(REGISTRY)

    def key(row) -> tuple:
        return (strategies.index(row.strategy) if row.strategy in strategies else len(strategies),
                generators.index(row.generator) if row.generator in generators else len(generators), row.setting)

    rows = settings[["setting", "strategy", "generator"]].drop_duplicates("setting")
    return [row.setting for row in sorted(rows.itertuples(index=False), key=key)]


def generator_order(names) -> list[str]:
    """Generators in registry order, unregistered ones last (sorted): none is dropped."""
    from cgan_study.generators import REGISTRY

    present = set(names)
    return [g for g in REGISTRY if g in present] + sorted(present - set(REGISTRY))


# --------------------------------------------------------------------------- GAN variants

LOSS_NAMES = {"ns": "non-saturating loss", "minimax": "minimax loss", "lsgan": "least-squares loss",
              "wgan": "WGAN loss (weight clipping)", "wgan_gp": "WGAN-GP loss", "hinge": "hinge loss",
              "dragan": "DRAGAN loss"}


def phrase(key: str, value, overrides: dict) -> str | None:
    """One override in words; None for keys folded into another phrase (D lr goes with G lr)."""
    short = key.split(".", 1)[-1]
    if key == "gan.label_smoothing":
        return f"one-sided label smoothing {float(value):g}"
    if key == "gan.vbn":
        return {"g": "VBN in G", "gd": "VBN in G and D", "off": "no VBN"}.get(value, f"vbn={value}")
    if key == "gan.d_norm":
        return {"spectral": "spectral norm in D", "batch": "batch norm in D", "none": "no norm in D"}.get(value)
    if key == "gan.d_steps":
        return f"{int(value)} D steps per G step"
    if key == "gan.loss":
        return LOSS_NAMES.get(value, f"{value} loss")
    if key == "gan.minibatch_discrimination":
        return "minibatch discrimination" if str(value).lower() in ("true", "1") else None
    if key == "gan.g_lr":
        d = overrides.get("gan.d_lr")
        ttur = d is not None and float(d) > float(value)  # D faster than G: the two time-scale update rule
        return ("TTUR, " if ttur else "") + f"G lr {float(value):g}" + (f" / D lr {float(d):g}" if d is not None else "")
    if key == "gan.d_lr":
        return None if "gan.g_lr" in overrides else f"D lr {float(value):g}"
    if key == "gan.beta_1":
        return f"Adam β1 {float(value):g}"
    if key == "gan.pack":
        return f"PacGAN{int(value)} (D judges {int(value)} samples at once)"
    if key == "gan.optimizer":
        return {"rmsprop": "RMSProp", "sgd": "SGD", "adam": "Adam"}.get(value, f"optimizer {value}")
    if key in ("gan.g_width", "gan.d_width"):
        return f"{'G' if key == 'gan.g_width' else 'D'} width {int(value)}"
    if key == "gan.latent_dim":
        return f"latent size {int(value)}"
    return f"{short}={value}"


@dataclass(frozen=True)
class VariantName:
    """A GAN variant in words: what it starts from (`head`), what it changes, and its part in the collapse study
    ('setup' for the collapse setup itself, 'mitigation' for a change to it, '' otherwise)."""
    generator: str
    head: str                       # 'CGAN', 'Collapse setup', or the collapse setup's full name
    changes: tuple[str, ...] = ()   # 'one-sided label smoothing 0.25', 'VBN in G'
    collapse: str = ""

    @property
    def label(self) -> str:
        return self.head + (" + " + self.change if self.changes else "")

    @property
    def change(self) -> str:
        return ", ".join(self.changes)

    @property
    def in_sentence(self) -> str:
        """The label mid-sentence: 'Collapse setup + ...' loses its capital."""
        return "c" + self.label[1:] if self.collapse == "mitigation" else self.label

    @property
    def as_baseline(self) -> str:
        """How the variant is named when others are compared with it."""
        return COLLAPSE_SHORT if self.collapse == "setup" else self.label

    def against(self, baseline: VariantName) -> str:
        """This variant named against its baseline: by what it changes where it is the baseline plus changes
        ('VBN in G' against the CGAN), else in full ('AC-GAN')."""
        if self.changes and baseline.collapse == "setup":
            return self.change if self.collapse == "mitigation" else self.label
        if self.changes and not self.collapse and not baseline.collapse and not baseline.changes and \
                self.head == baseline.head:
            return self.change
        return self.label

    @property
    def rank(self) -> int:
        """Table order: the default CGAN, its tricks and losses, the other conditional models, the plain DCGAN,
        the collapse setup, its mitigations."""
        if self.collapse == "setup":
            return 4
        if self.collapse == "mitigation":
            return 5 if self.changes else 2
        if self.generator == DEFAULT_GENERATOR:
            return 1 if self.changes else 0
        return 3 if self.generator == "dcgan" else 2


def _same(a, b) -> bool:
    try:
        return a is not None and abs(float(a) - float(b)) < 1e-12
    except (TypeError, ValueError):
        return False


def variant_name(overrides: dict) -> VariantName:
    """A run's overrides (seed and generator aside) in words. The collapse setup (presets.COLLAPSE_SETUP) is named
    once in full; its mitigations read 'Collapse setup + minibatch discrimination'."""
    from cgan_study.generators import display_name

    generator = overrides.get("augment.generator", overrides.get("gan.family", DEFAULT_GENERATOR))
    base, collapse = str(display_name(generator)), ""
    skip = {"seed", "augment.generator", "gan.family"}
    if _same(overrides.get("gan.beta_1"), COLLAPSE_SETUP["gan.beta_1"]) and "gan.g_lr" in overrides:
        # The collapse setup, or the setup with its learning rates rebalanced (the TTUR mitigation).
        full = f"{base}, G lr 5e-3 / D lr 1e-4, β1 0.9 {COLLAPSE_TAG}"
        base, collapse = COLLAPSE_MITIGATED, "mitigation"
        skip.add("gan.beta_1")
        if all(_same(overrides.get(k), COLLAPSE_SETUP[k]) for k in ("gan.g_lr", "gan.d_lr")):
            skip |= {"gan.g_lr", "gan.d_lr"}
        if not [k for k in overrides if k not in skip]:
            return VariantName(generator, full, (), "setup")
    prefix = []
    if all(_same(overrides.get(k), v) if k != "gan.loss" and k != "gan.optimizer" else overrides.get(k) == v
           for k, v in WGAN_CLIP.items()):
        prefix = ["WGAN loss (weight clipping, as published: RMSProp 5e-5, 5 D steps)"]
        skip |= set(WGAN_CLIP)
    parts = prefix + [p for key, value in overrides.items()
                      if key not in skip and (p := phrase(key, value, overrides))]
    return VariantName(generator, base, tuple(parts), collapse)


def variant_label(overrides: dict) -> str:
    """'CGAN + one-sided label smoothing 0.25' from a run's overrides (variant_name's label)."""
    return variant_name(overrides).label


def search_label(overrides: dict) -> str:
    """'G 64, D 32, z 64, lr 2e-4 / 2e-4' for a search point."""
    g, d = overrides.get("gan.g_width"), overrides.get("gan.d_width")
    z, glr, dlr = overrides.get("gan.latent_dim"), overrides.get("gan.g_lr"), overrides.get("gan.d_lr")
    return f"G {int(g)}, D {int(d)}, z {int(z)}, lr {float(glr):g} / {float(dlr):g}"


# --------------------------------------------------------------------------- samplers and budget cells

def sampler_label(sampler: str, steps: int, eta: float, guidance: float, T: int) -> str:
    if sampler == "ddpm":
        return f"DDPM, {T} steps"
    label = f"DDIM, {int(steps)} steps"
    return label + (f", eta {eta:g}" if eta else "") + (f", guidance {guidance:g}" if guidance else "")


def budget_cell_label(real_per_class: int, real_fraction: float, synth: float, protocol: str,
                      noun: str = "digits") -> str:
    if real_per_class > 0:
        return f"k={int(real_per_class)} + {round(synth * 6000):,} synthetic per class ({protocol_name(protocol)})"
    return f"real only, {real_fraction:.0%} of real {noun}"


def generator_macro(prefix: str, generator: str) -> str:
    """A LaTeX macro name for one generator's number: ('lowDataSuccess', 'guided_cgan') -> 'lowDataSuccessGuidedCgan'."""
    return prefix + "".join(part.capitalize() for part in str(generator).split("_"))
