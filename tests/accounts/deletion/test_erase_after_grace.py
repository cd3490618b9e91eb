"""After DELETE /api/v1/me the user cannot log in, their webhooks are refused, their keys are gone
at once, and after the grace period no row of theirs remains except the pseudonymised audit
entries."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from accounts.deletion.tasks import erase_deleted_accounts
from accounts.export.ownership import owned_models, owned_rows
from accounts.models import User
from auditlog.models import AuditLog
from auditlog.services import pseudonym_for, record
from brokers.models import ExchangeConfig
from trading.positions.models import PositionGroup

pytestmark = pytest.mark.django_db(transaction=True)


def rows_left(user_id: object) -> dict[str, int]:
    """Every model's rows that still belong to the user (accounts/export/ownership.py)."""
    ghost = SimpleNamespace(pk=user_id)
    counts = {model._meta.label: owned_rows(model, ghost).count() for model in owned_models()}
    return {label: count for label, count in counts.items() if count}


def test_after_the_grace_period_only_pseudonymised_audit_entries_remain(
    make_engine, trader, other_trader, admin_user, client_for, password, delete_account, anon
):
    engine = make_engine(trader)
    engine.config()
    engine.price("BTC/USDT", "100")
    engine.signal(price="100")
    engine.monitor()
    make_engine(other_trader)  # someone else's account, which must survive
    record(  # an admin acted on the trader: the entry stays, the trader's name goes
        action="user.update", actor=admin_user, owner=trader, resource=trader, changes={"email": trader.email}
    )
    anon.post("/api/v1/auth/login", {"email": trader.email, "password": password}, format="json")
    email, username, user_id = trader.email, trader.username, trader.pk
    assert rows_left(user_id).keys() >= {"accounts.User", "brokers.ExchangeConfig", "trading.PositionGroup"}

    response = delete_account(client_for(trader), password, "close")
    assert response.status_code == 200
    assert ExchangeConfig.objects.get(user_id=user_id).api_key_encrypted == ""  # at once

    erase_deleted_accounts()  # within the grace period: nothing is erased
    assert User.objects.filter(pk=user_id).exists()

    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1), tick=False):
        assert erase_deleted_accounts() == 1
        assert erase_deleted_accounts() == 0  # a second run has nothing left to do

    assert rows_left(user_id) == {}
    pseudonym = pseudonym_for(user_id)
    kept = AuditLog.objects.filter(actor_label=pseudonym) | AuditLog.objects.filter(resource_id=pseudonym)
    assert {"account.deleted", "account.erased", "auth.login"} <= set(kept.values_list("action", flat=True))
    everything = json.dumps(
        list(AuditLog.objects.values("actor_label", "resource_id", "changes")), default=str
    ).lower()
    assert email.lower() not in everything
    assert str(user_id) not in everything
    assert f'"{username.lower()}"' not in everything
    admins_entry = AuditLog.objects.get(action="user.update")
    assert (admins_entry.actor_id, admins_entry.owner_id) == (admin_user.pk, None)
    assert admins_entry.changes == {"email": pseudonym}
    # Other people's rows are untouched.
    assert ExchangeConfig.objects.filter(user=other_trader).count() == 1
    assert User.objects.filter(pk__in=[other_trader.pk, admin_user.pk]).count() == 2
    assert not PositionGroup.objects.filter(user_id=user_id).exists()
