"""Record (or check) a sha256 of the uint8 samples every committed generator artifact gives for a fixed seed.

Run as `python tests/record_artifact_checksums.py` to (re)write tests/data/artifact_checksums.json; the test
`test_artifact_checksums.py` compares against that file, so a code move that changes what an artifact samples
(a renamed Keras custom object, a different default sampler, a moved layer) fails with the artifact's name.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "results" / "_artifacts" / "generator"
CHECKSUMS = Path(__file__).resolve().parent / "data" / "artifact_checksums.json"
SEED, PER_CLASS = 123, 2


def artifact_dirs() -> list[Path]:
    return sorted(p for p in ARTIFACTS.iterdir() if (p / "DONE").exists())


def checksum(path: Path) -> str:
    import numpy as np

    from cgan_study.data import to_uint8
    from cgan_study.generators import load_artifact

    generator = load_artifact(path)
    labels = np.repeat(np.arange(10), PER_CLASS).astype(np.int32)
    images = to_uint8(generator.generate(labels if generator.conditional else None, seed=SEED, n=len(labels)))
    return hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sums = {p.name: checksum(p) for p in artifact_dirs()}
    CHECKSUMS.write_text(json.dumps(sums, indent=1, sort_keys=True) + "\n")
    print(f"{len(sums)} artifacts -> {CHECKSUMS}")
