"""A run is its dataset too: a finished or interrupted run on other images never passes for the requested ones, and
each dataset has its own default results directory."""
from __future__ import annotations

import argparse
from pathlib import Path

from cgan_study import config as C
from cgan_study.data import dataset_name
from cgan_study.runtime import executor as X
from cgan_study.study.jobs import unused_sections
from cgan_study.runtime import results
from experiments.sweep import default_out, out_root

MNIST_SHA, OTHER_SHA = "a" * 64, "b" * 64


def _record(sha: str) -> dict:
    return {"sweep": "s", "run": "r", "dataset_sha256": sha, "experiment": C.to_dict(C.Experiment())}


def _never(_dir):
    raise AssertionError("the run's work must not start")


def test_a_finished_run_on_another_dataset_is_refused_naming_both(tmp_path, capsys):
    run = results.Run(tmp_path / "s" / "r")
    run.start(_record(MNIST_SHA))
    run.finish({"test_accuracy": 0.99})
    reason = X.execute(run, "[1/1] r", _record(OTHER_SHA), _never)
    assert reason and "another dataset" in reason and MNIST_SHA[:12] in reason and OTHER_SHA[:12] in reason
    assert "FAILED" in capsys.readouterr().out
    assert X.execute(run, "[1/1] r", _record(MNIST_SHA), _never) is None   # the same dataset: done, skipped


def test_an_interrupted_run_on_another_dataset_is_not_resumed(tmp_path):
    run = results.Run(tmp_path / "s" / "r")
    run.start(_record(MNIST_SHA))          # started, never finished
    reason = X.execute(run, "[1/1] r", _record(OTHER_SHA), _never)
    assert reason and "another dataset" in reason


def test_each_dataset_has_its_own_default_results_directory():
    assert default_out("quick") == Path("results") and default_out("paper") == Path("results/paper")
    assert default_out("quick", "fashion_mnist") == Path("results/fashion_mnist")
    assert dataset_name("fashion_mnist") == "fashion_mnist" and dataset_name("/data/Fashion/") == "fashion_mnist"
    assert dataset_name("keras") == "mnist" and dataset_name("/x/mnist.npz") == "mnist"
    args = argparse.Namespace(out=None, profile="quick", data="fashion_mnist")
    assert out_root(args, C.Experiment()) == Path("results/fashion_mnist")
    assert out_root(argparse.Namespace(out="/tmp/x", profile="quick", data="fashion_mnist"),
                    C.Experiment()) == Path("/tmp/x")


# --------------------------------------------------------------------------- keys added after a run finished

def _finished_with(tmp_path, experiment: dict) -> results.Run:
    run = results.Run(tmp_path / "s" / "r")
    run.start({"sweep": "s", "run": "r", "dataset_sha256": MNIST_SHA, "experiment": experiment})
    run.finish({"test_accuracy": 0.99})
    return run


def _without(experiment: dict, dotted: str) -> dict:
    section, leaf = dotted.split(".")
    return {**experiment, section: {k: v for k, v in experiment[section].items() if k != leaf}}


def test_a_run_that_predates_a_key_counts_as_having_had_its_old_behaviour(tmp_path, capsys):
    new = C.to_dict(C.Experiment())
    assert new["eval"]["train_reference"] == 10000
    # A scoring run from before the training reference: only eval.train_reference differs. It must be refused.
    run = _finished_with(tmp_path, _without(new, "eval.train_reference"))
    reason = X.execute(run, "r", {"dataset_sha256": MNIST_SHA, "experiment": new}, _never,
                       ignore=unused_sections(new, "gan_eval"))
    assert reason and "eval.train_reference" in reason


def test_a_change_in_a_section_the_task_never_reads_does_not_refuse_a_finished_run(tmp_path):
    new = C.to_dict(C.Experiment())
    # A downstream-classifier run does not read eval: one from before the training reference is still done.
    run = _finished_with(tmp_path, _without(new, "eval.train_reference"))
    assert X.execute(run, "r", {"dataset_sha256": MNIST_SHA, "experiment": new}, _never,
                       ignore=unused_sections(new, "augment")) is None
    # ...but the classifier's own rule is read by it: a run that selected on validation digits is refused.
    old = {**new, "classifier": {**new["classifier"], "early_stopping_patience": 2}}
    old = _without(old, "classifier.selection")
    run = _finished_with(tmp_path / "b", old)
    reason = X.execute(run, "r", {"dataset_sha256": MNIST_SHA, "experiment": new}, _never,
                       ignore=unused_sections(new, "augment"))
    assert reason and "classifier.selection" in reason
