"""Service logs (what the platform did, per user) and error logs (what failed, to be resolved).

Both are written by code, never by hand: `ServiceLog` by the logging handler in
`auditlog/log_handler.py`, `ErrorLog` by `auditlog.services_logs.capture_error` (called from the
Celery `task_failure` and Django `got_request_exception` signals, see `signals_logs.py`).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["ErrorLog", "LogCategory", "LogLevel", "ServiceLog"]


class LogLevel(models.TextChoices):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class LogCategory(models.TextChoices):
    SECURITY = "SECURITY"
    TRADING = "TRADING"
    SYSTEM = "SYSTEM"
    RISK = "RISK"
    API = "API"


class ServiceLog(models.Model):
    # Empty for system entries, which only admins see.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=16, choices=LogLevel.choices)
    category = models.CharField(max_length=16, choices=LogCategory.choices, default=LogCategory.SYSTEM)
    # The logger's name, e.g. `tradefleet.tasks`.
    module = models.CharField(max_length=200, blank=True, default="")
    message = models.TextField()
    context = models.JSONField(default=dict, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-timestamp", "-id")
        indexes: ClassVar = [
            models.Index(fields=["user", "-timestamp"]),
            models.Index(fields=["category", "-timestamp"]),
            models.Index(fields=["level", "-timestamp"]),
            # Retention and "delete older than N days" scan by time alone.
            models.Index(fields=["timestamp"]),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.level} {self.category} {self.message[:60]}"


class ErrorLog(models.Model):
    # Whose task or request failed; empty when nobody's (a system task, an anonymous request).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    error_type = models.CharField(max_length=200)
    message = models.TextField(blank=True, default="")
    traceback = models.TextField(blank=True, default="")
    # Where it happened (task name and id, or method and path) and a snapshot of the configuration.
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The same failure again (same cause, same user, unresolved, within ERROR_LOG_MERGE_SECONDS
    # of the last one) counts on this row instead of adding one: `created_at` is the first time,
    # `last_seen_at` the latest. `cause` is a digest of the exception type and where it was raised.
    cause = models.CharField(max_length=64, blank=True, default="")
    count = models.PositiveIntegerField(default=1)
    last_seen_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_notes = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["resolved", "-created_at"]),
            models.Index(fields=["cause", "-last_seen_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.error_type}: {self.message[:60]}"
