from __future__ import annotations

import pytest

from auditlog.models import AuditLog
from auditlog.services import record


@pytest.mark.django_db
def test_users_see_only_their_own_audit_entries(client_for, trader, other_trader):
    record(action="demo.mine", actor=trader)
    record(action="demo.theirs", actor=other_trader)
    record(action="demo.about_me", actor=None, owner=trader)
    actions = {e["action"] for e in client_for(trader).get("/api/v1/audit").json()["results"]}
    assert actions == {"demo.mine", "demo.about_me"}


@pytest.mark.django_db
def test_admins_see_everything_and_filter_by_user_action_and_date(
    client_for, admin_user, trader, other_trader
):
    record(action="auth.login", actor=trader)
    record(action="auth.login", actor=other_trader)
    record(action="webhook_secret.rotate", actor=trader)
    client = client_for(admin_user)
    assert client.get("/api/v1/audit").json()["count"] == 3
    by_user = client.get("/api/v1/audit", {"user": str(trader.id)}).json()["results"]
    assert {e["action"] for e in by_user} == {"auth.login", "webhook_secret.rotate"}
    logins = client.get("/api/v1/audit", {"action": "auth.login"}).json()["results"]
    assert len(logins) == 2
    assert client.get("/api/v1/audit", {"created_after": "2999-01-01T00:00:00Z"}).json()["count"] == 0
    assert client.get("/api/v1/audit", {"created_after": "yesterday"}).status_code == 400


@pytest.mark.django_db
def test_another_users_entry_is_404(client_for, trader, other_trader):
    theirs = record(action="demo.theirs", actor=other_trader)
    assert client_for(trader).get(f"/api/v1/audit/{theirs.id}").status_code == 404


@pytest.mark.django_db
def test_audit_entries_never_hold_secrets(trader):
    entry = record(
        action="demo",
        actor=trader,
        changes={
            "password": "hunter2",
            "nested": {"api_secret": "s3cr3t", "token": "t"},
            "ok": 1,
        },
    )
    assert "hunter2" not in str(entry.changes) and "s3cr3t" not in str(entry.changes)
    assert entry.changes["ok"] == 1


@pytest.mark.django_db
def test_the_api_cannot_write_or_delete_audit_entries(client_for, admin_user):
    entry = record(action="demo", actor=admin_user)
    client = client_for(admin_user)
    assert client.delete(f"/api/v1/audit/{entry.id}").status_code == 405
    assert client.post("/api/v1/audit", {"action": "forged"}, format="json").status_code == 405
    assert AuditLog.objects.count() == 1


@pytest.mark.django_db
def test_audit_list_is_paginated(client_for, trader):
    for i in range(7):
        record(action=f"demo.{i}", actor=trader)
    page = client_for(trader).get("/api/v1/audit", {"page_size": 5}).json()
    assert page["count"] == 7
    assert len(page["results"]) == 5
    assert page["next"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1121-03-01T14:48:56+21:24", "0001-01-01T00:00:00+10:00", "not-a-date"])
def test_out_of_range_dates_in_filters_are_400_not_500(client_for, trader, value):
    response = client_for(trader).get("/api/v1/audit", {"created_after": value})
    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]
