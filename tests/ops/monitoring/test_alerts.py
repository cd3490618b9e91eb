"""Alert rules: admins set thresholds; a crossing fires once and tells every admin, the way back
resolves and tells them again; traders may neither read nor change the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps

from notifications.models import Notification
from ops.monitoring.alerts import alerts_evaluate
from ops.monitoring.models import AlertEvent, AlertRule, MetricMinute
from ops.monitoring.recorder import labels_key

URL = "/api/v1/admin/alerts"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def queue_sample(depth: int, *, at: datetime = NOW) -> None:
    MetricMinute.objects.create(
        minute=at,
        kind="beat",
        process="beat:1",
        metric="queue_depth",
        labels=labels_key({"queue": "celery"}),
        value=depth,
    )


def test_the_default_rules_exist(admin_api) -> None:
    rules = {r["key"]: r for r in admin_api.get(URL).json()["rules"]}
    assert set(rules) == {
        "queue_depth",
        "api_p99",
        "order_failure_rate",
        "heartbeat_missing",
        "backup_failed",
    }
    assert rules["queue_depth"]["threshold"] == "500"
    assert rules["queue_depth"]["unit"] == "tasks"
    assert rules["api_p99"]["threshold"] == "2000"
    assert rules["order_failure_rate"]["threshold"] == "20"
    assert rules["heartbeat_missing"]["threshold"] == "5"
    assert all(r["enabled"] and not r["firing"] for r in rules.values())


def test_traders_cannot_read_or_change_alerts(api) -> None:
    assert api.get(URL).status_code == 403
    assert api.patch(f"{URL}/queue_depth", {"threshold": "1"}, format="json").status_code == 403
    assert AlertRule.objects.get(key="queue_depth").threshold == Decimal(500)


def test_an_admin_sets_a_threshold(admin_api) -> None:
    response = admin_api.patch(f"{URL}/queue_depth", {"threshold": "250", "enabled": False}, format="json")
    assert response.status_code == 200
    assert response.json()["threshold"] == "250"
    assert response.json()["enabled"] is False
    rule = AlertRule.objects.get(key="queue_depth")
    assert (rule.threshold, rule.enabled) == (Decimal(250), False)


@pytest.mark.parametrize("threshold", ["-1", "abc", ""])
def test_a_bad_threshold_is_a_field_error(admin_api, threshold) -> None:
    response = admin_api.patch(f"{URL}/queue_depth", {"threshold": threshold}, format="json")
    assert response.status_code == 400
    assert "threshold" in response.json()["errors"]


def test_an_unknown_rule_is_404(admin_api) -> None:
    assert admin_api.patch(f"{URL}/nope", {"threshold": "1"}, format="json").status_code == 404


def test_a_deep_queue_fires_once_tells_every_admin_and_resolves(
    admin_user, second_admin, trader, admin_api
) -> None:
    queue_sample(812)
    assert alerts_evaluate(now=NOW) == ["queue_depth"]
    assert alerts_evaluate(now=NOW + timedelta(seconds=30)) == ["queue_depth"]  # still firing: quiet

    fired = Notification.objects.filter(type="performance_alert")
    assert sorted(fired.values_list("user_id", flat=True)) == sorted([admin_user.pk, second_admin.pk])
    assert "812" in fired.first().message
    assert not Notification.objects.filter(user=trader).exists()
    body = admin_api.get(URL).json()
    assert body["events"][0]["rule"] == "queue_depth"
    assert body["events"][0]["value"] == "812"
    assert body["events"][0]["resolved_at"] is None
    rule = next(r for r in body["rules"] if r["key"] == "queue_depth")
    assert rule["firing"] is True
    assert rule["last_value"] == "812"

    queue_sample(12, at=NOW + timedelta(minutes=1))
    assert alerts_evaluate(now=NOW + timedelta(minutes=1)) == []
    assert Notification.objects.filter(type="performance_alert_resolved").count() == 2
    assert Notification.objects.filter(type="performance_alert").count() == 2
    event = AlertEvent.objects.get()
    assert event.resolved_at == NOW + timedelta(minutes=1)


def test_a_disabled_rule_does_not_fire(admin_user) -> None:
    AlertRule.objects.filter(key="queue_depth").update(enabled=False)
    queue_sample(10_000)
    assert alerts_evaluate(now=NOW) == []
    assert not AlertEvent.objects.exists()


def test_a_stale_service_heartbeat_fires(admin_user, trader) -> None:
    status = apps.get_model("trading", "ServiceStatus")
    status.objects.update_or_create(
        user=trader, defaults={"running": True, "last_heartbeat": NOW - timedelta(minutes=9)}
    )
    assert "heartbeat_missing" in alerts_evaluate(now=NOW)
    assert AlertRule.objects.get(key="heartbeat_missing").last_value == Decimal("9.00")

    status.objects.filter(user=trader).update(last_heartbeat=NOW)
    assert "heartbeat_missing" not in alerts_evaluate(now=NOW + timedelta(minutes=1))


def test_slow_api_fires_on_p99(admin_user) -> None:
    MetricMinute.objects.create(
        minute=NOW,
        kind="web",
        process="web:1",
        metric="tradefleet_http_request_duration_seconds",
        labels=labels_key({"method": "GET", "route": "/api/v1/positions"}),
        value=10,
        total=30,
        buckets={"0.1": 0, "1": 0, "2.5": 1, "5": 10, "+Inf": 10},
    )
    assert "api_p99" in alerts_evaluate(now=NOW)
    assert AlertRule.objects.get(key="api_p99").last_value > Decimal(2500)


def test_a_failed_backup_fires_and_a_good_one_resolves(admin_user) -> None:
    backup = apps.get_model("backups", "Backup")
    backup.objects.create(
        trigger="scheduled", status="succeeded", created_at=NOW - timedelta(days=1, hours=1)
    )
    backup.objects.create(trigger="scheduled", status="failed", created_at=NOW - timedelta(hours=1))
    assert "backup_failed" in alerts_evaluate(now=NOW)
    assert Notification.objects.filter(user=admin_user, type="performance_alert").count() == 1

    backup.objects.create(trigger="manual", status="succeeded", created_at=NOW - timedelta(minutes=5))
    assert "backup_failed" not in alerts_evaluate(now=NOW)
    assert Notification.objects.filter(user=admin_user, type="performance_alert_resolved").count() == 1


def test_no_backup_for_26_hours_fires(admin_user) -> None:
    AlertRule.objects.filter(key="backup_failed").update(created_at=NOW - timedelta(days=3))
    assert "backup_failed" in alerts_evaluate(now=NOW)
