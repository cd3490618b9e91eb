"""Registration and forgot-password do not tell whether an address has an account: not by their
answer, and not by the work the request does (which is what its timing measured)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from auditlog.models import AuditLog

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
FORGOT = "/api/v1/auth/forgot-password"
NEW_PASSWORD = "Sturdy-Kettle-2048"


@pytest.fixture
def eager_celery():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def registration(email: str, username: str) -> dict[str, str]:
    return {"email": email, "username": username, "password": NEW_PASSWORD}


def test_registering_a_taken_address_answers_as_a_new_one_and_mails_its_owner(
    anon, trader, password, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = anon.post(REGISTER, registration("newcomer@example.com", "newcomer"), format="json")
        taken = anon.post(REGISTER, registration(trader.email.upper(), "intruder"), format="json")

    assert (taken.status_code, taken.json()) == (new.status_code, new.json()) == (202, new.json())
    assert not User.objects.filter(username="intruder").exists()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["newcomer@example.com"], "Welcome to Tradefleet"),
        ([trader.email], "Someone tried to register with your address"),
    ]
    assert "no new account was made" in mail.outbox[1].body
    attempt = AuditLog.objects.get(action="auth.register_attempt")
    assert (attempt.owner_id, attempt.changes) == (trader.pk, {"username": "intruder"})

    # The owner's account is untouched: the intruder's password does not log in.
    def login(secret: str) -> int:
        return anon.post("/api/v1/auth/login", {"email": trader.email, "password": secret}).status_code

    assert (login(password), login(NEW_PASSWORD)) == (200, 401)


@pytest.mark.parametrize("address", ["taken", "new"])
def test_a_taken_username_is_refused_whatever_the_address(anon, trader, address):
    # Checked before the address, so the answer is the same for a taken and a new one.
    email = trader.email if address == "taken" else "someone@example.com"
    response = anon.post(REGISTER, registration(email, trader.username), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["username"]


def test_registration_does_the_same_work_for_a_taken_and_a_new_address(
    anon, trader, django_capture_on_commit_callbacks
):
    def work(email: str, username: str) -> tuple[int, int]:
        """Audit entries written and e-mails queued (both ways also hash the password)."""
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
            assert anon.post(REGISTER, registration(email, username), format="json").status_code == 202
        audits = [q for q in queries.captured_queries if 'INSERT INTO "auditlog_auditlog"' in q["sql"]]
        return len(audits), len(queued)

    assert work(trader.email, "intruder") == (1, 1) == work("fresh@example.com", "fresh")


def test_forgot_password_does_the_same_work_for_a_known_and_an_unknown_address(
    anon, trader, django_capture_on_commit_callbacks
):
    def work(email: str) -> tuple[int, int, object]:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
            response = anon.post(FORGOT, {"email": email}, format="json")
        return len(queries.captured_queries), len(queued), (response.status_code, response.json())

    # The old request looked the address up and audited a known one: 2 queries and a mail against 1.
    assert work(trader.email) == work("ghost@example.com")
    assert work("ghost@example.com")[:2] == (0, 1)


def test_the_reset_mail_and_its_audit_entry_reach_a_known_address_only(
    anon, trader, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anon.post(FORGOT, {"email": "ghost@example.com"}, format="json")
        anon.post(
            FORGOT,
            {"email": trader.email.upper()},
            format="json",
            REMOTE_ADDR="198.51.100.4",
            HTTP_USER_AGENT="phone",
        )

    assert [m.to for m in mail.outbox] == [[trader.email]]
    entry = AuditLog.objects.get(action="auth.password_reset_requested")
    assert (entry.owner_id, entry.ip, entry.user_agent) == (trader.pk, "198.51.100.4", "phone")
