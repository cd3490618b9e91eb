"""Django admin for the queue: the changelist with rank and rule, view-only rows, and the promote
and remove actions going through the audited services, one message per entry."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from auditlog.models import AuditLog
from trading.queue.models import QueueEntry
from trading.settings.services import trading_config_update

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "/admin/trading/queueentry/"
ONE_LEG = [{"gap_percent": "0", "weight_percent": "100", "tp_percent": "1"}]


@pytest.fixture
def admin_browser(admin_user, password) -> Client:
    browser = Client()
    assert browser.login(username=admin_user.email, password=password)
    return browser


@pytest.fixture
def queued(engine):
    engine.config(levels=ONE_LEG)
    for symbol in ("SOL/USDT", "LTC/USDT"):
        engine.config(symbol=symbol)
        engine.price(symbol, "100")
    trading_config_update(user=engine.user, fields={"max_open_groups": 1}, partial=True)
    engine.signal(price="100")
    engine.signal(price="100", symbol="SOL/USDT")
    engine.signal(price="100", symbol="LTC/USDT")
    return engine


def _action(browser: Client, action: str, *entries: QueueEntry) -> list[str]:
    response = browser.post(BASE, {"action": action, "_selected_action": [str(e.pk) for e in entries]})
    assert response.status_code == 302, response.content.decode()[:2000]
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_changelist_shows_rank_rule_and_replacements_and_offers_the_actions(admin_browser, queued):
    page = admin_browser.get(BASE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "SOL/USDT" in html and "LTC/USDT" in html
    assert 'value="promote_selected"' in html and 'value="remove_selected"' in html
    for query in ("SOL", "not-a-uuid", str(QueueEntry.objects.first().pk)):
        assert admin_browser.get(BASE, {"q": query}).status_code == 200
    assert admin_browser.get(BASE, {"status__exact": "queued"}).status_code == 200
    entry = QueueEntry.objects.first()
    assert admin_browser.get(f"{BASE}{entry.pk}/change/").status_code == 200
    assert admin_browser.post(f"{BASE}{entry.pk}/change/", {"rank": "9"}).status_code == 403


def test_removing_from_admin_is_audited_with_the_admin_as_actor(admin_browser, queued, admin_user):
    sol = QueueEntry.objects.get(symbol="SOL/USDT")
    notes = _action(admin_browser, "remove_selected", sol)
    assert len(notes) == 1 and "removed from the queue" in notes[0]
    sol.refresh_from_db()
    assert sol.status == "removed" and sol.reason == "Removed from the queue by an administrator."
    assert AuditLog.objects.filter(action="queue.remove", actor=admin_user, owner=queued.user).count() == 1


def test_promoting_from_admin_opens_into_a_free_slot_and_refuses_a_full_pool(admin_browser, queued):
    sol, ltc = QueueEntry.objects.get(symbol="SOL/USDT"), QueueEntry.objects.get(symbol="LTC/USDT")
    refused = _action(admin_browser, "promote_selected", sol)
    assert len(refused) == 1 and "Your execution pool is full (1/1" in refused[0]
    trading_config_update(user=queued.user, fields={"max_open_groups": 2}, partial=True)
    notes = _action(admin_browser, "promote_selected", ltc)  # the refusal above is still unread
    assert "LTC/USDT" in notes[-1] and "promoted" in notes[-1]
    ltc.refresh_from_db()
    assert (ltc.status, ltc.promoted_by) == ("promoted", "manual")
    assert AuditLog.objects.filter(action="queue.promote").count() == 1
