"""A sweep's finished runs as a DataFrame (with the columns every report groups by) and tables written to disk."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cgan_study.reporting.latex import to_latex
from cgan_study.runtime import results
from cgan_study.study.presets import DEFAULT_GENERATOR

DEFAULT_VARIANT = "cgan"   # the variant (run name without its seed) of the default CGAN in the GAN sweeps
OVERRIDES = "cfg.overrides."


def config_column(key: str) -> str:
    """The summary column of a resolved experiment key: 'augment.protocol' -> 'cfg.experiment.augment.protocol'."""
    return f"cfg.experiment.{key}"


def run_overrides(row: pd.Series) -> dict:
    """The overrides that made one run (its summary row's cfg.overrides.* columns that are set)."""
    return {k[len(OVERRIDES):]: v for k, v in row.items() if k.startswith(OVERRIDES) and pd.notna(v)}


def run_variants(frame: pd.DataFrame) -> list[str]:
    """Each run's variant: its name without the seed the sweep appended ('cgan-ls0.25-seed2' -> 'cgan-ls0.25'),
    found from the run's own seed column."""
    seeds = frame[config_column("seed")] if config_column("seed") in frame else [None] * len(frame)
    return [run if seed is None or pd.isna(seed) else run.removesuffix(f"-seed{int(seed)}")
            for run, seed in zip(frame["run"], seeds)]


def done_runs(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "done"].copy() if "status" in frame else frame.iloc[0:0]


def with_strategy_and_generator(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `strategy` and `generator` columns, the two axes every table groups by.

    Summaries written before the generator registry have one `augment.arm` column ("pca" was an arm, meaning
    mix with the PCA generator) and name the GAN by `gan.family`; they are read into the same two columns.
    """
    frame = frame.copy()

    def column(key: str) -> pd.Series:
        name = config_column(key)
        return frame[name] if name in frame else pd.Series([None] * len(frame), index=frame.index)

    new_strategy, new_generator = column("augment.strategy"), column("augment.generator")
    old_arm, old_family = column("augment.arm"), column("gan.family")
    frame["strategy"] = [s if isinstance(s, str) else ("mix" if a == "pca" else a)
                         for s, a in zip(new_strategy, old_arm)]
    frame["generator"] = [g if isinstance(g, str) else ("pca" if a == "pca" else
                                                         (f if isinstance(f, str) else DEFAULT_GENERATOR))
                          for g, a, f in zip(new_generator, old_arm, old_family)]
    return frame


DATASET = "cfg.dataset_sha256"


def finished_runs(sweep_dir: Path) -> pd.DataFrame:
    """The finished runs of a sweep's summary.csv, with the (strategy, generator) columns every table uses; runs of
    two datasets in one summary are refused (a table cell must never mix them)."""
    frame = done_runs(pd.read_csv(Path(sweep_dir) / results.SUMMARY))
    if DATASET in frame and frame[DATASET].nunique() > 1:
        raise ValueError(f"{sweep_dir} holds runs of {frame[DATASET].nunique()} datasets "
                         f"({', '.join(sorted(str(s)[:12] for s in frame[DATASET].unique()))}); give each dataset its "
                         "own results directory (--out, or the default results/<dataset>/)")
    return with_strategy_and_generator(frame) if not frame.empty else frame


def class_names(frame: pd.DataFrame) -> tuple[str, ...]:
    """The names of the classes of the dataset the runs used (digits for MNIST, garments for Fashion-MNIST)."""
    from cgan_study.data import class_names as names_of

    return names_of(str(frame[DATASET].iloc[0]) if DATASET in frame and len(frame) else None)


def class_count(frame: pd.DataFrame) -> int:
    """How many classes the runs' dataset has (their recorded classes_total; runs from before it was recorded are
    MNIST or Fashion-MNIST: 10)."""
    if "classes_total" in frame and frame["classes_total"].notna().any():
        return int(frame["classes_total"].dropna().iloc[0])
    return 10


def test_set_text(frame: pd.DataFrame) -> str:
    """'the 10,000 test digits' on MNIST and Fashion-MNIST (their test sets' size), 'the test images' otherwise."""
    known = dataset_of(frame) in ("mnist", "fashion_mnist")
    return f"the {'10,000 ' if known else ''}test {item_noun(frame)}"


def dataset_of(frame: pd.DataFrame) -> str | None:
    """The runs' dataset by its recorded digest: a known name, None for another folder or file; runs recorded
    without a digest are MNIST's (the study's first runs)."""
    from cgan_study.data import KNOWN_SHA256

    if DATASET not in frame or not len(frame) or frame[DATASET].isna().all():
        return "mnist"
    return KNOWN_SHA256.get(str(frame[DATASET].dropna().iloc[0]))


def item_noun(frame: pd.DataFrame) -> str:
    """What one training item is called in captions and axes: 'digits' on MNIST, 'images' on other datasets."""
    return "digits" if dataset_of(frame) == "mnist" else "images"


def save_table(out_dir: Path, name: str, table: pd.DataFrame, caption: str, wide: bool = False,
               column_format: str | None = None, shown: pd.DataFrame | None = None, label: str | None = None,
               tabcolsep: float = 3.0) -> None:
    """The table as CSV, and as LaTeX (`shown`, where the paper shows it with readable labels, else the same);
    its LaTeX label tab:`label` (default: its name; two sweeps' tables of one name need two labels)."""
    results.write_csv(out_dir / "tables" / f"{name}.csv", table)
    results.write_text(out_dir / "tables" / f"{name}.tex", to_latex(table if shown is None else shown, caption,
                                                                    f"tab:{label or name}", column_format, wide=wide,
                                                                    tabcolsep=tabcolsep))
