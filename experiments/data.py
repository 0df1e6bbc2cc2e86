"""CLI: build an offline dataset. `icons`: Debian's icon themes as a folder of colour images by context.

    python -m experiments.data icons --out data/icons [--size 32] [--install]

then train on it with `python -m experiments.sweep generators --data data/icons`. Whole packages are held out:
the test split is the TEST packages' icons, the validation split the VAL packages'; every other package trains.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

# Which packages go to which split (a package and its dependency theme together: Moka draws on Faba).
TEST_PACKAGES = ("faenza-icon-theme",)
VAL_PACKAGES = ("elementary-xfce-icon-theme",)
TRAIN_PACKAGES = ("oxygen-icon-theme", "mate-icon-theme", "gnome-icon-theme", "tango-icon-theme",
                  "moka-icon-theme", "faba-icon-theme", "numix-icon-theme", "adwaita-icon-theme")
RENDERER = "librsvg2-bin"   # rsvg-convert
# Contexts merged before classes are chosen: a category icon is an application's launcher icon.
MERGE = {"categories": "apps"}
# The class set, chosen on the training and validation themes only (never the test theme). Measured with the
# default scorer CNN (8 epochs, seed 0) trained on the training themes, on a class-balanced validation set
# (33 per class): all six contexts 49.0% (chance 16.7%; status 36%, devices 18%); without status and actions
# 61.4% (chance 25%: apps 85, devices 48, mimetypes 64, places 48). Status and actions icons are small glyphs
# that the themes draw alike, so they are left out.
CLASSES = "apps,devices,mimetypes,places"


def split_of_packages(train=TRAIN_PACKAGES, val=VAL_PACKAGES, test=TEST_PACKAGES) -> dict[str, str]:
    """package -> split; a package named for two splits is refused (its icons would sit on both sides)."""
    shared = sorted((set(train) & set(val)) | (set(train) & set(test)) | (set(val) & set(test)))
    if shared:
        from cgan_study.data import DataError

        raise DataError(f"package {shared[0]} is named for two splits; give each package one split")
    return {**{p: "train" for p in train}, **{p: "val" for p in val}, **{p: "test" for p in test}}


def _packages(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.data", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="dataset", required=True)
    icons = sub.add_parser("icons", help="icons of Debian's icon-theme packages, by context")
    icons.add_argument("--out", required=True, type=Path, help="a new directory for the dataset and its manifest")
    icons.add_argument("--size", type=int, choices=(32, 64), default=32, help="icon size in pixels (default 32)")
    icons.add_argument("--min-per-class", type=int, default=30,
                       help="a context is a class with this many images in both train and val (default 30)")
    icons.add_argument("--classes", default=CLASSES,
                       help=f"comma-separated contexts to keep as classes (default {CLASSES}; 'all' for every one "
                            "with enough images)")
    for split, default in (("train", TRAIN_PACKAGES), ("val", VAL_PACKAGES), ("test", TEST_PACKAGES)):
        # Other themes for a split (a small subset for CI, say); whole packages still form each split.
        icons.add_argument(f"--{split}-packages", type=_packages, default=default, metavar="PKG,PKG",
                           help=f"the {split} split's icon-theme packages (default {','.join(default)})")
    icons.add_argument("--install", action="store_true",
                       help=f"apt-get install the packages (and {RENDERER}) first; needs root")
    args = p.parse_args(argv)
    from cgan_study import icon_dataset as I
    from cgan_study.data import DataError

    try:
        packages = split_of_packages(args.train_packages, args.val_packages, args.test_packages)
        if args.install:
            subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", RENDERER, *packages], check=True)
        rows = I.build(args.out, packages, size=args.size, min_per_class=args.min_per_class, merge=MERGE,
                       contexts=None if args.classes == "all" else tuple(args.classes.split(",")))
    except (DataError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table = I.count_table(rows)
    print(f"{'class':12s} {'train':>6s} {'val':>6s} {'test':>6s}")
    for name, counts in table.items():
        print(f"{name:12s} {counts['train']:6d} {counts['val']:6d} {counts['test']:6d}")
    totals = {s: sum(c[s] for c in table.values()) for s in ("train", "val", "test")}
    print(f"{'total':12s} {totals['train']:6d} {totals['val']:6d} {totals['test']:6d}")
    print(f"wrote {args.out} (manifest: {args.out / 'manifest.csv'})")
    return 0


if __name__ == "__main__":
    from experiments import run_main

    sys.exit(run_main(main))
