"""Helpers shared by the tests (imported as `from helpers import ...`; test files never import each other)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
MNIST_SHA256 = "da231c08013e217002c4f393e0f38583bf5a62a5ead805d541bdacd45803e00f"


def clean_env(extra: dict | None = None) -> dict[str, str]:
    """The test process's environment without the variables that steer a run or a cluster, plus `extra`.

    A CGAN_STUDY_* (fault injection, TensorBoard, dataset) or RAY_* (address, auth) variable left in the user's
    shell would otherwise change what a test runs; each test passes the ones it means explicitly.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CGAN_STUDY_", "RAY_"))}
    return {**env, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", **(extra or {})}


def cli(*args, env_data=None, cwd=None, env=None, timeout=600, module="experiments.sweep"):
    """`python -m experiments.sweep ARGS` (or another CLI module) in a clean environment; the CompletedProcess."""
    env = clean_env(env)
    if env_data is not None:
        env["CGAN_STUDY_DATA"] = str(env_data)
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          env=env, cwd=cwd or REPO, timeout=timeout)


def same_rows(summary_csv: Path, reference_csv: Path, runs: list[str] | None = None) -> None:
    """Assert a summary has exactly one finished row per run, equal to the reference's apart from timings."""
    import pandas as pd

    got, ref = pd.read_csv(summary_csv), pd.read_csv(reference_csv).set_index("run")
    runs = sorted(runs or ref.index)
    assert sorted(got["run"]) == runs, "duplicate, missing or extra rows"
    assert set(got["status"]) == {"done"}
    for run_dir in Path(summary_csv).parent.iterdir():  # a row counted as done has its DONE marker
        if run_dir.name in runs:
            assert (run_dir / "DONE").exists(), run_dir
    got = got.set_index("run")
    for run in runs:
        a = {k: v for k, v in got.loc[run].items() if pd.notna(v) and "seconds" not in k}
        b = {k: v for k, v in ref.loc[run].items() if pd.notna(v) and "seconds" not in k}
        assert a == b, (run, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)})


def run_main(monkeypatch, capsys, *args, env_data=None, module: str = "experiments.sweep"):
    """A CLI's main(ARGS) in this process, in the environment `cli` would give it: (exit status, stdout, stderr).

    For what never trains (--help, --list, --dry-run, bad input): no interpreter start, no TensorFlow import.
    """
    import importlib

    for key in list(os.environ):
        if key.startswith(("CGAN_STUDY_", "RAY_")):
            monkeypatch.delenv(key)
    if env_data is not None:
        monkeypatch.setenv("CGAN_STUDY_DATA", str(env_data))
    monkeypatch.chdir(REPO)  # as `cli` runs it: default paths (results/) are the repository's
    capsys.readouterr()
    try:
        code = importlib.import_module(module).main(list(args))
    except SystemExit as exc:  # argparse: --help (0) and malformed arguments (2)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_resume_is_bit_for_bit(train, make_model, work: Path) -> None:
    """Two epochs straight and one epoch, "killed", then resumed for the second: equal checkpoints, bit for bit.

    `train(epochs, work_dir)` trains into work_dir (resuming from its checkpoint); `make_model()` is a fresh,
    compiled model of the same configuration whose state (weights, optimiser slots, RNG) a checkpoint restores.
    """
    import numpy as np

    from cgan_study.training.callbacks import load_checkpoint
    from cgan_study.training.fit import CHECKPOINT_FILE

    train(2, work / "straight")
    train(1, work / "resumed")
    assert train(2, work / "resumed")["resumed_from_epoch"] == 1
    states = []
    for name in ("straight", "resumed"):
        model = make_model()
        assert load_checkpoint(model, work / name / CHECKPOINT_FILE) == 2
        states.append(model.get_state())
    assert states[0].keys() == states[1].keys()
    for key in states[0]:
        np.testing.assert_array_equal(states[0][key], states[1][key], err_msg=key)
