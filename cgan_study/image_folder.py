"""A folder of PNG/JPEG images as a dataset: decoded once to square RGB uint8 arrays and cached by content hash.

Layouts (`read_folder` tells them apart):
  class folders   PATH/<class>/*.png          one label per subfolder, sorted by name (the ImageFolder layout)
  flat            PATH/*.jpg                  unconditional: every image gets label 0 and the one class "all"
  with splits     PATH/{train,test[,val]}/..  each split itself one of the two layouts above (the class set is
                                              the training split's); without them a fixed 1/7 of each class is
                                              held out as the test split, chosen by the dataset, not by a run.
Every image is converted the same way: alpha composited on white (transparent icons on a white page, as they
are usually shown), a centre crop to square, then Pillow's LANCZOS resampling to `size` x `size`; RGB is kept.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from cgan_study.data import DataError, sha256_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_SIZES = (32, 64)
DEFAULT_IMAGE_SIZE = 32
SIZE_ENV_VAR = "CGAN_STUDY_IMAGE_SIZE"
CACHE_ENV_VAR = "CGAN_STUDY_CACHE"
RESAMPLING = "LANCZOS"          # Pillow's Image.Resampling member, after a centre crop to square
BACKGROUND = (255, 255, 255)    # alpha is composited on white
CHANNELS = 3
MIN_PER_CLASS = 3               # one test image and two to train on, at the very least
TEST_SHARE = 1 / 7              # MNIST's 10,000 of 70,000, for a folder without its own test split
FORMAT_VERSION = 1              # bump when the conversion changes: the cache key (and the dataset hash) follow
SPLITS = ("train", "val", "test")


def resolve_size(size: int | None = None) -> int:
    """The declared image size: the argument, else $CGAN_STUDY_IMAGE_SIZE, else 32; 32 or 64 only."""
    raw = size if size is not None else os.environ.get(SIZE_ENV_VAR, DEFAULT_IMAGE_SIZE)
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value not in IMAGE_SIZES:
        raise DataError(f"image size {raw!r} is not supported; declare 32 or 64 (--image-size or {SIZE_ENV_VAR})")
    return value


def cache_dir() -> Path:
    """Where decoded folders are kept: $CGAN_STUDY_CACHE, else ~/.cache/cgan-study (tests redirect it)."""
    root = os.environ.get(CACHE_ENV_VAR)
    return Path(root) if root else Path.home() / ".cache" / "cgan-study"


def is_image_folder(path: Path) -> bool:
    """A directory that is not an MNIST IDX directory (no *-idx?-ubyte files in it)."""
    return path.is_dir() and not any("-ubyte" in p.name or ".idx" in p.name for p in path.iterdir())


def _images_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


def _subdirs(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))


def _layout(directory: Path) -> dict[str, list[Path]]:
    """{class name: image files} of one split folder; a flat folder is the one class 'all'."""
    images, classes = _images_in(directory), _subdirs(directory)
    if images and classes:
        raise DataError(f"{directory}: holds both images ({images[0].name}, ...) and class folders "
                        f"({classes[0].name}, ...); move the images into a class folder, or the folders out")
    if not classes:
        return {"all": images}
    return {c.name: _images_in(c) for c in classes}


def _split_layouts(root: Path) -> dict[str, dict[str, list[Path]]]:
    names = {p.name for p in _subdirs(root)}
    if {"train", "test"} <= names:
        return {s: _layout(root / s) for s in SPLITS if s in names}
    return {"all": _layout(root)}


def content_hash(root: Path, layouts: dict[str, dict[str, list[Path]]], size: int) -> str:
    """sha256 over every file's relative path and bytes, plus the conversion settings: the dataset's identity."""
    digest = hashlib.sha256(f"image-folder v{FORMAT_VERSION} {size} {RESAMPLING} {BACKGROUND}\n".encode())
    for split, classes in layouts.items():
        for name, files in classes.items():
            for f in files:
                digest.update(f"{split}/{name}/{f.relative_to(root).as_posix()} {sha256_file(f)}\n".encode())
    return digest.hexdigest()


def decode(path: Path, size: int) -> np.ndarray:
    """One image file -> (size, size, 3) uint8: alpha on white, centre crop to square, LANCZOS resize."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable PNG/JPEG image ({exc.__class__.__name__}); the file is corrupt or "
                        "not an image: replace or delete it") from None
    canvas = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
    rgb = Image.alpha_composite(canvas, rgba).convert("RGB")
    w, h = rgb.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    rgb = rgb.crop((left, top, left + side, top + side))
    if side != size:
        rgb = rgb.resize((size, size), getattr(Image.Resampling, RESAMPLING))
    return np.asarray(rgb, np.uint8)


def _decode_split(classes: dict[str, list[Path]], names: list[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = [], []
    for label, name in enumerate(names):
        for f in classes.get(name, []):
            x.append(decode(f, size))
            y.append(label)
    x_arr = np.stack(x) if x else np.zeros((0, size, size, CHANNELS), np.uint8)
    return x_arr, np.asarray(y, np.uint8)


def _check(root: Path, layouts: dict[str, dict[str, list[Path]]]) -> list[str]:
    """The class names (from the training split); a class with too few images fails naming the folder."""
    first = layouts["train"] if "train" in layouts else layouts["all"]
    names = sorted(first)
    if not any(files for classes in layouts.values() for files in classes.values()):
        raise DataError(f"{root}: no PNG/JPEG images and no MNIST IDX files; pass --data a folder of images (class "
                        "subfolders, or flat), an IDX directory or an MNIST .npz")
    if len(names) > 255:
        raise DataError(f"{root}: {len(names)} class folders; at most 255 classes are supported")
    for split, classes in layouts.items():
        extra = sorted(set(classes) - set(names))
        if extra:
            raise DataError(f"{root / split}: class folder(s) {extra} are not in the training split; "
                            "every split needs the training split's class folders")
        need = MIN_PER_CLASS if split == "all" else 1
        for name in names:
            found = len(classes.get(name, []))
            if found < need:
                where = root / split / name if split != "all" else (root / name if name != "all" else root)
                raise DataError(f"{where}: {found} PNG/JPEG image(s), too few; every class needs at least {need} "
                                f"image(s) here (add images, or remove the class folder)")
    return names


def _holdout(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Boolean mask of the test images of a folder without a test split: round(n/7) of each class (at least 1),
    by a fixed permutation, so the split is the dataset's own and the same for every run."""
    test = np.zeros(len(y), bool)
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        count = max(1, int(round(TEST_SHARE * len(members))))
        test[members[np.random.default_rng([7, c]).permutation(len(members))[:count]]] = True
    return test


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Atomically (a temporary file renamed into place): a reader never sees half a cache file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_folder(root: Path, size: int) -> tuple[dict[str, np.ndarray], str, tuple[str, ...], bool]:
    """(arrays x_/y_ train, test and maybe val, content hash, class names, labelled) of an image folder.

    The decoded arrays are cached under cache_dir() as <hash>.npz (no pickle: class names are a fixed-width
    unicode array), so a second load reads one file instead of decoding every image.
    """
    layouts = _split_layouts(root)
    names = _check(root, layouts)
    digest = content_hash(root, layouts, size)
    labelled = bool(_subdirs(root / "train" if "train" in layouts else root))  # class folders, not a flat one
    cached = cache_dir() / "image-folders" / f"{digest}.npz"
    if cached.exists():
        try:
            with np.load(cached, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
            return ({k: v for k, v in arrays.items() if k != "classes"}, digest,
                    tuple(str(c) for c in arrays["classes"]), labelled)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    if "all" in layouts:
        x, y = _decode_split(layouts["all"], names, size)
        test = _holdout(y, len(names))
        arrays = {"x_train": x[~test], "y_train": y[~test], "x_test": x[test], "y_test": y[test]}
    else:
        arrays = {}
        for split, classes in layouts.items():
            arrays[f"x_{split}"], arrays[f"y_{split}"] = _decode_split(classes, names, size)
    _write_cache(cached, {**arrays, "classes": np.asarray(names, dtype=str)})
    return arrays, digest, tuple(names), labelled
