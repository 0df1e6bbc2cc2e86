"""Executors: a sweep's artifacts, then its runs, in dependency order, in-process, in worker processes or on Ray."""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import itertools
import multiprocessing
import os
import signal
import time
import traceback
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cgan_study import config as C
from cgan_study.runtime import faults, results

# Environment a Ray worker inherits from the driver (a cluster's workers do not share the driver's shell).
FORWARDED_ENV = ("CGAN_STUDY_", "TF_CPP_MIN_LOG_LEVEL", "KERAS_HOME", "TF_ENABLE_ONEDNN_OPTS")
DEFAULT_RETRIES = 2


class ExecutorError(RuntimeError):
    """The chosen executor cannot start (e.g. no Ray cluster at the given address)."""


@dataclass(frozen=True)
class Plan:
    """What every job of one sweep shares. Paths are absolute: a Ray cluster must see them as a shared filesystem."""
    sweep: str
    task: str
    out_root: str
    data_source: str
    val_per_class: int
    dataset_sha256: str

    @property
    def sweep_dir(self) -> Path:
        return Path(self.out_root) / self.sweep


@dataclass(frozen=True)
class Job:
    """One unit of work: build an artifact (`artifact` set) or run one sweep point (`run` set)."""
    id: str
    label: str
    experiment: dict
    artifact: dict | None = None
    run: str | None = None
    record: dict | None = None
    deps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str | None = None
    crashed: bool = False   # the worker process died: the scheduler retries the job


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- one run (any process)

# Sections a task never reads: a downstream-classifier run does not score generators, and a generator's scoring
# trains no downstream classifier, so a change there must not refuse a finished run.
UNUSED_BY_TASK = {"augment": ("eval",), "gan_eval": ("classifier",), "scorer": ("classifier",)}


def unused_sections(experiment: dict, task: str | None = None) -> tuple[str, ...]:
    """The config sections a run's experiment does not read: another generator's hyperparameters, and the
    sections its task never reads."""
    from cgan_study.generators import REGISTRY

    name = experiment.get("augment", {}).get("generator")
    used = {REGISTRY[name].section} if name in REGISTRY else set()
    if name == "guided_cgan":
        used.add("guide")
    sections = {entry.section for entry in REGISTRY.values()} | {"guide"}
    if experiment.get("augment", {}).get("protocol") != "semi_supervised":
        sections.add("fixmatch")   # the FixMatch baseline's budget: read only under the semi-supervised protocol
    return tuple(sorted((sections - used) | set(UNUSED_BY_TASK.get(task, ()))))


def execute(run: results.Run, prefix: str, record: dict, work: Callable[[Path], dict],
            task: str | None = None) -> str | None:
    """Run one point unless it is finished or locked by another runner; returns a failure reason or None.

    Order matters for crash safety: lock, config.json, work, metrics.json, DONE. A run killed anywhere
    before DONE is simply run again by the next invocation.
    """
    recorded = run.dataset_sha256()
    if recorded and record.get("dataset_sha256") and recorded != record["dataset_sha256"]:
        # A run is its dataset too: a finished or interrupted run on other images must never pass for this one.
        reason = (f"{run.dir} holds a run on another dataset (sha256 {recorded[:12]}...), not the requested one "
                  f"({record['dataset_sha256'][:12]}...); use another --out (each dataset has its own default: "
                  "results/ for MNIST, results/<dataset>/ otherwise)")
        print(f"{prefix}: FAILED: {reason}", flush=True)
        return reason
    if run.is_done():
        # A finished run of the same name but another configuration (an older version of the sweep) must not
        # pass for this one: its numbers would enter the tables under the new settings.
        changed = run.finished_with_another_config(record, ignore=unused_sections(record.get("experiment", {}), task),
                                                   added_later=C.ADDED_LATER)
        if changed:
            reason = (f"{run.dir} finished with another config (changed: {', '.join(changed[:5])}); delete the "
                      "run directory or use another --out")
            print(f"{prefix}: FAILED: {reason}", flush=True)
            return reason
        print(f"{prefix}: done, skipped", flush=True)
        return None
    with run.lock() as acquired:
        if not acquired:
            print(f"{prefix}: running in another process, skipped", flush=True)
            return None
        if run.is_done():  # finished by another runner between the check and the lock
            return None
        try:
            run.start(record)
        except results.ResumeError as exc:
            print(f"{prefix}: FAILED: {exc}", flush=True)
            return str(exc)
        print(f"{prefix}: running", flush=True)
        t0 = time.perf_counter()
        try:
            metrics = work(run.dir)
        except Exception as exc:  # one run's failure must not stop the sweep (KeyboardInterrupt still does)
            reason = _one_line(exc)
            run.fail(reason)
            results.write_text(run.dir / "error.txt", traceback.format_exc())
            print(f"{prefix}: FAILED: {reason}", flush=True)
            return reason
        metrics["wall_seconds"] = time.perf_counter() - t0
        run.finish(metrics)
        print(f"{prefix}: done in {metrics['wall_seconds']:.1f}s", flush=True)
    return None


_CONTEXTS: dict = {}


def _context_key(plan: Plan) -> tuple:
    return plan.out_root, plan.data_source, plan.val_per_class, plan.dataset_sha256


def share_context(plan: Plan, ctx) -> None:
    """Let jobs run in this process use a context the driver already built (no second dataset load)."""
    _CONTEXTS[_context_key(plan)] = ctx


def _context(plan: Plan):
    """The dataset and artifact cache of a plan, loaded once per worker process."""
    key = _context_key(plan)
    if key not in _CONTEXTS:
        from cgan_study import data as D
        from cgan_study.study.stages import Context

        dataset = D.load(plan.data_source, val_per_class=plan.val_per_class, seed=0)
        if dataset.sha256 != plan.dataset_sha256:
            raise RuntimeError(f"this worker reads a different dataset from {plan.data_source} (sha256 "
                               f"{dataset.sha256[:12]}... instead of {plan.dataset_sha256[:12]}...); every "
                               f"worker needs the same file at the same path")
        _CONTEXTS[key] = Context(dataset, plan.out_root)
    return _CONTEXTS[key]


def run_job(plan: Plan, job: Job) -> Outcome:
    """Worker entry point: build one artifact or run one point. The job's own errors come back as an Outcome."""
    try:
        ctx = _context(plan)
        exp = C.from_dict(job.experiment)
    except Exception as exc:
        print(f"{job.label}: FAILED: {_one_line(exc)}", flush=True)
        return Outcome(False, _one_line(exc))
    if job.artifact is not None:
        from cgan_study.study.stages import Artifact

        artifact = Artifact(**job.artifact)
        faults.enter(job.id, ctx.cache.root)
        faults.at("job-start")
        t0 = time.perf_counter()
        try:
            if not artifact.is_built(exp, ctx):
                print(f"{job.label}: building", flush=True)
                faults.at("run-started")
            artifact.build(exp, ctx)
        except Exception as exc:
            print(f"{job.label}: FAILED: {_one_line(exc)}", flush=True)
            return Outcome(False, _one_line(exc))
        print(f"{job.label}: ready in {time.perf_counter() - t0:.1f}s", flush=True)
        return Outcome(True)

    from cgan_study.study.tasks import TASKS

    def work(run_dir: Path) -> dict:
        faults.at("run-started")
        return TASKS[plan.task](exp, ctx, run_dir)

    faults.enter(job.run, plan.sweep_dir)
    faults.at("job-start")
    reason = execute(results.Run(plan.sweep_dir / job.run), job.label, job.record, work, task=plan.task)
    if reason is None:
        faults.at("run-done")
    return Outcome(reason is None, reason)


# --------------------------------------------------------------------------- planning (driver)

def plan_jobs(task: str, runs: list[tuple[str, dict, C.Experiment]], records: list[dict], ctx,
              sweep_dir: Path) -> list[Job]:
    """Artifact jobs (each distinct missing artifact once) followed by one job per run, depending on them."""
    from cgan_study.study.tasks import NEEDS

    artifacts: dict[str, Job] = {}
    run_jobs = []
    for i, ((name, _, exp), record) in enumerate(zip(runs, records), start=1):
        deps = []
        if not results.Run(sweep_dir / name).is_done():  # a finished run needs nothing rebuilt
            for artifact in NEEDS[task](exp, ctx):
                if artifact.is_built(exp, ctx):
                    continue
                job_id = f"{artifact.kind}/{artifact.path(exp, ctx).name}"
                artifacts.setdefault(job_id, Job(job_id, f"[{job_id}]", C.to_dict(exp),
                                                 artifact=dataclasses.asdict(artifact)))
                deps.append(job_id)
        run_jobs.append(Job(f"run/{name}", f"[{i}/{len(runs)}] {name}", C.to_dict(exp), run=name, record=record,
                            deps=tuple(dict.fromkeys(deps))))
    return list(artifacts.values()) + run_jobs


def _record_failure(plan: Plan, job: Job, reason: str) -> Outcome:
    """Mark a run that never finished as failed (so summary.csv shows why), unless it did finish after all."""
    if job.run is None:
        return Outcome(False, reason)
    run = results.Run(plan.sweep_dir / job.run)
    if run.is_done():  # its worker died after writing DONE
        return Outcome(True)
    with run.lock() as acquired:
        if acquired:  # config.json first, so that the failed run has its row in summary.csv
            try:
                run.start(job.record)
            except results.ResumeError:
                pass
        # Without the lock, a worker of a broken pool may still be dying with it; FAILED is right either way:
        # should that run still finish, its DONE wins in summary.csv.
        if run.dir.joinpath(results.CONFIG).exists() and not run.is_done():
            run.fail(reason)
    print(f"{job.label}: FAILED: {reason}", flush=True)
    return Outcome(False, reason)


def stop_on_sigterm() -> None:
    """Make SIGTERM (kill, a batch system's stop) raise SystemExit like Ctrl-C raises KeyboardInterrupt, so that
    schedule() stops its workers instead of the runner dying alone and leaving them orphaned. Main thread only."""
    def _raise(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)


def schedule(plan: Plan, jobs: list[Job], backend, retries: int = DEFAULT_RETRIES) -> dict[str, Outcome]:
    """Submit each job once its dependencies succeeded; a dead worker's job is retried up to `retries` times."""
    outcomes: dict[str, Outcome] = {}
    attempts: dict[str, int] = {}
    pending, inflight = list(jobs), {}
    try:
        while pending or inflight:
            for job in list(pending):  # whatever needs a failed artifact fails without running
                failed = next((d for d in job.deps if d in outcomes and not outcomes[d].ok), None)
                if failed:
                    pending.remove(job)
                    outcomes[job.id] = _record_failure(plan, job, f"needs {failed}, which failed: "
                                                                  f"{outcomes[failed].reason}")
            for job in [j for j in pending if all(d in outcomes for d in j.deps)]:
                if len(inflight) >= backend.capacity:
                    break
                pending.remove(job)
                attempts[job.id] = attempts.get(job.id, 0) + 1
                inflight[backend.submit(plan, job)] = job
            if not inflight:
                break
            for handle, outcome in backend.wait(list(inflight)):
                job = inflight.pop(handle)
                if outcome.crashed and attempts[job.id] <= retries:
                    print(f"{job.label}: worker died ({outcome.reason}); retry {attempts[job.id]} of {retries}",
                          flush=True)
                    pending.insert(0, job)
                elif outcome.crashed:
                    outcomes[job.id] = _record_failure(
                        plan, job, f"worker died on all {attempts[job.id]} attempts ({outcome.reason})")
                else:
                    outcomes[job.id] = outcome
    except BaseException:  # Ctrl-C, SIGTERM (see stop_on_sigterm) or a bug: stop the workers, not wait for them
        backend.close(abort=True)
        raise
    backend.close()
    return outcomes


# --------------------------------------------------------------------------- backends

def thread_env(cpus: int | None) -> dict[str, str]:
    """Pin TensorFlow's thread pools to a worker's CPU share, so parallel workers do not oversubscribe cores."""
    if not cpus:
        return {}
    return {"TF_NUM_INTRAOP_THREADS": str(cpus), "TF_NUM_INTEROP_THREADS": str(cpus), "OMP_NUM_THREADS": str(cpus)}


class SerialBackend:
    """In this process, one job at a time: loaded models and data are shared by every run."""
    capacity = 1

    def __init__(self):
        self._done: dict[int, Outcome] = {}
        self._ids = itertools.count()

    def submit(self, plan: Plan, job: Job) -> int:
        handle = next(self._ids)
        self._done[handle] = run_job(plan, job)
        return handle

    def wait(self, handles):
        return [(h, self._done.pop(h)) for h in handles]

    def close(self, abort: bool = False) -> None:
        pass


def _init_worker(env: dict[str, str]) -> None:
    os.environ.update(env)


class ProcessBackend:
    """N worker processes on this machine (spawned: TensorFlow is not fork-safe)."""

    def __init__(self, jobs: int, cpus_per_job: int | None):
        self.capacity = jobs
        self._env = thread_env(cpus_per_job)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._owner: dict[cf.Future, cf.ProcessPoolExecutor] = {}

    def submit(self, plan: Plan, job: Job) -> cf.Future:
        if self._pool is None:  # first use, or the last pool broke when a worker died
            self._pool = cf.ProcessPoolExecutor(self.capacity, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_init_worker, initargs=(self._env,))
        future = self._pool.submit(run_job, plan, job)
        self._owner[future] = self._pool
        return future

    def wait(self, handles):
        done, _ = cf.wait(handles, return_when=cf.FIRST_COMPLETED)
        out = []
        for future in done:
            pool = self._owner.pop(future)
            try:
                out.append((future, future.result()))
            except BrokenProcessPool:
                # One dead worker breaks the whole pool: every job in it is retried in a fresh pool.
                if pool is self._pool:
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
                out.append((future, Outcome(False, "a worker process died", crashed=True)))
            except Exception as exc:
                out.append((future, Outcome(False, _one_line(exc))))
        return out

    def close(self, abort: bool = False) -> None:
        if self._pool is None:
            return
        # shutdown() lets a running job finish: on abort the workers themselves are stopped, so that a stopped
        # sweep leaves no process computing into (and holding locks in) its results directory.
        # The pool's workers are this process's only multiprocessing children (public API, unlike the pool's
        # private process table).
        workers = multiprocessing.active_children() if abort else []
        self._pool.shutdown(wait=not abort, cancel_futures=abort)
        for process in workers:
            process.terminate()
        for process in workers:
            process.join(timeout=30)


class RayBackend:
    """Each job a Ray task with declared CPU/GPU needs; Ray queues them, so everything ready is submitted."""
    capacity = 1 << 30

    def __init__(self, address: str | None, cpus_per_job: int, gpus_per_job: float):
        import ray

        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            env = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_ENV)}
            kwargs = {"runtime_env": {"env_vars": {**env, **thread_env(cpus_per_job)}}, "log_to_driver": True}
            if address is None:  # a private local instance, even if a cluster runs on this machine
                kwargs.update(include_dashboard=False)
                # Ray starts workers at nice 15; a sweep's own workers should not yield to every other
                # process on the machine (the serial executor does not).
                os.environ.setdefault("RAY_worker_niceness", "0")
            try:
                ray.init(address=address or "local", **kwargs)
            except (ConnectionError, RuntimeError) as exc:
                raise ExecutorError(f"cannot join the Ray cluster at {address or 'a new local instance'} "
                                    f"({_one_line(exc)}); start one with 'ray start --head' and pass its "
                                    f"address, or leave out --address for a local Ray") from None
        # Retries are the scheduler's (the same rule for every executor), so Ray's own are off.
        self._remote = ray.remote(num_cpus=cpus_per_job, num_gpus=gpus_per_job, max_retries=0)(run_job)

    def submit(self, plan: Plan, job: Job):
        return self._remote.remote(plan, job)

    def wait(self, handles):
        ray = self._ray
        ready, _ = ray.wait(handles, num_returns=1)
        out = []
        for ref in ready:
            try:
                out.append((ref, ray.get(ref)))
            except ray.exceptions.RayTaskError as exc:  # run_job itself raised: a bug, not a dead worker
                out.append((ref, Outcome(False, _one_line(exc))))
            except ray.exceptions.RayError as exc:      # worker or node died, object lost, ...
                out.append((ref, Outcome(False, type(exc).__name__, crashed=True)))
        return out

    def close(self, abort: bool = False) -> None:
        if self._started:  # a driver's unfinished tasks are cancelled when it disconnects
            self._ray.shutdown()


def make_backend(executor: str, jobs: int = 1, address: str | None = None, cpus_per_job: int | None = None,
                 gpus_per_job: float = 0):
    if executor == "ray":
        return RayBackend(address, cpus_per_job or 1, gpus_per_job)
    if jobs > 1:
        return ProcessBackend(jobs, cpus_per_job or max(1, (os.cpu_count() or 1) // jobs))
    return SerialBackend()
