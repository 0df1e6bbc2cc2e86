"""The sweep index of results/README.md: generated from the declarations and the finished runs, never typed."""
from __future__ import annotations

import csv
from pathlib import Path

from cgan_study.sweeps import SWEEPS
from cgan_study.sweeps.index import BEGIN, END, render, rows, update_readme

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
    # Nothing ran in an empty root: Fashion-MNIST rows only for the sweeps declared on it alone.
    alone = [f"[`{n}`](fashion_mnist/{n}/)" for n, s in SWEEPS.items() if s.datasets == ("fashion_mnist",)]
    assert "[`replication`](fashion_mnist/replication/)" in alone
    assert [l.split("|")[1].strip() for l in text.splitlines() if "| fashion_mnist |" in l] == alone


def test_update_replaces_only_the_block_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# notes above\n\n{BEGIN}\nstale\n{END}\n\nnotes below\n")
    assert update_readme(readme, tmp_path)
    text = readme.read_text()
    assert text.startswith("# notes above\n\n" + BEGIN) and text.endswith(END + "\n\nnotes below\n")
    assert "stale" not in text
    assert not update_readme(readme, tmp_path)  # a second pass changes nothing


def test_the_committed_results_readme_carries_the_current_index():
    text = (ROOT / "results" / "README.md").read_text()
    assert BEGIN in text, "results/README.md lost its sweep index: run python -m experiments.report"
    committed = BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert committed == render(ROOT / "results"), "results/README.md's sweep index is stale: python -m experiments.report"
