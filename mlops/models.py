"""ML training jobs and the model registry (issue 18).

A job trains one model on the workers' `ml` queue; a model is the job's artifact, registered with
its SHA-256 and loaded only when the file still matches it. One model per type is active at a
time: the one the strategy consults for traders who opted in.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

__all__ = ["Algorithm", "JobStatus", "MLModel", "ModelType", "RetrainingSchedule", "TrainingJob"]


class ModelType(models.TextChoices):
    VERDICT_CLASSIFIER = "verdict_classifier", "Verdict classifier"
    PRICE_REGRESSOR = "price_regressor", "Price regressor"


class Algorithm(models.TextChoices):
    RANDOM_FOREST = "random_forest", "Random forest"
    XGBOOST = "xgboost", "XGBoost"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


DONE_JOB_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class TrainingJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    schedule = models.ForeignKey(
        "mlops.RetrainingSchedule", on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    model_type = models.CharField(max_length=24, choices=ModelType.choices)
    algorithm = models.CharField(max_length=24, choices=Algorithm.choices, default=Algorithm.RANDOM_FOREST)
    data_source = models.CharField(max_length=32, help_text="Candle source of the shared market data")
    symbols = models.JSONField(default=list, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100")
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True, default="")
    metrics = models.JSONField(default=dict, blank=True)
    log = models.JSONField(default=list, blank=True, help_text="[{at, level, message}], the last 500")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.model_type} {self.algorithm} job {self.pk} ({self.status})"


class MLModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    model_type = models.CharField(max_length=24, choices=ModelType.choices)
    version = models.PositiveIntegerField()
    algorithm = models.CharField(max_length=24, choices=Algorithm.choices)
    job = models.OneToOneField(TrainingJob, on_delete=models.PROTECT, related_name="model")
    metrics = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=list, help_text="Feature names, in the order the model reads them")
    schema_version = models.PositiveSmallIntegerField(default=1)
    artifact_path = models.CharField(max_length=255, help_text="Relative to ML_ARTIFACTS_DIR")
    artifact_sha256 = models.CharField(max_length=64)
    is_active = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = "ML model"
        ordering = ("model_type", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["model_type", "version"], name="mlops_model_unique_version"),
            models.UniqueConstraint(
                fields=["model_type"], condition=Q(is_active=True), name="mlops_model_one_active_per_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_type} v{self.version}{' (active)' if self.is_active else ''}"


class RetrainingSchedule(models.Model):
    """An admin's scheduled retraining: a django-celery-beat row sends it; it trains, and
    activates only when `auto_activate` is on and the metric reaches its floor."""

    name = models.CharField(max_length=64, unique=True)
    model_type = models.CharField(max_length=24, choices=ModelType.choices)
    algorithm = models.CharField(max_length=24, choices=Algorithm.choices, default=Algorithm.RANDOM_FOREST)
    data_source = models.CharField(max_length=32)
    symbols = models.JSONField(default=list, blank=True)
    window_days = models.PositiveIntegerField(default=730)
    params = models.JSONField(default=dict, blank=True)
    cron = models.CharField(max_length=64, default="0 18 * * 5", help_text="In `timezone`")
    timezone = models.CharField(max_length=64, default="Asia/Kolkata")
    auto_activate = models.BooleanField(default=False)
    metric = models.CharField(max_length=32, default="accuracy")
    metric_floor = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"retraining {self.name} ({self.cron} {self.timezone})"
