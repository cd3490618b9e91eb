from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_health_is_public_and_healthy(anon):
    response = anon.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


@pytest.mark.django_db
@override_settings(EMBEDDED=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_health_is_503_naming_the_broker_when_it_is_down(anon):
    response = anon.get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_health_detail_is_for_admins(client_for, trader, admin_user, anon):
    assert anon.get("/api/v1/health/detail").status_code == 401
    assert client_for(trader).get("/api/v1/health/detail").status_code == 403
    body = client_for(admin_user).get("/api/v1/health/detail").json()
    assert set(body["checks"]) >= {
        "database",
        "broker",
        "cache",
        "channel_layer",
        "workers",
        "beat",
        "queues",
    }
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["channel_layer"]["status"] == "ok"


@pytest.mark.django_db
def test_heartbeat_marks_the_worker_seen(client_for, admin_user):
    from config.heartbeat import heartbeat

    heartbeat.apply(kwargs={})
    workers = client_for(admin_user).get("/api/v1/health/detail").json()["checks"]["workers"]
    assert workers["count"] == 1
