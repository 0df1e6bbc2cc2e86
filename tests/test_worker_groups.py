"""`make test` runs two xdist workers: a test that reads the smoke study shares one worker with every other such
test (the study's sweeps run once), and the Ray tests share a group (two clusters never start on two cores)."""
from pathlib import Path
from types import SimpleNamespace

from conftest import xdist_group_of


def _item(path: str, *fixtures: str):
    return SimpleNamespace(path=Path(path), fixturenames=list(fixtures))


def test_a_test_reading_the_smoke_study_through_any_fixture_joins_its_group():
    assert xdist_group_of(_item("tests/reporting/test_paper.py", "smoke_study", "smoke_sweep", "tmp_path")) == \
        "smoke-study"
    assert xdist_group_of(_item("tests/study/test_pipeline.py", "smoke_sweep")) == "smoke-study"
    assert xdist_group_of(_item("tests/generators/test_generators.py", "smoke_tricks")) == "smoke-study"


def test_ray_tests_share_a_group_and_other_tests_go_anywhere():
    assert xdist_group_of(_item("tests/runtime/test_ray.py", "tmp_path")) == "ray"
    assert xdist_group_of(_item("tests/runtime/test_ray.py", "smoke_sweep")) == "smoke-study"
    assert xdist_group_of(_item("tests/test_data.py", "mnist", "tmp_path")) is None


def test_every_collected_test_carries_the_group_its_fixtures_call_for(request):
    """The real collection (whatever -k or paths selected): each test's mark matches the fixture closure pytest
    computed for it, and this test, which reads no smoke fixture, carries none."""
    loadgroup = request.config.getoption("dist", "no") == "loadgroup"   # `make test`: xdist's --dist loadgroup
    for item in request.session.items:
        mark = item.get_closest_marker("xdist_group")
        assert (mark.args[0] if mark else None) == xdist_group_of(item), item.nodeid
        if mark and loadgroup:   # the worker saw the mark in time: xdist schedules by this suffix
            assert item.nodeid.endswith(f"@{mark.args[0]}"), item.nodeid
    assert request.node.get_closest_marker("xdist_group") is None
