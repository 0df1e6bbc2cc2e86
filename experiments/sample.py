"""CLI: N labelled samples (N/10 per class) from any registered generator as .npz, PNG/JPEG files, .tgz, .zip."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def find_generator(run: Path) -> Path:
    """A generator artifact directory, or a sweep run whose metrics.json names the artifact it used."""
    import json

    if (run / "config.json").exists():
        spec = json.loads((run / "config.json").read_text())
        if "generator" in spec or "family" in spec.get("gan", {}):  # an artifact's spec, not a run's config
            return run
    metrics = run / "metrics.json"
    if metrics.exists():
        name = json.loads(metrics.read_text()).get("generator_artifact")
        for parent in run.resolve().parents:
            candidate = parent / "_artifacts" / "generator" / str(name)
            if name and (candidate / "config.json").exists():
                return candidate
    raise FileNotFoundError(f"{run} is neither a generator artifact nor a run whose metrics.json names one; "
                            "pass e.g. results/_artifacts/generator/<hash>")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.sample", description=__doc__)
    p.add_argument("--run", required=True, type=Path, help="a generator artifact (results/_artifacts/generator/<hash>) or a run that used one")
    p.add_argument("--n", type=int, default=1000, help="number of samples, a multiple of 10 (default 1000)")
    p.add_argument("--out", required=True, type=Path, help="output .npz (x uint8 (N,28,28), y uint8)")
    p.add_argument("--png-dir", "--image-dir", dest="image_dir", type=Path,
                   help="also write 1.png ... N.png (or .jpg, see --format) here")
    p.add_argument("--tgz", type=Path, help="also write a .tgz holding only 1.png ... N.png at its top level")
    p.add_argument("--zip", type=Path, help="also write a .zip holding one folder of 1.png ... N.png")
    p.add_argument("--format", choices=("png", "jpg"), default="png",
                   help="image files for --image-dir, --tgz and --zip (default png; jpg at quality 95)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (same seed, same images)")
    args = p.parse_args(argv)
    try:
        if args.n <= 0 or args.n % 10:
            raise ValueError(f"--n {args.n} must be a positive multiple of 10 (N/10 samples per class)")
        path = find_generator(args.run)
        from cgan_study.generators import REGISTRY, entry_of_artifact, sampling

        entry = entry_of_artifact(path)
        if not entry.conditional:
            conditional = ", ".join(name for name, e in REGISTRY.items() if e.conditional)
            raise ValueError(f"{path} holds an unconditional generator ({entry.name}); labelled samples need "
                             f"one of {conditional}")
        generator = entry.load(path)
        labels = sampling.balanced_labels(args.n)
        x = sampling.sample(generator, labels, seed=args.seed)
        sampling.export_npz(args.out, x, labels)
        if args.image_dir:
            sampling.export_images(args.image_dir, x, args.format)
        if args.tgz:
            sampling.export_tgz(args.tgz, x, args.format)
        if args.zip:
            sampling.export_zip(args.zip, x, args.format)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.n} samples to {args.out}")
    return 0


if __name__ == "__main__":
    from experiments import run_main

    sys.exit(run_main(main))
