"""Read-only: rules change on the Performance page (audited), the rest is written by the
flushers, the beat sample and the alert evaluation."""

from django.contrib import admin

from config.admin_readonly import ReadOnlyAdmin

from .models import AlertEvent, AlertRule, MetricMinute


@admin.register(AlertRule)
class AlertRuleAdmin(ReadOnlyAdmin):
    list_display = ("key", "threshold", "enabled", "firing", "last_value", "last_checked_at")
    list_filter = ("enabled", "firing")


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyAdmin):
    list_display = ("rule", "value", "threshold", "fired_at", "resolved_at")
    list_filter = ("rule",)
    date_hierarchy = "fired_at"


@admin.register(MetricMinute)
class MetricMinuteAdmin(ReadOnlyAdmin):
    list_display = ("minute", "kind", "process", "metric", "labels", "value")
    list_filter = ("kind", "metric")
    search_fields = ("metric", "process")
    date_hierarchy = "minute"
