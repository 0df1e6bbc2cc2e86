"""An offline colour dataset from Debian's icon-theme packages: icons by context (apps, places, ...) as classes.

Reproducible from the package list alone: every file comes from a named package at a recorded version; each icon
is taken at the size (a PNG drawn at exactly that size, else its SVG rendered by librsvg's rsvg-convert, else a
larger PNG downscaled with Pillow's LANCZOS; never upscaled), deduplicated by the hash of its pixels as the loader
sees them (composited on white), and written as RGBA PNG under OUT/<split>/<class>/. Whole packages (a theme and
its variants) go to one split: near-identical icons of one theme never sit on both sides of a split. Duplicates
are resolved test first, then validation, then training, so a test image's pixels appear in no other split.
Symbolic icons (monochrome glyphs, *-symbolic) and symlinks (aliases of another file) are left out.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cgan_study.data import DataError

# Directory names themes use for the freedesktop contexts (elementary spells mimetypes "mimes").
CONTEXTS = {"apps": "apps", "applications": "apps", "devices": "devices", "mimetypes": "mimetypes",
            "mimes": "mimetypes", "places": "places", "status": "status", "actions": "actions",
            "categories": "categories", "emblems": "emblems"}
ICON_ROOT = "/usr/share/icons/"
SPLITS = ("test", "val", "train")  # the order duplicates are resolved in
_SIZE_DIR = re.compile(r"^(\d+)(?:x(\d+))?$")


@dataclass(frozen=True)
class Source:
    package: str
    version: str
    theme: str
    context: str
    name: str
    file: str
    kind: str          # png-exact | svg | png-down


def package_version(package: str) -> str | None:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Status}\t${Version}", package], capture_output=True,
                         text=True)
    if out.returncode or "install ok installed" not in out.stdout:
        return None
    return out.stdout.split("\t")[1]


def package_files(package: str) -> list[str]:
    out = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines()
            if line.startswith(ICON_ROOT) and line.lower().endswith((".png", ".svg", ".svgz"))]


def classify(path: str) -> tuple[str, str, str | int] | None:
    """(theme, context, size) of an icon file path, size an int, 'scalable' or None; None if no known context."""
    parts = path[len(ICON_ROOT):].split("/")
    theme, dirs = parts[0], [p.lower() for p in parts[1:-1]]
    context = next((CONTEXTS[d] for d in dirs if d in CONTEXTS), None)
    if context is None or any("@" in d for d in dirs):  # @2x: HiDPI copies of another size
        return None
    size: str | int | None = None
    for d in dirs:
        m = _SIZE_DIR.match(d)
        if m and (m.group(2) is None or m.group(1) == m.group(2)):
            size = int(m.group(1))
        elif d == "scalable":
            size = "scalable"
    return theme, context, size


def choose_sources(package: str, version: str, files: list[str], size: int) -> list[Source]:
    """One source per (theme, context, icon name): an exact-size PNG, else an SVG, else the smallest larger PNG."""
    options: dict[tuple[str, str, str], list[tuple[int, int, str, str]]] = {}
    for path in files:
        if os.path.islink(path) or "symbolic" in path:
            continue
        found = classify(path)
        if found is None:
            continue
        theme, context, file_size = found
        name = Path(path).name.rsplit(".", 1)[0]
        if path.lower().endswith((".svg", ".svgz")):
            # Rank SVGs drawn nearest the size first (a 32px-designed SVG beats a scalable one at 32).
            gap = abs(file_size - size) if isinstance(file_size, int) else 1000
            rank = (1, gap, path, "svg")
        elif file_size == size:
            rank = (0, 0, path, "png-exact")
        elif isinstance(file_size, int) and file_size > size:
            rank = (2, file_size, path, "png-down")
        else:
            continue  # smaller PNGs would be upscaled: left out
        options.setdefault((theme, context, name), []).append(rank)
    return [Source(package, version, theme, context, name, best[2], best[3])
            for (theme, context, name), ranks in sorted(options.items()) for best in [min(ranks)]]


def render(source: Source, size: int) -> np.ndarray | None:
    """(size, size, 4) uint8 RGBA, or None when the file cannot be read or rendered (counted, not fatal)."""
    from PIL import Image

    try:
        if source.kind == "svg":
            out = subprocess.run(["rsvg-convert", "-w", str(size), "-h", str(size), "-f", "png", source.file],
                                 capture_output=True, timeout=60)
            if out.returncode:
                return None
            img = Image.open(io.BytesIO(out.stdout))
        else:
            img = Image.open(source.file)
        img = img.convert("RGBA")
        if img.size != (size, size):
            img = img.resize((size, size), Image.Resampling.LANCZOS)
        return np.asarray(img, np.uint8)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def pixel_hash(rgba: np.ndarray) -> str:
    """sha256 of the pixels composited on white, as the image-folder loader will see them."""
    alpha = rgba[..., 3:4].astype(np.float64) / 255.0
    rgb = np.rint(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return hashlib.sha256(rgb.tobytes()).hexdigest()


def build(out: Path, packages: dict[str, str], size: int = 32, min_per_class: int = 30,
          workers: int = 2, log=print, merge: dict[str, str] | None = None,
          contexts: tuple[str, ...] | None = None) -> list[dict]:
    """Render, deduplicate and write the dataset; returns the manifest rows (also written to OUT/manifest.csv).

    `packages` maps each package to its split (train, val or test). A context becomes a class when it has at least
    `min_per_class` images in both the training and the validation split (never looking at the test split);
    the others are dropped, and the manifest says so. `merge` renames contexts first (categories -> apps);
    `contexts`, when given, is the class set to consider (the others dropped): both chosen on train and val.
    """
    if out.exists() and any(out.iterdir()):
        raise DataError(f"{out} is not empty; pass a new --out directory (the dataset is written whole)")
    missing = [p for p in packages if package_version(p) is None]
    if missing:
        raise DataError(f"icon packages not installed: {', '.join(missing)}; install them with "
                        f"apt-get install {' '.join(missing)} (or pass --install)")
    sources: dict[str, list[Source]] = {split: [] for split in SPLITS}
    for package, split in packages.items():
        chosen = choose_sources(package, package_version(package), package_files(package), size)
        log(f"{package}: {len(chosen)} icons ({dict(Counter(s.kind for s in chosen))}) -> {split}")
        sources[split].extend(chosen)
    seen: set[str] = set()
    rows, images = [], {}
    with ThreadPoolExecutor(workers) as pool:
        for split in SPLITS:  # test first: a duplicate is kept where the held-out split has it
            for source, rgba in zip(sources[split], pool.map(lambda s: render(s, size), sources[split])):
                row = {"package": source.package, "version": source.version, "file": source.file,
                       "class": (merge or {}).get(source.context, source.context), "theme": source.theme, "split": split, "source": source.kind,
                       "pixel_sha256": "", "image": "", "kept": "no", "why": ""}
                if rgba is None:
                    row["why"] = "unreadable"
                else:
                    row["pixel_sha256"] = digest = pixel_hash(rgba)
                    if digest in seen:
                        row["why"] = "duplicate pixels"
                    else:
                        seen.add(digest)
                        images[id(row)] = rgba
                        row["kept"] = "yes"
                rows.append(row)
    counts = Counter((r["split"], r["class"]) for r in rows if r["kept"] == "yes")
    classes = [c for c in sorted({r["class"] for r in rows}) if (contexts is None or c in contexts)
               and counts[("train", c)] >= min_per_class and counts[("val", c)] >= min_per_class]
    if len(classes) < 2:
        raise DataError(f"only {len(classes)} context(s) have {min_per_class} images in both the training and "
                        "validation themes; add icon packages or lower --min-per-class")
    from PIL import Image

    for row in rows:
        if row["kept"] != "yes":
            continue
        if row["class"] not in classes:
            row["kept"], row["why"] = "no", ("class not chosen" if contexts and row["class"] not in contexts else
                                             f"class dropped (under {min_per_class} train or val images)")
            continue
        stem = re.sub(r"[^A-Za-z0-9_.+-]", "_", f"{row['theme']}__{Path(row['file']).name.rsplit('.', 1)[0]}")
        rel = Path(row["split"]) / row["class"] / f"{stem}__{row['pixel_sha256'][:8]}.png"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[id(row)], "RGBA").save(out / rel, optimize=False)
        row["image"] = rel.as_posix()
    fields = ["package", "version", "file", "class", "theme", "split", "source", "pixel_sha256", "image", "kept",
              "why"]
    tmp = out / "manifest.csv.tmp"
    with open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, out / "manifest.csv")
    return rows


def count_table(rows: list[dict]) -> dict[str, dict[str, int]]:
    """{class: {split: images kept}} of a manifest."""
    table: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["kept"] == "yes":
            table.setdefault(r["class"], {s: 0 for s in ("train", "val", "test")})[r["split"]] += 1
    return dict(sorted(table.items()))
