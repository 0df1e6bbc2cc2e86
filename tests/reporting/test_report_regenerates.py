"""`python -m experiments.report` regenerates every committed table from the committed summaries, byte for byte.

The report runs into a temporary results root whose sweep folders link the committed runs (summary.csv, run
directories, artifacts) but not their tables/ or figures/, and into a temporary paper folder; every table it
writes (results/<sweep>/tables/*.csv|.tex) and every generated .tex of the paper is then compared with the
committed file. Figures may differ in bytes (they are not compared).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


def _repo() -> Path:
    here = Path(__file__).resolve()
    return next(p for p in here.parents if (p / "pyproject.toml").exists())


REPO = _repo()
SECOND_DATASETS = ("fashion_mnist",)   # experiments.report.SECOND_DATASETS (not imported: TensorFlow-free here)
RESULTS, PAPER = REPO / "results", REPO / "paper"
# Floats computed by np.polyfit, whose last digits depend on the machine's BLAS: compared to 1e-12, not by bytes.
# (Their mean over runs is an exactly rounded fsum, so the order the runs are listed in no longer matters.)
NUMERICALLY_NOISY = {"results/mix_ratios/tables/generator_loss_trend.csv",
                     "results/mix_ratios_families/tables/generator_loss_trend.csv",
                     "results/fashion_mnist/replication/tables/generator_loss_trend.csv"}


def _mirror_results(src: Path, dst: Path) -> None:
    """dst/<sweep>/ links every entry of src/<sweep>/ except the report's outputs (tables/, figures/)."""
    dst.mkdir()
    for sweep in src.iterdir():
        if not sweep.is_dir():
            continue
        if sweep.name.startswith("_"):   # _artifacts: read by the report, never written
            (dst / sweep.name).symlink_to(sweep)
            continue
        if sweep.name in SECOND_DATASETS:   # a second dataset's own results root, mirrored the same way
            _mirror_results(sweep, dst / sweep.name)
            continue
        (dst / sweep.name).mkdir()
        for entry in sweep.iterdir():
            if entry.name not in ("tables", "figures"):
                (dst / sweep.name / entry.name).symlink_to(entry)


def _mirror_paper(src: Path, dst: Path) -> None:
    dst.mkdir()
    for entry in src.iterdir():
        if entry.name != "generated" and (entry.name == "sections" or entry.suffix in (".tex", ".bib")):
            (dst / entry.name).symlink_to(entry)


def _committed_outputs() -> dict[str, Path]:
    """Repository-relative name -> committed file: the quick profile's tables and the paper's generated .tex."""
    from cgan_study.sweeps import SWEEPS

    roots = [RESULTS, *(RESULTS / name for name in SECOND_DATASETS)]
    files = [p for root in roots for name in SWEEPS for p in sorted((root / name / "tables").glob("*")) if p.is_file()]
    files += sorted((RESULTS / "datasets" / "tables").glob("*"))   # the datasets side by side
    files += sorted(p for p in (PAPER / "generated").glob("*.tex") if p.name != "inputs.tex")  # the PDF build's stamp
    return {str(p.relative_to(REPO)): p for p in files}


def _assert_same_numbers(name: str, new: Path, old: Path) -> None:
    a, b = pd.read_csv(new), pd.read_csv(old)
    assert list(a.columns) == list(b.columns) and a.shape == b.shape, name
    for column in a.columns:
        if pd.api.types.is_float_dtype(a[column]):
            pd.testing.assert_series_equal(a[column], b[column], rtol=1e-12, atol=0, obj=f"{name}:{column}")
        else:
            assert list(a[column]) == list(b[column]), f"{name}:{column}"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    from experiments import report

    tmp = tmp_path_factory.mktemp("regenerate")
    _mirror_results(RESULTS, tmp / "results")
    _mirror_paper(PAPER, tmp / "paper")
    assert report.main(["--out", str(tmp / "results"), "--paper-dir", str(tmp / "paper"), "--no-pdf"]) == 0
    return tmp


def test_the_report_regenerates_every_committed_table_byte_for_byte(regenerated):
    committed = _committed_outputs()
    assert committed, "no committed tables found"
    new = {str(p.relative_to(regenerated)).replace("results/", "results/", 1): p
           for p in [*regenerated.glob("results/*/tables/*"), *regenerated.glob("paper/generated/*.tex"),
                     *(p for name in SECOND_DATASETS for p in regenerated.glob(f"results/{name}/*/tables/*"))]}
    assert sorted(new) == sorted(committed), "the report writes other tables than the committed ones"
    differ = []
    for name, old in committed.items():
        if new[name].read_bytes() == old.read_bytes():
            continue
        if name in NUMERICALLY_NOISY:
            _assert_same_numbers(name, new[name], old)
        else:
            differ.append(name)
    assert not differ, f"regenerated tables differ from the committed ones: {differ}"
