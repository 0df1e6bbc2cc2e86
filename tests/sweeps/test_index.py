"""The sweep index of results/README.md: generated from the declarations and the finished runs, never typed; and its
table index: a declared note (what its metrics read, what chose anything in it) for every table, a table for every
note."""
from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from cgan_study.sweeps import SWEEPS, Sweep, TableNote, register
from cgan_study.sweeps.readme import markdown_table, render_readme, write_readme
from cgan_study.sweeps.index import (
    BEGIN,
    END,
    check_table_notes,
    render,
    rows,
    undeclared_tables,
    unwritten_notes,
)

ROOT = Path(__file__).resolve().parents[2]


def _run(path: Path, done: bool) -> None:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    if done:
        (path / "DONE").write_text("")


def test_a_row_counts_finished_runs_and_sums_their_recorded_seconds(tmp_path):
    sweep = tmp_path / "synth_amount"
    _run(sweep / "a", done=True)
    _run(sweep / "b", done=True)
    _run(sweep / "c", done=False)               # interrupted: written its config, not its DONE marker
    with (sweep / "summary.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, ["run", "wall_seconds"])
        w.writeheader()
        w.writerows([{"run": "a", "wall_seconds": 5400}, {"run": "b", "wall_seconds": 1800}])
    (sweep / "tables").mkdir()
    (sweep / "tables" / "synth_amount.csv").write_text("x\n")
    row = next(r for r in rows(tmp_path) if r["sweep"] == "synth_amount" and r["dataset"] == "mnist")
    assert (row["done"], row["hours"], row["tables"]) == (2, 2.0, ["synth_amount"])   # (5,400 + 1,800) s = 2 h
    assert row["declared"] == 27                 # 2 protocols x 4 amounts x 3 seeds + 3 real-only
    line = next(l for l in render(tmp_path).splitlines() if l.startswith("| [`synth_amount`]"))
    assert "| 2 / 27 | 2.0 | synth_amount |" in line


def test_every_declared_sweep_has_a_row_and_a_further_dataset_only_when_it_ran(tmp_path):
    text = render(tmp_path)
    for name, spec in SWEEPS.items():
        first = spec.datasets[0]
        path = name if first == "mnist" else f"{first}/{name}"
        assert f"| [`{name}`]({path}/) | {first} |" in text
    # Nothing ran in an empty root: a further dataset's rows only for the sweeps declared on it first (replication,
    # declared on Fashion-MNIST and then the icons, has no icon row).
    for dataset in ("fashion_mnist", "icons"):
        first = [f"[`{n}`]({dataset}/{n}/)" for n, s in SWEEPS.items() if s.datasets[0] == dataset]
        assert [l.split("|")[1].strip() for l in text.splitlines() if f"| {dataset} |" in l] == first
    assert "icons" in SWEEPS["replication"].datasets and "[`gan_losses`](icons/gan_losses/)" in text


def test_the_readme_is_written_whole_with_a_section_per_sweep_that_ran(tmp_path):
    sweep = tmp_path / "synth_amount"
    _run(sweep / "a", done=True)
    with (sweep / "summary.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, ["run", "wall_seconds"])
        w.writeheader()
        w.writerow({"run": "a", "wall_seconds": 3600})
    (sweep / "tables").mkdir()
    table = SWEEPS["synth_amount"].tables[0]
    (sweep / "tables" / f"{table}.csv").write_text("arm,acc,diff\nmix,0.912345678,nan\n")
    assert write_readme(tmp_path)
    text = (tmp_path / "README.md").read_text()
    assert text.startswith("# Committed results") and BEGIN in text and END in text
    assert "## `synth_amount`" in text and "## `mix_ratios`" not in text   # only a sweep with finished runs
    assert "`python -m experiments.sweep synth_amount --jobs 1`" in text and "1.0 h of recorded run time" in text
    assert f"### `{table}`" in text and "| mix | 0.9123 | -- |" in text
    assert SWEEPS["synth_amount"].table_notes[table].reads in text
    assert not write_readme(tmp_path)   # a second pass changes nothing


def test_a_long_table_shows_its_first_rows_and_counts_the_rest(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "".join(f"{i},x|y\n" for i in range(5)))
    lines = markdown_table(path, max_rows=3)
    assert lines[:3] == ["| a | b |", "|---|---|", "| 0 | x\\|y |"] and len(lines) == 6
    assert "(2 more rows in [t.csv](t.csv))" in lines[-1]


def test_the_committed_results_readme_is_what_the_committed_results_give():
    text = (ROOT / "results" / "README.md").read_text()
    assert BEGIN in text, "results/README.md lost its sweep index: run python -m experiments.report"
    committed = BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert committed == render(ROOT / "results"), "results/README.md's sweep index is stale: python -m experiments.report"
    assert text == render_readme(ROOT / "results"), "results/README.md is stale: python -m experiments.report"


# --------------------------------------------------------------------------- the table index: a note per table

def _table(root: Path, sweep: str, name: str) -> None:
    (root / sweep / "tables").mkdir(parents=True, exist_ok=True)
    (root / sweep / "tables" / f"{name}.csv").write_text("x\n1\n")


def test_every_table_under_the_committed_results_has_a_note():
    missing = undeclared_tables(ROOT / "results")
    assert not missing, "\n".join(missing)


def test_every_table_the_papers_read_has_a_note():
    # Also the tables of a sweep that has not run yet (semi_supervised): the papers read them once it has.
    missing = [f"{name}: {t}" for name, spec in SWEEPS.items() for t in spec.tables if t not in spec.table_notes]
    assert not missing, f"declare a table note for: {', '.join(missing)}"


def test_a_table_without_a_note_is_named_and_its_row_says_so(tmp_path):
    _table(tmp_path, "synth_amount", "synth_amount")
    _table(tmp_path, "synth_amount", "an_undeclared_table")
    assert undeclared_tables(tmp_path) == [
        "synth_amount/tables/an_undeclared_table.csv has no table note: declare what its metrics read and what chose "
        "anything in it in cgan_study/sweeps/synth_amount.py (table_notes)"]
    line = next(l for l in render(tmp_path).splitlines() if l.startswith("| `an_undeclared_table` |"))
    assert line.count("**no note**: declare one in cgan_study/sweeps/synth_amount.py") == 2


def test_a_note_for_a_table_no_report_writes_is_refused(tmp_path, monkeypatch):
    # A sweep without a report writes no table: its notes are refused when it registers (and nothing registers).
    with pytest.raises(ValueError, match="declares table notes \\(orphan\\) but no report"):
        register("toy_without_report", Sweep(task="augment", description="toy", grids={"quick": []},
                                             table_notes={"orphan": TableNote("test accuracy.", "nothing.")}))
    assert "toy_without_report" not in SWEEPS
    # A sweep whose report wrote its tables: a note naming a table it did not write is refused, by name.
    spec = SWEEPS["synth_amount"]
    monkeypatch.setitem(SWEEPS, "synth_amount", replace(spec, table_notes={
        **spec.table_notes, "synth_amount_typo": TableNote("test accuracy.", "nothing.")}))
    _table(tmp_path, "synth_amount", "synth_amount")
    assert unwritten_notes(tmp_path) == [
        "cgan_study/sweeps/synth_amount.py declares a table note for 'synth_amount_typo', a table its report does not "
        "write (no synth_amount/tables/synth_amount_typo.csv under the results root): remove the note or fix its name"]
    with pytest.raises(ValueError, match="synth_amount_typo"):
        check_table_notes(tmp_path)
    # A sweep that has not run is not judged: nothing under the root says what its report writes.
    assert unwritten_notes(tmp_path / "empty") == []


def test_the_committed_results_have_a_note_for_every_table_and_a_table_for_every_note():
    check_table_notes(ROOT / "results")


def test_a_note_says_both_what_it_reads_and_what_chose():
    with pytest.raises(ValueError, match="nothing: reported only"):
        TableNote("test accuracy.", " ")


def test_the_row_of_a_hand_made_sweep_dir_shows_its_note(tmp_path):
    _table(tmp_path, "synth_amount", "synth_amount")
    (tmp_path / "fashion_mnist" / "generators" / "tables").mkdir(parents=True)
    (tmp_path / "fashion_mnist" / "generators" / "tables" / "generators.csv").write_text("x\n")
    note = SWEEPS["synth_amount"].table_notes["synth_amount"]
    text = render(tmp_path)
    table_index = text.split("| table | sweep | what its metrics read | what it chose (rule) |", 1)[1]
    lines = [l for l in table_index.splitlines() if l.startswith("| `")]
    assert lines[0] == f"| `synth_amount` | [`synth_amount`](synth_amount/tables/) | {note.reads} | {note.chose} |"
    # A second dataset's table names its dataset; one row per table present, nothing else.
    generators = SWEEPS["generators"].table_notes["generators"]
    assert lines[1] == (f"| `generators` | [`generators` (fashion_mnist)](fashion_mnist/generators/tables/) | "
                        f"{generators.reads} | {generators.chose} |")
    assert len(lines) == 2
