"""Report tables against a hand-made summary with known paired intervals (t(0.975, 2) = 4.302653).

Three seeds per arm, so each paired 95% t-interval is mean +- 4.302653 * sd / sqrt(3): a seed-to-seed sd of one
point gives a half-width of 2.48 points; differences that are the same on every seed give a zero-width interval.
"""
import pandas as pd
import pytest

from cgan_study.reporting import (
    budget,
    diffusion,
    generators,
    mix_ratios,
    multiplicity,
    stats,
    tricks,
)

P = "cfg.experiment."
T2 = 4.302653


def _row(strategy, generator, protocol, k, acc, seed, real_fraction=1.0, synth=0.1):
    return {"run": f"{strategy}-{generator}-{protocol}-k{k}-{real_fraction}-{synth}-{seed}", "status": "done",
            "test_accuracy": acc, f"{P}augment.strategy": strategy, f"{P}augment.generator": generator,
            f"{P}augment.protocol": protocol, f"{P}augment.real_per_class": k,
            f"{P}augment.real_fraction": real_fraction, f"{P}augment.synth_fraction": synth, f"{P}seed": seed}


REAL = (0.80, 0.82, 0.81)
LOW_DATA = (-0.05, -0.06, -0.04)      # hurts: mean -5, half-width 4.302653 * 0.01 / sqrt(3) = 2.48 points
COURSEWORK = (0.01, -0.01, 0.03)      # no detectable effect: mean +1, half-width 4.97 points
AFFINE = (0.05, 0.06, 0.07)           # helps: mean +6, half-width 2.48 points


@pytest.fixture
def tables(tmp_path):
    rows = []
    for seed, base in enumerate(REAL):
        rows += [_row("real", "cgan", "coursework", 10, base, seed),
                 _row("mix", "cgan", "low_data", 10, base + LOW_DATA[seed], seed),
                 _row("mix", "cgan", "coursework", 10, base + COURSEWORK[seed], seed),
                 _row("affine", "cgan", "coursework", 10, base + AFFINE[seed], seed),
                 _row("mix", "pca", "low_data", 10, base - 0.01, seed),
                 _row("mix", "diffusion", "low_data", 10, base + LOW_DATA[seed] + 0.02, seed)]
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    return mix_ratios.mix_ratio_report(tmp_path)


def test_verdicts_follow_the_interval_not_the_mean():
    assert multiplicity.four_way(0.001, 0.02, float("nan"), 1) == multiplicity.HELPS
    assert multiplicity.four_way(-0.02, -0.001, float("nan"), 1) == multiplicity.HURTS
    # a large mean with an interval over 0 is no finding
    assert multiplicity.four_way(-0.001, 0.5, 0.4, 1) == multiplicity.INCONCLUSIVE
    assert multiplicity.four_way(float("nan"), float("nan"), float("nan"), 0) == multiplicity.TOO_FEW


def test_few_shot_paired_long_carries_each_arms_hand_computed_interval(tables):
    few = tables["few_shot_paired_long"]
    few = few[few["k"] == 10].set_index(["strategy", "generator", "protocol"])
    half = T2 * 0.01 / 3 ** 0.5

    def arm(strategy, generator, protocol):
        row = few.loc[(strategy, generator, protocol)]
        return float(row["mean_diff"]), float(row["low"]), float(row["high"]), int(row["n"])

    assert arm("mix", "cgan", "low_data") == pytest.approx((-0.05, -0.05 - half, -0.05 + half, 3))
    coursework = arm("mix", "cgan", "coursework")
    assert coursework[0] == pytest.approx(0.01) and coursework[1] < 0 < coursework[2]   # no detectable effect
    assert few.loc[("mix", "cgan", "coursework"), "verdict"] == multiplicity.INCONCLUSIVE
    affine = few.xs("affine", level="strategy").iloc[0]
    assert (affine["mean_diff"], affine["low"], affine["high"], affine["n"]) == \
        pytest.approx((0.06, 0.06 - half, 0.06 + half, 3))
    # PCA's arm is -1 point on every seed: a zero-width interval below 0, the best of the low-data arms.
    assert arm("mix", "pca", "low_data") == pytest.approx((-0.01, -0.01, -0.01, 3))
    low = few.reset_index()
    low = low[low["protocol"] == "low_data"]
    assert tuple(low.loc[low["mean_diff"].idxmax(), ["strategy", "generator"]]) == ("mix", "pca")


def test_few_shot_runs_pair_two_arms_seed_by_seed(tables):
    runs = tables["few_shot_runs"]
    runs = runs[runs["k"] == 10]

    def minus(a, b):
        diffs = stats.paired_differences(runs[runs["setting"] == a], runs[runs["setting"] == b], ["k", "seed"],
                                         ["setting"])
        assert len(diffs) == 1
        return diffs.iloc[0]

    # affine minus the PCA arm, seed by seed: +6, +7, +8 points, mean +7, half-width 2.48 points
    half = T2 * 0.01 / 3 ** 0.5
    row = minus("affine", "mix, pca (low_data)")
    assert (row["mean_diff"], row["low"], row["high"], row["n"]) == pytest.approx((0.07, 0.07 - half, 0.07 + half, 3))
    # diffusion minus CGAN, both low-data: +2 points every seed
    row = minus("mix, diffusion (low_data)", "mix, cgan (low_data)")
    assert (row["mean_diff"], row["low"], row["high"], row["n"]) == pytest.approx((0.02, 0.02, 0.02, 3))
    # the arms that did not run have no table
    assert "cas_paired_long" not in tables and "mix_grid_paired_long" not in tables


def test_few_shot_paired_table_against_hand_computed_cells(tables):
    paired = tables["few_shot_paired"]
    paired = paired[paired["k"] == 10].set_index("strategy, generator (protocol)")
    half = T2 * 0.01 / 3 ** 0.5 * 100
    # Five arms against real only at k = 10: m = 5, Bonferroni two-sided tail 0.01 at 2 degrees of freedom:
    # t = 0.99 * sqrt(2 / (0.01 * 1.99)) = 9.924843, so a one-point seed sd gives +-9.924843 / sqrt(3) = 5.73 points.
    adjusted = 9.924843 * 0.01 / 3 ** 0.5 * 100
    low_data = paired.loc["mix, CGAN (low-data)"]
    assert (low_data["n"], low_data["m"], low_data["mean"]) == (3, "5", "-5.00")
    assert low_data["95% interval"] == f"[{-5 - half:+.2f}, {-5 + half:+.2f}]"
    assert low_data["adjusted interval"] == f"[{-5 - adjusted:+.2f}, {-5 + adjusted:+.2f}]"
    assert low_data["verdict"] == "inconclusive"   # excluded from 0 at 95%, not over the family of five
    assert paired.loc["affine", "adjusted interval"] == f"[{6 - adjusted:+.2f}, {6 + adjusted:+.2f}]"
    assert paired.loc["affine", "verdict"] == "helps" and paired.loc["mix, PCA (low-data)", "verdict"] == "hurts"
    assert paired.loc["mix, CGAN (coursework)", "verdict"] == "inconclusive"   # +-2 margin: far too wide to say
    assert paired.loc["affine", "margin"] == "±2"


def test_budget_report_marks_convergence_from_the_doubled_budget(tmp_path):
    rows = []
    for seed in range(3):
        for epochs, acc in ((3, 0.985), (6, 0.990), (12, 0.991 + seed * 1e-4)):
            row = _row("mix", "cgan", "coursework", 0, acc, seed, synth=0.0)
            row.update({"run": f"e{epochs}-{seed}", f"{P}classifier.epochs": epochs,
                        f"{P}classifier.steps_per_epoch": 200})
            rows.append(row)
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    tables = budget.budget_report(tmp_path)
    assert list(tables["budget_check"].columns[:5]) == ["cell", "steps at the rule", "halved budget", "rule budget",
                                                        "doubled budget"]
    assert list(tables["budget_check"]["steps at the rule"]) == [1200]
    long = tables["budget_check_paired_long"]
    paired = long.set_index(f"{P}classifier.epochs")
    assert paired.loc[12, "mean_diff"] == pytest.approx(0.0011) and bool(paired.loc[12, "converged"])
    assert paired.loc[3, "mean_diff"] == pytest.approx(-0.005)
    assert bool(paired.loc[12, "converged"]) and paired.loc[12, "branch"] == "small move"
    # only the doubled budget is judged, and every judged cell converged (none on the noisy-cell branch)
    judged = long[long["converged"].notna()]
    assert len(judged) == 1 and judged["converged"].astype(bool).all()
    assert not (judged["branch"] == "noisy cell").any()
    assert "1 of 1 cells converged" in (tmp_path / "tables" / "budget_check.tex").read_text()


def test_the_validation_budget_check_judges_validation_accuracy_and_never_the_test_digits(tmp_path):
    """mix_ratios_budget_val: the same rule on val_accuracy. The test accuracies here say 'not converged' (doubling
    gains 0.5 points); the validation ones converge (+0.05): the verdict must follow the validation column."""
    rows = []
    for seed in range(3):
        for epochs, test_acc, val_acc in ((3, 0.980, 0.970), (6, 0.985, 0.980), (12, 0.990, 0.9805)):
            row = _row("mix", "cgan", "coursework", 0, test_acc, seed, synth=0.0)
            row.update({"run": f"e{epochs}-{seed}", f"{P}classifier.epochs": epochs, "val_accuracy": val_acc,
                        f"{P}classifier.steps_per_epoch": 200})
            rows.append(row)
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    tables = budget.budget_report(tmp_path, metric="val_accuracy")
    paired = tables["budget_check_val_paired_long"].set_index(f"{P}classifier.epochs")
    assert paired.loc[12, "mean_diff"] == pytest.approx(0.0005, abs=1e-9) and bool(paired.loc[12, "converged"])
    assert paired.loc[3, "mean_diff"] == pytest.approx(-0.010, abs=1e-9)
    assert list(tables["budget_check_val"]["rule budget"]) == ["98.00 ± 0.00 (n=3)"]
    assert "validation digits" in (tmp_path / "tables" / "budget_check_val.tex").read_text()
    assert not (tmp_path / "tables" / "budget_check.tex").exists()
    on_test = budget.budget_report(tmp_path)   # the same runs judged on the test digits: not converged
    assert not bool(on_test["budget_check_paired_long"].set_index(f"{P}classifier.epochs").loc[12, "converged"])
    pd.DataFrame(rows).drop(columns="val_accuracy").to_csv(tmp_path / "summary.csv", index=False)
    with pytest.raises(ValueError, match="eval.val_accuracy"):
        budget.budget_report(tmp_path, metric="val_accuracy")


def test_trick_verdicts_judge_each_variant_by_its_paired_interval_and_the_metrics_direction():
    fid = {"metric": "fid", "scale": 1.0, "lower_is_better": True}
    success = {"metric": "success_rate", "scale": 100.0, "lower_is_better": False}

    def row(variant, metric, mean, low, high, n):
        return {"variant": variant.lower(), "label": f"CGAN + {variant}", "change": variant, "baseline": "cgan",
                "baseline_name": "CGAN", **metric, "mean_diff": mean, "low": low, "high": high, "n": n}

    paired = pd.DataFrame([row("A", fid, -2.0, -3.0, -1.0, 3), row("B", fid, 2.0, 1.0, 3.0, 3),
                           row("C", fid, 0.5, -1.0, 2.0, 3),
                           row("D", fid, -9.0, float("nan"), float("nan"), 1),   # one seed: no verdict
                           row("A", success, 0.01, -0.01, 0.03, 3)])
    paired = multiplicity.family_table(paired, ["baseline", "metric"], label="variant", margin=None)
    # FID: a family of 3 (D has no interval). se = 1 / 4.302653 = 0.232415; Bonferroni t (tail 0.05/3, 2 df)
    # = 7.648804, half-width 1.777699: A -2 -> [-3.78, -0.22] (lower FID: better), B its mirror, C inside noise.
    assert list(paired["m"]) == [3, 3, 3, 0, 1]
    assert paired.loc[0, "high_adjusted"] == pytest.approx(-2 + 1.777699, abs=1e-5)
    assert tricks.trick_verdicts(paired) == {"a": "helps: FID", "b": "hurts: FID", "c": "inconclusive",
                                             "d": "one seed"}
    assert multiplicity.improvement(multiplicity.HURTS, True) == multiplicity.HELPS
    assert multiplicity.improvement(multiplicity.HELPS, False) == multiplicity.HELPS


def test_samplers_against_ddpm_use_the_binomial_interval_and_name_the_speed_up():
    d = "cfg.experiment.diffusion."
    frame = pd.DataFrame([
        {"run": "ddpm", "success_rate": 0.98, "n_samples": 1000, "sample_seconds_per_1000": 1000.0,
         d + "sampler": "ddpm", d + "sample_steps": 50, d + "eta": 0.0, d + "guidance": 0.0},
        {"run": "S10", "success_rate": 0.95, "n_samples": 1000, "sample_seconds_per_1000": 10.0,
         d + "sampler": "ddim", d + "sample_steps": 10, d + "eta": 0.0, d + "guidance": 0.0},
        {"run": "S50", "success_rate": 0.98, "n_samples": 1000, "sample_seconds_per_1000": 50.0,
         d + "sampler": "ddim", d + "sample_steps": 50, d + "eta": 0.0, d + "guidance": 0.0},
        {"run": "S50w1", "success_rate": 0.99, "n_samples": 1000, "sample_seconds_per_1000": 100.0,
         d + "sampler": "ddim", d + "sample_steps": 50, d + "eta": 0.0, d + "guidance": 1.0, "fid": 12.5},
        {"run": "S20eta1", "success_rate": 0.97, "n_samples": 1000, "sample_seconds_per_1000": 20.0,
         d + "sampler": "ddim", d + "sample_steps": 20, d + "eta": 1.0, d + "guidance": 0.0},
    ])
    frame.loc[0, "fid"] = 8.0
    vs = diffusion.sampler_vs_ddpm(frame).set_index("run")
    assert "ddpm" not in vs.index
    half = 1.959964 * ((0.98 * 0.02 + 0.95 * 0.05) / 1000) ** 0.5
    assert vs.loc["S10", "speedup"] == pytest.approx(100.0)
    assert vs.loc["S10", "low"] == pytest.approx(-0.03 - half) and vs.loc["S10", "high"] == pytest.approx(-0.03 + half)
    # below DDPM's
    assert multiplicity.four_way(vs.loc["S10", "low"], vs.loc["S10", "high"], float("nan"), 1) == multiplicity.HURTS
    # the same success rate: an interval around 0, 20 times faster
    assert vs.loc["S50", "speedup"] == pytest.approx(20.0) and vs.loc["S50", "diff"] == pytest.approx(0.0)
    assert vs.loc["S50", "low"] < 0 < vs.loc["S50", "high"]
    assert (vs.loc["S20eta1", "speedup"], vs.loc["S20eta1", "steps"], vs.loc["S20eta1", "eta"]) == \
        pytest.approx((50.0, 20, 1.0))
    # the guided row carries DDPM's success and FID beside its own: +1 point is noise
    guided = vs[vs["guidance"] > 0]
    assert list(guided.index) == ["S50w1"]
    assert guided.loc["S50w1", ["base_success", "base_fid", "fid", "diff"]].tolist() == \
        pytest.approx([0.98, 8.0, 12.5, 0.01])
    assert multiplicity.four_way(guided.loc["S50w1", "low"], guided.loc["S50w1", "high"], float("nan"), 1) == \
        multiplicity.INCONCLUSIVE
    assert vs.loc[vs["guidance"] == 0, "fid"].isna().all()


def test_a_variant_is_named_by_what_it_changes_against_its_baseline():
    from cgan_study.reporting.labels import variant_name
    from cgan_study.study.presets import COLLAPSE, WGAN_CLIP

    cgan, setup = variant_name({"augment.generator": "cgan"}), variant_name(COLLAPSE)
    wgan = variant_name({"augment.generator": "cgan", **WGAN_CLIP, "gan.d_steps": 3})
    changed = "WGAN loss (weight clipping), RMSProp, G lr 5e-05 / D lr 5e-05, 3 D steps per G step"
    assert (wgan.against(cgan), cgan.as_baseline) == (changed, "CGAN")
    assert variant_name({"augment.generator": "acgan"}).against(cgan) == "AC-GAN"
    pack = variant_name({**COLLAPSE, "gan.pack": 2})
    assert (pack.against(setup), setup.as_baseline) == ("PacGAN2 (D judges 2 samples at once)", "collapse setup")
    assert setup.against(variant_name({"augment.generator": "dcgan"})) == setup.label   # named in full


def test_generators_table_names_each_generator_readably_with_its_mean_fid(tmp_path):
    rows = []
    for gen, fids, successes in (("guided_cgan", (20.0, 18.0), (0.99, 0.99)), ("cgan", (9.0, 9.2), (0.98, 0.99))):
        for seed in (0, 1):
            rows.append({"run": f"{gen}-seed{seed}", "status": "done", f"{P}augment.generator": gen,
                         f"{P}seed": seed, "success_rate": successes[seed], "inception_score": 9.0,
                         "fid": fids[seed], "precision": 0.8, "recall": 0.5, "classes_covered": 10,
                         "gan.train_seconds": 60.0, "fid_real_reference": 1.65})
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    out = generators.generators_report(tmp_path)
    table = out["generators"].set_index("generator")
    assert list(table.index) == ["CGAN", "classifier-guided CGAN"]
    assert table.loc["CGAN", "FID"].startswith("9.1 ± ") and table.loc["classifier-guided CGAN", "FID"] == "19.0 ± 1.4"
    runs = out["generators_runs"]
    # by mean FID the CGAN (9.1) ranks before the classifier-guided CGAN (19.0); real digits reach 1.6
    assert runs.groupby("generator")["fid"].mean().sort_values().round(1).to_dict() == {"cgan": 9.1,
                                                                                        "guided_cgan": 19.0}
    assert f"{runs['fid_real_reference'].mean():.1f}" == "1.6"


def _scored(run, generator, seed, guidance, success, fid, steps=20):
    d = "cfg.experiment."
    return {"run": run, "status": "done", "success_rate": success, "fid": fid, "precision": 0.7, "recall": 0.8,
            "n_samples": 10000, d + "augment.generator": generator, d + "seed": seed,
            d + "diffusion.guidance": guidance, d + "diffusion.sample_steps": steps, d + "diffusion.eta": 1.0,
            d + "diffusion.width": 32, d + "diffusion.epochs": 10}


def test_guidance_target_pairs_guided_rows_with_the_same_seeds_unguided_and_the_cgans_mean(tmp_path):
    generators_dir, guided = tmp_path / "generators", tmp_path / "diffusion_guidance"
    generators_dir.mkdir()
    guided.mkdir()
    pd.DataFrame([_scored("cgan-seed0", "cgan", 0, 0.0, 0.98, 9.0), _scored("cgan-seed1", "cgan", 1, 0.0, 0.99, 10.0),
                  # seed 1's diffusion row is another model than the guided runs sampled: it must not enter
                  _scored("diffusion-seed0", "diffusion", 0, 0.0, 0.92, 6.0),
                  _scored("diffusion-seed1", "diffusion", 1, 0.0, 0.50, 99.0),
                  # seed 0 by another sampler: another set of samples, not the guided rows' unguided partner
                  _scored("diffusion-S10-seed0", "diffusion", 0, 0.0, 0.10, 50.0, steps=10)]).to_csv(
        generators_dir / "summary.csv", index=False)
    pd.DataFrame([_scored("w0.50", "diffusion", 0, 0.5, 0.984, 8.0),
                  _scored("w0.75", "diffusion", 0, 0.75, 0.99, 9.2),
                  _scored("w1.00", "diffusion", 0, 1.0, 0.995, 9.4)]).to_csv(guided / "summary.csv", index=False)
    out = diffusion.diffusion_guidance_report(guided)
    long = out["guidance_target_long"].set_index("guidance")
    assert list(long.index) == [0.0, 0.5, 0.75, 1.0]
    assert long.loc[0.0, "success_rate"] == pytest.approx(0.92) and long.loc[0.0, "seeds"] == "0"
    assert long["cgan_fid"].iloc[0] == pytest.approx(9.5) and long["cgan_success_rate"].iloc[0] == pytest.approx(0.985)
    assert list(out["guidance_target"]["guidance w"]) == ["0", "0.5", "0.75", "1", "CGAN (n = 2)"]
    # each scale's own numbers, from the model of seed 0 alone, at the generators table's sample size
    assert list(long["success_rate"]) == pytest.approx([0.92, 0.984, 0.99, 0.995])
    assert list(long["fid"]) == pytest.approx([6.0, 8.0, 9.2, 9.4])
    assert set(long["seeds"]) == {"0"} and set(long["n_samples"]) == {10000}


def test_cas_paired_long_pairs_each_generator_with_real_only_seed_by_seed(tmp_path):
    rows = []
    for seed, base in enumerate((0.99, 0.98, 0.97)):
        rows += [_row("mix", "cgan", "coursework", 0, base, seed, real_fraction=1.0, synth=0.0),
                 _row("synthetic_only", "cgan", "coursework", 0, base - 0.04, seed, synth=1.0),
                 _row("synthetic_only", "diffusion", "coursework", 0, base - 0.02 + 0.01 * (seed == 1), seed,
                      synth=1.0),
                 _row("synthetic_only", "pca", "coursework", 0, base - 0.03, seed, synth=1.0)]
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    tables = mix_ratios.mix_ratio_report(tmp_path)
    cas = tables["cas_paired_long"].set_index("generator")
    # CGAN digits alone: -4 points on every seed, a zero-width interval below 0
    assert cas.loc["cgan", ["mean_diff", "low", "high", "n"]].tolist() == pytest.approx([-0.04, -0.04, -0.04, 3])
    assert multiplicity.four_way(cas.loc["cgan", "low"], cas.loc["cgan", "high"], float("nan"), 1) == multiplicity.HURTS
    # diffusion: -2, -1, -2 points (mean -1.67), the highest of the three generators
    assert cas.loc["diffusion", "mean_diff"] == pytest.approx(-0.05 / 3) and cas["mean_diff"].idxmax() == "diffusion"
    assert cas.loc["pca", "mean_diff"] == pytest.approx(-0.03)
    shown = tables["cas"].set_index("training data")["vs real only (points)"]
    assert shown["synthetic only (60,000 cgan digits)"].startswith("-4.00")
    assert shown["synthetic only (60,000 diffusion digits)"].startswith("-1.67")


def _recipe(seed, width, steps, guidance, fid_train, cas_val, train_seconds=600.0, sample=10.0):
    d = "cfg.experiment."
    return {"run": f"w{width}-S{steps}-g{guidance}-seed{seed}", "status": "done", "fid_train": fid_train,
            "recall_train": 0.8, "success_rate": 0.9, "cas_val": cas_val, "n_samples": 10000,
            "gan.train_seconds": train_seconds, "sample_seconds_per_1000": sample, d + "seed": seed,
            d + "augment.generator": "diffusion", d + "diffusion.width": width, d + "diffusion.epochs": 10,
            d + "diffusion.sample_steps": steps, d + "diffusion.guidance": guidance}


def test_diffusion_recipes_adopt_the_cheapest_candidate_within_todays_interval(tmp_path):
    rows = []
    for seed in range(3):
        rows += [_recipe(seed, 32, 20, 0.0, 6.0 + seed, 0.95 + 0.01 * seed, train_seconds=5000, sample=60),
                 # fewer sampling steps on the same models: FID 1 higher, inside today's interval [3.5, 10.5]
                 _recipe(seed, 32, 10, 0.0, 7.0 + seed, 0.95 + 0.01 * seed, train_seconds=5000, sample=30),
                 # a smaller U-Net: cheaper still, but its FID (mean 31) is far outside today's interval
                 _recipe(seed, 16, 10, 0.0, 30.0 + seed, 0.95, train_seconds=1200, sample=8),
                 # guided: never a cost candidate, paired with the same sampler unguided
                 _recipe(seed, 32, 10, 0.5, 9.0 + seed, 0.97, train_seconds=5000, sample=60)]
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    long = diffusion.diffusion_recipes_report(tmp_path)["recipes_long"].set_index("arm")
    today, ddim10 = "U-Net 32, 10 ep., DDIM-20", "U-Net 32, 10 ep., DDIM-10"
    small, guided = "U-Net 16, 10 ep., DDIM-10", "U-Net 32, 10 ep., DDIM-10, w 0.5"
    assert long.loc[guided, "baseline"] == ddim10 and long.loc[small, "baseline"] == today
    assert long.loc[ddim10, "fid_train_diff"] == pytest.approx(1.0)
    assert long.loc[guided, "fid_train_diff"] == pytest.approx(2.0)
    assert long["adoptable"].to_dict() == {today: False, ddim10: True, small: False, guided: False}
    assert long["adopted"].to_dict() == {today: False, ddim10: True, small: False, guided: False}
    assert (tmp_path / "tables" / "recipes.tex").exists()


def test_the_guidance_rule_reads_the_validation_cas_and_training_fid_never_a_test_column(tmp_path):
    """w = 0.5 on the same models: CAS +2.0, +2.1, +2.2 points (interval above 0). With FID (training reference) 0.5
    lower on every model it is adopted; with FID 2 higher it is not. The test-referenced FID and recall columns, set
    to say the opposite each time, change nothing."""
    def runs(fid_change, test_fid):
        rows = []
        for seed in range(3):
            base = _recipe(seed, 32, 10, 0.0, 7.0 + seed, 0.95)
            guided = _recipe(seed, 32, 10, 0.5, 7.0 + seed + fid_change, 0.97 + 0.001 * seed)
            base.update(fid=20.0, recall=0.9)
            guided.update(fid=test_fid, recall=0.1 if fid_change < 0 else 0.99)
            rows += [_recipe(seed, 32, 20, 0.0, 6.0 + seed, 0.95, sample=60), base, guided]
        pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
        return diffusion.diffusion_recipes_report(tmp_path)["recipes_long"].set_index("arm")

    guided = "U-Net 32, 10 ep., DDIM-10, w 0.5"
    adopted = runs(-0.5, test_fid=90.0)   # the test digits would say "much worse"
    assert diffusion.guidance_choice(adopted.reset_index())["guidance"] == 0.5
    assert adopted["guidance_adopted"].to_dict()[guided] and adopted["guidance_adopted"].sum() == 1
    assert "w = 0.5" in (tmp_path / "tables" / "recipes.tex").read_text()
    refused = runs(+2.0, test_fid=1.0)   # the test digits would say "much better"
    choice = diffusion.guidance_choice(refused.reset_index())
    assert choice["guidance"] == 0.0 and "w = 0 stays" in choice["reason"]
    assert not refused["guidance_adopted"].any()
    # the rule's inputs are the paired choosing columns only
    assert set(diffusion.GUIDANCE_RULE_COLUMNS) <= {f"{m}_diff_low" for m, *_ in diffusion.RECIPE_METRICS}
    assert not any(c.startswith(("fid_diff", "recall_diff", "test")) for c in diffusion.GUIDANCE_RULE_COLUMNS)
    assert diffusion.guidance_choice(refused.reset_index().query("guidance == 0"))["guidance"] == 0.0


def test_the_heatmap_shows_each_cells_paired_difference_with_its_verdict_and_the_rows_real_only_accuracy():
    from cgan_study.reporting.mix_ratios import REAL_F, SYNTH_F, heatmap_cells

    agg = pd.DataFrame({REAL_F: [0.1, 0.1, 0.1, 1.0, 1.0, 1.0], SYNTH_F: [0.0, 0.1, 1.0] * 2,
                        "mean": [0.98, 0.981, 0.975, 0.994, 0.9941, 0.993]})
    fam = pd.DataFrame({"real_fraction": [0.1, 0.1, 1.0, 1.0], "synth_fraction": [0.1, 1.0, 0.1, 1.0],
                        "mean_diff": [0.001, -0.005, 0.0001, 0.002],
                        "verdict": ["inconclusive", "hurts", "equivalent", "helps"]})
    diff, text, real = heatmap_cells(agg, fam)
    assert list(diff.index) == [0.1, 1.0] and list(diff.columns) == [0.1, 1.0]
    assert diff.loc[0.1, 1.0] == pytest.approx(-0.5)
    assert text.loc[0.1, 0.1] == "+0.10" and text.loc[0.1, 1.0] == "-0.50\u25bc"
    assert text.loc[1.0, 0.1] == "+0.01=" and text.loc[1.0, 1.0] == "+0.20\u25b2"
    assert real.tolist() == pytest.approx([98.0, 99.4])
    one_seed = fam.assign(verdict="too few seeds")   # the smoke profile's single seed: no interval, no mark
    assert heatmap_cells(agg, one_seed)[1].loc[0.1, 1.0] == "-0.50"
