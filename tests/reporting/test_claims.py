"""Checked claims: verdicts from hand-made paired intervals, the build's refusal of a claim the data no longer
support, and the lint that keeps every directional word of the prose inside a claim."""
import pandas as pd
import pytest

from cgan_study.sweeps import comparisons
from cgan_study.reporting import claims as CL
from cgan_study.reporting import mix_ratios

P = "cfg.experiment."


def _row(strategy, generator, protocol, k, acc, seed):
    return {"run": f"{strategy}-{generator}-{protocol}-k{k}-{seed}", "status": "done", "test_accuracy": acc,
            f"{P}augment.strategy": strategy, f"{P}augment.generator": generator, f"{P}augment.protocol": protocol,
            f"{P}augment.real_per_class": k, f"{P}augment.real_fraction": 1.0, f"{P}augment.synth_fraction": 0.1,
            f"{P}seed": seed}


def _tables(tmp_path, low_data_shift):
    """Real-only at k = 10 and three arms, 3 seeds; the low-data mix is real + `low_data_shift` each seed."""
    rows = []
    for seed, base in enumerate((0.80, 0.82, 0.81)):
        rows += [_row("real", "cgan", "coursework", 10, base, seed),
                 _row("mix", "cgan", "low_data", 10, base + low_data_shift[seed], seed),
                 _row("affine", "cgan", "coursework", 10, base + 0.06 + 0.01 * (seed - 1), seed),
                 _row("mix", "cgan", "coursework", 10, base + (0.01, -0.01, 0.03)[seed], seed)]
    pd.DataFrame(rows).to_csv(tmp_path / "summary.csv", index=False)
    return mix_ratios.mix_ratio_report(tmp_path)


PROSE = r"""Mixing in the low-data generator's digits \claim{fewshot/mix/cgan/lowdata/k10}{worse}{lowers accuracy by
\diff{fewshot/mix/cgan/lowdata/k10} points}, while the coursework generator's % a comment: better, helps
\claim{fewshot/mix/cgan/coursework/k10}{inconclusive}{cannot be told apart from real digits alone}.
"""


def test_verdicts_follow_the_interval_and_the_metric_direction():
    acc = dict(scale=100.0, lower_is_better=False)
    assert CL.Comparison("a", 0.02, 0.01, 0.03, 3, **acc).verdict == CL.BETTER
    assert CL.Comparison("a", -0.02, -0.03, -0.01, 3, **acc).verdict == CL.WORSE
    assert CL.Comparison("a", 0.05, -0.01, 0.11, 3, **acc).verdict == CL.INCONCLUSIVE   # a big mean is no finding
    fid = dict(scale=1.0, lower_is_better=True)
    assert CL.Comparison("f", -3.0, -5.0, -1.0, 3, **fid).verdict == CL.BETTER   # lower FID
    assert CL.Comparison("f", 3.0, 1.0, 5.0, 3, **fid).verdict == CL.WORSE
    assert CL.Comparison("o", 0.4, float("nan"), float("nan"), 1).verdict is None  # one seed: no interval
    assert CL.Comparison("b", 0.001, -0.001, 0.003, 3, converged=True).verdict == CL.CONVERGED


def test_the_comparisons_carry_the_hand_computed_intervals(tmp_path):
    comps = comparisons(_tables(tmp_path, (-0.05, -0.06, -0.04)))
    half = 4.302653 * 0.01 / 3 ** 0.5
    low = comps["fewshot/mix/cgan/lowdata/k10"]
    assert (low.mean, low.low, low.high, low.n) == pytest.approx((-0.05, -0.05 - half, -0.05 + half, 3))
    assert comps["fewshot/affine/k10"].verdict == CL.BETTER
    # the low-data arm against affine, seed by seed: -0.05 - 0.06 +- 0.01 -> -0.11 +- 0
    assert comps["fewshot/mix/cgan/lowdata/k10/vs-affine"].mean == pytest.approx(-0.11)
    assert comps["fewshot/mix/cgan/lowdata/k10/vs-affine"].verdict == CL.WORSE


def test_a_changed_strategy_is_compared_with_mixing_the_same_generators_digits(tmp_path):
    tables = _tables(tmp_path, (-0.05, -0.06, -0.04))
    runs = tables["few_shot_runs"]
    mix = runs[(runs["strategy"] == "mix") & (runs["protocol"] == "low_data")]
    filtered = mix.assign(strategy="filter", test_accuracy=mix["test_accuracy"] + [0.02, 0.03, 0.025])
    tables["few_shot_runs"] = pd.concat([runs, filtered], ignore_index=True)
    comp = comparisons(tables)["fewshot/filter/cgan/lowdata/k10/vs-mix"]
    assert comp.mean == pytest.approx(0.025) and comp.verdict == CL.BETTER


def test_supported_claims_pass_and_flipped_data_fail_naming_the_claim(tmp_path):
    comps = comparisons(_tables(tmp_path, (-0.05, -0.06, -0.04)))
    assert CL.check_claims({"sections/results.tex": PROSE}, comps) == []
    flipped = comparisons(_tables(tmp_path, (0.05, 0.06, 0.04)))   # the same data with the sign flipped
    problems = CL.check_claims({"sections/results.tex": PROSE}, flipped)
    assert len(problems) == 1
    assert problems[0].startswith("sections/results.tex:1: claim 'fewshot/mix/cgan/lowdata/k10' asserts 'worse'")
    assert "'better': +5.00 [+2.52, +7.48] (n=3)" in problems[0]


def test_unknown_comparisons_verdicts_and_one_seed_rows_are_refused(tmp_path):
    comps = comparisons(_tables(tmp_path, (-0.05, -0.06, -0.04)))
    comps["tricks/one-seed/fid"] = CL.Comparison("tricks/one-seed/fid", 2.0, float("nan"), float("nan"), 1)
    text = ("\\claim{fewshot/mix/cgan/lowdata/k1}{worse}{x} \\claim{fewshot/affine/k10}{helps}{y}\n"
            "\\claim{tricks/one-seed/fid}{worse}{z}")
    problems = CL.check_claims({"s.tex": text}, comps)
    assert "names no comparison" in problems[0] and "fewshot/mix/cgan/lowdata/k10" in problems[0]
    assert "asserts 'helps'; a verdict is one of better, worse, equivalent, inconclusive" in problems[1]
    assert problems[2].startswith("s.tex:2:") and "no interval (n=1)" in problems[2]


def test_directional_words_outside_a_claim_are_found_and_comments_ignored():
    assert CL.unclaimed_directions(PROSE, "p.tex") == []
    text = "Affine augmentation helps.\n\\claim{a}{better}{is {\\em better}} but worse % improves\n"
    found = CL.unclaimed_directions(text, "p.tex")
    assert found == ["p.tex:1: 'helps' states a direction outside \\claim{comparison}{verdict}{text}",
                     "p.tex:2: 'worse' states a direction outside \\claim{comparison}{verdict}{text}"]


def test_numbers_are_typeset_with_a_math_minus_and_never_as_minus_zero():
    tex = CL.claims_tex({"x/y": CL.Comparison("x/y", -0.0000001, -0.012, 0.0121, 3)})
    assert r"\csname cmp@x/y@diff\endcsname{\mbox{$+0.00$ [$-1.20$, $+1.21$]}}" in tex
    assert CL.signed(-0.004) == "+0.00" and CL.signed(-0.006) == "-0.01"


def test_diffadj_prints_the_interval_the_verdict_reads():
    tex = CL.claims_tex({"x/y": CL.Comparison("x/y", 0.01, 0.002, 0.018, 3, low_adjusted=-0.03, high_adjusted=0.05,
                                              m=7)})
    assert r"\csname cmp@x/y@diff\endcsname{\mbox{$+1.00$ [$+0.20$, $+1.80$]}}" in tex      # the 95% interval
    assert r"\csname cmp@x/y@adj\endcsname{\mbox{$+1.00$ [$-3.00$, $+5.00$]}}" in tex       # the adjusted one
    assert r"\newcommand{\diffadj}[1]{\cmpvalue{#1}{adj}}" in tex


def test_diffsize_prints_the_means_size_without_its_sign_for_trails_by():
    tex = CL.claims_tex({"x/y": CL.Comparison("x/y", -0.0879, -0.1225, -0.0532, 5)})
    assert r"\csname cmp@x/y@mean\endcsname{$-8.79$}" in tex
    assert r"\csname cmp@x/y@size\endcsname{$8.79$}" in tex and r"\newcommand{\diffsize}[1]{\cmpvalue{#1}{size}}" in tex
