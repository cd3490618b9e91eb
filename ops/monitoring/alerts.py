"""Alerts on the rolled-up metrics, with thresholds the admins set (AlertRule rows).

`alerts_evaluate` runs every minute (beat): a rule whose measure crosses its threshold fires once
(an AlertEvent and a notification to every admin), stays quiet while it keeps firing, and
resolves when the measure is back at or under the threshold (a second notification)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction
from django.http import HttpRequest

from .models import AlertEvent, AlertRule
from .quantiles import bucket_add, histogram_quantile
from .readings import readings
from .selectors import HTTP, ORDERS, QUEUE_DEPTH, failure_rate, order_counts

logger = logging.getLogger(__name__)

FIRED, RESOLVED = "performance_alert", "performance_alert_resolved"
API_P99_MINUTES = 5
FAILURE_RATE_MINUTES = 15
QUEUE_SAMPLE_MINUTES = 5
BACKUP_WITHIN = timedelta(hours=26)
MIN_ORDERS_FOR_RATE = 5  # one failed order of two is no trend


@dataclass(frozen=True)
class RuleSpec:
    key: str
    title: str
    unit: str
    default: Decimal
    measure: Callable[[datetime], Decimal | None]
    threshold_used: bool = True


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def queue_depth_now(now: datetime) -> Decimal | None:
    """The deepest Celery queue at its latest sample (within the last few minutes)."""
    rows = readings(
        [QUEUE_DEPTH], start=now - timedelta(minutes=QUEUE_SAMPLE_MINUTES), end=now + timedelta(minutes=1)
    )
    if not rows:
        return None
    latest = max(r.minute for r in rows)
    return _decimal(max(r.value for r in rows if r.minute == latest))


def api_p99_now(now: datetime) -> Decimal | None:
    rows = readings([HTTP], start=now - timedelta(minutes=API_P99_MINUTES), end=now + timedelta(minutes=1))
    buckets: dict[str, float] = {}
    for row in rows:
        if row.labels.get("route", "").startswith("/api/"):
            bucket_add(buckets, row.buckets or {})
    p99 = histogram_quantile(0.99, buckets) if buckets else None
    return _decimal(None if p99 is None else p99 * 1000)


def order_failure_rate_now(now: datetime) -> Decimal | None:
    rows = readings(
        [ORDERS], start=now - timedelta(minutes=FAILURE_RATE_MINUTES), end=now + timedelta(minutes=1)
    )
    placed = sum(c["placed"] for c in order_counts(rows).values())
    failed = sum(c["failed"] for c in order_counts(rows).values())
    if placed + failed < MIN_ORDERS_FOR_RATE:
        return None
    return _decimal(failure_rate(placed, failed))


def heartbeat_missing_now(now: datetime) -> Decimal | None:
    """Minutes since the stalest heartbeat of a running user service (its start if none yet)."""
    status = apps.get_model("trading", "ServiceStatus")  # by name: ops must not import trading
    oldest: datetime | None = None
    for beat, started in status.objects.filter(running=True).values_list("last_heartbeat", "started_at"):
        seen = beat or started
        oldest = seen if oldest is None or seen < oldest else oldest
    if oldest is None:
        return None
    return _decimal(max(0.0, (now - oldest).total_seconds() / 60))


def backup_failed_now(now: datetime) -> Decimal | None:
    """1 when the newest finished backup failed, or none succeeded within 26 h; else 0."""
    backup = apps.get_model("backups", "Backup")
    newest = (
        backup.objects.exclude(status="running")
        .order_by("-created_at")
        .values_list("status", flat=True)
        .first()
    )
    if newest == "failed":
        return Decimal(1)
    recent_success = backup.objects.filter(status="succeeded", created_at__gte=now - BACKUP_WITHIN).exists()
    if recent_success:
        return Decimal(0)
    # A new installation has had no day to back up yet: say nothing until the rule is a day old.
    created = AlertRule.objects.filter(key="backup_failed").values_list("created_at", flat=True).first()
    if created is not None and now - created < BACKUP_WITHIN and newest is None:
        return Decimal(0)
    return Decimal(1)


RULES: dict[str, RuleSpec] = {
    spec.key: spec
    for spec in (
        RuleSpec("queue_depth", "Queue depth", "tasks", Decimal(500), queue_depth_now),
        RuleSpec("api_p99", "API p99 latency", "ms", Decimal(2000), api_p99_now),
        RuleSpec("order_failure_rate", "Order failure rate", "%", Decimal(20), order_failure_rate_now),
        RuleSpec(
            "heartbeat_missing", "Service heartbeat missing", "minutes", Decimal(5), heartbeat_missing_now
        ),
        RuleSpec("backup_failed", "Backup failed", "", Decimal(0), backup_failed_now, threshold_used=False),
    )
}


def alert_rules_ensure() -> None:
    """The rules' rows with their default thresholds, where missing (the migration creates them;
    a database restored or emptied since must not lose its alerts)."""
    if AlertRule.objects.count() >= len(RULES):
        return
    for spec in RULES.values():
        AlertRule.objects.get_or_create(key=spec.key, defaults={"threshold": spec.default})


def _crossed(spec: RuleSpec, rule: AlertRule, value: Decimal | None) -> bool:
    if not rule.enabled or value is None:
        return False
    return value > 0 if not spec.threshold_used else value > rule.threshold


def _tell_admins(kind: str, spec: RuleSpec, rule: AlertRule, value: Decimal | None) -> None:
    # Imported here: notifications imports auditlog, which loads early.
    from notifications.services.notify import notify_admins

    shown = f"{value} {spec.unit}".strip() if value is not None else "no data"
    limit = f" (threshold {rule.threshold} {spec.unit})".rstrip() if spec.threshold_used else ""
    if kind == FIRED:
        title, message = f"Alert: {spec.title}", f"{spec.title} is {shown}{limit}."
    else:
        title, message = f"Resolved: {spec.title}", f"{spec.title} is back to {shown}{limit}."
    notify_admins(
        kind,
        title=title,
        message=message,
        link="/manage/performance",
        data={
            "rule": rule.key,
            "value": str(value) if value is not None else None,
            "threshold": str(rule.threshold),
        },
    )


def alert_evaluate(*, key: str, now: datetime) -> AlertRule | None:
    """Check one rule; fire or resolve it. Locked, so two beats at once fire it once."""
    spec = RULES.get(key)
    if spec is None:
        return None
    value = spec.measure(now)
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().filter(key=key).first()
        if rule is None:
            return None
        firing = _crossed(spec, rule, value)
        if firing and not rule.firing:
            AlertEvent.objects.create(
                rule=rule, value=value or Decimal(0), threshold=rule.threshold, fired_at=now
            )
            _tell_admins(FIRED, spec, rule, value)
            logger.warning("alert fired: %s = %s", key, value, extra={"category": "SYSTEM"})
        elif rule.firing and not firing:
            AlertEvent.objects.filter(rule=rule, resolved_at__isnull=True).update(resolved_at=now)
            _tell_admins(RESOLVED, spec, rule, value)
            logger.info("alert resolved: %s = %s", key, value, extra={"category": "SYSTEM"})
        rule.firing, rule.last_value, rule.last_checked_at = firing, value, now
        rule.save(update_fields=["firing", "last_value", "last_checked_at", "updated_at"])
        return rule


def alerts_evaluate(*, now: datetime | None = None) -> list[str]:
    """Every rule, each on its own (one failing measure does not stop the others). Returns the
    keys firing after the check."""
    now = now or datetime.now(tz=UTC)
    alert_rules_ensure()
    firing = []
    for key in RULES:
        try:
            rule = alert_evaluate(key=key, now=now)
        except Exception:
            logger.exception("alert %s could not be evaluated", key, extra={"category": "SYSTEM"})
            continue
        if rule is not None and rule.firing:
            firing.append(key)
    return firing


def alert_rule_update(
    *,
    key: str,
    actor: Any,
    threshold: Decimal | None = None,
    enabled: bool | None = None,
    request: HttpRequest | None = None,
) -> AlertRule:
    """An admin sets a rule's threshold or switches it on or off (audited)."""
    from auditlog.services import record

    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().get(key=key)
        before = {"threshold": str(rule.threshold), "enabled": rule.enabled}
        if threshold is not None:
            rule.threshold = threshold
        if enabled is not None:
            rule.enabled = enabled
        rule.save(update_fields=["threshold", "enabled", "updated_at"])
        after = {"threshold": str(rule.threshold), "enabled": rule.enabled}
        record(
            action="monitoring.alert_rule.update",
            actor=actor,
            resource=rule,
            changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
            request=request,
        )
        return rule
