"""tools.integrate_runs: finished runs of one sweep, and the finished artifacts they name, move from another results
root into this one; nothing unfinished, nothing local-only, nothing already here is touched; the summary is rewritten."""
import json
from pathlib import Path

import pandas as pd

from tools import integrate_runs


def _run(root: Path, sweep: str, name: str, done: bool, artifact: str | None = None, acc: float = 0.9) -> Path:
    run = root / sweep / name
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"run": name, "sweep": sweep}))
    metrics = {"test_accuracy": acc, **({"generator_artifact": artifact} if artifact else {})}
    if done:
        (run / "metrics.json").write_text(json.dumps(metrics))
        (run / "DONE").write_text("")
    return run


def _artifact(root: Path, kind: str, name: str, done: bool) -> Path:
    art = root / "_artifacts" / kind / name
    (art / "epochs").mkdir(parents=True)
    (art / "epochs" / "epoch_001.weights.h5").write_bytes(b"snapshot")
    (art / "checkpoint.npz").write_bytes(b"optimiser state")
    (art / "generator.keras").write_bytes(b"weights")
    if done:
        (art / "DONE").write_text("")
    return art


def test_finished_runs_and_their_finished_artifacts_move_and_nothing_else(tmp_path, capsys):
    src, dst = tmp_path / "batch" / "results", tmp_path / "main" / "results"
    _run(src, "semi", "k10-a-seed3", done=True, artifact="gen3")
    _run(src, "semi", "k10-b-seed3", done=False, artifact="gen4")        # interrupted: stays
    _run(src, "semi", "k10-c-seed0", done=True, acc=0.5)                  # already here: never overwritten
    _run(dst, "semi", "k10-c-seed0", done=True, acc=0.8)
    _run(src, "semi", "k10-d-seed0", done=True, acc=0.7)
    _run(dst, "semi", "k10-d-seed0", done=False)                         # interrupted here: gives way
    _artifact(src, "generator", "gen3", done=True)
    _artifact(src, "generator", "gen4", done=True)                       # named by no finished run: stays
    _artifact(src, "generator", "unrelated", done=True)
    assert integrate_runs.main(["semi", str(src), "--dest", str(dst), "--dry-run"]) == 0
    assert "would copy 2 finished runs of semi and 1 artifacts (generator/gen3)" in capsys.readouterr().out
    assert not (dst / "semi" / "k10-a-seed3").exists()

    runs, artifacts = integrate_runs.integrate("semi", src, dst)
    assert runs == ["k10-a-seed3", "k10-d-seed0"] and artifacts == [("generator", "gen3")]
    moved = dst / "_artifacts" / "generator" / "gen3"
    assert (moved / "generator.keras").read_bytes() == b"weights" and (moved / "DONE").exists()
    assert not (moved / "checkpoint.npz").exists() and not (moved / "epochs").exists()   # local only
    assert not (dst / "_artifacts" / "generator" / "gen4").exists()
    assert not (dst / "semi" / "k10-b-seed3").exists()
    summary = pd.read_csv(dst / "semi" / "summary.csv").set_index("run")
    assert summary["test_accuracy"].to_dict() == {"k10-a-seed3": 0.9, "k10-c-seed0": 0.8,
                                                 "k10-d-seed0": 0.7}
    assert not list(dst.rglob("_tmp-*"))
    assert integrate_runs.integrate("semi", src, dst) == ([], [])   # a second pass moves nothing


def test_an_unfinished_artifact_is_not_copied_and_a_wrong_root_is_one_line(tmp_path, capsys):
    src, dst = tmp_path / "a", tmp_path / "b"
    _run(src, "semi", "r", done=True, artifact="g")
    _artifact(src, "generator", "g", done=False)
    assert integrate_runs.plan("semi", src, dst) == (["r"], [])
    assert integrate_runs.main(["nosuch", str(src), "--dest", str(dst)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
    assert integrate_runs.main(["semi", str(src), "--dest", str(src)]) == 2
