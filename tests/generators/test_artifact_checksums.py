"""Every committed generator artifact still loads and samples exactly what it sampled when the checksums were
recorded (before the package moved into layers): Keras custom-object names, loaders and default samplers kept."""
from __future__ import annotations

import json

import pytest
from record_artifact_checksums import CHECKSUMS, artifact_dirs, checksum

RECORDED = json.loads(CHECKSUMS.read_text())


def test_every_committed_artifact_is_recorded():
    assert sorted(p.name for p in artifact_dirs()) == sorted(RECORDED)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_artifact_samples_unchanged(name):
    path = next(p for p in artifact_dirs() if p.name == name)
    assert checksum(path) == RECORDED[name], f"{name} samples differently than when recorded"
