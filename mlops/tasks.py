"""Celery entry points of ML training, all on the `ml` queue (settings.CELERY_TASK_ROUTES routes
`mlops.tasks.*` there): only the worker-ml service (or the embedded worker) runs them, never a
worker that places orders."""

from __future__ import annotations

from django.conf import settings

from config.tasks import house_task
from mlops.services.run import training_job_run, training_jobs_sweep
from mlops.services.schedules import schedule_run


@house_task(
    soft_time_limit=settings.ML_TRAINING_SOFT_TIME_LIMIT,
    time_limit=settings.ML_TRAINING_TIME_LIMIT,
    # A worker that dies mid-training has its message delivered again; the job is claimed again
    # only once past the hard limit (mlops/services/run.py), so a copy never trains twice at once.
)
def train_model(*, job_id: str) -> None:
    # Run in the caller (eager: tests), it must not lower the caller's priority.
    training_job_run(job_id=job_id, lower_priority=not train_model.request.is_eager)


@house_task(expires=6 * 3600)
def run_retraining_schedule(*, schedule_id: int) -> None:
    schedule_run(schedule_id=schedule_id)


@house_task(expires=540)
def sweep_training_jobs() -> None:
    training_jobs_sweep()
