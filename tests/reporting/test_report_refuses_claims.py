"""The report's own entry point refuses prose whose claim its results do not support: exit status 1, the claim
named, nothing written to generated/; the same prose with the verdict the results give builds generated/."""
from __future__ import annotations

from experiments import report

from cgan_study import sweeps
from cgan_study.reporting import claims as CL

CLAIM_ID = "toy/mix/cgan/k10"


def _paper(tmp_path, asserted: str):
    paper = tmp_path / f"paper-{asserted}"
    (paper / "sections").mkdir(parents=True)
    (paper / "main.tex").write_text("\\input{sections/results}\n")
    (paper / "sections" / "results.tex").write_text(
        f"Mixing in the generator's digits \\claim{{{CLAIM_ID}}}{{{asserted}}}{{changes accuracy}}.\n")
    return paper


def _results_say_better(monkeypatch):
    """The results: one comparison whose whole interval lies above zero (better), on an empty results tree."""
    comparison = CL.Comparison(CLAIM_ID, mean=0.02, low=0.01, high=0.03, n=5)
    monkeypatch.setattr(sweeps, "comparisons", lambda tables: {CLAIM_ID: comparison})


def test_an_unsupported_claim_stops_the_report_naming_it(tmp_path, monkeypatch, capsys):
    _results_say_better(monkeypatch)
    paper = _paper(tmp_path, "worse")
    status = report.main(["--out", str(tmp_path / "results"), "--paper-dir", str(paper), "--no-pdf"])
    err = capsys.readouterr().err
    assert status != 0
    assert f"claim '{CLAIM_ID}' asserts 'worse' but the results say 'better'" in err
    assert not (paper / "generated").exists()


def test_a_supported_claim_lets_the_report_write_generated(tmp_path, monkeypatch, capsys):
    _results_say_better(monkeypatch)
    paper = _paper(tmp_path, "better")
    status = report.main(["--out", str(tmp_path / "results"), "--paper-dir", str(paper), "--no-pdf"])
    assert status == 0, capsys.readouterr().err
    assert (paper / "generated" / "claims.tex").exists()
