"""The supplement's typesetting fixes of issue 45's second review: no text-mode '<' (OT1 prints it as ¡), captions
that cite one rule instead of repeating it, and the side-by-side table's stars telling adjusted from unadjusted."""
from __future__ import annotations

import pandas as pd

from cgan_study.reporting import latex
from cgan_study.reporting.claims import Comparison
from cgan_study.reporting.datasets import _cell
from cgan_study.reporting.multiplicity import family_caption


def test_a_less_than_sign_in_a_cell_is_typeset_in_math():
    tex = latex.to_latex(pd.DataFrame({"p": ["<0.001", "+50.72 [+41.38, +60.06]* p<0.01"]}), "c", "tab:x")
    assert "$<$0.001" in tex and "p$<$0.01" in tex
    assert "<" not in tex.replace("$<$", "")


def test_a_family_caption_with_a_reference_cites_the_rule_instead_of_repeating_it():
    full = family_caption([7, 7], ["$k=10$", "$k=10$"])
    cited = family_caption([4], ref="tab:few_shot_paired")
    assert "Bonferroni" in full and "Bonferroni" not in cited
    assert cited == "Families, adjustment and verdicts as in Table~\\ref{tab:few_shot_paired} (m = 4)."


def test_side_by_side_marks_the_adjusted_verdict_apart_from_the_95_interval():
    # 95% interval excludes 0 but the adjusted one does not: one star (no direction the paper states).
    only_95 = Comparison("a", 0.0956, 0.0589, 0.1322, 3, low_adjusted=-0.0047, high_adjusted=0.1958, m=7)
    both = Comparison("b", 0.0992, 0.0808, 0.1176, 3, low_adjusted=0.0422, high_adjusted=0.1562, m=9)
    neither = Comparison("c", 0.0194, -0.0076, 0.0463, 3, low_adjusted=-0.05, high_adjusted=0.09, m=7)
    no_family = Comparison("d", -0.0401, -0.0488, -0.0314, 3)   # m = 1: the 95% interval is the verdict's
    assert _cell(only_95) == "+9.56 ± 3.67*"
    assert _cell(both) == "+9.92 ± 1.84**"
    assert _cell(neither) == "+1.94 ± 2.70"
    assert _cell(no_family) == "-4.01 ± 0.87**"
