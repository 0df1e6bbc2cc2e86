"""A folder of images as a dataset: layouts, conversion (alpha on white, centre crop, LANCZOS), validation, cache."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import cli
from PIL import Image

from cgan_study import data as D
from cgan_study import image_folder as F


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test decodes into its own cache, and the declared size is the default's unless a test says so."""
    monkeypatch.setenv(F.CACHE_ENV_VAR, str(tmp_path / "cache"))
    monkeypatch.delenv(F.SIZE_ENV_VAR, raising=False)
    return tmp_path / "cache"


def solid(path, rgba, size=(40, 40)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size[1], size[0], 4), rgba, np.uint8), "RGBA").save(path)


def classes_folder(root, per_class=7, names=("cat", "dog", "fish")):
    """per_class solid images per class; class c's red channel is 10 c + i, so every image differs."""
    for c, name in enumerate(names):
        for i in range(per_class):
            solid(root / name / f"{i}.png", (10 * c + i, 100, 200, 255))
    return root


def test_class_folders_load_as_labelled_rgb_at_the_declared_size(tmp_path):
    d = D.load(str(classes_folder(tmp_path / "pets")), image_size=32)
    test = d.evaluation_split()
    assert d.classes == ("cat", "dog", "fish") and d.num_classes == 3 and d.labelled
    assert d.train.x.shape[1:] == (32, 32, 3) and d.train.x.dtype == np.uint8 and d.image_shape == (32, 32, 3)
    # 7 per class: round(7/7) = 1 held out per class, 6 to train on.
    assert np.bincount(d.train.y).tolist() == [6, 6, 6] and np.bincount(test.y).tolist() == [1, 1, 1]
    # Labels follow the folders: every "dog" image has red 10..16 and green 100, blue 200.
    assert set(d.train.x[d.train.y == 1][:, 0, 0, 0].tolist()) <= set(range(10, 17))
    assert (d.train.x[..., 1] == 100).all() and (d.train.x[..., 2] == 200).all()
    assert D.dataset_name(str(tmp_path / "pets")) == "pets" and d.name == "pets"


def test_size_64_and_the_environment_declare_the_size(tmp_path, monkeypatch):
    root = classes_folder(tmp_path / "pets")
    assert D.load(str(root), image_size=64).train.x.shape[1:] == (64, 64, 3)
    monkeypatch.setenv(F.SIZE_ENV_VAR, "64")
    assert D.load(str(root)).image_shape == (64, 64, 3)
    with pytest.raises(D.DataError, match="declare 32 or 64"):
        D.load(str(root), image_size=28)


def test_the_size_enters_the_dataset_hash(tmp_path):
    root = classes_folder(tmp_path / "pets")
    a, b = D.load(str(root), image_size=32), D.load(str(root), image_size=64)
    assert a.sha256 != b.sha256 and a.sha256 == D.load(str(root), image_size=32).sha256
    solid(root / "cat" / "0.png", (1, 2, 3, 255))  # one changed pixel value: another dataset
    assert D.load(str(root), image_size=32).sha256 != a.sha256


def test_a_flat_folder_is_unconditional(tmp_path):
    for i in range(5):
        solid(tmp_path / "faces" / f"{i}.jpg".replace(".jpg", ".png"), (i, i, i, 255))
    d = D.load(str(tmp_path / "faces"))
    assert not d.labelled and d.num_classes == 1 and d.classes == ("all",)
    assert len(d.train) == 4 and len(d.evaluation_split()) == 1 and set(d.train.y.tolist()) == {0}


def test_jpeg_files_load(tmp_path):
    for i in range(3):
        path = tmp_path / "faces" / f"{i}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(path, quality=95)
    x = D.load(str(tmp_path / "faces")).train.x
    assert x.shape == (2, 32, 32, 3) and np.abs(x.astype(int) - 128).max() <= 2


def test_alpha_is_composited_on_white():
    # Red at alpha 51 (20%) over white: 255 in red; 0.2 * 0 + 0.8 * 255 = 204 in green and blue.
    img = Image.fromarray(np.full((8, 8, 4), (255, 0, 0, 51), np.uint8), "RGBA")
    x = _decode(img)
    assert x.shape == (32, 32, 3) and x[0, 0].tolist() == [255, 204, 204]
    # Fully transparent: the white background.
    assert _decode(Image.fromarray(np.zeros((8, 8, 4), np.uint8), "RGBA"))[5, 5].tolist() == [255, 255, 255]


def test_a_wide_image_is_centre_cropped_to_square():
    # 96 x 32: left third black, middle white, right third black; the centre crop keeps the white middle only.
    pixels = np.zeros((32, 96, 3), np.uint8)
    pixels[:, 32:64] = 255
    assert (_decode(Image.fromarray(pixels)) == 255).all()


def _decode(img, tmp=None):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.png"
        img.save(path)
        return F.decode(path, 32)


def test_train_test_and_val_subfolders_are_the_splits(tmp_path):
    root = tmp_path / "icons"
    classes_folder(root / "train", per_class=4, names=("apps", "places"))
    classes_folder(root / "val", per_class=2, names=("apps", "places"))
    classes_folder(root / "test", per_class=3, names=("apps", "places"))
    d = D.load(str(root), val_per_class=1)
    assert (len(d.train), len(d.val), len(d.evaluation_split())) == (8, 2, 6)
    assert d.classes == ("apps", "places")
    # A subset keeps the dataset's class count (2, not MNIST's 10), even one lacking a class.
    assert d.val.num_classes == 2 and D.subset(d.train, k=1).num_classes == 2
    assert d.train.take(d.train.y == 0).num_classes == 2


@pytest.mark.parametrize("break_it, names", [
    (lambda root: (root / "dog" / "3.png").write_bytes(b"\x89PNG\r\n\x1a\n not really"), "dog/3.png"),
    (lambda root: [p.unlink() for p in (root / "fish").iterdir()], "fish"),
    (lambda root: [p.unlink() for p in list((root / "fish").iterdir())[1:]], "fish"),
    (lambda root: solid(root / "stray.png", (0, 0, 0, 255)), "holds both images"),
])
def test_a_bad_folder_fails_naming_the_file_or_class_and_the_fix(tmp_path, break_it, names):
    root = classes_folder(tmp_path / "pets")
    break_it(root)
    with pytest.raises(D.DataError, match=names) as err:
        D.load(str(root))
    assert any(word in str(err.value) for word in ("replace or delete", "add images", "move the images"))
    assert not list((tmp_path / "cache").rglob("*.npz"))  # nothing written


def test_a_test_split_without_a_class_fails(tmp_path):
    root = tmp_path / "icons"
    classes_folder(root / "train", per_class=3, names=("apps", "places"))
    classes_folder(root / "test", per_class=2, names=("apps",))
    with pytest.raises(D.DataError, match=r"test/places: 0 PNG/JPEG"):
        D.load(str(root))


def test_the_sweep_cli_exits_2_with_one_line_naming_the_corrupt_file(tmp_path):
    root = classes_folder(tmp_path / "pets")
    (root / "cat" / "2.png").write_bytes(b"garbage")
    out = cli("mix_ratios", "--profile", "smoke", "--data", str(root), "--out",
              str(tmp_path / "results"), env={F.CACHE_ENV_VAR: str(tmp_path / "cache")})
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "cat/2.png" in lines[0] and "replace or delete" in lines[0]
    assert not (tmp_path / "results").exists()


def test_a_second_load_reads_the_cache_without_decoding(tmp_path, monkeypatch, cache):
    root = classes_folder(tmp_path / "pets")
    first = D.load(str(root))
    assert len(list(cache.rglob("*.npz"))) == 1

    def no_decode(*args):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(F, "decode", no_decode)
    second = D.load(str(root))
    assert second.sha256 == first.sha256 and second.classes == first.classes
    assert np.array_equal(second.train.x, first.train.x) and np.array_equal(second.train.y, first.train.y)
    # The cache is an ordinary .npz, readable without pickle.
    with np.load(next(cache.rglob("*.npz")), allow_pickle=False) as f:
        assert f["classes"].tolist() == ["cat", "dog", "fish"]
    # A changed file is another key: decoded again (here: the decoder that refuses).
    solid(root / "cat" / "0.png", (9, 9, 9, 255))
    with pytest.raises(AssertionError, match="decoded again"):
        D.load(str(root))


def test_mnist_stays_28_by_28_greyscale(mnist):
    assert mnist.train.x.shape[1:] == (28, 28) and mnist.image_shape == (28, 28, 1) and mnist.num_classes == 10
    assert D.to_float(mnist.train.x[:2]).shape == (2, 28, 28, 1)
    assert D.to_uint8(D.to_float(mnist.train.x[:2])).shape == (2, 28, 28)


def test_an_empty_directory_is_neither_images_nor_idx(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(D.DataError, match="no PNG/JPEG images and no MNIST IDX files"):
        D.load(str(tmp_path / "empty"))


def test_a_folder_of_images_gives_every_trained_generator_a_full_data_epochs_steps(tmp_path):
    """The small-dataset rule (sweeps/common.dataset_overrides): a folder's generators train 460 steps an epoch,
    MNIST's keep the family default (100), and --set still wins over the rule."""
    from experiments import sweep as S

    folder = classes_folder(tmp_path / "shapes")
    _, runs = S.plan(S.parse_args(["generators", "--data", str(folder), "--only", "cgan-seed0", "--dry-run"]))
    assert runs[0][2].gan.min_steps_per_epoch == 460 and runs[0][2].cvae.min_steps_per_epoch == 460
    _, runs = S.plan(S.parse_args(["generators", "--data", "mnist", "--only", "cgan-seed0", "--dry-run"]))
    assert runs[0][2].gan.min_steps_per_epoch == 100
    _, runs = S.plan(S.parse_args(["generators", "--data", str(folder), "--only", "cgan-seed0", "--dry-run",
                                   "--set", "gan.min_steps_per_epoch=200"]))
    assert runs[0][2].gan.min_steps_per_epoch == 200


def test_the_built_icon_dataset_is_read_by_name_or_named_with_the_command_that_builds_it(tmp_path, monkeypatch):
    monkeypatch.setitem(D.BUILT_FOLDERS, "icons", (tmp_path / "data" / "icons", "python -m experiments.data icons"))
    assert D.dataset_name("icons") == "icons"   # results/icons/, whether or not it is built here
    with pytest.raises(D.DataError, match=r"the icons dataset is not built here .*build it with `python -m "
                                          r"experiments.data icons`"):
        D.check_source("icons")
    classes_folder(tmp_path / "data" / "icons")
    D.check_source("icons")
    data = D.load("icons")
    assert data.name == "icons" and data.train.x.shape[1:] == (32, 32, 3)
