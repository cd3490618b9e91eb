"""Backups of the database and the files that matter (issue 21).

A Backup row is created before the work starts (status running) and records how far it got, where
the archive is, and whether a scratch restore of it passed. Retention deletes old files but keeps
the row as history (pruned_at).
"""

from __future__ import annotations

import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["Backup", "BackupSchedule"]


class Backup(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        MANUAL = "manual", "Manual"
        CLI = "cli", "Command line"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Verify(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=16, choices=Trigger)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.RUNNING)
    progress = models.PositiveSmallIntegerField(default=0)  # 0..100
    step = models.CharField(max_length=200, blank=True)  # what it is doing now, for the progress bar
    file_name = models.CharField(max_length=255, blank=True)  # name inside BACKUP_DIR
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the file as stored (after encryption)
    encrypted = models.BooleanField(default=False)
    remote_key = models.CharField(max_length=500, blank=True)  # S3 key once uploaded
    verify_status = models.CharField(max_length=16, choices=Verify, default=Verify.PENDING)
    verified_at = models.DateTimeField(null=True, blank=True)
    verify_detail = models.TextField(blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    pruned_at = models.DateTimeField(null=True, blank=True)  # file deleted by retention; row kept

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Backup {self.created_at:%Y-%m-%d %H:%M} ({self.status})"


class BackupSchedule(models.Model):
    """One row (pk=1): when the nightly backup runs and whether it is verified afterwards."""

    enabled = models.BooleanField(default=True)
    time_of_day = models.TimeField(default=time(3, 0))  # UTC
    verify_after = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Backups {'on' if self.enabled else 'off'} at {self.time_of_day:%H:%M} UTC"

    @classmethod
    def get(cls) -> BackupSchedule:
        row, _ = cls.objects.get_or_create(pk=1)
        return row
