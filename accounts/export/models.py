"""A user's export of their own data: one background job per request, one file when it is done."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["DataExport", "ExportFormat", "ExportStatus"]


class ExportFormat(models.TextChoices):
    JSON = "json", "JSON"
    CSV = "csv", "CSV (zip)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # Its download link ran out and the file was deleted (accounts.export.tasks.delete_expired_exports).
    EXPIRED = "expired", "Expired"


class DataExport(models.Model):
    ACTIVE: ClassVar[tuple[str, ...]] = (ExportStatus.QUEUED, ExportStatus.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    # What the job is writing now, e.g. "trading.Fill", for the progress bar's caption.
    step = models.CharField(max_length=120, blank=True, default="")
    # Relative to DATA_EXPORT_DIR: `<owner id>/<export id>.json|.zip`; empty until written.
    file_name = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The download link works until then; the file is deleted after it.
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        app_label = "accounts"
        ordering = ("-created_at",)
        indexes: ClassVar = [models.Index(fields=["owner", "-created_at"])]
        constraints: ClassVar = [
            # One export of each format at a time per user: a second request returns the first.
            models.UniqueConstraint(
                fields=["owner", "format"],
                condition=models.Q(status__in=["queued", "running"]),
                name="accounts_dataexport_one_active_per_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.format} export of {self.owner_id} ({self.status})"

    @property
    def file_extension(self) -> str:
        return "zip" if self.format == ExportFormat.CSV else "json"
