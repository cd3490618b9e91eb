from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditLog
from auditlog.services import record


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/accounts/user/", "/admin/accounts/usersession/", "/admin/auditlog/auditlog/"]
)
def test_admin_pages_open_for_admins(admin_browser, trader, path):
    record(action="auth.login", actor=trader)
    assert admin_browser.get(path).status_code == 200


@pytest.mark.django_db
def test_users_can_be_filtered_by_role_and_searched(admin_browser, trader, viewer):
    page = admin_browser.get("/admin/accounts/user/", {"role__exact": "viewer"}).content.decode()
    assert viewer.email in page
    assert trader.email not in page
    page = admin_browser.get("/admin/accounts/user/", {"q": trader.username}).content.decode()
    assert trader.email in page


@pytest.mark.django_db
def test_traders_and_managers_cannot_use_django_admin(trader, manager, password):
    for user in (trader, manager):
        browser = Client()
        browser.login(username=user.email, password=password)
        response = browser.get("/admin/accounts/user/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_audit_log_is_read_only_in_admin(admin_browser, trader):
    entry = record(action="auth.login", actor=trader)
    change = admin_browser.post(f"/admin/auditlog/auditlog/{entry.pk}/change/", {"action": "forged"})
    assert change.status_code == 403
    delete = admin_browser.post(f"/admin/auditlog/auditlog/{entry.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AuditLog.objects.get(pk=entry.pk).action == "auth.login"


@pytest.mark.django_db
def test_role_change_in_admin_is_audited(admin_browser, trader):
    response = admin_browser.post(
        f"/admin/accounts/user/{trader.pk}/change/",
        {"email": trader.email, "username": trader.username, "role": "manager", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    trader.refresh_from_db()
    assert trader.role == "manager"
    entry = AuditLog.objects.get(action="user.role_change")
    assert entry.changes["role"] == {"before": "trader", "after": "manager"}


@pytest.mark.django_db
def test_admin_action_ends_all_sessions(admin_browser, trader, client_for):
    api = client_for(trader)
    response = admin_browser.post(
        "/admin/accounts/user/", {"action": "end_all_sessions", "_selected_action": [str(trader.pk)]}
    )
    assert response.status_code == 302
    assert api.get("/api/v1/auth/me").status_code == 401


@pytest.mark.django_db
def test_an_admin_cannot_demote_or_deactivate_themself_in_admin(admin_browser, admin_user):
    admin_browser.post(
        f"/admin/accounts/user/{admin_user.pk}/change/",
        {"email": admin_user.email, "username": admin_user.username, "role": "viewer"},
    )
    admin_user.refresh_from_db()
    assert admin_user.role == "admin"
    assert admin_user.is_active


@pytest.mark.django_db
def test_password_set_in_admin_ends_sessions_and_is_audited(admin_browser, trader, client_for):
    api = client_for(trader)
    response = admin_browser.post(
        f"/admin/accounts/user/{trader.pk}/password/",
        {"password1": "Fresh-Admin-Set-77", "password2": "Fresh-Admin-Set-77", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert api.get("/api/v1/auth/me").status_code == 401
    assert AuditLog.objects.filter(action="auth.password_set", owner=trader).exists()


@pytest.mark.django_db
def test_username_edit_and_user_deletion_are_audited(admin_browser, trader):
    admin_browser.post(
        f"/admin/accounts/user/{trader.pk}/change/",
        {"email": trader.email, "username": "renamed", "role": "trader", "is_active": "on"},
    )
    assert AuditLog.objects.get(action="user.update").changes["username"]["after"] == "renamed"
    admin_browser.post(f"/admin/accounts/user/{trader.pk}/delete/", {"post": "yes"})
    entry = AuditLog.objects.get(action="user.delete")
    assert entry.changes["email"] == trader.email


@pytest.mark.django_db
def test_admin_login_shares_the_lockout_and_failures_are_audited(admin_user, password):
    browser = Client()
    for _ in range(5):
        browser.post("/admin/login/", {"username": admin_user.email, "password": "Wrong-Guess-123"})
    page = browser.post("/admin/login/?next=/admin/", {"username": admin_user.email, "password": password})
    assert page.status_code == 200  # the form again: locked, even with the right password
    assert AuditLog.objects.filter(action="auth.login_failed", owner=admin_user).count() >= 5


@pytest.mark.django_db
def test_admin_never_shows_whole_refresh_tokens(admin_browser, trader, client_for):
    client_for(trader)  # one outstanding refresh token exists now
    assert admin_browser.get("/admin/token_blacklist/outstandingtoken/").status_code == 404
    index = admin_browser.get("/admin/").content.decode()
    assert "Outstanding tokens" not in index
    assert "Groups" not in index
