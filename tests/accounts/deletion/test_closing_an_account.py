"""DELETE /api/v1/me: the account is closed at once (no login, no tokens, no webhooks) once the
password is re-entered and the open positions have a decision."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils.dateparse import parse_datetime

from accounts.models import Role, User
from auditlog.models import AuditLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login"


def webhook(user_id: object, secret: str) -> tuple[int, dict]:
    body = json.dumps({"secret": secret, "symbol": "BINANCE:BTCUSDT", "action": "buy", "price": "100"})
    response = Client().post(f"/api/v1/webhooks/{user_id}", data=body, content_type="text/plain")
    return response.status_code, response.json()


def test_a_deleted_account_cannot_log_in_refresh_or_use_its_tokens(
    client_for, trader, password, anon, delete_account, django_capture_on_commit_callbacks
):
    api = client_for(trader)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete_account(api, password, "leave")

    assert response.status_code == 200, response.json()
    body = response.json()
    deleted_at, erase_after = parse_datetime(body["deleted_at"]), parse_datetime(body["erase_after"])
    assert erase_after - deleted_at == timedelta(days=30)
    # The right password now gets exactly the answer a wrong one gets: nothing to enumerate.
    right = anon.post(LOGIN, {"email": trader.email, "password": password}, format="json")
    wrong = anon.post(LOGIN, {"email": trader.email, "password": "not-it-at-all"}, format="json")
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json()) == (401, wrong.json())
    assert api.get("/api/v1/auth/me").status_code == 401
    refreshed = anon.post("/api/v1/auth/refresh", {"refresh": api.tokens.refresh}, format="json")
    assert refreshed.status_code == 401


def test_a_deleted_accounts_webhook_answers_like_an_unknown_users(
    client_for, trader, password, delete_account, django_capture_on_commit_callbacks
):
    secret = str(trader.webhook_secret)
    assert webhook(trader.pk, secret)[0] != 401  # it worked before (whatever the alert's fate)

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_account(client_for(trader), password).status_code == 200

    unknown = webhook("5b1c0c8e-0000-4000-8000-000000000000", secret)
    assert webhook(trader.pk, secret) == unknown
    assert unknown[0] == 401


def test_a_wrong_password_is_a_field_error_and_counts_towards_the_lockout(
    client_for, trader, delete_account, settings
):
    api = client_for(trader)
    response = delete_account(api, "not-my-password")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert User.objects.get(pk=trader.pk).deleted_at is None
    for _ in range(settings.LOGIN_LOCKOUT_ATTEMPTS - 1):
        delete_account(api, "not-my-password")
    locked = delete_account(api, "not-my-password")
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers


def test_the_positions_choice_is_required(client_for, trader, password, delete_account):
    response = delete_account(client_for(trader), password, positions=None)

    assert response.status_code == 400
    assert "positions" in response.json()["errors"]
    assert delete_account(client_for(trader), password, positions="sell").status_code == 400
    assert User.objects.get(pk=trader.pk).is_active


def test_the_last_admin_cannot_delete_themself(client_for, admin_user, password, delete_account):
    response = delete_account(client_for(admin_user), password)

    assert response.status_code == 400
    assert "last admin" in response.json()["detail"]
    UserFactory(role=Role.ADMIN)
    assert delete_account(client_for(admin_user), password).status_code == 200


def test_the_deletion_is_audited_without_secrets(client_for, trader, password, delete_account):
    delete_account(client_for(trader), password, "close")

    entry = AuditLog.objects.get(action="account.deleted")
    assert (entry.actor_id, entry.owner_id) == (trader.pk, trader.pk)
    assert entry.changes["positions"] == "close"
    assert entry.changes["sessions_ended"] == 1
    assert password not in json.dumps(entry.changes)
    assert User.objects.get(pk=trader.pk).webhook_secret_encrypted == ""


def test_the_grace_period_is_the_admins_setting(client_for, trader, password, delete_account, settings):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 7
    body = delete_account(client_for(trader), password).json()

    assert parse_datetime(body["erase_after"]) - parse_datetime(body["deleted_at"]) == timedelta(days=7)


def test_admins_see_the_erase_date_in_the_user_list(client_for, trader, password, delete_account, admin_user):
    delete_account(client_for(trader), password)
    browser = Client()
    browser.force_login(admin_user)

    page = browser.get("/admin/accounts/user/?deleted_at__isnull=False")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Erase after" in html
    assert trader.email in html
    assert admin_user.email not in html.split("<tbody>", 1)[1]  # not deleted: filtered out
