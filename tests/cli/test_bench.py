"""The benchmark helpers: interleaved rounds and the analytic FLOP count (no timing thresholds)."""
from experiments.bench import _best_of, step_flops


def test_best_of_interleaves_measures_round_by_round():
    calls = []
    seen = _best_of(3, {"a": lambda: calls.append("a") or len(calls), "b": lambda: calls.append("b") or len(calls)})
    assert calls == ["a", "b"] * 3  # a slow spell of the host hits both sides alike
    assert seen == {"a": [1, 3, 5], "b": [2, 4, 6]}


def test_step_flops_counts_both_updates():
    # D step: G forward (1) + D forward/backward on real and fake (2 x 3); G step: G and D forward/backward.
    assert step_flops(1, 0) == 1 + 3
    assert step_flops(0, 1) == 6 + 3
    assert step_flops(10, 1, d_steps=2) == 2 * (10 + 6) + 30 + 3
