from __future__ import annotations

import pytest

from auditlog.models import AuditLog


@pytest.mark.django_db
def test_traders_and_viewers_cannot_list_users(client_for, trader, viewer):
    assert client_for(trader).get("/api/v1/users").status_code == 403
    assert client_for(viewer).get("/api/v1/users").status_code == 403


@pytest.mark.django_db
def test_managers_read_users_with_filters_but_cannot_change_them(client_for, manager, trader, viewer):
    client = client_for(manager)
    everyone = client.get("/api/v1/users").json()
    assert everyone["count"] == 3
    viewers = client.get("/api/v1/users", {"role": "viewer"}).json()["results"]
    assert [u["id"] for u in viewers] == [str(viewer.id)]
    found = client.get("/api/v1/users", {"search": trader.username}).json()["results"]
    assert [u["id"] for u in found] == [str(trader.id)]
    assert client.patch(f"/api/v1/users/{trader.id}", {"role": "viewer"}, format="json").status_code == 403


@pytest.mark.django_db
def test_admin_changes_a_role_and_the_audit_trail_shows_before_and_after(client_for, admin_user, trader):
    response = client_for(admin_user).patch(f"/api/v1/users/{trader.id}", {"role": "manager"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "manager"
    entry = AuditLog.objects.get(action="user.role_change")
    assert entry.actor == admin_user
    assert entry.owner == trader
    assert entry.changes["role"] == {"before": "trader", "after": "manager"}
    # The trader sees it in their own audit trail too.
    mine = client_for(trader).get("/api/v1/audit", {"action": "user."}).json()["results"]
    assert [e["action"] for e in mine] == ["user.role_change"]


@pytest.mark.django_db
def test_deactivating_a_user_ends_their_sessions(client_for, admin_user, trader):
    victim = client_for(trader)
    response = client_for(admin_user).patch(f"/api/v1/users/{trader.id}", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert victim.get("/api/v1/auth/me").status_code == 401


@pytest.mark.django_db
def test_admin_cannot_demote_or_deactivate_themselves(client_for, admin_user):
    client = client_for(admin_user)
    assert (
        client.patch(f"/api/v1/users/{admin_user.id}", {"role": "trader"}, format="json").status_code == 400
    )
    assert (
        client.patch(f"/api/v1/users/{admin_user.id}", {"is_active": False}, format="json").status_code == 400
    )


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"role": "emperor"}, {"is_active": "maybe"}, {"role": ["admin"]}])
def test_bad_role_changes_are_400(client_for, admin_user, trader, body):
    response = client_for(admin_user).patch(f"/api/v1/users/{trader.id}", body, format="json")
    assert response.status_code == 400
    trader.refresh_from_db()
    assert trader.role == "trader"


@pytest.mark.django_db
def test_unknown_user_is_404(client_for, admin_user):
    assert client_for(admin_user).get("/api/v1/users/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.django_db
def test_role_permission_classes_follow_the_ladder(trader, viewer, manager, admin_user):
    assert viewer.has_role("viewer") and not viewer.has_role("trader")
    assert trader.has_role("trader") and not trader.has_role("manager")
    assert manager.has_role("trader") and not manager.has_role("admin")
    assert admin_user.has_role("manager") and admin_user.is_staff
    assert not manager.is_staff
