"""Rolled-up performance samples (one row per process, minute, metric and label set) and the
admin's alert rules with the events they raised."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class ProcessKind(models.TextChoices):
    WEB = "web", "Web"
    WORKER = "worker", "Worker"
    # Rows the beat tasks sample for the whole platform (queue depths, service heartbeats).
    BEAT = "beat", "Sampler"


class MetricMinute(models.Model):
    """What one process saw of one metric in one minute.

    Counters: `value` is the increase. Histograms: `value` is the number of observations,
    `total` their sum, `buckets` the per-bucket increase of the cumulative counts
    ({"0.005": 3, ..., "+Inf": 9}). Gauges: `value` is the reading (a process flushing several
    times a minute writes several rows; readers average them per process)."""

    minute = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=ProcessKind.choices)
    process = models.CharField(max_length=80, help_text="host:pid of the process that wrote it")
    metric = models.CharField(max_length=80)
    labels = models.TextField(blank=True, default="", help_text="the label set as compact JSON, keys sorted")
    value = models.FloatField(default=0.0)
    total = models.FloatField(null=True, blank=True)
    buckets = models.JSONField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["metric", "minute"]), models.Index(fields=["minute"])]

    def __str__(self) -> str:
        return f"{self.metric}{{{self.labels}}} @ {self.minute:%Y-%m-%d %H:%M} ({self.process})"


class AlertRule(models.Model):
    key = models.CharField(max_length=40, primary_key=True)
    threshold = models.DecimalField(max_digits=14, decimal_places=2)
    enabled = models.BooleanField(default=True)
    firing = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("key",)

    def __str__(self) -> str:
        return f"{self.key} > {self.threshold} ({'on' if self.enabled else 'off'})"


class AlertEvent(models.Model):
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    threshold = models.DecimalField(max_digits=14, decimal_places=2)
    fired_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-fired_at", "-id")
        constraints: ClassVar = [
            # At most one open event per rule: a rule fires once until it resolves.
            models.UniqueConstraint(
                fields=["rule"],
                condition=models.Q(resolved_at__isnull=True),
                name="monitoring_one_open_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.value} at {self.fired_at:%Y-%m-%d %H:%M}"
