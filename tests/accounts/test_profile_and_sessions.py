from __future__ import annotations

import pytest

from auditlog.models import AuditLog


@pytest.mark.django_db
def test_me_shows_the_profile_without_secrets(api, trader):
    body = api.get("/api/v1/auth/me").json()
    assert body["email"] == trader.email
    assert body["role"] == "trader"
    assert "password" not in body
    assert "webhook_secret_encrypted" not in body


@pytest.mark.django_db
def test_username_can_change_but_not_to_a_taken_one(api, trader, other_trader):
    assert (
        api.patch("/api/v1/auth/me", {"username": "newname"}, format="json").json()["username"] == "newname"
    )
    taken = api.patch("/api/v1/auth/me", {"username": other_trader.username}, format="json")
    assert taken.status_code == 400
    assert "username" in taken.json()["errors"]


@pytest.mark.django_db
def test_email_change_needs_the_current_password(api, trader, password):
    refused = api.patch("/api/v1/auth/me", {"email": "new@example.com"}, format="json")
    assert refused.status_code == 400
    assert "current_password" in refused.json()["errors"]
    done = api.patch(
        "/api/v1/auth/me", {"email": "New@Example.com", "current_password": password}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["email"] == "new@example.com"
    assert AuditLog.objects.filter(action="user.profile_update", actor=trader).exists()


@pytest.mark.django_db
def test_role_cannot_be_changed_through_me(api):
    response = api.patch("/api/v1/auth/me", {"role": "admin"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "trader"


@pytest.mark.django_db
def test_sessions_list_shows_mine_with_ip_user_agent_and_which_is_current(anon, trader, password):
    for agent in ("Firefox", "Chrome"):
        anon.post(
            "/api/v1/auth/login",
            {"email": trader.email, "password": password},
            format="json",
            HTTP_USER_AGENT=agent,
            REMOTE_ADDR="10.1.1.1",
        )
    token = anon.post(
        "/api/v1/auth/login",
        {"email": trader.email, "password": password},
        format="json",
        HTTP_USER_AGENT="Safari",
    ).json()["access"]
    body = anon.get("/api/v1/auth/sessions", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    sessions = body["results"]
    assert {s["user_agent"] for s in sessions} == {"Firefox", "Chrome", "Safari"}
    assert [s["user_agent"] for s in sessions if s["current"]] == ["Safari"]
    assert all(s["expires_at"] and s["created_at"] for s in sessions)
    assert "10.1.1.1" in {s["ip"] for s in sessions}


@pytest.mark.django_db
def test_revoking_a_session_ends_its_tokens_at_once(client_for, trader):
    keeper, lost = client_for(trader), client_for(trader)
    response = keeper.delete(f"/api/v1/auth/sessions/{lost.tokens.session.id}")
    assert response.status_code == 204
    assert lost.get("/api/v1/auth/me").status_code == 401
    assert (
        keeper.post("/api/v1/auth/refresh", {"refresh": lost.tokens.refresh}, format="json").status_code
        == 401
    )
    assert keeper.get("/api/v1/auth/me").status_code == 200
    assert AuditLog.objects.filter(action="auth.session_revoke", actor=trader).exists()


@pytest.mark.django_db
def test_revoking_another_users_session_is_404(client_for, trader, other_trader):
    mine, theirs = client_for(trader), client_for(other_trader)
    assert mine.delete(f"/api/v1/auth/sessions/{theirs.tokens.session.id}").status_code == 404
    assert mine.delete("/api/v1/auth/sessions/not-a-uuid").status_code == 404
    assert theirs.get("/api/v1/auth/me").status_code == 200
