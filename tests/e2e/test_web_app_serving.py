"""Django serves the web app (frontend/, see config/spa.py): index.html at `/` and at the app's
client routes, its assets as static files, and leaves the API, admin and metrics alone.

The browser test of the app itself is frontend/e2e/ (`make e2e`, part of `make test`)."""

from __future__ import annotations

import pytest
from django.test import Client

from config import spa

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(tmp_path, monkeypatch):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><html><head><script type="module" src="/static/app/assets/index-abc.js"></script>'
        '</head><body><div id="root"></div><noscript><a href="/api/v1/docs/">API</a></noscript></body></html>'
    )
    monkeypatch.setattr(spa, "DIST_DIR", dist)
    spa._cache.clear()
    yield dist
    spa._cache.clear()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/register",
        "/reset",
        "/positions",
        "/positions/3f0c3b8e-1a2b-4c5d-8e9f-001122334455",
        "/accounts/kotak_simulator/default",
        "/dca/new",
        "/logs",
        "/manage/audit",
        "/trading-config",
        "/webhook/",
        "/strategy",
        "/notifications",
        "/notifications/settings",
        "/strategy/scanner",
    ],
)
def test_the_app_page_is_served_at_every_client_route(built, path):
    page = Client().get(path)
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert b'<div id="root">' in page.content
    assert page["Cache-Control"] == "no-cache"  # a new build reaches the browser at once


def test_the_app_runs_under_the_content_security_policy(built):
    page = Client().get("/")
    policy = page["Content-Security-Policy"]
    scripts = policy.split("script-src")[1].split(";")[0]
    assert "'self'" in scripts and "unsafe-inline" not in scripts
    assert "connect-src 'self' ws: wss:" in policy
    assert b"<script>" not in page.content  # no inline script: the CSP would block it


def test_api_admin_metrics_and_unknown_paths_are_not_the_app(built):
    client = Client()
    assert client.get("/api/v1/health").json()["status"] == "healthy"
    assert client.get("/api/v1/no-such-thing").status_code == 404
    assert client.get("/admin/login/").status_code == 200
    assert b'id="root"' not in client.get("/admin/login/").content
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/positions/a/b/c").status_code == 404


def test_without_a_build_the_start_page_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr(spa, "DIST_DIR", tmp_path / "missing")
    spa._cache.clear()
    page = Client().get("/")
    assert page.status_code == 200
    assert b"make run" in page.content and b"/api/v1/docs/" in page.content


def test_the_app_page_takes_only_get_and_head(built):
    assert Client().post("/login").status_code == 405
