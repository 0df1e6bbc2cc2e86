"""CLI: N samples from any registered generator as .npz, PNG/JPEG files, .tgz, .zip.

A conditional generator gives N/K of each of its K classes (K = 10 on MNIST), an unconditional one N images.
Greyscale models write greyscale files, colour models RGB. `--tgz out.tgz --format jpg` is the anime-face
assignment's layout: 1.jpg ... N.jpg at the archive's top level, no folder.
"""
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


SAMPLING_KEYS = ("sampler", "sample_steps", "eta", "guidance")  # = generators.diffusion.SAMPLING_KEYS


def sampling_settings(sets: list[str]):
    """The study's sampling settings (the quick profile's diffusion sampler) with the --set overrides applied.

    A diffusion artifact's sampler.json freezes the config it was trained under, which need not be the sampler
    the study settled on (the first diffusion model was trained when DDIM-50 with eta 0 was the default); the
    sweeps sample every trained model with the run's settings, and so does this CLI.
    """
    from cgan_study import config as C

    overrides = C.parse_assignments(sets)
    for key in list(overrides):
        short = key.removeprefix("diffusion.")
        if short not in SAMPLING_KEYS:
            raise C.ConfigError(f"--set {key}: only the diffusion sampler's settings can be set here "
                                f"({', '.join('diffusion.' + k for k in SAMPLING_KEYS)})")
        overrides[f"diffusion.{short}"] = overrides.pop(key)
    return C.apply(C.profile("quick"), overrides)


SCORER_FILE = "scorer.keras"   # = study.stages.SCORER_FILE (not imported: --help stays TensorFlow-free)


def study_sampler() -> str:
    """The study's diffusion sampler as the quick profile resolves it (the --help text follows the config)."""
    from cgan_study import config as C

    d = C.profile("quick").diffusion
    return f"{d.sampler}, {d.sample_steps} steps, eta {d.eta:g}, " + \
        ("no guidance" if not d.guidance else f"guidance {d.guidance:g}")


def score_line(scorer_dir: Path, x, labels) -> str:
    """'success rate: 94.20% of 1,000 samples (scorer <hash>); per class 0: 99.0 ...' from the scorer's argmax."""
    import keras

    from cgan_study.study import metrics
    from cgan_study.training import classifier

    scorer = keras.saving.load_model(scorer_dir / SCORER_FILE, compile=False)
    rate = metrics.success_rate(classifier.predict(scorer, x), labels)
    per_class = " ".join(f"{c}: {100 * r:.1f}" for c, r in enumerate(rate["per_class"]))
    return (f"success rate: {100 * rate['overall']:.2f}% of {len(labels):,} samples read as the requested class "
            f"by scorer {scorer_dir.name}; per class (%) {per_class}")


def describe_sampler(generator) -> str:
    if generator.sampler == "ddpm":
        return f"ddpm, all {generator.schedule.T} steps, guidance {generator.guidance:g}"
    return (f"ddim, {generator.steps} steps, eta {generator.eta:g}, guidance {generator.guidance:g}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.sample", description=__doc__)
    p.add_argument("--run", required=True, type=Path, help="a generator artifact (results/_artifacts/generator/<hash>) or a run that used one")
    p.add_argument("--n", type=int, default=1000,
                   help="number of samples (default 1000); a multiple of the class count for a conditional "
                        "generator (10 on MNIST)")
    p.add_argument("--out", required=True, type=Path,
                   help="output .npz: x uint8 (N,28,28) on MNIST, (N,size,size,3) in colour; y uint8 (conditional)")
    p.add_argument("--png-dir", "--image-dir", dest="image_dir", type=Path,
                   help="also write 1.png ... N.png (or .jpg, see --format) here")
    p.add_argument("--tgz", type=Path, help="also write a .tgz holding only 1.png ... N.png at its top level")
    p.add_argument("--zip", type=Path, help="also write a .zip holding one folder of 1.png ... N.png")
    p.add_argument("--format", choices=("png", "jpg"), default="png",
                   help="image files for --image-dir, --tgz and --zip (default png; jpg at quality 95)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (same seed, same images)")
    p.add_argument("--set", dest="sets", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                   help=f"diffusion artifacts: sampler settings over the study's ({study_sampler()}), "
                        "e.g. --set diffusion.sampler=ddim sample_steps=50 eta=0 guidance=0.5 (keys: "
                        + ", ".join(SAMPLING_KEYS) + "; the diffusion. prefix is optional)")
    p.add_argument("--scorer", type=Path, help="a scorer artifact (results/_artifacts/scorer/<hash>): also print "
                                               "the share of samples it reads as the requested class, overall and "
                                               "per class (a generator's success rate)")
    args = p.parse_args(argv)
    try:
        if args.n <= 0:
            raise ValueError(f"--n {args.n} must be a positive number of samples")
        path = find_generator(args.run)
        from cgan_study.generators import entry_of_artifact, sampling

        entry = entry_of_artifact(path)
        if args.scorer and not entry.conditional:
            raise ValueError(f"--scorer: {path} holds an unconditional generator ({entry.name}), whose samples "
                             "have no requested class to score; leave --scorer out")
        exp = sampling_settings(args.sets)
        generator = entry.load(path)
        if entry.sampler_settings:  # diffusion: the study's sampler, not the one frozen at training time
            frozen = describe_sampler(generator)
            generator = entry.configure(generator, exp)
            used = describe_sampler(generator)
            print(f"sampler: {used}" + ("" if used == frozen else f" (the artifact's sampler.json says {frozen})"))
        elif args.sets:
            raise ValueError(f"--set: {path} holds a {entry.name} generator, which has no sampler settings")
        if args.scorer and not (args.scorer / SCORER_FILE).exists():
            raise FileNotFoundError(f"--scorer {args.scorer}: no {SCORER_FILE} there; pass a scorer artifact, e.g. "
                                    "results/_artifacts/scorer/<hash>")
        if entry.conditional:
            classes = getattr(generator, "num_classes", 10)
            if args.n % classes:
                raise ValueError(f"--n {args.n} must be a multiple of {classes}, the generator's class count "
                                 f"(N/{classes} samples per class)")
            labels = sampling.balanced_labels(args.n, classes)
        else:
            labels = None
        x = sampling.sample(generator, labels, seed=args.seed, n=args.n)
        sampling.export_npz(args.out, x, labels)
        if args.image_dir:
            sampling.export_images(args.image_dir, x, args.format)
        if args.tgz:
            sampling.export_tgz(args.tgz, x, args.format)
        if args.zip:
            sampling.export_zip(args.zip, x, args.format)
        if args.scorer:
            print(score_line(args.scorer, x, labels))
    except (ValueError, FileNotFoundError) as exc:  # a bad --set is a ConfigError, a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.n} samples to {args.out}")
    return 0


if __name__ == "__main__":
    from experiments import run_main

    sys.exit(run_main(main))
