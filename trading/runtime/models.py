"""The per-user trading service: whether it runs, its heartbeat, and the history of its tasks.

A user's service runs from the moment it is first looked at (a new account trades as soon as it
is set up); the user stops and starts it. Stopped: no new entries, no queue promotion, no
scheduled strategy tasks; fills and take-profits of open positions are still watched."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["ServiceStatus", "ServiceTaskExecution", "TaskOutcome"]


class ServiceStatus(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="trading_service"
    )
    running = models.BooleanField(default=True)
    started_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat = models.DateTimeField(null=True, blank=True)
    last_task_execution = models.DateTimeField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    # The daily realized-loss circuit breaker counts losses realized after this moment (a manual
    # reset); the start of the UTC day otherwise.
    loss_breaker_reset_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "trading service status"
        verbose_name_plural = "trading service statuses"

    def __str__(self) -> str:
        return f"Trading service of {self.user} ({'running' if self.running else 'stopped'})"


class TaskOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class ServiceTaskExecution(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_task_executions"
    )
    task_name = models.CharField(max_length=100)
    started_at = models.DateTimeField(default=timezone.now)
    duration_seconds = models.FloatField(default=0.0)
    status = models.CharField(max_length=8, choices=TaskOutcome.choices, default=TaskOutcome.SUCCESS)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-started_at",)
        verbose_name = "service task execution"
        indexes: ClassVar = [models.Index(fields=["user", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.task_name} {self.status} at {self.started_at:%Y-%m-%d %H:%M:%S}"
