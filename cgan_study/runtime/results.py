"""The only writer: run directories, atomic JSON/CSV/array files, done markers, summaries, artifact cache."""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

CONFIG, METRICS, HISTORY, DONE, FAILED = "config.json", "metrics.json", "history.jsonl", "DONE", "FAILED"
EPOCH_SCORES = "epochs.jsonl"   # per-epoch scores of a gan_eval run (eval.epoch_samples)
SUMMARY = "summary.csv"
ARTIFACTS = "_artifacts"


class ResumeError(RuntimeError):
    """A run directory holds a different config than the one asked for."""


# --------------------------------------------------------------------------- atomic primitives

@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temp path beside `path`; on success it is renamed over `path`, on failure removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"_tmp.{path.name}.", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)  # atomic on POSIX: readers see the old file or the new, never half
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _finite(value: Any) -> Any:
    """NaN/Inf are not JSON; write them as null so a reader never mistakes them for scores."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def write_json(path: Path | str, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_finite(data), indent=2, sort_keys=True, default=_json_default) + "\n")


def read_json(path: Path | str) -> Any:
    return json.loads(Path(path).read_text())


def write_text(path: Path | str, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_bytes(path: Path | str, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_npz(path: Path | str, **arrays: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)


def read_npz(path: Path | str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def write_csv(path: Path | str, frame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def save_figure(path: Path | str, fig) -> None:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip("."), bbox_inches="tight", dpi=150,
                    metadata={"CreationDate": None} if path.suffix == ".pdf" else {"Software": None})


def save_keras_model(path: Path | str, model) -> None:
    path = Path(path)
    with atomic_path(path.with_suffix(".keras")) as tmp:
        target = tmp.with_suffix(".keras")  # Keras insists on the extension
        model.save(target)
        os.replace(target, tmp)


def write_jsonl(path: Path | str, records: list[dict]) -> None:
    """A whole JSON-lines file at once (atomically)."""
    write_text(path, "".join(json.dumps(_finite(r), sort_keys=True, default=_json_default) + "\n" for r in records))


def append_jsonl(path: Path | str, record: dict) -> None:
    """Append one line; a crash can leave at most one torn last line, which readers skip."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        handle.write(json.dumps(_finite(record), sort_keys=True, default=_json_default) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: Path | str) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn final line from an interrupted run
    return records


# --------------------------------------------------------------------------- locks

@contextlib.contextmanager
def file_lock(path: Path | str, blocking: bool = True) -> Iterator[bool]:
    """An advisory lock held for the block; yields False if non-blocking and someone else holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                yield False
                return
            raise
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- runs

class Run:
    """One run directory: config first, history while training, metrics, DONE last."""

    def __init__(self, root: Path | str):
        self.dir = Path(root)

    @property
    def name(self) -> str:
        return self.dir.name

    def is_done(self) -> bool:
        return (self.dir / DONE).exists()

    def start(self, config: dict) -> None:
        """Write the resolved config before any work; refuse to resume a run whose config changed."""
        path = self.dir / CONFIG
        if path.exists():
            old = read_json(path)
            if old != json.loads(json.dumps(_finite(config), default=_json_default)):
                changed = sorted(_diff_keys(old, config))
                raise ResumeError(f"{self.dir} was started with a different config (changed: "
                                  f"{', '.join(changed[:5])}); delete the run directory or use another --out")
        else:
            write_json(path, config)
        (self.dir / FAILED).unlink(missing_ok=True)

    def config(self) -> dict:
        return read_json(self.dir / CONFIG)

    def dataset_sha256(self) -> str | None:
        """The dataset a started or finished run recorded (None before it started)."""
        path = self.dir / CONFIG
        return read_json(path).get("dataset_sha256") if path.exists() else None

    def finished_with_another_config(self, config: dict, ignore: tuple[str, ...] = (),
                                     added_later: dict[str, Any] | None = None) -> list[str]:
        """For a finished run: the keys of the experiment whose values differ from `config`'s, outside the sections
        in `ignore` (ones the run does not use). A key the run did not record counts as `added_later`'s value for it
        (the behaviour the run had); other keys that exist on only one side are not counted."""
        old = json.loads(json.dumps(self.config().get("experiment", {})))
        for dotted, value in (added_later or {}).items():
            *sections, leaf = dotted.split(".")
            node = old
            for section in sections:
                node = node.get(section) if isinstance(node, dict) else None
            if isinstance(node, dict) and leaf not in node:
                node[leaf] = value
        old = {k: v for k, v in old.items() if k not in ignore}
        new = json.loads(json.dumps(_finite(config.get("experiment", {})), default=_json_default))
        return sorted(_shared_diff_keys(old, {k: v for k, v in new.items() if k not in ignore}))

    def log(self, record: dict) -> None:
        append_jsonl(self.dir / HISTORY, record)

    def history(self) -> list[dict]:
        return read_jsonl(self.dir / HISTORY)

    def truncate_history(self, max_epoch: int) -> None:
        """Drop epochs after the last checkpoint, which a resumed run will log again."""
        kept = [r for r in self.history() if r.get("epoch", 0) <= max_epoch]
        write_text(self.dir / HISTORY, "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept))

    def finish(self, metrics: dict) -> None:
        write_json(self.dir / METRICS, metrics)
        write_text(self.dir / DONE, "")

    def fail(self, reason: str) -> None:
        write_text(self.dir / FAILED, reason.strip() + "\n")

    def failure(self) -> str | None:
        path = self.dir / FAILED
        return path.read_text().strip() if path.exists() else None

    def metrics(self) -> dict:
        return read_json(self.dir / METRICS)

    def lock(self, blocking: bool = False):
        return file_lock(self.dir.parent / f".{self.name}.lock", blocking=blocking)


def _diff_keys(a: Any, b: Any, prefix: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = set()
        for key in set(a) | set(b):
            out |= _diff_keys(a.get(key), b.get(key), f"{prefix}{key}.")
        return out
    a = json.loads(json.dumps(a, default=_json_default))
    b = json.loads(json.dumps(b, default=_json_default))
    return set() if a == b else {prefix.rstrip(".")}


def _shared_diff_keys(a: Any, b: Any, prefix: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = set()
        for key in set(a) & set(b):
            out |= _shared_diff_keys(a[key], b[key], f"{prefix}{key}.")
        return out
    return set() if a == b else {prefix.rstrip(".")}


def _flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list) and value and isinstance(value[0], (list, dict)):
            continue  # matrices (confusion) stay in metrics.json, not in the table
        elif isinstance(value, list):
            out[f"{prefix}{key}"] = ",".join(map(str, value))
        else:
            out[f"{prefix}{key}"] = value
    return out


def collect(sweep_dir: Path | str):
    """One row per run directory: run name, status, config columns (cfg.*) and metrics."""
    import pandas as pd

    rows = []
    sweep_dir = Path(sweep_dir)
    for run_dir in sorted(p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))) \
            if sweep_dir.exists() else []:
        run = Run(run_dir)
        if not (run_dir / CONFIG).exists():
            continue
        row = {"run": run.name}
        if run.is_done():
            row["status"] = "done"
            row.update(_flatten(run.metrics()))
        else:
            failure = run.failure()
            row["status"] = "failed" if failure else "incomplete"
            row["failure"] = failure
        row.update(_flatten(run.config(), "cfg."))
        rows.append(row)
    return pd.DataFrame(rows)


def write_summary(sweep_dir: Path | str):
    frame = collect(sweep_dir)
    write_csv(Path(sweep_dir) / SUMMARY, frame)
    return frame


# --------------------------------------------------------------------------- artifact cache

class ArtifactCache:
    """Expensive outputs (trained generators, the scorer) stored once per (kind, config hash, data sha)."""

    def __init__(self, root: Path | str):
        self.root = Path(root) / ARTIFACTS

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def get_or_build(self, kind: str, key: str, config: dict, build: Callable[[Path], dict]) -> Path:
        """Return the artifact's directory, building it under a lock if it is missing.

        `build(tmp_dir)` writes files into a scratch directory that is renamed into place when it
        returns, so a crash mid-build never leaves a half artifact that looks finished.
        """
        final = self.path(kind, key)
        if (final / DONE).exists():
            return final
        with file_lock(self.root / kind / f".{key}.lock"):
            if (final / DONE).exists():  # another process built it while we waited
                return final
            # Building in place lets a long build (GAN training) resume from its own checkpoints.
            work = self.root / kind / f"_build-{key}"
            work.mkdir(parents=True, exist_ok=True)
            Run(work).start(config)
            info = build(work)
            Run(work).finish(info)
            if final.exists():
                shutil.rmtree(final)
            os.replace(work, final)
        return final
