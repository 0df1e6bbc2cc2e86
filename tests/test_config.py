"""Config overrides, validation, profiles and hashing."""
import dataclasses

import pytest

from cgan_study import config as C


def test_override_sets_nested_value_and_keeps_original():
    base = C.Experiment()
    new = C.override(base, "gan.label_smoothing", 0.1)
    assert new.gan.label_smoothing == 0.1
    assert base.gan.label_smoothing == 0.0
    assert dataclasses.is_dataclass(new) and new.classifier == base.classifier


def test_override_parses_cli_strings_by_field_type():
    cfg = C.apply(C.Experiment(), {"gan.epochs": "5", "gan.g_lr": "1e-3", "gan.minibatch_discrimination": "true",
                                   "eval.metrics": "fid,kid"})
    assert cfg.gan.epochs == 5 and cfg.gan.g_lr == 1e-3 and cfg.gan.minibatch_discrimination is True
    assert cfg.eval.metrics == ("fid", "kid")


def test_unknown_key_lists_closest_valid_keys():
    with pytest.raises(C.ConfigError, match="gan.label_smoothing"):
        C.override(C.Experiment(), "gan.label_smothing", 0.1)


def test_section_is_not_a_value():
    with pytest.raises(C.ConfigError, match="section"):
        C.override(C.Experiment(), "gan", 1)


@pytest.mark.parametrize("key,value,match", [
    ("gan.epochs", "abc", "integer"),
    ("gan.epochs", 2.5, "integer"),
    ("gan.g_lr", "fast", "number"),
    ("gan.minibatch_discrimination", "maybe", "true or false"),
    ("gan.loss", 3, "string"),
])
def test_wrong_type_is_rejected(key, value, match):
    with pytest.raises(C.ConfigError, match=match):
        C.override(C.Experiment(), key, value)


@pytest.mark.parametrize("key,value", [("augment.real_fraction", 1.5), ("augment.real_fraction", -0.1),
                                       ("gan.label_smoothing", 2.0)])
def test_fraction_outside_unit_interval_is_rejected(key, value):
    with pytest.raises(C.ConfigError, match=r"\[0, 1\]"):
        C.override(C.Experiment(), key, value)


def test_unknown_choice_suggests_the_closest():
    with pytest.raises(C.ConfigError, match="did you mean 'hinge'"):
        C.override(C.Experiment(), "gan.loss", "hing")


@pytest.mark.parametrize("overrides,match", [
    ({"gan.loss": "wgan", "gan.d_norm": "batch"}, "weight clipping"),
    ({"gan.loss": "wgan_gp", "gan.d_norm": "batch"}, "batch norm"),
    ({"gan.loss": "hinge", "gan.label_smoothing": 0.1}, "label smoothing"),
    ({"augment.generator": "dcgan", "augment.synth_fraction": 0.5}, "labelled synthetic"),
])
def test_incompatible_combinations_fail_at_config_time(overrides, match):
    with pytest.raises(C.ConfigError, match=match):
        C.apply(C.Experiment(), overrides)


def test_profiles_are_valid_and_unknown_profile_is_an_error():
    for name in C.PROFILES:
        assert isinstance(C.profile(name), C.Experiment)
    assert C.profile("smoke").gan.epochs == 1
    with pytest.raises(C.ConfigError, match="did you mean 'quick'"):
        C.profile("quik")


def test_hash_is_stable_and_content_sensitive():
    a, b = C.Experiment(), C.Experiment()
    assert C.stable_hash(a) == C.stable_hash(b)
    assert C.stable_hash(a) != C.stable_hash(C.override(a, "seed", 1))
    # A known value guards against accidental changes of the hashing scheme (which would orphan caches).
    assert C.stable_hash({"a": 1}) == "015abd7f5cc57a2d"


def test_round_trip_through_dict():
    cfg = C.apply(C.Experiment(), {"gan.loss": "hinge", "eval.metrics": "fid"})
    assert C.from_dict(C.to_dict(cfg)) == cfg
    with pytest.raises(C.ConfigError, match="unknown key"):
        C.from_dict({"nonsense": 1})


def test_all_keys_and_flatten_agree():
    flat = C.flatten(C.Experiment())
    assert set(flat) == set(C.all_keys())
    assert flat["augment.generator"] == "cgan" and flat["augment.strategy"] == "mix"


@pytest.mark.parametrize("overrides", [{"classifier.passes_per_epoch": -0.5},
                                       {"scorer.passes_per_epoch": 1.0}])   # the scorer already does one pass
def test_passes_per_epoch_needs_a_fixed_step_count_and_a_sign(overrides):
    with pytest.raises(C.ConfigError, match="passes_per_epoch"):
        C.apply(C.profile("quick"), overrides)
