"""experiments.sample on colour generators: the anime-face assignment's archive (1.jpg ... N.jpg at the top level of
a .tgz, no folder), RGB files at the model's size, any N for an unconditional model, N a multiple of K classes for a
conditional one."""
from __future__ import annotations

import io
import json
import tarfile

import numpy as np
import pytest
from PIL import Image

from cgan_study import config as C
from cgan_study import generators
from cgan_study.data import Split
from experiments.sample import main

TINY = C.GANConfig(latent_dim=8, g_width=8, d_width=8, batch_size=6, epochs=1, min_steps_per_epoch=2)


@pytest.fixture(scope="module", params=[("dcgan", 32), ("cgan", 64)], ids=["dcgan32", "cgan64"])
def artifact(request, tmp_path_factory):
    """A generator artifact directory as the sweeps leave one (its spec in config.json), trained two steps."""
    name, size = request.param
    path = tmp_path_factory.mktemp(f"{name}{size}")
    x = np.random.default_rng(0).integers(0, 256, (18, size, size, 3), dtype=np.uint8)
    generators.get(name).train(C.Experiment(gan=TINY), Split(x, np.repeat(np.arange(3), 6).astype(np.uint8), 3),
                               path, seed=0)
    (path / "config.json").write_text(json.dumps({"gan": {"family": name}}))
    return name, size, path


def test_the_tgz_holds_1_to_n_jpegs_at_its_top_level_in_rgb_at_the_models_size(artifact, tmp_path):
    name, size, path = artifact
    n = 7 if name == "dcgan" else 6
    assert main(["--run", str(path), "--n", str(n), "--out", str(tmp_path / "s.npz"), "--format", "jpg",
                 "--tgz", str(tmp_path / "images.tgz"), "--seed", "1"]) == 0
    with tarfile.open(tmp_path / "images.tgz", "r:gz") as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == [f"{i}.jpg" for i in range(1, n + 1)]  # no folder, no "./"
        assert all(m.isfile() and "/" not in m.name for m in members)
        for m in members:
            with Image.open(io.BytesIO(tar.extractfile(m).read())) as img:
                assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (size, size))
    with np.load(tmp_path / "s.npz", allow_pickle=False) as f:
        assert f["x"].shape == (n, size, size, 3)
        # Labels travel only with a conditional model's samples: 2 of each of its 3 classes.
        assert ("y" in f.files) == (name == "cgan")
        if name == "cgan":
            assert np.bincount(f["y"]).tolist() == [2, 2, 2]


def test_png_files_are_rgb_and_the_same_seed_packs_the_same_bytes(artifact, tmp_path):
    name, size, path = artifact
    for out in ("a", "b"):
        assert main(["--run", str(path), "--n", "6", "--out", str(tmp_path / f"{out}.npz"), "--tgz",
                     str(tmp_path / f"{out}.tgz"), "--png-dir", str(tmp_path / out), "--seed", "2"]) == 0
    assert (tmp_path / "a.tgz").read_bytes() == (tmp_path / "b.tgz").read_bytes()
    with Image.open(tmp_path / "a" / "6.png") as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGB", (size, size))
    x = np.load(tmp_path / "a.npz", allow_pickle=False)["x"]
    with Image.open(tmp_path / "a" / "1.png") as img:
        assert np.array_equal(np.asarray(img), x[0])  # lossless: the file is the sample


def test_a_conditional_model_needs_n_a_multiple_of_its_classes(artifact, tmp_path, capsys):
    name, _, path = artifact
    if name != "cgan":
        pytest.skip("an unconditional model takes any N")
    assert main(["--run", str(path), "--n", "7", "--out", str(tmp_path / "s.npz")]) == 2
    assert "multiple of 3" in capsys.readouterr().err and not (tmp_path / "s.npz").exists()
