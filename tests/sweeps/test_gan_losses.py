"""gan_losses: the colour assignments' GANs on the icons, declared on that dataset only; the default CGAN is the
generators sweep's model (same point, so the same cached artifact); each arm pairs with it seed by seed under its
own names, and nothing in it chooses the study's CGAN."""
from __future__ import annotations

import pandas as pd
import pytest

from cgan_study.runtime.grid import name_runs
from cgan_study.sweeps import SWEEPS, comparisons


def test_the_arms_are_the_default_cgan_its_stabilisers_wgan_gp_sngan_and_the_dcgan_at_three_seeds_on_icons():
    sweep = SWEEPS["gan_losses"]
    assert sweep.datasets == ("icons",)   # never run into MNIST's tree
    points = [point for _, point in name_runs(sweep.grid("quick"))]
    assert len(points) == 15 and {p["seed"] for p in points} == {0, 1, 2}
    arms = {tuple(sorted((k, v) for k, v in p.items() if k != "seed")) for p in points}
    assert arms == {(("augment.generator", "cgan"),),
                    (("augment.generator", "cgan"), ("gan.d_steps", 2), ("gan.label_smoothing", 0.25), ("gan.vbn", "g")),
                    (("augment.generator", "cgan"), ("gan.loss", "wgan_gp")),
                    (("augment.generator", "cgan"), ("gan.d_norm", "spectral"), ("gan.loss", "hinge")),
                    (("augment.generator", "dcgan"),)}
    # the default CGAN is the generators sweep's point with its scoring: one artifact, trained once
    generators = [p for _, p in name_runs(SWEEPS["generators"].grid("quick"))]
    assert all(p in generators for p in points if len(p) == 2 and p["augment.generator"] == "cgan")
    assert sweep.overrides("quick") == SWEEPS["generators"].overrides("quick")


def _runs(generator: str, arms: dict) -> list[dict]:
    return [{"run": f"{generator}-{name}-seed{s}", "cfg.experiment.seed": s, "fid_train": fid,
             "success_rate": 0.8 if generator == "cgan" else float("nan"), "cfg.experiment.augment.generator": generator,
             "train_reference_n": 1088, "cfg.dataset_sha256": "unknown", **overrides}
            for name, (overrides, fids) in arms.items() for s, fid in enumerate(fids)]


def test_its_report_pairs_each_arm_with_the_default_cgan_names_them_and_decides_nothing(tmp_path, monkeypatch):
    from cgan_study.reporting import variants

    frame = pd.DataFrame(_runs("cgan", {"default": ({}, [20.0, 22.0, 24.0]),
                                        "wgan": ({"cfg.overrides.gan.loss": "wgan_gp"}, [30.0, 32.1, 33.9]),
                                        "sn": ({"cfg.overrides.gan.loss": "hinge", "cfg.overrides.gan.d_norm": "spectral"},
                                               [21.0, 21.0, 25.0])})
                         + _runs("dcgan", {"default": ({}, [60.0, 70.0, 80.0])}))
    monkeypatch.setattr(variants, "finished_runs", lambda _: frame)
    tables = SWEEPS["gan_losses"].report(tmp_path)
    assert set(tables) == {"gan_losses_paired", "gan_losses_means"}   # no study_cgan: the rule is MNIST's
    assert not (tmp_path / "tables" / "study_cgan.csv").exists()
    fid = tables["gan_losses_paired"].query("metric == 'fid_train'").set_index("label")
    assert fid.loc["WGAN-GP loss", "mean_diff"] == pytest.approx(10.0) and fid.loc["WGAN-GP loss", "m"] == 2
    assert fid.loc["SNGAN (hinge, spectral norm)", "mean_diff"] == pytest.approx(1 / 3)
    tex = (tmp_path / "tables" / "gan_losses_paired.tex").read_text()
    assert "against 1,088 training images" in tex   # the folder's reference, not MNIST's 10,000 digits
    means = tables["gan_losses_means"].set_index("label")
    assert means.loc["default DCGAN", "fid_train"] == pytest.approx(70.0)
    claimed = comparisons(tables)
    assert claimed["gan_losses/wgan-gp-loss/fid_train"].verdict == "worse"
    assert claimed["gan_losses/sngan-hinge-spectral-norm/fid_train"].verdict == "inconclusive"
