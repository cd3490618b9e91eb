from __future__ import annotations

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from auditlog.models import AuditLog

NEW = "Brand-New-Secret-9090"


def reset_token_from_mail() -> str:
    assert len(mail.outbox) == 1
    return re.search(r"token=([^\s&]+)", mail.outbox[0].body).group(1)


@pytest.fixture
def eager_celery(settings):
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.django_db
def test_forgot_password_always_answers_202_and_mails_only_real_accounts(
    anon, trader, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        unknown = anon.post("/api/v1/auth/forgot-password", {"email": "ghost@example.com"}, format="json")
        known = anon.post("/api/v1/auth/forgot-password", {"email": trader.email}, format="json")
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [trader.email]


@pytest.mark.django_db
def test_reset_sets_the_password_ends_all_sessions_and_works_once(
    anon, trader, client_for, eager_celery, django_capture_on_commit_callbacks
):
    logged_in = client_for(trader)
    with django_capture_on_commit_callbacks(execute=True):
        anon.post("/api/v1/auth/forgot-password", {"email": trader.email}, format="json")
    token = reset_token_from_mail()
    response = anon.post("/api/v1/auth/reset-password", {"token": token, "new_password": NEW}, format="json")
    assert response.status_code == 200, response.json()
    assert logged_in.get("/api/v1/auth/me").status_code == 401
    login = anon.post("/api/v1/auth/login", {"email": trader.email, "password": NEW}, format="json")
    assert login.status_code == 200
    again = anon.post(
        "/api/v1/auth/reset-password", {"token": token, "new_password": "Other-Secret-4242"}, format="json"
    )
    assert again.status_code == 400
    assert "token" in again.json()["errors"]
    assert AuditLog.objects.filter(action="auth.password_reset", owner=trader).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "nonsense", "Zm9v.bar", "MTIz.abc-def"])
def test_bad_reset_tokens_are_400(anon, token):
    response = anon.post("/api/v1/auth/reset-password", {"token": token, "new_password": NEW}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.django_db
def test_reset_with_a_weak_password_keeps_the_old_one(anon, trader, password):
    from accounts.reset_tokens import password_reset_token

    token = password_reset_token(trader)
    response = anon.post(
        "/api/v1/auth/reset-password", {"token": token, "new_password": "weak"}, format="json"
    )
    assert response.status_code == 400
    assert "new_password" in response.json()["errors"]
    trader.refresh_from_db()
    assert trader.check_password(password)


@pytest.mark.django_db
def test_change_password_keeps_this_session_and_ends_the_others(client_for, trader, password):
    here, elsewhere = client_for(trader), client_for(trader)
    response = here.post(
        "/api/v1/auth/change-password", {"current_password": password, "new_password": NEW}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["other_sessions_ended"] == 1
    assert here.get("/api/v1/auth/me").status_code == 200
    assert elsewhere.get("/api/v1/auth/me").status_code == 401
    assert AuditLog.objects.filter(action="auth.password_change", actor=trader).exists()


@pytest.mark.django_db
def test_change_password_needs_the_current_one_and_a_strong_new_one(api, trader, password):
    wrong = api.post(
        "/api/v1/auth/change-password", {"current_password": "nope", "new_password": NEW}, format="json"
    )
    assert wrong.status_code == 400
    assert "current_password" in wrong.json()["errors"]
    weak = api.post(
        "/api/v1/auth/change-password", {"current_password": password, "new_password": "abc"}, format="json"
    )
    assert weak.status_code == 400
    assert "new_password" in weak.json()["errors"]
    trader.refresh_from_db()
    assert trader.check_password(password)


@pytest.mark.django_db
def test_change_password_without_login_is_401():
    assert APIClient().post("/api/v1/auth/change-password", {}, format="json").status_code == 401


@pytest.mark.django_db
def test_changepassword_command_ends_sessions_and_is_audited(trader, client_for, monkeypatch):
    from django.core.management import call_command

    from accounts.management.commands.changepassword import Command

    api = client_for(trader)
    monkeypatch.setattr(Command, "_get_pass", lambda self, prompt="": NEW)
    call_command("changepassword", trader.email)
    trader.refresh_from_db()
    assert trader.check_password(NEW)
    assert api.get("/api/v1/auth/me").status_code == 401
    assert AuditLog.objects.filter(action="auth.password_set", owner=trader).exists()


@pytest.mark.django_db
def test_the_reset_link_in_the_mail_opens_a_page_that_sets_the_password(
    anon, trader, eager_celery, django_capture_on_commit_callbacks
):
    from django.test import Client

    with django_capture_on_commit_callbacks(execute=True):
        anon.post("/api/v1/auth/forgot-password", {"email": trader.email}, format="json")
    link = re.search(r"(http\S+/reset-password\?token=\S+)", mail.outbox[0].body).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/" + path)
    assert page.status_code == 200
    assert b"Choose a new password" in page.content
    csrf = browser.cookies["csrftoken"].value
    token = reset_token_from_mail()
    mismatch = browser.post(
        "/reset-password", {"token": token, "new_password": NEW, "confirm": "x", "csrfmiddlewaretoken": csrf}
    )
    assert mismatch.status_code == 400
    done = browser.post(
        "/reset-password", {"token": token, "new_password": NEW, "confirm": NEW, "csrfmiddlewaretoken": csrf}
    )
    assert done.status_code == 200
    assert b"Your password is changed" in done.content
    trader.refresh_from_db()
    assert trader.check_password(NEW)


@pytest.mark.django_db
def test_home_page_links_to_the_api_docs(anon):
    page = anon.get("/")
    assert page.status_code == 200
    assert b"/api/v1/docs/" in page.content
