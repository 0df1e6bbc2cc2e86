"""A sweep's jobs as the study defines them: which artifacts a run needs (planned once each, before the runs), the
worker that builds an artifact or runs a point (handed to the runtime's executor), and the config sections a run
does not read."""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from cgan_study import config as C
from cgan_study.runtime import faults, results
from cgan_study.runtime.executor import Job, Outcome, Plan, execute, one_line

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
    if experiment.get("augment", {}).get("strategy") == "ssl_gan":
        used.add("ssl_gan")   # the SSL-GAN arm's classifier is the family's discriminator
    sections = {entry.section for entry in REGISTRY.values()} | {"guide"}
    if experiment.get("augment", {}).get("protocol") != "semi_supervised":
        sections.add("fixmatch")   # the FixMatch baseline's budget: read only under the semi-supervised protocol
    return tuple(sorted((sections - used) | set(UNUSED_BY_TASK.get(task, ()))))


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
        print(f"{job.label}: FAILED: {one_line(exc)}", flush=True)
        return Outcome(False, one_line(exc))
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
            print(f"{job.label}: FAILED: {one_line(exc)}", flush=True)
            return Outcome(False, one_line(exc))
        print(f"{job.label}: ready in {time.perf_counter() - t0:.1f}s", flush=True)
        return Outcome(True)

    from cgan_study.study.stages import intra_op_threads
    from cgan_study.study.tasks import TASKS

    def work(run_dir: Path) -> dict:
        faults.at("run-started")
        # TensorFlow's float reductions follow its intra-op thread count (--jobs N gives each worker cpus/N): the
        # same config and seed at 1 and 2 threads gave a k = 10 classifier 86.46% and 87.66%. Recorded per run.
        return {**TASKS[plan.task](exp, ctx, run_dir), "tf_intra_op_threads": intra_op_threads()}

    faults.enter(job.run, plan.sweep_dir)
    faults.at("job-start")
    ignore = unused_sections(job.record.get("experiment", {}), plan.task)
    reason = execute(results.Run(plan.sweep_dir / job.run), job.label, job.record, work, ignore=ignore)
    if reason is None:
        faults.at("run-done")
    return Outcome(reason is None, reason)


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


