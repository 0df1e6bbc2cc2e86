"""Nothing stale passes for current: a change to the code that trains a cached artifact either bumps its recipe
(the artifact key changes, the caches rebuild) or is recorded as behaviour-neutral by a deliberate command."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tools/ is the repository's, not the installed package's

from tools import recipe_lock as R  # noqa: E402

from cgan_study.config import stable_hash, with_recipe  # noqa: E402


def test_every_recipe_matches_its_lock():
    found = R.problems(R.current(), R.read_lock())
    assert not found, "training code changed without a recorded decision:\n" + "\n".join(found)


def test_the_test_never_writes_the_lock():
    before = R.LOCK.read_bytes()
    R.problems(R.current(), R.read_lock())
    assert R.LOCK.read_bytes() == before


def test_every_family_and_the_classifier_declare_a_recipe():
    # new families join the set; these seven stay
    assert {"gan", "guided_cgan", "cvae", "ebgan", "pca", "diffusion", "classifier"} <= set(R.recipes())
    for module in R.recipes().values():
        version, code = R.declared(R.module_file(module))
        assert version >= 1 and code


def test_fingerprint_ignores_comments_docstrings_layout_and_the_recipe_lines(tmp_path):
    a = tmp_path / "a.py"
    b = tmp_path / "b.py"
    a.write_text('"""Doc."""\nRECIPE = 1\n\ndef f(x):\n    """Doc."""\n    return x + 1  # one more\n')
    b.write_text('RECIPE = 2\nRECIPE_CODE = ("b.py",)\ndef f(x):\n    return (x +\n            1)\n')
    assert R.normalised(a.read_text()) == R.normalised(b.read_text())


def test_fingerprint_sees_a_change_of_code(tmp_path):
    (tmp_path / "fam").mkdir()
    code = tmp_path / "fam" / "m.py"
    code.write_text("def f(x):\n    return x + 1\n")
    before = R.fingerprint(("fam",), tmp_path)
    code.write_text("def f(x):\n    return x + 2\n")
    assert R.fingerprint(("fam",), tmp_path) != before


def _states(recipe=1, fingerprint="aaaa"):
    return {"gan": {"module": "cgan_study.generators.gan", "recipe": recipe, "fingerprint": fingerprint}}


def test_a_changed_recipe_is_named_with_its_command():
    (line,) = R.problems(_states(fingerprint="bbbb"), _states())
    assert line.startswith("gan:") and "python -m tools.recipe_lock --update gan --neutral" in line
    assert "bump RECIPE" in line


def test_a_bumped_recipe_asks_to_be_recorded_and_a_lowered_one_is_refused():
    (bumped,) = R.problems(_states(recipe=2, fingerprint="bbbb"), _states())
    assert "python -m tools.recipe_lock --update gan`" in bumped
    (lowered,) = R.problems(_states(recipe=1), _states(recipe=2))
    assert "went down" in lowered
    with pytest.raises(ValueError, match="went down"):
        R.update(["gan"], True, _states(recipe=1), _states(recipe=2))


def test_update_needs_a_bump_or_neutral():
    with pytest.raises(ValueError, match="--neutral"):
        R.update(["gan"], False, _states(fingerprint="bbbb"), _states())
    assert R.update(["gan"], True, _states(fingerprint="bbbb"), _states())["gan"]["fingerprint"] == "bbbb"
    assert R.update(["gan"], False, _states(recipe=2, fingerprint="bbbb"), _states())["gan"]["recipe"] == 2


def test_recipe_enters_the_key_only_above_one():
    spec = {"generator": "pca", "seed": 0}
    assert with_recipe(spec, 1) is spec
    assert stable_hash(with_recipe(spec, 2)) != stable_hash(spec)
    assert with_recipe(spec, 2) == {**spec, "recipe": 2}


def test_generator_and_scorer_keys_carry_a_bumped_recipe(monkeypatch):
    from cgan_study import config as C
    from cgan_study.generators import pca
    from cgan_study.study import stages
    from cgan_study.training import classifier

    class Ctx:
        def data_part(self, exp):
            return {"sha256": "x"}

    exp = C.apply(C.Experiment(), {"augment.generator": "pca"})
    spec1 = stages.generator_spec(exp, Ctx())
    scorer1 = stages._scorer_parts(exp, Ctx())[2]
    assert "recipe" not in spec1 and "recipe" not in scorer1
    monkeypatch.setattr(pca, "RECIPE", 2)
    monkeypatch.setattr(classifier, "RECIPE", 3)
    assert stages.generator_spec(exp, Ctx()) == {**spec1, "recipe": 2}
    assert stages._scorer_parts(exp, Ctx())[2] == {**scorer1, "recipe": 3}


def test_committed_artifacts_keep_their_keys():
    """Each committed artifact's name is the hash of the spec it was built from (its config.json): recipe 1 left
    every key as it was."""
    dirs = [p for p in ROOT.glob("results/**/_artifacts/*/*") if (p / "config.json").exists()]
    assert len(dirs) > 100
    wrong = [str(p.relative_to(ROOT)) for p in dirs
             if stable_hash(json.loads((p / "config.json").read_text())) != p.name]
    assert not wrong, f"artifacts whose name is not their spec's hash: {wrong[:5]}"
