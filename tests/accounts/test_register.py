from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import Role, User
from auditlog.models import AuditLog

URL = "/api/v1/auth/register"
GOOD = {"email": "Alice@Example.com", "username": "alice", "password": "Sturdy-Kettle-2048"}


@pytest.fixture
def eager_celery():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.django_db
def test_register_makes_a_trader_who_logs_in_and_is_welcomed_by_mail(
    anon, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(URL, GOOD, format="json")
    assert response.status_code == 202, response.json()
    assert set(response.json()) == {"detail"}  # no tokens: the same answer as for a taken address
    login = anon.post(
        "/api/v1/auth/login", {"email": GOOD["email"], "password": GOOD["password"]}, format="json"
    )
    assert login.status_code == 200
    assert login.json()["user"]["email"] == "alice@example.com"
    assert login.json()["user"]["role"] == Role.TRADER
    assert AuditLog.objects.filter(action="auth.register", actor__email="alice@example.com").exists()
    assert [(m.subject, m.to) for m in mail.outbox] == [("Welcome to Tradefleet", ["alice@example.com"])]


@pytest.mark.django_db
def test_register_never_echoes_the_password(anon):
    response = anon.post(URL, GOOD, format="json")
    assert GOOD["password"] not in response.content.decode()
    assert GOOD["password"] not in str(list(AuditLog.objects.values("changes")))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Short-1A", "too short"),
        ("no-upper-case-here-42", "upper-case"),
        ("No-Digits-Anywhere-Here", "digit"),
        ("Password1234", "too common"),
        ("Alice@example.com1", "too similar"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(anon, password, fragment):
    response = anon.post(URL, {**GOOD, "password": password}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "password" in body["errors"]
    assert fragment in " ".join(body["errors"]["password"]).lower()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_duplicate_username_is_refused_case_insensitively(anon, trader):
    response = anon.post(URL, {**GOOD, "username": trader.username.upper()}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["errors"]
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-email", "username": "bob", "password": GOOD["password"]},
        {"email": "bob@example.com", "username": "bad name!", "password": GOOD["password"]},
        {"email": ["x"], "username": {"a": 1}, "password": None},
        {"email": "bob@example.com", "username": "bob"},
    ],
)
def test_malformed_registration_is_a_400_with_field_errors(anon, body):
    response = anon.post(URL, body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["errors"] and payload["detail"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_body_that_is_not_json_is_a_400(anon):
    response = anon.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.django_db
@override_settings(ACCOUNTS_SELF_REGISTRATION=False)
def test_registration_can_be_switched_off(anon):
    assert anon.post(URL, GOOD, format="json").status_code == 403
    assert not User.objects.exists()


@pytest.mark.django_db
def test_sixth_registration_from_one_ip_in_a_minute_is_throttled(anon):
    codes = [
        anon.post(URL, {**GOOD, "email": f"u{i}@example.com", "username": f"u{i}"}, format="json").status_code
        for i in range(6)
    ]
    assert codes[:5] == [202] * 5
    assert codes[5] == 429


def test_a_default_role_above_trader_is_refused_at_start():
    import os
    import subprocess
    import sys

    setup = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", setup],
        env={**os.environ, "ACCOUNTS_DEFAULT_ROLE": "admin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ACCOUNTS_DEFAULT_ROLE" in result.stderr
