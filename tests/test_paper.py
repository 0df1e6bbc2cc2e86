"""The paper builds from smoke results: PDF present, plausible length, no undefined refs or missing figures."""
import re
import shutil
import subprocess

import pytest

from cgan_study import paper


def test_numbers_macros_are_escaped_and_named_safely():
    tex = paper.numbers_tex({"bestMixCell": "50% real", "bestFewShotArm": "mix (low_data)"})
    assert "\\newcommand{\\bestMixCell}{50\\% real}" in tex and "low\\_data" in tex
    with pytest.raises(ValueError):
        paper.numbers_tex({"bad1": "x"})


@pytest.mark.integration
def test_paper_builds_from_smoke_results(smoke_sweep, smoke_tricks, tmp_path, mnist_path):
    missing = [tool for tool in ("latexmk", "pdflatex", "pdfinfo") if shutil.which(tool) is None]
    if missing:  # a failure, not a skip: `make test` installs them (tools/system-packages.sh)
        pytest.fail(f"{', '.join(missing)} not installed; run `make test`, or tools/system-packages.sh")
    from experiments.report import main

    root, first, _ = smoke_sweep
    assert first.returncode == 0 and smoke_tricks[1].returncode == 0
    rc = main(["--profile", "smoke", "--out", str(root), "--data", str(mnist_path), "--paper-dir", str(tmp_path)])
    assert rc == 0
    pdf = tmp_path / "main.pdf"
    assert pdf.exists()
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                            text=True).stdout).group(1))
    assert 2 <= pages <= 8
    log = (tmp_path / "main.log").read_text(errors="replace")
    assert "undefined" not in log.lower().replace("undefined control", "")
    assert "not found" not in log
    assert paper.log_problems(tmp_path) == []
    numbers = (tmp_path / "generated" / "numbers.tex").read_text()
    # The GAN-variant section with its tables, grids and macros is in (the smoke tricks sweep ran).
    assert "fig:collapse" in (tmp_path / "generated" / "tricks_section.tex").read_text()
    assert "\\newcommand{\\collapseVariant}{n/a}" in numbers  # one unconditional model: nothing to compare
    assert "\\newcommand{\\bestCondVariant}{" in numbers
    assert "\\newcommand{\\scorerAccuracy}{" in numbers and "n/a" not in numbers.split("scorerAccuracy")[1][:10]


@pytest.mark.integration
def test_report_is_deterministic(smoke_sweep, tmp_path, mnist_path):
    from experiments.report import main

    root, first, _ = smoke_sweep
    assert first.returncode == 0
    for name in ("a", "b"):
        assert main(["--profile", "smoke", "--out", str(root), "--data", str(mnist_path),
                     "--paper-dir", str(tmp_path / name), "--no-pdf"]) == 0
    generated = sorted(p.name for p in (tmp_path / "a" / "generated").glob("*.tex"))
    assert "numbers.tex" in generated and "gan_table.tex" in generated
    for name in generated:
        assert (tmp_path / "a" / "generated" / name).read_text() == (tmp_path / "b" / "generated" / name).read_text()
