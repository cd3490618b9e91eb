from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_openapi_schema_describes_the_accounts_api(anon):
    response = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/sessions",
        "/api/v1/audit",
        "/api/v1/health",
        "/api/v1/webhook-secret",
    ):
        assert path in paths


@pytest.mark.django_db
def test_swagger_ui_is_served_without_any_cdn(anon):
    response = anon.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html


@pytest.mark.django_db
def test_unknown_paths_and_objects_answer_json_404(api):
    response = api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["detail"]
    missing = api.delete("/api/v1/auth/sessions/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found.", "code": "not_found", "errors": {}}


@pytest.mark.django_db
def test_unauthenticated_requests_get_a_json_401(anon):
    response = anon.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert set(response.json()) >= {"detail", "errors"}


@pytest.mark.django_db
def test_the_301st_request_in_a_minute_from_one_user_is_throttled(client_for, trader):
    client = client_for(trader)
    codes = [
        client.get("/api/v1/auth/me", REMOTE_ADDR=f"10.9.{i // 250}.{i % 250}").status_code
        for i in range(301)
    ]
    assert codes[:300] == [200] * 300
    assert codes[300] == 429


@pytest.mark.django_db
def test_the_601st_request_in_a_minute_from_one_ip_is_throttled(client_for, trader, other_trader, viewer):
    # Three users share the IP, so no one reaches their own 300/min before the IP reaches 600.
    clients = [client_for(trader), client_for(other_trader), client_for(viewer)]
    codes = [clients[i % 3].get("/api/v1/auth/me").status_code for i in range(601)]
    assert codes[:600] == [200] * 600
    assert codes[600] == 429


@pytest.mark.django_db
def test_security_headers_are_set(anon):
    response = anon.get("/api/v1/health")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=["https://desk.example.com"])
def test_cors_only_for_configured_origins(anon):
    allowed = anon.get("/api/v1/health", HTTP_ORIGIN="https://desk.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://desk.example.com"
    other = anon.get("/api/v1/health", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/audit?action=%00x", "/api/v1/keys/binance/validate?label=a%00b"])
def test_nul_bytes_in_the_url_are_a_400_not_a_database_error(api, url):
    response = api.get(url) if "audit" in url else api.put(url)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
