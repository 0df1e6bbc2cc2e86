"""The numbers the review asked the prose to quote (issue 45's second review): each computed from a report table by
hand-checkable rules, so the prose never types them."""
from __future__ import annotations

import pandas as pd

from cgan_study.reporting import paper_numbers as P


def test_the_mix_grid_counts_the_low_real_cells_and_their_negative_means():
    paired = pd.DataFrame({"real_fraction": [0.1, 0.1, 0.2, 0.5, 1.0],
                           "mean_diff": [-0.01, 0.002, -0.003, -0.02, -0.01], "m": 5})
    # Three cells at 10-20% real; two of them lose accuracy by mean (the 50% and 100% rows do not count).
    assert P.mix_grid_numbers(paired) == {"mixGridLowCells": "3", "mixGridLowNegative": "2", "mixGridM": "5"}
    assert P.mix_grid_numbers(None) == {}


def test_the_power_numbers_read_the_body_family_at_k10_only():
    n3 = pd.DataFrame({
        "k": [10, 10, 10, 1, 10],
        "generator": [None, "cgan", "cgan", "cgan", "pca"],   # pca: another table's family, left out
        "low_adjusted": [-0.10, -0.04, -0.02, -0.5, -1.0],
        "high_adjusted": [0.10, 0.08, 0.02, 0.5, 1.0],        # half-widths 10, 6 and 2 points
        "m": [3, 3, 3, 3, 20], "n": [3, 3, 3, 3, 3]})
    n10 = pd.DataFrame({"m": [4, 4], "n": [10, 4]})
    out = P.power_numbers(n3, n10)
    assert out == {"halfWidthKTen": "6.0", "armsKTen": "3", "seedsKTen": "3", "nTenArms": "4", "nTenSeeds": "10"}


def test_the_budget_numbers_count_the_doubled_cells_not_converged():
    paired = pd.DataFrame({"cell": ["a", "a", "b", "b", "c", "c"],
                           "converged": [None, True, None, False, None, False]})   # halvings carry no verdict
    assert P.budget_numbers(paired) == {"budgetCells": "3", "budgetUnconverged": "2"}
    assert P.budget_numbers(paired, "fashion") == {"fashionBudgetCells": "3", "fashionBudgetUnconverged": "2"}
    assert set(P.budget_numbers(paired, "fashion")) <= P.second_dataset_macros("fashion_mnist")


def test_the_collapse_onset_numbers_separate_an_early_dip_from_a_collapse():
    long = pd.DataFrame({"variant": ["dcgan", "dcgan", "dcgan", "setup-run"],
                         "collapse": [None, None, None, "setup"],
                         "first_collapsed_epoch": ["1", "none", "1", "1"],
                         "collapse_onset_epoch": ["none", "none", "2", "1"]})
    assert P.collapse_onset_numbers(long) == {"dcganSeeds": "3", "dcganUnderRuleSeeds": "2", "dcganOnsetSeeds": "1",
                                              "setupOnset": "1"}


def test_collapse_epochs_are_read_from_the_per_epoch_scores_not_the_stored_onset():
    from cgan_study.reporting.gan_study import collapse_epochs

    frame = pd.DataFrame({"run": ["dip", "stays", "old"], "collapse_onset_epoch": ["1", "1", 2.0]})
    scores = pd.DataFrame([
        # 9 classes after epoch 1, all ten later: under the rule once, no onset (the stored "1" is an older rule's).
        {"run": "dip", "epoch": 1, "classes_covered": 9, "recall": 0.3},
        {"run": "dip", "epoch": 2, "classes_covered": 10, "recall": 0.4},
        # recall below 0.1 from epoch 1 to the end: onset 1.
        {"run": "stays", "epoch": 1, "classes_covered": 10, "recall": 0.0},
        {"run": "stays", "epoch": 2, "classes_covered": 3, "recall": 0.05}])
    first, onset = collapse_epochs(frame, scores)
    assert first == {"dip": "1", "stays": "1", "old": "2"}      # "old" has no scores: its stored onset
    assert onset == {"dip": "none", "stays": "1", "old": "2"}


def test_a_row_of_sample_grids_leaves_no_blank_band_between_titles_and_images(tmp_path):
    """Fig. 1 of the paper: three square grids with their titles just above them (tight_layout around square images
    left a band of white between the titles and the grids: 19 white pixel rows at 150 dpi here, against 11 now)."""
    import matplotlib.image as mpimg
    import numpy as np

    from cgan_study.reporting.figures import grid_panels

    grids = []
    for i in range(3):
        path = tmp_path / f"g{i}.png"
        mpimg.imsave(path, np.zeros((28, 28)), cmap="gray")   # black: every image pixel is dark
        grids.append((path, f"panel {i}\n10/10 classes, recall 44%"))
    grid_panels(tmp_path, "row", grids, cols=3, panel=3.4 / 3, title_size=7.5)
    image = mpimg.imread(tmp_path / "figures" / "row.png")[..., :3].mean(axis=2)   # saved at 150 dpi
    dark_rows = np.flatnonzero((image < 0.2).sum(axis=1) > image.shape[1] // 2)   # rows crossing the three grids
    white = (image > 0.98).all(axis=1)
    text_starts = np.flatnonzero(~white)[0]
    # Between the titles' first line and the grids: only the gaps between title lines and the title's pad.
    assert white[text_starts:dark_rows.min()].sum() <= 0.08 * 150
    assert image.shape[0] - 1 - dark_rows.max() <= 0.12 * 150   # below: savefig's 0.1 in pad and no more
    # ...and the grids stay square (no stretching to fill the height).
    dark_cols = np.flatnonzero((image < 0.2).sum(axis=0) > len(dark_rows) // 2)
    assert abs(len(dark_rows) - len(dark_cols) / 3) <= 0.05 * len(dark_rows)


def test_the_variants_numbers_read_the_cgans_family_and_the_default_dcgans_final_scores():
    paired = pd.DataFrame({"generator": ["cgan", "cgan", "dcgan"], "m": [5, 5, 3]})
    means = pd.DataFrame([{"generator": "cgan", "variant": "default", "fid_train": 9.44, "recall_train": 0.6,
                           "precision_train": 0.7, "collapsed": 0, "n": 3},
                          {"generator": "dcgan", "variant": "default", "fid_train": 61.26, "recall_train": 0.4321,
                           "precision_train": 0.5, "collapsed": 1, "n": 3}])
    out = P.variants_numbers(paired, 6, means)
    assert out == {"variantsArms": "5", "dcganVariantsArms": "3", "variantsEpochs": "6", "dcganStudyFid": "61.3",
                   "dcganStudyRecall": "43.2", "dcganStudyPrecision": "50.0", "dcganStudyCollapsed": "1",
                   "dcganStudySeeds": "3", "cganStudyFid": "9.4"}
    assert P.variants_numbers(None, 6) == {}


def test_the_recipe_numbers_name_the_adopted_sampler_and_the_guidance_the_rule_chose():
    long = pd.DataFrame([
        {"arm": "U-Net 32, 10 ep., DDIM-20", "baseline": "U-Net 32, 10 ep., DDIM-20", "sample_steps": 20,
         "guidance": 0.0, "adopted": False, "guidance_adopted": False, "sample_seconds_per_1000": 50.0, "n": 3},
        {"arm": "U-Net 32, 10 ep., DDIM-10", "baseline": "U-Net 32, 10 ep., DDIM-20", "sample_steps": 10,
         "guidance": 0.0, "adopted": True, "guidance_adopted": False, "sample_seconds_per_1000": 20.0, "n": 3},
        {"arm": "U-Net 32, 10 ep., DDIM-10, w 0.5", "baseline": "U-Net 32, 10 ep., DDIM-10", "sample_steps": 10,
         "guidance": 0.5, "adopted": False, "guidance_adopted": False, "sample_seconds_per_1000": 40.0, "n": 3}])
    out = P.recipe_numbers(long)
    assert out == {"guidanceChosen": "0", "guidanceJudged": "0.5", "recipeSteps": "10", "recipeBaseSteps": "20",
                   "recipeSpeedup": "2.5", "recipeModels": "3"}
    long.loc[2, "guidance_adopted"] = True
    assert P.recipe_numbers(long)["guidanceChosen"] == "0.5"
    assert "guidanceChosen" not in P.recipe_numbers(long[long["guidance"] == 0])   # no guided arm ran: no claim
