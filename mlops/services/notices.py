"""The admins' notifications of a training job's end: `ml_job_finished` when it registered a model,
`ml_job_failed` with the reason when it failed (refused, past the time limit, broke, or its worker
was lost). A cancelled job tells nobody: an admin asked for it, and the job page says so. The
link opens the job on the ML page (`/manage/ml?job=<id>`, frontend/src/features/ml/MlPanel.tsx)."""

from __future__ import annotations

import logging
from typing import Any

from auditlog.log_handler import redact_text
from mlops.models import JobStatus, TrainingJob
from notifications.services.notify import notify_admins

logger = logging.getLogger(__name__)


def job_link(job: TrainingJob) -> str:
    return f"/manage/ml?job={job.pk}"


def _label(job: TrainingJob) -> str:
    label = f"{job.get_model_type_display()}, {job.get_algorithm_display()}"
    return f"{label}, schedule {job.schedule.name}" if job.schedule_id and job.schedule else label


def job_ended_notify(job: TrainingJob, *, summary: str = "") -> None:
    """Tell every admin how the job ended (its status decides); `summary` is the success's
    headline. Never raises: the job's own record is what matters."""
    try:
        data: dict[str, Any] = {"job_id": str(job.pk), "status": job.status}
        if job.status == JobStatus.SUCCEEDED:
            model = getattr(job, "model", None)
            if model is not None:
                data["model_id"] = str(model.pk)
            notify_admins(
                "ml_job_finished",
                title=f"ML job finished: {_label(job)}",
                message=summary or "Trained and registered.",
                link=job_link(job),
                data=data,
            )
        elif job.status == JobStatus.FAILED:
            notify_admins(
                "ml_job_failed",
                title=f"ML job failed: {_label(job)}",
                message=redact_text(job.error) or "The job failed; its log says where.",
                link=job_link(job),
                data=data,
            )
    except Exception:
        logger.exception("could not notify the admins of ML job %s", job.pk)
