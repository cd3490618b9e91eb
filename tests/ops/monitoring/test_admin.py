"""The monitoring tables in Django admin: listed, read-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from ops.monitoring.models import AlertEvent, AlertRule, MetricMinute


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


def test_the_tables_are_listed_and_read_only(admin_browser) -> None:
    now = datetime.now(tz=UTC)
    MetricMinute.objects.create(minute=now, kind="web", process="w:1", metric="process_rss_bytes", value=1.0)
    AlertEvent.objects.create(rule=AlertRule.objects.get(key="queue_depth"), value=600, threshold=500)
    for model in ("alertrule", "alertevent", "metricminute"):
        page = admin_browser.get(f"/admin/monitoring/{model}/")
        assert page.status_code == 200, model
    assert admin_browser.get("/admin/monitoring/alertrule/add/").status_code == 403
    rule = admin_browser.get("/admin/monitoring/alertrule/queue_depth/change/")
    assert rule.status_code == 200
    assert b'name="threshold"' not in rule.content
