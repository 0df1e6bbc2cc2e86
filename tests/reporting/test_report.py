"""Report tables from hand-made summaries: grouped by (strategy, generator), nothing unknown dropped, and
summaries written before the generator registry read into the same columns."""
import pandas as pd
import pytest

from cgan_study.reporting import (
    generators,
    labels,
    latex,
    mix_ratios,
    stats,
    tables,
    tricks,
)

P = "cfg.experiment."


def _row(run, strategy, generator, protocol, k, acc, seed):
    return {"run": run, "status": "done", "test_accuracy": acc, f"{P}augment.strategy": strategy,
            f"{P}augment.generator": generator, f"{P}augment.protocol": protocol,
            f"{P}augment.real_per_class": k, f"{P}augment.real_fraction": 1.0, f"{P}augment.synth_fraction": 0.1,
            f"{P}seed": seed}


def test_few_shot_table_groups_by_strategy_and_generator_and_keeps_unknown_ones(tmp_path):
    rows = []
    for seed in (0, 1):
        rows += [_row(f"real-{seed}", "real", "cgan", "coursework", 10, 0.80 + seed / 100, seed),
                 _row(f"mix-cgan-{seed}", "mix", "cgan", "low_data", 10, 0.70, seed),
                 _row(f"mix-cvae-{seed}", "mix", "cvae", "low_data", 10, 0.75, seed),
                 _row(f"mix-new-{seed}", "mix", "brand_new", "low_data", 10, 0.60, seed),      # not registered
                 _row(f"odd-{seed}", "mystery", "cgan", "coursework", 10, 0.50, seed)]          # not declared
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    tables = mix_ratios.mix_ratio_report(tmp_path)
    settings = list(tables["few_shot"].iloc[:, 0])
    assert settings == ["real", "mix, cgan (low_data)", "mix, cvae (low_data)", "mix, brand_new (low_data)",
                        "mystery, cgan (coursework)"]
    cells = tables["few_shot"].set_index(tables["few_shot"].columns[0])["k=10"]
    assert cells["real"] == "80.50 ± 0.71 (n=2)" and cells["mix, cvae (low_data)"] == "75.00 ± 0.00 (n=2)"
    # The CSV keeps registry names (claims look settings up by them); the paper's LaTeX shows readable ones.
    tex = (tmp_path / "tables" / "few_shot.tex").read_text()
    assert "mix, CVAE (low-data)" in tex and "mix, brand\\_new (low-data)" in tex and "mix, cvae" not in tex
    assert "low\\_data" not in tex


def test_cas_table_pairs_each_generator_with_real_only_and_shows_readable_names(tmp_path):
    rows = []
    for seed, base in enumerate((0.99, 0.98)):
        real = _row(f"mix-real1.00-synth0.00-seed{seed}", "mix", "cgan", "coursework", 0, base, seed)
        rows += [{**real, f"{P}augment.synth_fraction": 0.0},
                 {**_row(f"cas-guided-{seed}", "synthetic_only", "guided_cgan", "coursework", 0, base - 0.05, seed),
                  f"{P}augment.synth_fraction": 1.0}]
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    table = mix_ratios.mix_ratio_report(tmp_path)["cas"]
    assert list(table["training data"]) == ["synthetic only (60,000 guided_cgan digits)", "real only (all real digits)"]
    assert table["vs real only (points)"].iloc[0].startswith("-5.00")
    tex = (tmp_path / "tables" / "cas.tex").read_text()
    assert "60,000 classifier-guided CGAN digits" in tex and "guided\\_cgan" not in tex


def test_readable_setting_names_the_generator_by_its_label_and_leaves_the_rest():
    assert labels.readable_setting("mix", "guided_cgan", "coursework") == "mix, classifier-guided CGAN (coursework)"
    assert labels.readable_setting("filter", "acgan", "low_data") == "filter, AC-GAN (low-data)"
    assert labels.readable_setting("real", None, None) == "real"
    assert labels.readable_setting("mix", "brand_new", "low_data") == "mix, brand_new (low-data)"
    # The CSV's label keeps the registry name; it is made from the same columns, never parsed back.
    assert labels.setting_label("mix", "guided_cgan", "coursework") == "mix, guided_cgan (coursework)"
    assert labels.setting_label("affine", "cgan", "coursework") == "affine"


def test_summaries_from_before_the_registry_are_read_into_strategy_and_generator():
    old = pd.DataFrame({f"{P}augment.arm": ["mix", "pca", "real", "filter"],
                        f"{P}gan.family": ["cgan", "cgan", "cgan", "acgan"]})
    frame = tables.with_strategy_and_generator(old)
    assert list(frame["strategy"]) == ["mix", "mix", "real", "filter"]
    assert list(frame["generator"]) == ["cgan", "pca", "cgan", "acgan"]


def test_generator_table_has_one_row_per_generator_in_registry_order_with_known_means(tmp_path):
    rows = []
    for gen, success, fid in (("cvae", (0.90, 0.92), (100.0, 110.0)), ("cgan", (0.98, 0.99), (20.0, 24.0)),
                              ("unlisted", (0.5, 0.5), (50.0, 50.0))):
        for seed in (0, 1):
            rows.append({"run": f"{gen}-seed{seed}", "status": "done", f"{P}augment.generator": gen, f"{P}seed": seed,
                         "success_rate": success[seed], "inception_score": 9.0, "fid": fid[seed],
                         "precision": 0.8, "recall": 0.5, "classes_covered": 10, "gan.train_seconds": 60.0,
                         "gan.elbo": -95.0 if gen == "cvae" else None})
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    table = generators.generators_report(tmp_path)["generators"].set_index("generator")
    assert list(table.index) == ["CGAN", "CVAE", "unlisted"]   # registered generators by their readable names
    assert table.loc["CGAN", "success (%)"] == "98.50 ± 0.71" and table.loc["CVAE", "FID"] == "105.0 ± 7.1"
    # Columns that say the same in every row (one ELBO, all classes covered, 2 seeds) go into the caption.
    assert "ELBO" not in table and "n" not in table and "classes" not in table
    caption = (tmp_path / "tables" / "generators.tex").read_text()
    assert "evidence lower bound on its training digits: $-$95.0 nats" in caption
    assert "mean $\\pm$ std over 2 seeds" in caption and "every run covers all 10 classes" in caption


def test_t_interval_and_paired_differences_against_a_hand_computed_case():
    # differences 1, 2, 3 points: mean 2, sd 1, n 3, t(0.975, 2) = 4.302653 -> 2 +- 2.484138
    mean, low, high, n = stats.t_interval([0.01, 0.02, 0.03])
    assert (n, round(mean, 6)) == (3, 0.02) and abs(low - (0.02 - 0.02484138)) < 1e-7
    frame = pd.DataFrame({"k": [10] * 6, "seed": [0, 1, 2] * 2, "setting": ["mix"] * 3 + ["filter"] * 3,
                          "test_accuracy": [0.81, 0.82, 0.83, 0.821, 0.819, 0.820]})
    baseline = pd.DataFrame({"k": [10] * 3, "seed": [2, 0, 1], "test_accuracy": [0.80, 0.80, 0.80]})
    diffs = stats.paired_differences(frame, baseline, ["k", "seed"], ["setting", "k"]).set_index("setting")
    assert diffs.loc["mix", "mean_diff"] == pytest.approx(0.02) and not diffs.loc["mix", "excludes_zero"]
    assert diffs.loc["filter", "mean_diff"] == pytest.approx(0.02) and diffs.loc["filter", "excludes_zero"]
    assert labels.fmt_difference(0.02, 0.0175, 0.0225, 3) == "+2.00 [+1.75, +2.25]*"
    # pairing is by seed, not by row order: a swapped seed column changes the answer
    swapped = baseline.assign(test_accuracy=[0.79, 0.80, 0.81])
    again = stats.paired_differences(frame, swapped, ["k", "seed"], ["setting", "k"]).set_index("setting")
    # seed 0: .81 - .80, seed 1: .82 - .81, seed 2: .83 - .79 -> 1, 1, 4 points: mean 2, sd sqrt(3), half 4.30
    assert again.loc["mix", "mean_diff"] == pytest.approx(0.02)
    assert again.loc["mix", "high"] - again.loc["mix", "mean_diff"] == pytest.approx(0.04302653, rel=1e-5)


def test_per_class_table_and_confusion_from_each_seeds_metrics(tmp_path):
    import json

    import numpy as np

    from cgan_study.runtime import results

    rows = []
    for seed, hit in ((0, 90), (1, 80)):
        confusion = np.diag([100] * 10)
        confusion[3, 3], confusion[3, 5] = hit, 100 - hit  # class 3 misses go to 5
        (tmp_path / f"cgan-seed{seed}").mkdir()
        (tmp_path / f"cgan-seed{seed}" / results.METRICS).write_text(json.dumps({"confusion": confusion.tolist()}))
        rows.append({"run": f"cgan-seed{seed}"})
    tables = generators.per_class_tables(tmp_path, pd.DataFrame(rows), "cgan")
    per_class = tables["per_class_cgan"].set_index("class")
    assert per_class.loc["3", "success (%)"] == "85.00 ± 7.07 (n=2)" and per_class.loc["0", "success (%)"] == \
        "100.00 ± 0.00 (n=2)"
    assert per_class.loc["3", "most confused with"] == "5"   # MNIST's class names are its digits
    assert tables["confusion_cgan"].loc["3", "5"] == 30 and tables["confusion_cgan"].loc["3", "3"] == 170


def test_variant_labels_read_as_words_not_config_strings():
    assert labels.variant_label({"augment.generator": "cgan", "seed": 1}) == "CGAN"
    assert labels.variant_label({"augment.generator": "cgan", "gan.label_smoothing": 0.25}) == \
        "CGAN + one-sided label smoothing 0.25"
    assert labels.variant_label({"gan.family": "dcgan", "gan.g_lr": 0.005, "gan.d_lr": 0.0001,
                                 "gan.minibatch_discrimination": True}) == \
        "DCGAN + G lr 0.005 / D lr 0.0001, minibatch discrimination"
    assert labels.variant_label({"augment.generator": "newgen", "gan.loss": "wgan"}) == \
        "newgen + WGAN loss (weight clipping)"
    # The collapse setup is named in full once; its mitigations by what they add to it.
    setup = {"augment.generator": "dcgan", "gan.g_lr": 5e-3, "gan.d_lr": 1e-4, "gan.beta_1": 0.9}
    assert labels.variant_label(setup) == "DCGAN, G lr 5e-3 / D lr 1e-4, β1 0.9 (collapse setup)"
    assert labels.variant_label({**setup, "gan.pack": 2}) == "Collapse setup + PacGAN2 (D judges 2 samples at once)"
    assert labels.variant_label({**setup, "gan.g_lr": 1e-4, "gan.d_lr": 4e-4}) == \
        "Collapse setup + TTUR, G lr 0.0001 / D lr 0.0004"
    wgan = {"augment.generator": "cgan", "gan.loss": "wgan", "gan.optimizer": "rmsprop", "gan.g_lr": 5e-5,
            "gan.d_lr": 5e-5, "gan.d_steps": 5}
    assert labels.variant_label(wgan) == "CGAN + WGAN loss (weight clipping, as published: RMSProp 5e-5, 5 D steps)"
    assert labels.variant_label({**wgan, "gan.d_steps": 3}) == \
        "CGAN + WGAN loss (weight clipping), RMSProp, G lr 5e-05 / D lr 5e-05, 3 D steps per G step"


def test_a_collapsed_generators_row_is_flagged_even_with_perfect_precision():
    runs = pd.DataFrame({"precision": [1.0], "recall": [0.0], "coverage": [0.01]})
    assert stats.flagged_collapse(runs)
    assert not stats.flagged_collapse(pd.DataFrame({"precision": [0.8], "recall": [0.5], "coverage": [0.9]}))


def test_each_trick_is_paired_with_its_own_baseline_seed_by_seed(tmp_path):
    O = "cfg.overrides."   # a run's overrides name its variant (labels); cfg.experiment.* is the resolved config
    setup = {f"{O}gan.g_lr": 0.005, f"{O}gan.d_lr": 0.0001, f"{O}gan.beta_1": 0.9}
    rows = []
    for seed in range(3):
        for run, gen, success, fid, extra in (
                ("cgan", "cgan", 0.90 + seed / 100, 10.0 + seed, {}),
                ("cgan-ls0.25", "cgan", 0.92 + seed / 100, 10.0 + seed, {f"{O}gan.label_smoothing": 0.25}),
                ("cgan-vbn-g", "cgan", 0.90 + (seed % 2) / 50, 5.0 + seed, {f"{O}gan.vbn": "g"}),
                ("dcgan", "dcgan", None, 10.0 + seed, {}),
                ("dcgan-setup", "dcgan", None, 300.0 + seed, setup),
                ("dcgan-setup-mbd", "dcgan", None, 100.0 + seed, {**setup, f"{O}gan.minibatch_discrimination": True})):
            rows.append({"run": f"{run}-seed{seed}", "status": "done", f"{P}augment.generator": gen, f"{P}seed": seed,
                         f"{O}augment.generator": gen, f"{O}seed": seed, f"{P}gan.epochs": 2,
                         "success_rate": success, "inception_score": 9.0, "fid": fid,
                         "recall": 0.5, "precision": 0.5, "classes_covered": 10, "class_entropy": 2.3,
                         "fid_real_reference": 2.0, "scorer_test_accuracy": 0.99, **extra})
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    tables = tricks.tricks_report(tmp_path)
    paired = tables["tricks_paired_long"].set_index(["variant", "metric"])
    assert paired.loc[("cgan-ls0.25", "success_rate"), "mean_diff"] == pytest.approx(0.02)
    # Every seed +2 points: a zero-width interval (adjusted too), Holm p 0.
    assert paired.loc[("cgan-ls0.25", "success_rate"), "cell"] == "+2.00 [+2.00, +2.00]* p<0.01"
    assert paired.loc[("cgan-ls0.25", "success_rate"), ["scale", "lower_is_better"]].tolist() == [100.0, False]
    assert paired.loc[("cgan-ls0.25", "fid"), ["scale", "lower_is_better"]].tolist() == [1.0, True]
    assert paired.loc[("cgan-ls0.25", "fid"), ["baseline", "change"]].tolist() == ["cgan", "one-sided label smoothing 0.25"]
    # The mitigation is judged against the collapse setup it mitigates (FID 100 vs 300), the setup against DCGAN.
    assert paired.loc[("dcgan-setup-mbd", "fid"), ["baseline", "baseline_name"]].tolist() == ["dcgan-setup",
                                                                                            "collapse setup"]
    assert paired.loc[("dcgan-setup-mbd", "fid"), "mean_diff"] == pytest.approx(-200.0)
    assert paired.loc[("dcgan-setup", "fid"), ["baseline", "baseline_name"]].tolist() == ["dcgan", "DCGAN"]
    assert paired.loc[("dcgan-setup", "fid"), "mean_diff"] == pytest.approx(290.0)
    assert ("dcgan-setup", "success_rate") not in paired.index   # unconditional: no success rate
    # Verdicts follow the intervals: FID 5 lower on every seed helps, success +2/0/+2 points cannot be told.
    table = tables["tricks_paired"]
    verdicts = table.set_index("variant")["verdict"]
    assert verdicts["VBN in G"] == "helps: FID"
    assert verdicts["one-sided label smoothing 0.25"] == "helps: success"
    setup_label = "DCGAN, G lr 5e-3 / D lr 1e-4, β1 0.9 (collapse setup)"
    assert verdicts[setup_label] == "hurts: FID"
    # Each variant named by what it changes, its baseline in the 'vs' column; the CGAN's tricks first, the collapse
    # setup before its mitigation.
    assert list(zip(table["variant"], table["vs"])) == [
        ("one-sided label smoothing 0.25", "CGAN"), ("VBN in G", "CGAN"), (setup_label, "DCGAN"),
        ("minibatch discrimination", "collapse setup")]
    order = ["CGAN + one-sided label smoothing 0.25", "CGAN + VBN in G", setup_label,
             "Collapse setup + minibatch discrimination"]
    assert list(tables["tricks"]["variant"]) == ["CGAN"] + order[:2] + ["DCGAN"] + order[2:]

def test_latex_tables_show_a_dash_for_a_missing_number_and_wrap_their_label_column():
    table = pd.DataFrame({"variant": ["DCGAN, β1 0.9", "CGAN"], "success (%)": [float("nan"), "90.1 ± 1.0"],
                          "n": [1, 3]})
    tex = latex.to_latex(table, "c", "tab:x", latex.wrapped_first_column(table, "3cm"))
    assert "nan" not in tex and "DCGAN, $\\beta_1$ 0.9 & -- & 1 \\\\" in tex
    assert "\\begin{tabular}{>{\\raggedright\\arraybackslash}p{3cm}rr}" in tex and "90.1 $\\pm$ 1.0" in tex
    assert latex.wrapped_first_column(table, "3cm", last="2cm").endswith("r>{\\raggedright\\arraybackslash}p{2cm}")


def test_latex_tables_keep_the_word_none_and_dash_only_a_missing_value():
    # "none": no collapse onset (a finding); None and NaN: nothing recorded (a dash).
    table = pd.DataFrame({"variant": ["a", "b", "c"], "onset": ["none", None, float("nan")]})
    tex = latex.to_latex(table, "c", "tab:x")
    assert "a & none \\\\" in tex and "b & -- \\\\" in tex and "c & -- \\\\" in tex


def test_loss_trend_is_the_fitted_slope_of_the_second_half_over_its_mean():
    # Second half 10, 9, 8: slope -1 per epoch over a mean of 9 -> -11.1% per epoch; the first half is ignored.
    assert stats.loss_trend([50.0, 30.0, 20.0, 10.0, 9.0, 8.0]) == pytest.approx(-100 / 9)
    assert stats.loss_trend([3.0, 2.0, 2.0, 2.0]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="at least 4 epochs"):
        stats.loss_trend([1.0, 0.5])


def test_generator_loss_trends_read_each_distinct_artifact_once_and_skip_gan_histories(tmp_path):
    from cgan_study.runtime import results

    histories = {"a": [4, 3, 2, 1], "b": [4, 3, 3, 3], "gan": None}
    for name, losses in histories.items():
        records = ([{"epoch": i + 1, "loss": v} for i, v in enumerate(losses)] if losses
                   else [{"epoch": i + 1, "d_loss": 0.7, "g_loss": 0.7} for i in range(4)])
        results.write_jsonl(tmp_path / name / "history.jsonl", records)
    frame = pd.DataFrame({"generator": ["diffusion", "diffusion", "diffusion", "cgan", "cgan"],
                          "protocol": ["low_data"] * 5,
                          "generator_artifact": ["a", "a", "b", "gan", None]})
    trend = mix_ratios.generator_loss_trends(tmp_path, frame, "protocol")
    assert len(trend) == 1  # the GAN logs no likelihood-type loss
    row = trend.iloc[0]
    # a: second half 2, 1 -> -66.7%; b: 3, 3 -> 0%; "a" appears twice but is one model.
    assert (row["generator"], row["protocol"], row["n"], row["epochs"]) == ("diffusion", "low_data", 2, 4)
    assert row["trend_min"] == pytest.approx(-200 / 3)
    assert row["trend_max"] == pytest.approx(0.0)
    assert row["trend_mean"] == pytest.approx(-100 / 3)


def test_generator_loss_trend_mean_does_not_depend_on_the_order_runs_are_listed(tmp_path):
    # three histories whose trends (+22.95, +43.24, -97.67 %/epoch) sum to different last digits in different
    # orders: the committed table must not change when the runs are listed in another order
    from cgan_study.runtime import results

    histories = {"a": [2.9, 1.4, 2.7, 3.4], "b": [4.7, 4.9, 2.9, 4.5], "c": [2.0, 4.2, 3.2, 1.1]}
    for name, losses in histories.items():
        results.write_jsonl(tmp_path / name / "history.jsonl",
                            [{"epoch": i + 1, "loss": v} for i, v in enumerate(losses)])
    means = set()
    for order in (["a", "b", "c"], ["c", "b", "a"], ["b", "a", "c"], ["c", "a", "b"]):
        frame = pd.DataFrame({"generator": ["cvae"] * 3, "protocol": ["low_data"] * 3, "generator_artifact": order})
        means.add(mix_ratios.generator_loss_trends(tmp_path, frame, "protocol").iloc[0]["trend_mean"])
    assert len(means) == 1


def test_wilson_interval_matches_the_score_interval_of_a_known_proportion():
    # oracle values: scipy.stats.binomtest(k, n).proportion_ci(method="wilson")
    assert stats.wilson_interval(1340, 2000) == pytest.approx((0.6490836827479973, 0.6902645211763767))
    assert stats.wilson_interval(7, 10) == pytest.approx((0.39677814746114526, 0.892208732593699))
    low, high = stats.wilson_interval(0, 50)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 0.1   # stays inside [0, 1]
