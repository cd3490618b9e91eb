"""A job's progress and log, saved on its row and sent to every admin's browser as `ml.job.updated`
(a scheduled job has no creator, and any admin may be watching the ML page)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import Role, User
from mlops.models import TrainingJob
from notifications.events import ML_JOB_UPDATED, publish

LOG_KEEP = 500  # lines kept on the job (the newest)


def log_line(job: TrainingJob, message: str, *, level: str = "info") -> dict[str, Any]:
    """Append one line to the job's log (not saved: the caller saves with its other changes)."""
    line = {"at": timezone.now().isoformat(), "level": level, "message": message}
    job.log = [*(job.log or []), line][-LOG_KEEP:]
    return line


def job_event(job: TrainingJob) -> dict[str, Any]:
    """What the browser receives: enough to move the progress bar and show the newest line."""
    last = (job.log or [None])[-1]
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "log": last,
        "error": job.error,
        "model_type": job.model_type,
    }


def job_publish(job: TrainingJob) -> None:
    event = job_event(job)
    admins = set(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))
    if job.created_by_id is not None:
        admins.add(job.created_by_id)
    for admin_id in admins:
        publish(admin_id, ML_JOB_UPDATED, event)


def job_step(
    job: TrainingJob, *, progress: int | None = None, message: str = "", level: str = "info", **fields: Any
) -> None:
    """Record a step of the job: its progress (0-100, never backwards), a log line and any other
    fields; save them and tell the job's creator."""
    changed = set(fields)
    for name, value in fields.items():
        setattr(job, name, value)
    if progress is not None:
        job.progress = max(job.progress, min(100, max(0, int(progress))))
        changed.add("progress")
    if message:
        log_line(job, message, level=level)
        changed.add("log")
    if changed:
        job.save(update_fields=sorted(changed))
    job_publish(job)
