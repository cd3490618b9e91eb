"""One account, whatever the spelling of its e-mail: storage, login, lockout and uniqueness all use
the address's one normal form (NFKC + case folding), on PostgreSQL and SQLite alike."""

from __future__ import annotations

import importlib
import logging

import pytest
from django.apps import apps

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
DESK = "desk@sec.test"
LONG_S = "de\u017fk@\u017fec.te\u017ft"  # long s: its own lower case, upper-cases to S
FULL_WIDTH = "\uff24\uff25\uff33\uff2b@sec.test"  # DESK in full-width letters


def login(client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


@pytest.fixture
def desk() -> User:
    return UserFactory(email=DESK)


@pytest.mark.parametrize("spelling", [DESK, "Desk@SEC.test", LONG_S, FULL_WIDTH])
def test_every_spelling_of_the_address_logs_in_to_the_one_account(anon, desk, password, spelling):
    response = login(anon, spelling, password)
    assert response.status_code == 200, response.json()
    assert response.json()["user"]["id"] == str(desk.pk)


def test_a_locked_account_stays_locked_under_another_spelling(anon, desk, password, settings):
    for _ in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        login(anon, DESK, "wrong")
    assert login(anon, DESK, password).status_code == 429
    # The lockout keyed on Python's lower() and the lookup ran PostgreSQL's UPPER(): this got in.
    assert login(anon, LONG_S, password).status_code == 429
    assert login(anon, FULL_WIDTH, password).status_code == 429


def test_failures_under_different_spellings_add_up_to_one_lockout(anon, desk, password, settings):
    spellings = [DESK, LONG_S, FULL_WIDTH, "DESK@SEC.TEST"]
    for i in range(settings.LOGIN_LOCKOUT_ATTEMPTS):
        login(anon, spellings[i % len(spellings)], "wrong")
    assert login(anon, DESK, password).status_code == 429


def test_addresses_are_stored_in_their_normal_form(anon):
    response = anon.post(
        "/api/v1/auth/register",
        {"email": "\uff2a\uff2f@Example.COM", "username": "jo", "password": "Sturdy-Kettle-2048"},
        format="json",
    )
    assert response.status_code == 202
    assert User.objects.get(username="jo").email == "jo@example.com"


def test_registering_a_spelling_of_a_taken_address_makes_no_second_account(anon, desk):
    response = anon.post(
        "/api/v1/auth/register",
        {"email": LONG_S, "username": "desk2", "password": "Sturdy-Kettle-2048"},
        format="json",
    )
    assert response.status_code == 202
    assert list(User.objects.values_list("email", flat=True)) == [DESK]


def test_changing_the_e_mail_to_a_spelling_of_a_taken_one_is_refused(client_for, trader, desk, password):
    response = client_for(trader).patch(
        "/api/v1/auth/me", {"email": LONG_S, "current_password": password}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    trader.refresh_from_db()
    assert trader.email != DESK


def test_the_migration_normalises_stored_addresses_and_leaves_collisions_as_they_are(caplog):
    migration = importlib.import_module("accounts.migrations.0004_normalize_emails")
    kept = UserFactory(email="strasse@example.de")
    colliding, folded = UserFactory(), UserFactory()
    # Rows written before the normal form (the old code lower-cased only).
    User.objects.filter(pk=colliding.pk).update(email="stra\u00dfe@example.de")  # "ß" folds to "ss"
    User.objects.filter(pk=folded.pk).update(email="\uff4a\uff4f@example.de")  # full-width "jo"

    with caplog.at_level(logging.WARNING, logger="accounts.migrations"):
        migration.normalize_stored_emails(apps, None)

    emails = dict(User.objects.values_list("pk", "email"))
    assert emails[kept.pk] == "strasse@example.de"
    assert emails[folded.pk] == "jo@example.de"
    assert emails[colliding.pk] == "stra\u00dfe@example.de"
    assert str(colliding.pk) in caplog.text
    assert "example.de" not in caplog.text  # the log names the user, not the address
