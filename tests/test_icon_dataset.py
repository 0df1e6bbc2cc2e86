"""The Debian icon dataset builder on a fake icon tree: which file is taken, dedup by pixels, whole packages per
split (test first), the class rule on train and val only, the manifest; and the folder loads as a dataset."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cgan_study import data as D
from cgan_study import icon_dataset as I

COLOURS = {"apps": (200, 30, 30), "places": (30, 30, 200), "emblems": (30, 200, 30)}


def test_classify_reads_theme_context_and_size_from_the_path(monkeypatch):
    monkeypatch.setattr(I, "ICON_ROOT", "/r/")
    assert I.classify("/r/oxygen/base/32x32/apps/kate.png") == ("oxygen", "apps", 32)
    assert I.classify("/r/elementary-xfce/mimes/48/text.svg") == ("elementary-xfce", "mimetypes", 48)
    assert I.classify("/r/Moka/scalable/places/folder.svg") == ("Moka", "places", "scalable")
    assert I.classify("/r/Adwaita/32x32@2x/apps/x.png") is None        # HiDPI copy
    assert I.classify("/r/Adwaita/32x32/animations/spin.png") is None  # not a context of the study


def test_an_exact_png_beats_an_svg_which_beats_a_larger_png_and_smaller_pngs_are_left_out(monkeypatch):
    monkeypatch.setattr(I, "ICON_ROOT", "/r/")
    files = ["/r/t/64x64/apps/a.png", "/r/t/scalable/apps/a.svg", "/r/t/32x32/apps/a.png",
             "/r/t/64x64/apps/b.png", "/r/t/scalable/apps/b.svg", "/r/t/64x64/apps/c.png", "/r/t/48x48/apps/c.png",
             "/r/t/16x16/apps/d.png", "/r/t/32x32/apps/e-symbolic.png"]
    chosen = {s.name: (s.file, s.kind) for s in I.choose_sources("pkg", "1.0", files, 32)}
    assert chosen == {"a": ("/r/t/32x32/apps/a.png", "png-exact"), "b": ("/r/t/scalable/apps/b.svg", "svg"),
                      "c": ("/r/t/48x48/apps/c.png", "png-down")}


def test_the_pixel_hash_sees_icons_as_composited_on_white():
    opaque_white = np.full((4, 4, 4), 255, np.uint8)
    transparent_black = np.zeros((4, 4, 4), np.uint8)
    assert I.pixel_hash(opaque_white) == I.pixel_hash(transparent_black)  # both read as white
    assert I.pixel_hash(opaque_white) != I.pixel_hash(np.concatenate([np.zeros((4, 4, 3)), np.full((4, 4, 1), 255)],
                                                                     -1).astype(np.uint8))


@pytest.fixture
def built(tmp_path, monkeypatch):
    root = tmp_path / "icons"
    packages = fake_tree(root, monkeypatch)
    rows = I.build(tmp_path / "out", packages, size=32, min_per_class=4, workers=1, log=lambda *a: None)
    return tmp_path / "out", rows


def fake_tree(root, monkeypatch):
    """Three packages of one theme each: train (20 icons per context), val (8 apps, 8 places, 1 emblem) and test
    (5 each), the test theme drawn first so that the training theme's first apps icon copies its pixels exactly."""
    spec = [("test-pkg", "TestTheme", (5, 5, 5)), ("val-pkg", "ValTheme", (8, 8, 1)),
            ("train-pkg", "TrainTheme", (20, 20, 20))]
    files = {}
    for package, theme, counts in spec:
        files[package] = []
        for t, ((context, colour), n) in enumerate(zip(COLOURS.items(), counts)):
            for i in range(n):
                path = root / theme / "32x32" / context / f"{context}{i}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                pixels = np.zeros((32, 32, 4), np.uint8)
                pixels[..., :3], pixels[..., 3] = colour, 255
                pixels[i, : 1 + len(theme), 3] = 0  # a transparent stroke of its own per icon and theme
                if package == "train-pkg" and context == "apps" and i == 0:
                    pixels = np.asarray(Image.open(root / "TestTheme" / "32x32" / "apps" / "apps0.png"))
                Image.fromarray(pixels, "RGBA").save(path)
                files[package].append(str(path))
    monkeypatch.setattr(I, "ICON_ROOT", str(root) + "/")
    monkeypatch.setattr(I, "package_version", lambda p: "1.0-" + p)
    monkeypatch.setattr(I, "package_files", lambda p: files[p])
    return {"train-pkg": "train", "val-pkg": "val", "test-pkg": "test"}


def test_whole_packages_per_split_and_the_test_pixels_nowhere_else(built):
    out, rows = built
    kept = [r for r in rows if r["kept"] == "yes"]
    themes = {s: {r["theme"] for r in kept if r["split"] == s} for s in ("train", "val", "test")}
    assert themes == {"train": {"TrainTheme"}, "val": {"ValTheme"}, "test": {"TestTheme"}}
    test_pixels = {r["pixel_sha256"] for r in kept if r["split"] == "test"}
    assert not test_pixels & {r["pixel_sha256"] for r in kept if r["split"] != "test"}
    # The training theme's copy of a test icon is the one dropped.
    dropped = [r for r in rows if r["why"] == "duplicate pixels"]
    assert [(r["theme"], r["file"].rsplit("/", 1)[1]) for r in dropped] == [("TrainTheme", "apps0.png")]


def test_a_context_short_in_validation_is_dropped_whatever_the_test_split_holds(built):
    out, rows = built
    # emblems: 20 train, 1 val (< 4), 5 test: dropped, decided on train and val only.
    assert I.count_table([r for r in rows if r["kept"] == "yes"]) == {
        "apps": {"train": 19, "val": 8, "test": 5}, "places": {"train": 20, "val": 8, "test": 5}}
    assert not (out / "train" / "emblems").exists()


def test_the_manifest_names_package_version_file_class_theme_and_split(built):
    out, rows = built
    with open(out / "manifest.csv", newline="") as handle:
        manifest = list(csv.DictReader(handle))
    assert len(manifest) == len(rows) == 15 + 17 + 60
    first = next(r for r in manifest if r["kept"] == "yes" and r["split"] == "test")
    assert first["package"] == "test-pkg" and first["version"] == "1.0-test-pkg" and first["theme"] == "TestTheme"
    assert (out / first["image"]).exists() and first["image"].startswith(f"test/{first['class']}/")


def test_the_built_folder_loads_with_its_own_splits(built, tmp_path, monkeypatch):
    monkeypatch.setenv("CGAN_STUDY_CACHE", str(tmp_path / "cache"))
    d = D.load(str(built[0]), val_per_class=100)
    assert d.classes == ("apps", "places") and d.image_shape == (32, 32, 3)
    assert (len(d.train), len(d.val), len(d.evaluation_split())) == (39, 16, 10)


def test_a_non_empty_output_directory_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("")
    with pytest.raises(D.DataError, match="not empty"):
        I.build(tmp_path / "out", {}, size=32)


def test_the_cli_refuses_a_used_output_directory_with_one_line_and_exit_2(tmp_path, capsys):
    from experiments.data import main, split_of_packages

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("")
    assert main(["icons", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not empty" in err[0]
    splits = split_of_packages()
    assert {s for s in splits.values()} == {"train", "val", "test"}  # every split has a whole package


SUBSET = ("gnome-icon-theme", "adwaita-icon-theme", "tango-icon-theme")   # train, val, test: the three smallest PNG themes


@pytest.mark.skipif(not all(Path(f"/usr/share/doc/{p}").is_dir() for p in SUBSET),
                    reason="the icon-theme subset is not installed (tools/system-packages.sh installs it)")
def test_the_dataset_built_from_real_debian_themes_holds_each_theme_out_whole(tmp_path, monkeypatch):
    """The CLI on three real themes (one per split): every kept icon of the test theme is in the test split only,
    no pixel content sits in two splits, and the folder loads as the sweeps load it."""
    from experiments.data import main

    out = tmp_path / "icons"
    assert main(["icons", "--out", str(out), "--train-packages", SUBSET[0], "--val-packages", SUBSET[1],
                 "--test-packages", SUBSET[2], "--classes", "all", "--min-per-class", "5"]) == 0
    with open(out / "manifest.csv", newline="") as handle:
        kept = [r for r in csv.DictReader(handle) if r["kept"] == "yes"]
    split_of = dict(zip(SUBSET, ("train", "val", "test")))
    assert kept and all(r["split"] == split_of[r["package"]] for r in kept)
    assert {r["split"] for r in kept} == {"train", "val", "test"}
    by_pixels: dict[str, set] = {}
    for r in kept:
        by_pixels.setdefault(r["pixel_sha256"], set()).add(r["split"])
    assert all(len(splits) == 1 for splits in by_pixels.values())
    assert all(r["version"] and (out / r["image"]).is_file() for r in kept)
    monkeypatch.setenv("CGAN_STUDY_CACHE", str(tmp_path / "cache"))
    data = D.load(str(out), val_per_class=100)
    assert data.image_shape == (32, 32, 3) and len(data.train) == sum(r["split"] == "train" for r in kept)


def test_a_package_named_for_two_splits_is_refused_with_one_line(tmp_path, capsys):
    from experiments.data import main

    assert main(["icons", "--out", str(tmp_path / "out"), "--train-packages", "tango-icon-theme",
                 "--val-packages", "tango-icon-theme"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: package tango-icon-theme is named for two splits; give each package one split"]
    assert not (tmp_path / "out").exists()
