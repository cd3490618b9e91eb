"""A trader made viewer loses their webhook secret, whichever way the role changes (the users API
or Django admin): the alerts they set up as a trader never trade again, not even once the role
comes back. Other role changes keep the secret."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from auditlog.models import AuditLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _secret(user: User) -> str:
    return str(User.objects.get(pk=user.pk).webhook_secret)


def _set_role(client_for, admin_user: User, user: User, role: str) -> None:
    response = client_for(admin_user).patch(f"/api/v1/users/{user.pk}", {"role": role}, format="json")
    assert response.status_code == 200, response.json()


def test_demotion_to_viewer_replaces_the_secret_and_the_audit_trail_says_so(client_for, admin_user, trader):
    before = _secret(trader)
    _set_role(client_for, admin_user, trader, "viewer")
    assert _secret(trader) != before
    entry = AuditLog.objects.get(action="user.role_change")
    assert entry.changes["role"] == {"before": "trader", "after": "viewer"}
    assert entry.changes["webhook"] == "secret replaced: alerts made before the role change are refused"
    for secret in (before, _secret(trader)):
        assert secret not in str(entry.changes)


@pytest.mark.parametrize(("start", "to"), [("viewer", "trader"), ("trader", "manager"), ("manager", "admin")])
def test_role_changes_that_still_trade_keep_the_secret(client_for, admin_user, start, to):
    user = UserFactory(role=start)
    before = _secret(user)
    _set_role(client_for, admin_user, user, to)
    assert _secret(user) == before
    assert "webhook" not in AuditLog.objects.get(action="user.role_change").changes


def test_a_manager_made_viewer_loses_the_secret_too(client_for, admin_user, manager):
    before = _secret(manager)
    _set_role(client_for, admin_user, manager, "viewer")
    assert _secret(manager) != before


def test_demotion_in_django_admin_replaces_the_secret(admin_user, password, trader):
    before = _secret(trader)
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    response = browser.post(
        f"/admin/accounts/user/{trader.pk}/change/",
        {"email": trader.email, "username": trader.username, "role": "viewer", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _secret(trader) != before
    entry = AuditLog.objects.get(action="user.role_change")
    assert entry.changes["webhook"].startswith("secret replaced")
