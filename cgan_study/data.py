"""Data sources (MNIST-style files, folders of images), validation, class-balanced subsets and tf.data pipelines.

Images travel as uint8 arrays: (N, 28, 28) for the MNIST-format sources, as they always have, and
(N, size, size, 3) for a folder of colour images (image_folder.py); `image_shape` gives (height, width,
channels) of either, and is how networks learn the size and channel count they are built for. No training code.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Tensors and tf.data pipelines live in tensors.py; re-exported here, where every caller has always found them.
from cgan_study.tensors import IMAGE_SHAPE, PREFETCH_BATCHES, pipeline, to_float, to_uint8  # noqa: F401

ENV_VAR = "CGAN_STUDY_DATA"
NUM_CLASSES = 10
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
KNOWN_SIZES = {"mnist": (60000, 10000), "fashion_mnist": (60000, 10000)}
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte",
}


class DataError(ValueError):
    """The dataset is missing, corrupt or not MNIST-shaped; the message names the fix."""


def resolve_source(flag: str | None = None) -> str:
    """The data source in force: the --data flag, else $CGAN_STUDY_DATA, else the Keras download."""
    return flag or os.environ.get(ENV_VAR) or "keras"


# The datasets this project has met, by the sha256 it records (an .npz file's bytes; an IDX directory's digest):
# a file is named by its content where it is known, by its path otherwise.
KNOWN_SHA256 = {"da231c08013e217002c4f393e0f38583bf5a62a5ead805d541bdacd45803e00f": "mnist",
                "f0616db38b9c48cb7686a79a32adc10500295453ef551cb1b34cc03d5010c93e": "fashion_mnist",
                # The icon folder `python -m experiments.data icons` builds at 32 px from the Debian packages of the
                # study (manifest: package versions): another build's digest differs, and its classes read 0, 1, ...
                "9e5a17fb6074c33d10c3c68e4738c800fb8c20f1bdd0bbe863cb1a615765deb7": "icons"}


# What each class index means, for tables and figures (the arrays carry indices only).
CLASS_NAMES = {"mnist": tuple(str(digit) for digit in range(10)),
               "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                                 "Bag", "Ankle boot"),
               "icons": ("apps", "devices", "mimetypes", "places")}


def class_names(sha256: str | None) -> tuple[str, ...]:
    """The class names of the dataset with this sha256 (MNIST's digits when it is not a known dataset)."""
    return CLASS_NAMES[KNOWN_SHA256.get(sha256 or "", "mnist")]


# Folders of images this project builds itself, by name: `--data icons` reads data/icons (in the working directory).
BUILT_FOLDERS = {"icons": (Path("data/icons"), "python -m experiments.data icons --out data/icons --install")}


def built_folder(source: str) -> Path:
    """The folder a built dataset's name stands for; one clear line with the command that builds it if it is not
    there."""
    path, command = BUILT_FOLDERS[source]
    if not path.is_dir():
        raise DataError(f"the {source} dataset is not built here ({path}/ is missing); build it with `{command}`, "
                        f"or pass --data PATH to a folder of images")
    return path


def dataset_name(source: str) -> str:
    """Which dataset a source holds, by name, without reading it ('mnist', 'fashion_mnist', or a folder of
    images' own name): what results directories and labels follow. A file or IDX directory is Fashion-MNIST
    when its path says so."""
    if source in ("keras", "mnist"):
        return "mnist"
    if source in BUILT_FOLDERS:
        return source
    path = Path(str(source)).expanduser()
    if path.is_dir():
        from cgan_study.image_folder import is_image_folder

        if is_image_folder(path):
            return path.resolve().name
    if source == "fashion_mnist" or "fashion" in str(source).lower():
        return "fashion_mnist"
    return "mnist"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Split:
    """Images uint8, (N, 28, 28) greyscale or (N, size, size, 3) colour, and labels (N,) uint8 in
    0..num_classes-1 (the dataset's class count, which a subset keeps even when it lacks a class)."""
    x: np.ndarray
    y: np.ndarray
    num_classes: int = NUM_CLASSES

    def __len__(self) -> int:
        return len(self.y)

    def take(self, idx: np.ndarray) -> "Split":
        return Split(self.x[idx], self.y[idx], self.num_classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return image_shape(self.x)


def image_shape(x: np.ndarray) -> tuple[int, int, int]:
    """(height, width, channels) of a batch of images: (N, H, W) is greyscale, (N, H, W, C) has C channels."""
    return (int(x.shape[1]), int(x.shape[2]), 1 if x.ndim == 3 else int(x.shape[3]))


class MnistData:
    """A validated dataset. Training code sees `train`/`val`; the test split needs `evaluation_split()`."""

    def __init__(self, name: str, source: str, sha256: str, train: Split, test: Split,
                 val_per_class: int = 0, seed: int = 0, val: Split | None = None,
                 classes: tuple[str, ...] | None = None, labelled: bool = True):
        self.name, self.source, self.sha256 = name, source, sha256
        self.full_train = train
        self.classes = classes or CLASS_NAMES.get(name, CLASS_NAMES["mnist"])
        self.labelled = labelled            # False: a flat folder of images, every label 0 (unconditional)
        self.num_classes = train.num_classes
        self.image_shape = train.image_shape
        # A dataset that brings its own validation split (an image folder's val/) keeps it; otherwise the
        # validation split is carved from train once, by seed, so every stage sees the same one.
        if val is not None:
            # val_per_class still caps it (at most that many per class, fewer where a class has fewer).
            self.train, self.val = train, cap_per_class(val, val_per_class, seed=seed + 10_000)
        elif val_per_class:
            val_idx = class_balanced_indices(train.y, k=val_per_class, seed=seed + 10_000,
                                             num_classes=train.num_classes)
            keep = np.ones(len(train), bool)
            keep[val_idx] = False
            self.val = train.take(val_idx)
            self.train = train.take(np.flatnonzero(keep))
        else:
            self.val, self.train = train.take(np.arange(0)), train
        self.__test = test  # name-mangled: reachable only through evaluation_split()

    def evaluation_split(self) -> Split:
        """The held-out test digits. Call this only to evaluate, never to train or select models."""
        return self.__test

    def held_out_overlap(self, images: np.ndarray) -> dict[str, int]:
        """How many of `images` are byte-identical copies of a validation or a test digit: what a semi-supervised
        pool is checked against (it may hold neither). Compares images only; no label is read."""
        def digests(x: np.ndarray) -> set[bytes]:
            flat = np.ascontiguousarray(x).reshape(len(x), -1)
            return {hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in flat}

        pool = digests(images)
        return {"validation": len(pool & digests(self.val.x)), "test": len(pool & digests(self.__test.x))}

    def describe(self) -> dict:
        height, width, channels = self.image_shape
        return {"dataset": self.name, "source": self.source, "sha256": self.sha256,
                "n_train": len(self.train), "n_val": len(self.val), "n_test": len(self.__test),
                "image_size": height, "channels": channels, "num_classes": self.num_classes,
                "labelled": self.labelled}


# --------------------------------------------------------------------------- loading

def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in IDX_FILES if k not in f.files]
            if missing:
                raise DataError(f"{path}: missing arrays {missing}; expected x_train, y_train, x_test, y_test "
                                "as written by keras.datasets.mnist")
            return {k: f[k] for k in IDX_FILES}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: not a readable .npz file ({exc.__class__.__name__}: {exc}); the file is "
                        "truncated or corrupt, download it again") from None


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read IDX file ({exc}); it is truncated or corrupt") from None
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path}: not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path}: header says {dims} but holds {body.size} bytes; the file is truncated")
    return body.reshape(dims)


def _find_idx(directory: Path, stem: str) -> Path:
    for candidate in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (directory / candidate).exists():
            return directory / candidate
    raise DataError(f"{directory}: no {stem}[.gz]; an IDX directory needs the four MNIST-format files")


def _read_idx_dir(directory: Path) -> tuple[dict[str, np.ndarray], str]:
    paths = {k: _find_idx(directory, stem) for k, stem in IDX_FILES.items()}
    digest = hashlib.sha256("".join(sha256_file(paths[k]) for k in IDX_FILES).encode()).hexdigest()
    return {k: _read_idx(p) for k, p in paths.items()}, digest


def _read_keras(name: str) -> tuple[dict[str, np.ndarray], str]:
    import cgan_study.quiet_tf  # noqa: F401  (TensorFlow's start-up lines held back)
    import keras  # imported lazily: loading a local file should not pay for Keras

    module = keras.datasets.mnist if name == "mnist" else keras.datasets.fashion_mnist
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as exc:  # network errors surface as many types
        raise DataError(f"could not download {name} through Keras ({exc.__class__.__name__}); without internet "
                        f"pass a local copy: --data /path/to/mnist.npz or {ENV_VAR}=/path/to/mnist.npz") from None
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    return arrays, _array_digest(arrays)


def _array_digest(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in IDX_FILES:
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    return digest.hexdigest()


def validate_arrays(arrays: dict[str, np.ndarray], where: str, expected_sizes: tuple[int, int] | None) -> None:
    """Check shapes, dtypes, label range, class presence and sizes; raise DataError naming the fix."""
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise DataError(f"{where}: x_{split} has shape {x.shape}; expected (N, 28, 28) greyscale digits")
        if x.dtype != np.uint8:
            raise DataError(f"{where}: x_{split} has dtype {x.dtype}; expected uint8 pixels 0..255 "
                            "(convert with np.uint8 before saving)")
        if y.ndim != 1 or len(y) != len(x):
            raise DataError(f"{where}: y_{split} has shape {y.shape} for {len(x)} images; expected ({len(x)},)")
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{where}: y_{split} has dtype {y.dtype}; expected integer labels 0..9")
        if len(y) and (y.min() < 0 or y.max() >= NUM_CLASSES):
            raise DataError(f"{where}: y_{split} has labels {int(y.min())}..{int(y.max())}; expected 0..9")
        missing = sorted(set(range(NUM_CLASSES)) - set(np.unique(y).tolist()))
        if missing:
            raise DataError(f"{where}: y_{split} has no examples of class(es) {missing}; all 10 digits are needed")
    if expected_sizes and (len(arrays["y_train"]), len(arrays["y_test"])) != expected_sizes:
        raise DataError(f"{where}: {len(arrays['y_train'])} train / {len(arrays['y_test'])} test digits; "
                        f"expected {expected_sizes[0]} / {expected_sizes[1]}")


NAMED_SOURCES = ("keras", "mnist", "fashion_mnist")


def check_source(source: str) -> None:
    """A path source must exist (a named one is fetched or found by load): checked without reading it."""
    if source in BUILT_FOLDERS:
        built_folder(source)
        return
    if source not in NAMED_SOURCES and not Path(source).expanduser().exists():
        raise DataError(f"dataset path '{Path(source).expanduser()}' does not exist; pass --data PATH (or set "
                        f"{ENV_VAR}) to an MNIST .npz or a directory of IDX files, or use --data keras to download")


def load(source: str | None = None, val_per_class: int = 0, seed: int = 0,
         expect_full_size: bool = False, image_size: int | None = None) -> MnistData:
    """Load and validate a dataset from a name ('keras', 'mnist', 'fashion_mnist'), .npz path, IDX directory or
    folder of images (resized to `image_size`, else $CGAN_STUDY_IMAGE_SIZE, else 32; see image_folder.py)."""
    source = resolve_source(source)
    path = built_folder(source) if source in BUILT_FOLDERS else Path(source).expanduser()
    if source not in ("keras", "mnist", "fashion_mnist") and path.is_dir():
        from cgan_study import image_folder

        if image_folder.is_image_folder(path):
            return _load_folder(path, val_per_class, seed, image_folder.resolve_size(image_size))
    if source in ("keras", "mnist"):
        arrays, digest = _read_keras("mnist")
        name = "mnist"
    elif source == "fashion_mnist":
        if FASHION_MNIST_DIR.is_dir():
            arrays, digest = _read_idx_dir(FASHION_MNIST_DIR)
        else:
            arrays, digest = _read_keras("fashion_mnist")
        name = "fashion_mnist"
    else:
        check_source(source)
        path = Path(source).expanduser()
        if path.is_dir():
            arrays, digest = _read_idx_dir(path)
        else:
            arrays = _read_npz(path)
            digest = sha256_file(path)
        name = KNOWN_SHA256.get(digest, dataset_name(str(path)))
        source = str(path.resolve())
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    validate_arrays(arrays, source, KNOWN_SIZES[name] if expect_full_size else None)
    arrays = {k: (v.astype(np.uint8) if k.startswith("y") else v) for k, v in arrays.items()}
    return MnistData(name, source, digest, Split(arrays["x_train"], arrays["y_train"]),
                     Split(arrays["x_test"], arrays["y_test"]), val_per_class=val_per_class, seed=seed)


def _load_folder(path: Path, val_per_class: int, seed: int, size: int) -> MnistData:
    from cgan_study.image_folder import read_folder

    arrays, digest, classes, labelled = read_folder(path, size)
    k = len(classes)
    splits = {s: Split(arrays[f"x_{s}"], arrays[f"y_{s}"], k) for s in ("train", "val", "test")
              if f"x_{s}" in arrays}
    return MnistData(path.resolve().name, str(path.resolve()), digest, splits["train"], splits["test"],
                     val_per_class=val_per_class, seed=seed, val=splits.get("val"), classes=classes,
                     labelled=labelled)


# --------------------------------------------------------------------------- subsets

def class_balanced_indices(y: np.ndarray, k: int | None = None, fraction: float | None = None,
                           seed: int = 0, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Indices of `k` per class (or `fraction` of each class), chosen by seed, sorted.

    Each class is permuted once by the seed, and the first k are taken, so the k=5 subset of a seed is
    contained in its k=10 subset: few-shot curves then add data rather than swap it.
    """
    if (k is None) == (fraction is None):
        raise ValueError("pass exactly one of k or fraction")
    if fraction is not None and not 0.0 <= fraction <= 1.0:
        raise DataError(f"fraction {fraction} is outside [0, 1]; use e.g. 0.1 for 10% of each class")
    if k is not None and k < 0:
        raise DataError(f"k={k} per class must be >= 0")
    chosen = []
    for c in range(num_classes):
        members = np.flatnonzero(y == c)
        if k is not None and k > len(members):
            raise DataError(f"asked for {k} digits of class {c} but the split has only {len(members)}; "
                            f"use k <= {len(members)}")
        count = k if k is not None else int(round(fraction * len(members)))
        rng = np.random.default_rng([seed, c])
        chosen.append(members[rng.permutation(len(members))[:count]])
    return np.sort(np.concatenate(chosen))


def subset(split: Split, k: int | None = None, fraction: float | None = None, seed: int = 0) -> Split:
    return split.take(class_balanced_indices(split.y, k=k, fraction=fraction, seed=seed,
                                             num_classes=split.num_classes))


def check_per_class(split: Split, k: int, cap: int = 0) -> None:
    """Fail early if k digits per class are asked of a pool (capped at `cap` per class) that lacks them."""
    available = int(np.bincount(split.y, minlength=split.num_classes).min())
    available = min(available, cap) if cap else available
    if k > available:
        raise DataError(f"augment.real_per_class={k}: asked for {k} digits per class but the training pool has "
                        f"only {available} in its smallest class; use augment.real_per_class <= {available}")


# The semi-supervised protocol's smallest unlabelled pool: one unlabelled batch of FixMatch (mu 7 x batch 64;
# study/fixmatch.py checks that it matches its recipe).
MIN_UNLABELLED = 448


def check_unlabelled_pool(data: MnistData, k: int, cap: int = 0, seed: int = 0) -> None:
    """Fail early, before anything is written, if the semi-supervised protocol cannot serve k labelled digits per
    class: k larger than the pool allows (per class, or leaving fewer than MIN_UNLABELLED unlabelled digits), or a
    training pool (capped at `cap` per class with `seed`, as the pipeline caps it) holding a copy of a validation or
    test digit."""
    check_per_class(data.train, k, cap)
    pool = cap_per_class(data.train, cap, seed=seed)
    left = len(pool) - k * NUM_CLASSES
    if left < MIN_UNLABELLED:
        largest = max((len(pool) - MIN_UNLABELLED) // NUM_CLASSES, 0)
        raise DataError(f"augment.real_per_class={k} under augment.protocol=semi_supervised leaves {left} unlabelled "
                        f"digits of {len(pool)}; the protocol needs at least {MIN_UNLABELLED} (one FixMatch batch): "
                        f"use augment.real_per_class <= {largest} or a larger pool (data.train_per_class_cap)")
    shared = data.held_out_overlap(pool.x)
    if any(shared.values()):
        raise DataError(f"the unlabelled pool of {data.source} holds {shared['validation']} copies of validation "
                        f"digits and {shared['test']} of test digits; a semi-supervised pool may hold neither: "
                        "remove the duplicates from the training images of the dataset file")


def cap_per_class(split: Split, cap: int, seed: int) -> Split:
    """At most `cap` digits per class (0 = no cap); the smoke profile trains on such subsets."""
    if cap <= 0:
        return split
    counts = np.bincount(split.y, minlength=split.num_classes)
    return subset(split, k=min(cap, int(counts.min())), seed=seed)
