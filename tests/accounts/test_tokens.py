from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.sessions import session_start
from auditlog.models import AuditLog

REFRESH = "/api/v1/auth/refresh"


def refresh(client, token):
    return client.post(REFRESH, {"refresh": token}, format="json")


@pytest.mark.django_db
def test_refresh_rotates_and_the_old_refresh_token_is_dead(anon, trader):
    pair = session_start(user=trader, request=None)
    first = refresh(anon, pair.refresh)
    assert first.status_code == 200
    assert first.json()["refresh"] != pair.refresh
    again = refresh(anon, pair.refresh)
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"
    # The rotated one works, and so does its access token.
    assert refresh(anon, first.json()["refresh"]).status_code == 200
    me = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {first.json()['access']}")
    assert me.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_bad_refresh_tokens_are_4xx(anon, token):
    response = refresh(anon, token)
    assert response.status_code in (400, 401)
    assert response.json()["detail"]


@pytest.mark.django_db
def test_an_access_token_is_not_a_refresh_token(anon, trader):
    pair = session_start(user=trader, request=None)
    assert refresh(anon, pair.access).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_token_at_most_one_succeeds(trader):
    pair = session_start(user=trader, request=None)
    barrier = threading.Barrier(4)
    codes: list[int] = []

    def attempt():
        from django.db import connection

        client = APIClient()
        barrier.wait()
        try:
            codes.append(refresh(client, pair.refresh).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(200) <= 1
    assert all(code in (200, 401) for code in codes)


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token_and_ends_the_access_token(client_for, trader):
    client = client_for(trader)
    response = client.post("/api/v1/auth/logout", {"refresh": client.tokens.refresh}, format="json")
    assert response.status_code == 204
    assert refresh(APIClient(), client.tokens.refresh).status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401
    assert AuditLog.objects.filter(action="auth.logout", actor=trader).exists()


@pytest.mark.django_db
def test_logout_with_someone_elses_refresh_token_is_refused(client_for, trader, other_trader):
    mine, theirs = client_for(trader), client_for(other_trader)
    response = mine.post("/api/v1/auth/logout", {"refresh": theirs.tokens.refresh}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()["errors"]
    assert theirs.get("/api/v1/auth/me").status_code == 200


@pytest.mark.django_db
def test_logout_needs_authentication(anon, trader):
    pair = session_start(user=trader, request=None)
    assert anon.post("/api/v1/auth/logout", {"refresh": pair.refresh}, format="json").status_code == 401


@pytest.mark.django_db
def test_expired_access_token_is_refused(anon, trader):
    pair = session_start(user=trader, request=None)
    token = AccessToken(pair.access)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


@pytest.mark.django_db
def test_access_token_lives_24_hours_and_refresh_7_days(trader):
    from rest_framework_simplejwt.tokens import RefreshToken

    pair = session_start(user=trader, request=None)
    access, refresh_token = AccessToken(pair.access), RefreshToken(pair.refresh)
    # iat and exp are whole seconds taken a moment apart: allow one second of rounding.
    assert abs(access["exp"] - access["iat"] - 24 * 3600) <= 1
    assert abs(refresh_token["exp"] - refresh_token["iat"] - 7 * 24 * 3600) <= 1


@pytest.mark.django_db
def test_token_signed_with_another_key_is_refused(anon, trader):
    import jwt

    forged = jwt.encode(
        {
            "token_type": "access",
            "user_id": str(trader.id),
            "exp": 9999999999,
            "jti": "x",
            "sid": "00000000-0000-0000-0000-000000000000",
        },
        "another-key-that-is-long-enough-for-hs256-0123456789",
        algorithm="HS256",
    )
    assert anon.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


@pytest.mark.django_db
def test_presenting_a_rotated_refresh_token_again_is_audited(anon, trader):
    pair = session_start(user=trader, request=None)
    assert refresh(anon, pair.refresh).status_code == 200
    assert refresh(anon, pair.refresh).status_code == 401
    assert AuditLog.objects.filter(action="auth.refresh_reused", owner=trader).count() == 1
