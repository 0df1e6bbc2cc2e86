"""Sweep combinators and run names."""
import pytest

from cgan_study.runtime.grid import chain, fixed, name_runs, product, run_name, sweep, zip_


def test_product_varies_last_fastest():
    grid = product(sweep("a", [1, 2]), sweep("b", ["x", "y"]))
    assert grid == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


def test_zip_and_chain_and_fixed():
    assert zip_(sweep("a", [1, 2]), sweep("b", [3, 4])) == [{"a": 1, "b": 3}, {"a": 2, "b": 4}]
    assert chain(fixed("a", 1), fixed("b", 2)) == [{"a": 1}, {"b": 2}]
    with pytest.raises(ValueError, match="equal length"):
        zip_(sweep("a", [1]), sweep("b", [1, 2]))
    with pytest.raises(ValueError, match="no values"):
        sweep("a", [])


def test_run_names_come_from_swept_values_with_seed_last():
    assert run_name({"seed": 1, "augment.real_fraction": 0.1, "augment.synth_fraction": 0.5}) == \
        "real0.10-synth0.50-seed1"


def test_names_use_only_keys_that_vary_and_must_be_unique():
    named = name_runs(product(fixed("augment.generator", "cgan"), sweep("seed", [0, 1])))
    assert [n for n, _ in named] == ["seed0", "seed1"]
    with pytest.raises(ValueError, match="share the run name"):
        name_runs([{"a": 1.001}, {"a": 1.002}])
