"""One sweep, one module (cgan_study/sweeps/): the registry, the declarations against the committed results and
the paper, and a toy sweep added as one new module whose paper table the report picks up with nothing else edited."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from cgan_study.runtime import results
from cgan_study.runtime.grid import name_runs
from cgan_study.sweeps import SWEEPS, Sweep, register, report_sweep

REPO = Path(__file__).resolve().parents[2]


def test_a_name_registered_twice_is_refused_and_the_registry_is_unchanged():
    before = dict(SWEEPS)
    with pytest.raises(ValueError, match="sweep 'tricks' is registered twice"):
        register("tricks", Sweep(task="gan_eval", description="another", grids={"quick": []}))
    assert SWEEPS == before and SWEEPS["tricks"] is before["tricks"]


def test_every_sweep_lives_in_its_own_module_named_as_it_is():
    for name, sweep in SWEEPS.items():
        assert (REPO / "cgan_study" / "sweeps" / f"{name}.py").exists(), name
        module = sys.modules[f"cgan_study.sweeps.{name}"]
        assert any(value is sweep for value in vars(module).values()), f"{name} is not declared in its module"


def test_each_committed_run_is_a_point_its_sweeps_declaration_names_with_the_same_overrides():
    """The declarations, wherever they live, still name the committed runs: a moved or edited grid that renames a
    run or changes its overrides fails here (the run would be computed again under a new name)."""
    checked = 0
    for name, sweep in SWEEPS.items():
        for root in (REPO / "results", REPO / "results" / "fashion_mnist"):   # the second dataset: same grids
            sweep_dir = root / name
            if not sweep_dir.is_dir():
                continue
            declared = {run: point for run, point in name_runs(sweep.grid("quick", root),
                                                               stable=sweep.stable_names)}
            for config in sorted(sweep_dir.glob(f"*/{results.CONFIG}")):
                if not (config.parent / results.DONE).exists():
                    continue
                run = config.parent.name
                assert run in declared, f"{name}/{run}: committed, but the declaration names no such run"
                overrides = json.loads(config.read_text())["overrides"]
                assert overrides == json.loads(json.dumps(declared[run])), f"{name}/{run}: other overrides"
                checked += 1
    assert checked >= 590, checked   # every finished run of both committed trees (597 when written)


INPUT = re.compile(r"\\input\{generated/([a-z0-9_]+)(?:\.tex)?\}")


def _paper_inputs(sources) -> set[str]:
    return set(INPUT.findall("\n".join(p.read_text() for p in sources)))


def test_every_table_the_paper_inputs_is_declared_by_a_sweep_or_written_by_the_report_cli():
    from experiments import report

    sections = sorted((REPO / "paper" / "sections").glob("*.tex"))
    inputs = _paper_inputs([*(REPO / "paper").glob("*.tex"), *sections])
    assert {"few_shot_paired", "generators", "tricks"} <= inputs   # the paper's own \input lines are read
    declared = {t for s in SWEEPS.values() for t in s.tables}
    by_cli = {"numbers", "claims", "inputs", "families", "side_by_side", "few_shot_compact", "semi_supervised_compact"} | {
        f"{table}_{dataset}" for dataset in report.SECOND_DATASETS for _, table in report.SECOND_DATASET_TABLES}
    assert inputs - by_cli <= declared, f"declare these in a sweep module: {inputs - by_cli - declared}"
    # and the main paper's tables are declared as the paper's, not the supplement's
    main = _paper_inputs([p for p in sections if p.name != "supplement.tex"]) - by_cli
    assert main <= {t for s in SWEEPS.values() for t in s.paper_tables}, main


# --------------------------------------------------------------------------- a toy sweep: one new module

TOY_MODULE = '''
"""toy_sweep: real-only against affine at k = 5 (the only file written to add this sweep and its paper table)."""
from cgan_study.runtime import results
from cgan_study.runtime.grid import fixed, product, sweep
from cgan_study.sweeps import Sweep, register


def report(sweep_dir):
    from cgan_study.reporting.tables import finished_runs

    runs = finished_runs(sweep_dir)
    mean = runs.groupby("strategy")["test_accuracy"].mean()
    rows = "".join(f"{s} & {100 * a:.1f} \\\\\\\\ " for s, a in mean.items())
    results.write_text(sweep_dir / "tables" / "toy_table.tex", "\\\\begin{table}\\\\caption{Toy: accuracy (%).}"
                       "\\\\label{tab:toy_table}\\\\begin{tabular}{lr}" + rows + "\\\\end{tabular}\\\\end{table}\\n")
    return {"toy_means": mean.to_frame(), "toy_runs": runs}


def claims(tables):
    """toy/affine: affine minus real only, paired by seed."""
    from cgan_study.reporting.claims import comparison
    from cgan_study.reporting.stats import paired_differences
    from cgan_study.reporting.tables import config_column

    runs = tables.get("toy_runs")
    if runs is None:
        return {}
    seed = config_column("seed")
    diff = paired_differences(runs[runs["strategy"] == "affine"], runs[runs["strategy"] == "real"], [seed], ["strategy"])
    return {"toy/affine": comparison("toy/affine", diff.iloc[0])}


def macros(tables, root):
    means = tables.get("toy_means")
    return {} if means is None else {"toyAffineAccuracy": f"{100 * means.loc['affine', 'test_accuracy']:.1f}"}


TOY = register("toy_sweep", Sweep(
    task="augment", description="Toy: real-only against affine at k = 5.",
    grids={"smoke": product(fixed("augment.real_per_class", 5), sweep("augment.strategy", ("real", "affine")),
                            sweep("seed", range(2)))},
    report=report, paper_tables=("toy_table",), claims=claims, claim_prefixes=("toy/",), macros=macros))
'''


@pytest.fixture
def toy_sweep(tmp_path):
    """The toy module imported from its own file (as a new cgan_study/sweeps/<name>.py would be): it registers."""
    path = tmp_path / "toy_sweep.py"
    path.write_text(TOY_MODULE)
    spec = importlib.util.spec_from_file_location("toy_sweep_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module.TOY
    SWEEPS.pop("toy_sweep", None)


def _finished_toy_runs(root: Path, sweep: Sweep) -> None:
    """The smoke grid's runs as the executor leaves them (config first, metrics, DONE) and their summary.csv;
    accuracies by hand: real 0.80 and 0.82, affine 0.85 and 0.87."""
    accuracy = {("real", 0): 0.80, ("real", 1): 0.82, ("affine", 0): 0.85, ("affine", 1): 0.87}
    for name, point in name_runs(sweep.grid("smoke")):
        run = results.Run(root / "toy_sweep" / name)
        run.start({"sweep": "toy_sweep", "run": name, "overrides": point,
                   "experiment": {"seed": point["seed"], "augment": {"strategy": point["augment.strategy"],
                                                                     "real_per_class": 5}}})
        run.finish({"test_accuracy": accuracy[point["augment.strategy"], point["seed"]],
                    "strategy": point["augment.strategy"]})
    results.write_summary(root / "toy_sweep")


@pytest.mark.slow   # runs the report CLI (a few seconds on an otherwise empty results root)
def test_a_toy_sweep_added_as_one_module_has_its_table_in_paper_generated(toy_sweep, tmp_path):
    from experiments import reproduce
    from experiments.report import main

    assert SWEEPS["toy_sweep"] is toy_sweep and "toy_sweep" in [n for n, _ in reproduce.steps()]
    root = tmp_path / "results"
    _finished_toy_runs(root, toy_sweep)
    assert report_sweep("toy_sweep", root / "toy_sweep")["toy_means"]["test_accuracy"].round(4).to_dict() == {
        "affine": 0.86, "real": 0.81}
    paper_dir = tmp_path / "paper"
    shutil.copytree(REPO / "paper", paper_dir, ignore=shutil.ignore_patterns("generated", "*.pdf"))
    assert main(["--profile", "smoke", "--out", str(root), "--paper-dir", str(paper_dir), "--no-pdf",
                 "--unchecked-claims"]) == 0
    table = (paper_dir / "generated" / "toy_table.tex").read_text()
    assert "affine & 86.0" in table and "real & 81.0" in table and "tab:toy_table" in table
    # its claim and its macro, declared in the module, reach the prose's generated inputs: +5.0 points by hand
    assert "\\def\\csname cmp@toy/affine@mean\\endcsname{$+5.00$}" in (paper_dir / "generated" / "claims.tex").read_text()
    assert "\\newcommand{\\toyAffineAccuracy}{86.0}" in (paper_dir / "generated" / "numbers.tex").read_text()


def _declared(name, **kw):
    return Sweep(task="augment", description=name, grids={"quick": []}, **kw)


def test_a_claim_outside_its_sweeps_prefixes_or_claimed_twice_is_refused(monkeypatch):
    from cgan_study import sweeps as S
    from cgan_study.reporting.claims import Comparison

    def one(cid):
        return lambda tables: {cid: Comparison(cid, 0.01, 0.0, 0.02, 3)}

    monkeypatch.setattr(S, "SWEEPS", {"a": _declared("a", claims=one("b/x"), claim_prefixes=("a/",))})
    with pytest.raises(ValueError, match="sweep 'a' claims 'b/x' outside its declared prefixes"):
        S.comparisons({})
    monkeypatch.setattr(S, "SWEEPS", {"a": _declared("a", claims=one("a/x"), claim_prefixes=("a/",)),
                                      "b": _declared("b", claims=one("a/x"), claim_prefixes=("a/",))})
    with pytest.raises(ValueError, match="claim 'a/x' is declared twice"):
        S.comparisons({})


def test_overlapping_claim_prefixes_and_a_macro_defined_twice_are_refused(monkeypatch):
    from cgan_study import sweeps as S

    monkeypatch.setattr(S, "SWEEPS", {"a": _declared("a", claim_prefixes=("fewshot/",))})
    with pytest.raises(ValueError, match="claim prefix 'fewshot/k10/', which overlaps sweep 'a'"):
        S.register("b", _declared("b", claim_prefixes=("fewshot/k10/",)))
    assert set(S.SWEEPS) == {"a"}
    monkeypatch.setattr(S, "SWEEPS", {"a": _declared("a", macros=lambda t, r: {"n": "1"}),
                                      "b": _declared("b", macros=lambda t, r: {"n": "2", "m": "3"})})
    with pytest.raises(ValueError, match="sweep 'b' defines macros another sweep defines too: n"):
        S.prose_macros({}, REPO)


def test_the_committed_results_claims_come_each_from_the_sweep_that_declares_its_prefix():
    from experiments.report import collect

    tables, _, _ = collect(REPO / "results")
    comps = __import__("cgan_study.sweeps", fromlist=["comparisons"]).comparisons(tables)
    owners = {p: n for n, s in SWEEPS.items() for p in s.claim_prefixes}
    assert {p.rstrip("/") for p in owners} >= {"fewshot", "fewshotn10", "semisup", "variants", "budget"}
    for cid in comps:
        assert sum(cid.startswith(p) for p in owners) == 1, cid
