from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import User
from auditlog.models import AuditLog
from config.encryption import DecryptionError
from tests.trading.factories import ExchangeConfigFactory


@pytest.mark.django_db
def test_owner_sees_url_and_secret_and_a_template_once_an_account_exists(api, trader):
    body = api.get("/api/v1/webhook-secret").json()
    assert body["url"].endswith(f"/api/v1/webhooks/{trader.id}")
    assert len(body["secret"]) >= 32
    assert body["template"] is None  # no exchange account: nothing to send alerts to yet
    ExchangeConfigFactory(user=trader, exchange="simulator")
    template = api.get("/api/v1/webhook-secret").json()["template"]
    assert template["secret"] == body["secret"]
    assert template["tv"]["exchange"] == "simulator"
    assert template["tv"]["symbol"] == "{{ticker}}"
    assert template["execution_intent"]["type"] == "auto"


@pytest.mark.django_db
def test_the_database_does_not_hold_the_secret_in_clear(api, trader):
    secret = api.get("/api/v1/webhook-secret").json()["secret"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM accounts_user WHERE id = %s",
            [trader.id.hex if connection.vendor == "sqlite" else trader.id],
        )
        row = cursor.fetchone()
    assert row is not None
    assert not any(secret in str(value) for value in row)


@pytest.mark.django_db
def test_rotation_gives_a_new_secret_and_the_old_one_stops_matching(api, trader):
    old = api.get("/api/v1/webhook-secret").json()["secret"]
    rotated = api.post("/api/v1/webhook-secret/rotate").json()
    assert rotated["secret"] != old
    assert api.get("/api/v1/webhook-secret").json()["secret"] == rotated["secret"]
    trader.refresh_from_db()
    assert trader.webhook_secret_matches(rotated["secret"])
    assert not trader.webhook_secret_matches(old)
    entry = AuditLog.objects.get(action="webhook_secret.rotate")
    assert old not in str(entry.changes) and rotated["secret"] not in str(entry.changes)


@pytest.mark.django_db
def test_rotate_only_by_post(api):
    assert api.get("/api/v1/webhook-secret/rotate").status_code == 405


@pytest.mark.django_db
def test_viewers_have_no_webhook(client_for, viewer):
    assert client_for(viewer).get("/api/v1/webhook-secret").status_code == 403


@pytest.mark.django_db
def test_ciphertext_copied_into_another_users_row_does_not_decrypt(trader, other_trader):
    User.objects.filter(pk=other_trader.pk).update(webhook_secret_encrypted=trader.webhook_secret_encrypted)
    other_trader.refresh_from_db()
    with pytest.raises(DecryptionError):
        _ = other_trader.webhook_secret
