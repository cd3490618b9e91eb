from __future__ import annotations

import pytest
from django.test import override_settings

from auditlog.models import AuditLog

URL = "/api/v1/auth/login"


def login(client, email, password, ip="10.0.0.1"):
    return client.post(URL, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_returns_user_and_a_working_token_pair(anon, trader, password):
    response = login(anon, trader.email.upper(), password)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == str(trader.id)
    me = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    trader.refresh_from_db()
    assert trader.last_login is not None
    entry = AuditLog.objects.get(action="auth.login")
    assert entry.actor == trader
    assert entry.ip == "10.0.0.1"


@pytest.mark.django_db
def test_wrong_password_unknown_email_and_inactive_user_all_get_the_same_401(anon, trader, password):
    wrong = login(anon, trader.email, "Not-The-Password-1")
    unknown = login(anon, "nobody@example.com", password)
    trader.is_active = False
    trader.save()
    inactive = login(anon, trader.email, password)
    assert wrong.status_code == unknown.status_code == inactive.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == inactive.json()["detail"]
    assert "access" not in wrong.json()
    assert AuditLog.objects.filter(action="auth.login_failed").count() == 3


@pytest.mark.django_db
def test_five_failures_lock_the_account_for_that_ip_with_retry_after(anon, trader, password):
    for _ in range(4):
        assert login(anon, trader.email, "Wrong-Password-1").status_code == 401
    fifth = login(anon, trader.email, "Wrong-Password-1")
    assert fifth.status_code == 429
    locked = login(anon, trader.email, password)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Too many failed logins" in locked.json()["detail"]
    # Another IP is not locked out of the same account.
    assert login(anon, trader.email, password, ip="10.0.0.2").status_code == 200


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(anon, trader, password):
    for _ in range(4):
        login(anon, trader.email, "Wrong-Password-1")
    assert login(anon, trader.email, password).status_code == 200
    for _ in range(4):
        assert login(anon, trader.email, "Wrong-Password-1").status_code == 401


@pytest.mark.django_db
@override_settings(LOGIN_LOCKOUT_WINDOW_SECONDS=2)
def test_the_lock_lifts_after_the_window(anon, trader, password):
    import time

    for _ in range(5):
        login(anon, trader.email, "Wrong-Password-1")
    assert login(anon, trader.email, password).status_code == 429
    time.sleep(2.5)
    assert login(anon, trader.email, password).status_code == 200


@pytest.mark.django_db
def test_eleventh_login_from_one_ip_in_a_minute_is_throttled(anon, trader, password):
    codes = [login(anon, trader.email, password).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"email": "x@example.com"}, {"email": 5, "password": []}])
def test_malformed_login_is_a_400(anon, body):
    response = anon.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.django_db
def test_password_never_reaches_the_logs(anon, trader, caplog):
    secret = "Very-Secret-Guess-77"
    with caplog.at_level("DEBUG"):
        login(anon, trader.email, secret)
    assert secret not in caplog.text
