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
def test_detail_is_503_naming_workers_and_beat_when_none_run(client_for, admin_user):
    response = client_for(admin_user).get("/api/v1/health/detail")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["workers"]["status"] == "error"
    assert checks["beat"]["status"] == "error"
    assert checks["database"]["status"] == "ok"


@pytest.mark.django_db
def test_a_heartbeat_run_shows_beat_alive(client_for, admin_user):
    from config.heartbeat import heartbeat

    heartbeat.apply(kwargs={})
    beat = client_for(admin_user).get("/api/v1/health/detail").json()["checks"]["beat"]
    assert beat["status"] == "ok"
    assert beat["age_seconds"] < 5
