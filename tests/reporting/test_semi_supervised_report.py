"""The semi-supervised sweep's report on a hand-made summary: every arm against real only, and every other arm
against the FixMatch baseline, each a family of its own with the k = 10 margin."""
from __future__ import annotations

import pandas as pd
import pytest

from cgan_study.reporting import multiplicity as M
from cgan_study.reporting import semi_supervised


P = "cfg.experiment."   # summary.csv's prefix of a config key


def _run(strategy: str, protocol: str, acc: float, seed: int) -> dict:
    return {"run": f"{strategy}-{protocol}-seed{seed}", "status": "done", "test_accuracy": acc,
            f"{P}augment.strategy": strategy, f"{P}augment.generator": "cgan", f"{P}augment.protocol": protocol,
            f"{P}augment.real_per_class": 10, f"{P}augment.real_fraction": 1.0, f"{P}augment.synth_fraction": 0.1,
            f"{P}seed": seed}


def test_the_report_pairs_every_arm_with_real_only_and_with_the_fixmatch_baseline(tmp_path):
    # Three seeds. real 0.80 + 0.01 s; fixmatch +0.15 every seed (zero-width interval: helps against real);
    # fixmatch_mix equals fixmatch +0.001 / -0.001 / 0 (mean 0, inside the +-2-point margin: equivalent to the
    # baseline); ssl_gan +0.05 over real (so -0.10 against the baseline every seed: hurts).
    rows = []
    for s in range(3):
        real = 0.80 + 0.01 * s
        rows += [_run("real", "coursework", real, s), _run("fixmatch", "semi_supervised", real + 0.15, s),
                 _run("fixmatch_mix", "semi_supervised", real + 0.15 + (0.001, -0.001, 0.0)[s], s),
                 _run("ssl_gan", "semi_supervised", real + 0.05, s)]
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    out = semi_supervised.semi_supervised_report(tmp_path)

    vs_real = out["semi_supervised_paired_long"].set_index("setting")
    assert set(vs_real["m"]) == {3} and set(vs_real["n"]) == {3}
    assert vs_real.loc["fixmatch", "mean_diff"] == pytest.approx(0.15)
    assert vs_real.loc["fixmatch", "verdict"] == M.HELPS

    vs_base = out["semi_supervised_vs_fixmatch_long"].set_index("setting")
    assert "fixmatch" not in vs_base.index and set(vs_base["m"]) == {2}   # the baseline is the reference
    mix = vs_base.loc["fixmatch_mix, cgan (semi_supervised)"]
    # differences +0.001, -0.001, 0: mean 0, sd 0.001, se 0.000577; Bonferroni m = 2 at n = 3: t_(0.9875, 2) =
    # 6.205 -> +-0.00358, far inside the 0.02 margin: equivalent.
    assert mix["mean_diff"] == pytest.approx(0.0, abs=1e-12)
    assert (mix["low_adjusted"], mix["high_adjusted"]) == pytest.approx((-0.0035825, 0.0035825), abs=2e-6)
    assert mix["verdict"] == M.EQUIVALENT
    assert vs_base.loc["ssl_gan", "mean_diff"] == pytest.approx(-0.10) and vs_base.loc["ssl_gan", "verdict"] == M.HURTS
    tex = (tmp_path / "tables" / "semi_supervised_vs_fixmatch.tex").read_text()
    assert "to the FixMatch baseline with the same" in tex
    assert (tmp_path / "tables" / "semi_supervised_paired.csv").exists()


def test_the_sweep_declares_this_report(monkeypatch, tmp_path):
    from cgan_study.sweeps import SWEEPS

    called = []
    monkeypatch.setattr(semi_supervised, "semi_supervised_report", lambda sweep_dir: called.append(sweep_dir) or {})
    SWEEPS["semi_supervised"].report(tmp_path)
    assert called == [tmp_path]
