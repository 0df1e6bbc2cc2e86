"""The paper: macros escaped and declared once, every finding the template uses defined, and a smoke build that
passes the layout rules (no float after the references outside the appendix, no '??', no 'n/a', no overfull box
over 1 pt). The committed paper is checked for the same text problems."""
import re
import shutil
from pathlib import Path

import pytest

from cgan_study.reporting import paper

from helpers import REPO  # noqa: E402


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
    from cgan_study.reporting import findings
    from experiments import report

    main = (REPO / "paper" / "main.tex").read_text()
    used = set(re.findall(r"\\([a-z][A-Za-z]+)\{?\}?", main))
    source = (REPO / "experiments" / "report.py").read_text() + Path(findings.__file__).read_text()
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


def _summary(path: Path, rows: list[dict]) -> None:
    import pandas as pd

    path.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(path / "summary.csv", index=False)


def test_config_numbers_come_from_the_resolved_configs_of_hand_made_summaries(tmp_path):
    from experiments.report import config_numbers

    g, d, k = "cfg.experiment.gan.", "cfg.experiment.diffusion.", "cfg.experiment.classifier."
    base = {"status": "done", "cfg.experiment.augment.strategy": "none", g + "latent_dim": 64, g + "epochs": 6,
            g + "batch_size": 128, g + "g_lr": 2e-4, g + "beta_1": 0.5, "cfg.experiment.pca.n_components": 40,
            "scorer_test_accuracy": 0.99421, d + "T": 1000, d + "schedule": "linear", d + "width": 32,
            d + "p_uncond": 0.1, d + "epochs": 10, d + "lr": 1e-3, d + "ema_decay": 0.999, d + "sample_steps": 20,
            d + "eta": 1.0}
    _summary(tmp_path / "generators", [
        {**base, "run": "cgan-seed0", "cfg.experiment.augment.generator": "cgan", "gan.g_flops_per_image": 2.5e6,
         "gan.d_flops_per_image": 1.25e6},
        # Another generator's row must not lend the CGAN its values.
        {**base, "run": "dcgan-seed0", "cfg.experiment.augment.generator": "dcgan", g + "epochs": 99,
         d + "epochs": 77},
        {**base, "run": "diffusion-seed0", "cfg.experiment.augment.generator": "diffusion", g + "epochs": 99,
         d + "sample_steps": 20, d + "eta": 1.0},
    ])
    mix = {"status": "done", "cfg.experiment.augment.strategy": "none", "cfg.experiment.augment.generator": "cgan",
           "cfg.experiment.augment.real_per_class": 0, k + "batch_size": 128, k + "width": 16, k + "lr": 3e-3,
           k + "warmup": 0.1, k + "epochs": 6, k + "steps_per_epoch": 200, "cfg.experiment.data.val_per_class": 100}
    _summary(tmp_path / "mix_ratios", [
        {**mix, "run": f"real{f}-seed{s}", "cfg.experiment.augment.real_fraction": f, "cfg.experiment.seed": s,
         "n_real": int(59000 * f)} for f in (0.1, 1.0) for s in range(3)])
    out = config_numbers(tmp_path)
    assert {k_: out[k_] for k_ in ("latentDim", "ganEpochs", "ganBatch", "ganLr", "ganBetaOne", "gFlops", "dFlops",
                                   "pcaComponents", "scorerAccuracy")} == {
        "latentDim": "64", "ganEpochs": "6", "ganBatch": "128", "ganLr": "0.0002", "ganBetaOne": "0.5",
        "gFlops": "2.5", "dFlops": "1.2", "pcaComponents": "40", "scorerAccuracy": "99.42"}
    assert {k_: out[k_] for k_ in ("clfBatch", "clfWidth", "clfPeakLr", "clfWarmup", "valPerClass", "clfSteps",
                                   "nSeeds", "nTrain")} == {
        "clfBatch": "128", "clfWidth": "16", "clfPeakLr": "0.003", "clfWarmup": "10", "valPerClass": "100",
        "clfSteps": "1,200", "nSeeds": "3", "nTrain": "59,000"}
    assert {k_: out[k_] for k_ in ("diffT", "diffSchedule", "diffWidth", "diffPUncond", "diffEpochs", "diffLr",
                                   "diffEma", "diffSteps", "diffEta")} == {
        "diffT": "1,000", "diffSchedule": "linear", "diffWidth": "32", "diffPUncond": "0.1", "diffEpochs": "10",
        "diffLr": "0.001", "diffEma": "0.999", "diffSteps": "20", "diffEta": "1"}


def test_diffusion_sampling_numbers_are_not_taken_from_the_samplers_sweep(tmp_path):
    from experiments.report import config_numbers

    d = "cfg.experiment.diffusion."
    _summary(tmp_path / "diffusion_samplers", [
        {"run": "ddim-S10", "status": "done", "cfg.experiment.augment.generator": "diffusion", d + "T": 1000,
         d + "epochs": 10, d + "sample_steps": 10, d + "eta": 0.0}])
    out = config_numbers(tmp_path)
    assert out["diffT"] == "1,000" and out["diffEpochs"] == "10"
    assert "diffSteps" not in out and "diffEta" not in out  # the sweep's own sampler, not the study's
