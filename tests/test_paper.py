"""The paper: macros escaped and declared once, every finding the template uses defined, and a smoke build that
passes the layout rules (no float after the references outside the appendix, no '??', no 'n/a', no overfull box
over 1 pt). The committed paper is checked for the same text problems."""
import re
import shutil
from pathlib import Path

import pytest

from cgan_study import paper

REPO = Path(__file__).resolve().parents[1]


def test_numbers_macros_are_escaped_and_named_safely():
    tex = paper.numbers_tex({"bestMixCell": "50% real", "bestFewShotArm": "mix (low_data)"})
    assert "\\newcommand{\\bestMixCell}{50\\% real}" in tex and "low\\_data" in tex
    with pytest.raises(ValueError):
        paper.numbers_tex({"bad1": "x"})


def test_a_macro_is_declared_once_and_missing_findings_say_so_in_words(tmp_path):
    (tmp_path / "main.tex").write_text("\\findAlpha{} \\findBeta{}")
    with pytest.raises(ValueError, match="declared twice"):
        paper.write_generated(tmp_path, {"findAlpha": "1"}, {"findAlpha": "x"}, {}, {})
    paper.write_generated(tmp_path, {"nSeeds": "3"}, {"findAlpha": "It helps."}, {}, {})
    findings = (tmp_path / "generated" / "findings.tex").read_text()
    assert "\\newcommand{\\findAlpha}{It helps.}" in findings
    assert f"\\newcommand{{\\findBeta}}{{{paper.NOT_RUN}}}" in findings
    assert "n/a" not in findings


def test_the_template_uses_only_macros_that_the_report_can_define():
    from cgan_study import findings
    from experiments import report

    main = (REPO / "paper" / "main.tex").read_text()
    used = set(re.findall(r"\\([a-z][A-Za-z]+)\{?\}?", main))
    source = (REPO / "experiments" / "report.py").read_text() + (REPO / "cgan_study" / "findings.py").read_text()
    numbers = {name for name in used if f'"{name}"' in source or f"{name}=" in source}
    assert {"nSeeds", "clfSteps", "scorerAccuracy", "nnAccuracy"} <= numbers
    assert set(findings.TRICKS_NUMBERS) <= set(re.findall(r'"([a-zA-Z]+)"', source))
    assert report.MISSING != "n/a"


def _tools():
    missing = [tool for tool in ("latexmk", "pdflatex", "pdfinfo", "pdftotext") if shutil.which(tool) is None]
    if missing:  # a failure, not a skip: `make test` installs them (tools/system-packages.sh)
        pytest.fail(f"{', '.join(missing)} not installed; run `make test`, or tools/system-packages.sh")


@pytest.mark.integration
def test_paper_builds_from_smoke_results_and_passes_the_layout_rules(smoke_study, tmp_path):
    _tools()
    from experiments.report import main

    paper_dir = tmp_path / "paper"
    shutil.copytree(REPO / "paper", paper_dir, ignore=shutil.ignore_patterns("generated", "main.pdf"))
    assert main(["--profile", "smoke", "--out", str(smoke_study), "--paper-dir", str(paper_dir)]) == 0
    pdf = paper_dir / "main.pdf"
    assert 4 <= paper.page_count(pdf) <= 14
    assert paper.layout_problems(paper_dir) == []
    titles = [title for title, _ in paper.sections(paper_dir)]
    assert titles[:7] == ["Introduction", "Related work", "Method", "Protocol", "Results", "Limitations",
                          "Conclusion"]
    assert "References" in titles and "abstract" in paper.pdf_text(pdf).lower()
    findings = (paper_dir / "generated" / "findings.tex").read_text()
    assert "\\newcommand{\\findBudget}{" in findings and paper.NOT_RUN not in findings.split("findBudget")[1][:80]


@pytest.mark.integration
def test_report_is_deterministic(smoke_study, tmp_path):
    from experiments.report import main

    for name in ("a", "b"):
        shutil.copytree(REPO / "paper", tmp_path / name, ignore=shutil.ignore_patterns("generated", "main.pdf"))
        assert main(["--profile", "smoke", "--out", str(smoke_study), "--paper-dir", str(tmp_path / name),
                     "--no-pdf"]) == 0
    generated = sorted(p.name for p in (tmp_path / "a" / "generated").glob("*.tex"))
    assert {"numbers.tex", "findings.tex", "generators.tex", "budget_check.tex"} <= set(generated)
    for name in generated:
        assert (tmp_path / "a" / "generated" / name).read_text() == (tmp_path / "b" / "generated" / name).read_text()


def test_the_committed_paper_has_no_unresolved_reference_or_placeholder():
    _tools()
    assert paper.text_problems(REPO / "paper" / "main.pdf") == []
